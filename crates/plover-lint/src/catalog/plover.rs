//! Plover's own rules (crates/plover-lint/src/rules), and the findings about the linting
//! itself.

use super::{Origin, RuleInfo};
use crate::{RiskTier, Severity};

const fn plover(
    id: &'static str,
    severity: Severity,
    tier: RiskTier,
    texts: [&'static str; 5],
) -> RuleInfo {
    let [summary, why, recipe, unsafe_example, safe_example] = texts;
    RuleInfo {
        id,
        severity,
        tier,
        default_on: true,
        summary,
        why,
        recipe,
        unsafe_example,
        safe_example,
        origin: Origin::Plover,
        min_postgres: 0,
    }
}

/// Plover's rules, sorted by id.
pub const RULES: &[RuleInfo] = &[
    plover(
        "adding-exclusion-constraint",
        Severity::Error,
        RiskTier::LockRisky,
        [
            "An exclusion constraint added to an existing table.",
            "Adding it takes an ACCESS EXCLUSIVE lock while PostgreSQL builds the constraint's index and checks every row against every other: reads and writes wait for all of it. Unlike CHECK and foreign keys, it cannot be added NOT VALID and validated later.",
            "Declare exclusion constraints when the table is created. On an existing table, enforce the rule in a trigger (or in the application) until a maintenance window, or create the new table with the constraint, backfill it, and switch over with an online migration.",
            "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
            "CREATE TABLE bookings (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));",
        ],
    ),
    plover(
        "ban-cluster",
        Severity::Error,
        RiskTier::LockRisky,
        [
            "`CLUSTER`, which rewrites a table in index order.",
            "It holds an ACCESS EXCLUSIVE lock while it copies the whole table and rebuilds every index: reads and writes wait for all of it.",
            "Leave physical ordering to a maintenance window, or use pg_repack (or `REPACK (CONCURRENTLY)` from PostgreSQL 19), outside the migration.",
            "CLUSTER orders USING orders_created_at;",
            "CREATE INDEX CONCURRENTLY orders_created_at ON orders (created_at);",
        ],
    ),
    plover(
        "ban-vacuum-full",
        Severity::Error,
        RiskTier::LockRisky,
        [
            "`VACUUM FULL`, which rewrites a table to return its space to the system.",
            "It holds an ACCESS EXCLUSIVE lock while it writes a complete new copy of the table and its indexes: reads and writes wait for all of it, and it needs room for both copies.",
            "Run plain `VACUUM` (no lock against reads or writes), or pg_repack (or `REPACK (CONCURRENTLY)` from PostgreSQL 19) in a maintenance window, outside the migration.",
            "VACUUM FULL orders;",
            "VACUUM (ANALYZE) orders;",
        ],
    ),
    plover(
        "prefer-jsonb",
        Severity::Warning,
        RiskTier::Additive,
        [
            "Columns of type `json` rather than `jsonb`.",
            "`json` keeps the text and parses it on every access; it has no equality operator (so no DISTINCT, GROUP BY or unique index) and no GIN index. Changing the type later rewrites the table under an ACCESS EXCLUSIVE lock.",
            "Declare the column `jsonb` from the start.",
            "CREATE TABLE events (id bigint, payload json);",
            "CREATE TABLE events (id bigint, payload jsonb);",
        ],
    ),
    plover(
        "renaming-enum-value",
        Severity::Error,
        RiskTier::Destructive,
        [
            "`ALTER TYPE ... RENAME VALUE`.",
            "The rename is instant, but every running client that writes or compares the old value starts failing with `invalid input value for enum` the moment it commits.",
            "Add the new value (`ALTER TYPE ... ADD VALUE`), move the data and the code to it, and only rename or stop using the old value once no deployed code uses it.",
            "ALTER TYPE order_state RENAME VALUE 'shipped' TO 'sent';",
            "ALTER TYPE order_state ADD VALUE 'sent';",
        ],
    ),
    plover(
        "security-definer-search-path",
        Severity::Error,
        RiskTier::Reversible,
        [
            "`SECURITY DEFINER` functions without a pinned `search_path`.",
            "The function runs with its owner's privileges but resolves unqualified names through the caller's `search_path`, which the caller controls: a caller can put its own function or table in front and run it with the owner's rights.",
            "Add `SET search_path = pg_catalog, pg_temp` (or the schemas it needs, pg_temp last) to the function's definition, and qualify the names it uses.",
            "CREATE FUNCTION purge() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ DELETE FROM sessions $$;",
            "CREATE FUNCTION purge() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ DELETE FROM public.sessions $$;",
        ],
    ),
    plover(
        "unbatched-data-change",
        Severity::Warning,
        RiskTier::Reversible,
        [
            "`UPDATE` or `DELETE` of a whole table in a schema migration.",
            "One statement locks every row it changes until the migration commits, writes a burst of WAL that replicas must replay, and leaves as many dead tuples for vacuum; on a large table it can run for minutes while other writers wait.",
            "Backfill in batches outside the schema migration (or in an online migration), each batch its own short transaction; keep the schema migration to the DDL.",
            "UPDATE accounts SET plan = 'free';",
            "UPDATE accounts SET plan = 'free' WHERE id BETWEEN 1 AND 10000;",
        ],
    ),
    RuleInfo {
        id: "unknown-allowed-rule",
        severity: Severity::Error,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "A `-- plover:allow RULE reason` comment that names no rule.",
        why: "A misspelt rule in an allow comment allows nothing: the finding it meant to accept still stops `plover up`, or, worse, the author believes a risk was reviewed when it was not.",
        recipe: "Use a rule id from `plover lint --list-rules`.",
        unsafe_example: "-- plover:allow ban-drop-colum the app stopped reading it\nALTER TABLE t DROP COLUMN c;",
        safe_example: "-- plover:allow ban-drop-column the app stopped reading it\nALTER TABLE t DROP COLUMN c;",
        origin: Origin::Plover,
        min_postgres: 0,
    },
    RuleInfo {
        id: "unparsed-sql",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "SQL that squawk's PostgreSQL parser cannot read.",
        why: "The statements it cannot read are not checked by any rule, so their risks go unreported. (It may also be a syntax error the server will reject.)",
        recipe: "Check the statement runs (`plover up --dry-run` against a scratch database); if it is valid PostgreSQL, review its locks by hand.",
        unsafe_example: "CREATE TABLE t (;",
        safe_example: "CREATE TABLE t (id bigint);",
        origin: Origin::Plover,
        min_postgres: 0,
    },
];
