//! squawk's rules (squawk-linter 2.68.0) as Plover presents them: Plover's own severity, risk
//! tier and default for each, with texts and examples written for Plover. Each unsafe example is
//! flagged by its rule and each safe example is not, when linted for PostgreSQL 15 as a
//! transactional migration; the one exception is `prefer-repack`, which squawk checks only for
//! PostgreSQL 19 and later.

use super::{Origin, RuleInfo};
use crate::{RiskTier, Severity};

/// squawk's rules, sorted by id. `unused-ignore` (about squawk's own ignore comments) and the
/// alias `require-timeout-settings` (`require-lock-timeout` plus `require-statement-timeout`) are
/// left out.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "adding-field-with-default",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Adds a column with a volatile default, or a generated column, to an existing \
            table",
        why: "PostgreSQL 11 and later store a constant or non-volatile default in the catalog, so \
            such a column is added at once. A volatile default (`gen_random_uuid()`, `random()`, \
            `clock_timestamp()`) or a stored generated column must instead be computed for every \
            existing row: the table is rewritten under ACCESS EXCLUSIVE, and reads and writes wait \
            until the rewrite ends. Before PostgreSQL 11 every default rewrote the table, and \
            squawk flags every default when linting for those versions. It flags every generated \
            column, including the virtual ones of PostgreSQL 18, which need no rewrite.",
        recipe: "Add the column without a default, then `ALTER COLUMN ... SET DEFAULT` so that new \
            rows get the value (a catalog-only change), and fill existing rows in batches of \
            `UPDATE ... WHERE id BETWEEN ... AND col IS NULL`, in a `-- plover:no-transaction` \
            migration so that each batch commits on its own. For a value derived from other \
            columns, compute it in a view, or keep a plain column in sync with a trigger.",
        unsafe_example: "ALTER TABLE users ADD COLUMN api_key uuid DEFAULT gen_random_uuid();",
        safe_example: "ALTER TABLE users ADD COLUMN api_key uuid;\n\
            ALTER TABLE users ALTER COLUMN api_key SET DEFAULT gen_random_uuid();\n\
            -- then backfill existing rows in batches, in a no-transaction migration:\n\
            -- UPDATE users SET api_key = gen_random_uuid() WHERE id <= 10000 AND api_key IS NULL;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "adding-foreign-key-constraint",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Adds a foreign key that is validated at once against an existing table",
        why: "`ADD FOREIGN KEY` takes SHARE ROW EXCLUSIVE on both the table and the referenced \
            table and checks every existing row before it commits: writes to both tables wait for \
            the whole scan (reads continue). Squawk does not flag `ADD CONSTRAINT` on a table \
            created earlier in the same transaction, but flags `ADD COLUMN ... REFERENCES` every \
            time, although a new column holds only NULLs.",
        recipe: "Add the constraint with `NOT VALID`: it is enforced for new writes at once and \
            its lock is held only briefly. In a later migration, run `ALTER TABLE ... VALIDATE \
            CONSTRAINT`, which scans under SHARE UPDATE EXCLUSIVE (ROW SHARE on the referenced \
            table) while reads and writes continue. To add a referencing column, add it without \
            `REFERENCES` first, then the constraint with `NOT VALID`.",
        unsafe_example: "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey\n    \
            FOREIGN KEY (user_id) REFERENCES users (id);",
        safe_example: "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey\n    \
            FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n\
            -- next migration:\n\
            -- ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "adding-not-nullable-field",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Sets NOT NULL on an existing column that no validated IS NOT NULL check covers",
        why: "`SET NOT NULL` takes ACCESS EXCLUSIVE and scans the whole table for NULLs: reads and \
            writes wait for the scan. Since PostgreSQL 12 the scan is skipped when a validated \
            `CHECK (col IS NOT NULL)` constraint already proves the column has no NULLs. Squawk \
            accepts that pattern only when linting for PostgreSQL 12 or later (a `VALIDATE \
            CONSTRAINT` on the same table earlier in the file counts), and flags every `SET NOT \
            NULL` for older versions.",
        recipe: "In one migration add `CHECK (col IS NOT NULL) NOT VALID`. In the next, `VALIDATE \
            CONSTRAINT` it (a scan that lets reads and writes continue), then `SET NOT NULL`, \
            which now skips the scan, then drop the check, which is redundant from then on.",
        unsafe_example: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        safe_example: "-- previous migration:\n\
            -- ALTER TABLE users ADD CONSTRAINT users_email_not_null\n\
            --     CHECK (email IS NOT NULL) NOT VALID;\n\
            ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\n\
            ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n\
            ALTER TABLE users DROP CONSTRAINT users_email_not_null;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "adding-required-field",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Adds a NOT NULL column without a default to an existing table",
        why: "On a table with rows PostgreSQL rejects the statement, because the new column would \
            be NULL in every row, so the migration fails. On an empty table it succeeds, but every \
            `INSERT` from code deployed before the migration then fails, because that code does \
            not supply the column.",
        recipe: "Add the column with a non-volatile default (`ADD COLUMN col type NOT NULL DEFAULT \
            value`), which is a catalog-only change since PostgreSQL 11; or add it nullable, \
            backfill it, and set NOT NULL through a validated check (see \
            `adding-not-nullable-field`). Drop the default only after every writer supplies the \
            column.",
        unsafe_example: "ALTER TABLE users ADD COLUMN plan text NOT NULL;",
        safe_example: "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "adding-serial-primary-key-field",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Adds a primary key to an existing table without USING INDEX",
        why: "`ADD PRIMARY KEY` builds a unique index while holding ACCESS EXCLUSIVE on the table, \
            after scanning for NULLs if the key columns are not yet NOT NULL: reads and writes \
            wait for the whole build. Despite its name, the rule flags any primary key added this \
            way, in `ADD CONSTRAINT` or in `ADD COLUMN`.",
        recipe: "Build the index with `CREATE UNIQUE INDEX CONCURRENTLY` in a `-- \
            plover:no-transaction` migration, make sure the key columns are NOT NULL (see \
            `adding-not-nullable-field`), then attach the index with `ALTER TABLE ... ADD \
            CONSTRAINT ... PRIMARY KEY USING INDEX`, which holds its lock only briefly.",
        unsafe_example: "ALTER TABLE items ADD PRIMARY KEY (id);",
        safe_example: "-- plover:no-transaction\n\
            CREATE UNIQUE INDEX CONCURRENTLY items_pkey_idx ON items (id);\n\
            ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_pkey_idx;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-add-column",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: false,
        summary: "Adds a column to an existing table",
        why: "Code deployed before the migration receives rows of a new shape: `SELECT *` returns \
            an extra column, and code that maps columns by position, or copies whole rows between \
            tables of the same shape, can break. Adding a nullable column, or one with a \
            non-volatile default, holds ACCESS EXCLUSIVE only briefly.",
        recipe: "First deploy code that names its columns (no `SELECT *`, `INSERT` with a column \
            list), then add the column. Or keep the new data in a new table keyed by the existing \
            table's primary key. Columns added to a table created earlier in the same file are not \
            flagged.",
        unsafe_example: "ALTER TABLE users ADD COLUMN nickname text;",
        safe_example: "CREATE TABLE user_nicknames (\n    \
            user_id bigint PRIMARY KEY REFERENCES users (id),\n    \
            nickname text NOT NULL\n\
            );",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-add-composite-attribute",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: false,
        summary: "Adds an attribute to an existing composite type",
        why: "Every value of the type gains a field: code that reads the type as a row literal or \
            maps its fields by position receives values of a new shape. PostgreSQL refuses the \
            change while a typed table uses the type, unless `CASCADE` extends the table too.",
        recipe: "First deploy readers that tolerate the extra attribute, then add it. Or create a \
            new type and move columns and functions to it one by one. Attributes added to a type \
            created earlier in the same file are not flagged.",
        unsafe_example: "ALTER TYPE address ADD ATTRIBUTE country text;",
        safe_example: "CREATE TYPE address_v2 AS (street text, city text, country text);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-add-enum-value",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: false,
        summary: "Adds a value to an existing enum type",
        why: "Code deployed before the migration can now read a value it does not know, and strict \
            decoders (enums generated into application code) fail on it. The value cannot be taken \
            back: PostgreSQL has no `ALTER TYPE ... DROP VALUE`. Before PostgreSQL 12 `ADD VALUE` \
            cannot run in a transaction; since 12 it can, but the new value cannot be used until \
            the transaction commits.",
        recipe: "First deploy readers that accept the new value, then add it in its own migration. \
            For value sets that grow often, use a lookup table with a foreign key instead of an \
            enum: adding a value is then an `INSERT`. Values added to an enum created earlier in \
            the same file are not flagged.",
        unsafe_example: "ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';",
        safe_example: "INSERT INTO order_statuses (name) VALUES ('refunded');",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-database-options",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Changes a database's options or its default settings",
        why: "`ALTER DATABASE ... SET` changes the defaults of every new session on the database \
            (search_path, timeouts, work_mem), so every application using it behaves differently \
            from its next connection on, while sessions already open keep the old values until \
            pools recycle them. Options such as `CONNECTION LIMIT` or `ALLOW_CONNECTIONS false` \
            can refuse connections outright.",
        recipe: "Set what one application needs in its own connection settings, or for its role \
            only (`ALTER ROLE ... IN DATABASE ... SET`), and roll the change out with the \
            application.",
        unsafe_example: "ALTER DATABASE app SET search_path = app, public;",
        safe_example: "ALTER ROLE app_user IN DATABASE app SET search_path = app, public;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-domain-with-add-constraint",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Adds a constraint to an existing domain",
        why: "PostgreSQL checks the new constraint against every column of every table that uses \
            the domain, locking each table against writes while it scans. Because one statement \
            covers all those tables, the work cannot be staged table by table. Squawk flags this \
            even with `NOT VALID`.",
        recipe: "Put the rule on the table columns instead: `ALTER TABLE ... ADD CONSTRAINT ... \
            CHECK (...) NOT VALID` on each table, then `VALIDATE CONSTRAINT` in a later migration \
            (see `constraint-missing-not-valid`).",
        unsafe_example: "ALTER DOMAIN email_address\n    \
            ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');",
        safe_example: "ALTER TABLE users ADD CONSTRAINT users_email_has_at\n    \
            CHECK (email LIKE '%@%') NOT VALID;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-extension",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Updates an installed extension, or removes an object from it",
        why: "`ALTER EXTENSION ... UPDATE` runs the extension's upgrade scripts, which can \
            replace, change or drop functions, types and operators that running code uses, and \
            most extensions ship no downgrade script, so a down migration cannot undo it. `ALTER \
            EXTENSION ... DROP` detaches a member object: it stays, but the extension no longer \
            manages it, and dumps and a later `DROP EXTENSION` treat it differently.",
        recipe: "Upgrade extensions as a planned operation, after reading their release notes and \
            testing the new version, rather than in an application migration. In migrations, only \
            create missing extensions, at a pinned version.",
        unsafe_example: "ALTER EXTENSION postgis UPDATE TO '3.4.2';",
        safe_example: "CREATE EXTENSION IF NOT EXISTS postgis VERSION '3.4.2';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-function-options",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Changes the options of an existing function, procedure or routine",
        why: "Options such as `SECURITY DEFINER`, volatility, `STRICT`, `PARALLEL` and `SET \
            search_path` change how every existing call behaves: whose privileges it runs with, \
            which objects it resolves, whether the planner may evaluate it once and reuse the \
            result, whether NULL arguments skip it. Callers deployed before the migration are not \
            told.",
        recipe: "Create a function with the new options under a new name, move callers to it in a \
            deploy, and drop the old one in a later migration.",
        unsafe_example: "ALTER FUNCTION current_tenant_id() SECURITY DEFINER;",
        safe_example: "CREATE FUNCTION current_tenant_id_v2() RETURNS bigint\n    \
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog\n    \
            AS $$ SELECT current_setting('app.tenant_id')::bigint $$;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-generated-expression",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: false,
        summary: "Changes the expression of a generated column, or adds a generated column to an \
            existing table",
        why: "`ALTER COLUMN ... SET EXPRESSION` (PostgreSQL 17 and later) recomputes a stored \
            generated column for every row, rewriting the table under ACCESS EXCLUSIVE, and code \
            reading the column silently gets different values. Adding a stored generated column \
            rewrites the table too, and code that copies whole rows into the table (`INSERT ... \
            SELECT *`) fails, because a generated column cannot be written.",
        recipe: "Expose the new computation next to the old one: a view that computes it, or a new \
            plain column kept in sync by a trigger and backfilled in batches. Move readers over, \
            then drop the old column in a later migration.",
        unsafe_example: "ALTER TABLE orders\n    \
            ALTER COLUMN total SET EXPRESSION AS (subtotal + tax + shipping);",
        safe_example: "CREATE VIEW order_totals AS\n    \
            SELECT id, subtotal + tax + shipping AS total FROM orders;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-identity",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Adds, drops or tightens the identity of an existing column",
        why: "An identity decides what inserts may do. `SET GENERATED ALWAYS` (or `ADD GENERATED \
            ALWAYS`) makes every insert that supplies its own id fail; `DROP IDENTITY` makes \
            inserts that omit the id store NULL or fail; `ADD GENERATED` creates a sequence \
            starting at 1, so inserts collide with existing ids until it is moved past them. Each \
            takes ACCESS EXCLUSIVE on the table.",
        recipe: "Prefer `GENERATED BY DEFAULT`, which still accepts explicit ids, and switch to \
            `ALWAYS` only after every writer omits the column. When turning a serial column into \
            an identity, drop its old default and give the identity a start above the current \
            maximum id in the same migration (`ADD GENERATED BY DEFAULT AS IDENTITY (START WITH \
            ...)`).",
        unsafe_example: "ALTER TABLE orders ALTER COLUMN id SET GENERATED ALWAYS;",
        safe_example: "ALTER TABLE orders ALTER COLUMN id SET GENERATED BY DEFAULT;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-policy-condition",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Changes the USING or WITH CHECK expression of an existing row-level security \
            policy",
        why: "The new expression applies to every query once the migration commits: rows can \
            vanish from reads, and inserts or updates that used to pass can fail with a row-level \
            security violation, in code that has not changed.",
        recipe: "To grant more, add another permissive policy (permissive policies are combined \
            with OR) and leave the existing one alone. To restrict, first deploy code that no \
            longer needs the rows or writes that will be refused, then change the policy.",
        unsafe_example: "ALTER POLICY tenant_isolation ON documents\n    \
            USING (tenant_id = current_setting('app.tenant_id')::bigint OR shared);",
        safe_example: "CREATE POLICY shared_documents ON documents FOR SELECT\n    \
            USING (shared);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-policy-roles",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Changes the roles an existing row-level security policy applies to",
        why: "Roles taken off a permissive policy lose the rows it granted, and roles taken off a \
            restrictive one escape its restriction, as soon as the migration commits: code running \
            as those roles sees different rows without any change of its own.",
        recipe: "To extend a policy to another role, create a separate policy for that role. To \
            take a role off, first deploy code that no longer relies on the policy for that role.",
        unsafe_example: "ALTER POLICY tenant_isolation ON documents TO app_reader;",
        safe_example: "CREATE POLICY tenant_isolation_reporting ON documents TO app_reporting\n    \
            USING (tenant_id = current_setting('app.tenant_id')::bigint);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-role-options",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Changes a role's attributes or its default settings",
        why: "Role attributes (`LOGIN`, `CONNECTION LIMIT`, `PASSWORD`, `VALID UNTIL`, \
            `BYPASSRLS`) and per-role settings (`ALTER ROLE ... SET`) apply to every client using \
            the role: `NOLOGIN` or a low connection limit refuses connections, a new password \
            locks out clients that have not been redeployed, and new settings reach new sessions \
            only, so pooled connections disagree until they are recycled.",
        recipe: "Give the workload that needs different options a role of its own (`CREATE ROLE \
            ... IN ROLE shared_role` to inherit the shared role's privileges), move the workload \
            to it, and leave the shared role unchanged.",
        unsafe_example: "ALTER ROLE app_user CONNECTION LIMIT 20;",
        safe_example: "CREATE ROLE app_batch LOGIN CONNECTION LIMIT 20 IN ROLE app_user;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-row-level-security",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Enables, disables, forces or unforces row-level security on a table",
        why: "`ENABLE ROW LEVEL SECURITY` on a table without policies hides every row from every \
            role except the owner and superusers; `FORCE` applies the policies to the owner as \
            well; `DISABLE` and `NO FORCE` expose rows the policies were hiding. Each takes effect \
            for running code as soon as the migration commits.",
        recipe: "Create the policies first, covering every query the application makes (try them \
            under `SET ROLE` in a test), and enable row-level security in a later migration. \
            Disable it only after no code relies on it.",
        unsafe_example: "ALTER TABLE documents ENABLE ROW LEVEL SECURITY;",
        safe_example: "CREATE POLICY tenant_isolation ON documents\n    \
            USING (tenant_id = current_setting('app.tenant_id')::bigint);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-sequence-values",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Restarts an existing sequence or identity, or changes its increment, bounds or \
            cache",
        why: "`RESTART` makes the sequence hand out values that are already used, so inserts fail \
            with duplicate keys; a new `INCREMENT`, `MINVALUE`, `MAXVALUE` or `CYCLE` changes the \
            ids running code receives and can exhaust or wrap the sequence. Sequences created \
            earlier in the same file are not flagged.",
        recipe: "Leave the sequences of existing tables alone. To move one past imported ids, only \
            ever raise it, with `setval` to the current maximum; for a new numbering scheme, \
            create a new sequence.",
        unsafe_example: "ALTER SEQUENCE orders_id_seq RESTART WITH 1;",
        safe_example: "SELECT setval('orders_id_seq', (SELECT max(id) FROM orders));",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-system-options",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Changes server configuration with ALTER SYSTEM",
        why: "`ALTER SYSTEM` writes `postgresql.auto.conf`, which applies to every database and \
            application on the server once the configuration is reloaded or the server restarts, \
            possibly long after the migration. It cannot run in a transaction, so Plover refuses \
            it in a transactional migration, and it needs superuser or an explicit grant.",
        recipe: "Manage server configuration with your infrastructure tooling. When a setting only \
            matters to this application, scope it to its database or role (`ALTER DATABASE ... \
            SET` or `ALTER ROLE ... SET`).",
        unsafe_example: "ALTER SYSTEM SET work_mem = '64MB';",
        safe_example: "ALTER DATABASE app SET work_mem = '64MB';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-alter-view-options",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Changes the options of an existing view",
        why: "View options change how every query through the view is checked: `security_invoker` \
            makes the view check the caller's privileges and row-level security instead of the \
            owner's, `security_barrier` limits what the planner may push into the view, and \
            `check_option` makes writes through the view reject rows the view would not show.",
        recipe: "Create a new view with the new options (`CREATE VIEW ..._v2 WITH (...) AS ...`), \
            move readers to it, and drop the old view in a later migration.",
        unsafe_example: "ALTER VIEW active_users SET (security_invoker = true);",
        safe_example: "CREATE VIEW active_users_v2 WITH (security_invoker = true) AS\n    \
            SELECT id, email FROM users WHERE active;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-char-field",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Declares a column as char(n) or character(n)",
        why: "`char(n)` pads values with spaces to n characters and ignores trailing spaces when \
            comparing, which surprises clients; a bare `char` is `char(1)`. It is no faster than \
            `text` in PostgreSQL.",
        recipe: "Use `text` (or `varchar` without a length), with a CHECK constraint if the length \
            must be limited.",
        unsafe_example: "CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);",
        safe_example: "CREATE TABLE countries (\n    \
            code text PRIMARY KEY CHECK (char_length(code) = 2),\n    \
            name text NOT NULL\n\
            );",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-concurrent-index-creation-in-transaction",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Creates an index CONCURRENTLY in a migration that runs in a transaction",
        why: "PostgreSQL refuses `CREATE INDEX CONCURRENTLY` inside a transaction block, so a \
            transactional migration containing it cannot run (Plover refuses such a file before \
            running anything). Squawk considers a statement to be in a transaction when the file \
            is linted as transactional or the statement follows a `BEGIN`, and never flags a file \
            that holds this one statement only.",
        recipe: "Put the statement in a migration of its own whose header is `-- \
            plover:no-transaction`. Plover then runs it outside any transaction and, if the build \
            is interrupted, drops the INVALID index it leaves before building again.",
        unsafe_example: "CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\n\
            ALTER TABLE orders ADD COLUMN note text;",
        safe_example: "-- plover:no-transaction\n\
            CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-create-domain-with-constraint",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Creates a domain with a constraint",
        why: "A domain's constraints hold for every column of that type at once, so they cannot be \
            changed table by table: adding one later scans every such column while blocking writes \
            to each table, and adding a column of a constrained domain to an existing table \
            rewrites the table under ACCESS EXCLUSIVE so that the constraints are checked for \
            every row.",
        recipe: "Create the domain without constraints (or use the base type), and put CHECK \
            constraints on the table columns, where they can be added `NOT VALID` and validated \
            table by table.",
        unsafe_example: "CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%');",
        safe_example: "CREATE DOMAIN email_address AS text;\n\
            ALTER TABLE users ADD CONSTRAINT users_email_has_at\n    \
            CHECK (email LIKE '%@%') NOT VALID;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-create-policy",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Creates a row-level security policy",
        why: "On a table with row-level security enabled, a new permissive policy reveals rows \
            that were hidden, and a new restrictive policy hides rows and refuses writes, for \
            every query once the migration commits. Code deployed before the migration is not \
            told.",
        recipe: "Create policies before enabling row-level security on the table, and try them \
            under `SET ROLE` against the queries the application runs. Before adding a restrictive \
            policy, deploy code that no longer reads or writes the rows it will hide. To hide rows \
            from one part of the application only, a view is often enough.",
        unsafe_example: "CREATE POLICY hide_archived ON documents AS RESTRICTIVE\n    \
            USING (NOT archived);",
        safe_example: "CREATE VIEW current_documents AS\n    \
            SELECT * FROM documents WHERE NOT archived;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-detach-inheritance",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Detaches a partition, or removes a table from its inheritance parent",
        why: "Queries on the parent stop seeing the detached table's rows, without any error, and \
            inserts into the parent for the detached range fail with no partition found (unless a \
            default partition takes them). Code that reads and writes through the parent loses \
            data it expects. `CONCURRENTLY` does not change this.",
        recipe: "First deploy code that no longer needs those rows through the parent (or reads \
            the partition directly), then detach it in its own migration (with `CONCURRENTLY`, see \
            `require-concurrent-partition-detach`). To archive old data, copy it elsewhere first.",
        unsafe_example: "ALTER TABLE events DETACH PARTITION events_2023;",
        safe_example: "CREATE TABLE events_2023_archive AS SELECT * FROM events_2023;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-disable-trigger",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Disables, enables or retargets a trigger or rule, or relaxes row-level security, \
            on a table",
        why: "`ALTER TABLE ... DISABLE TRIGGER` turns the trigger off for every session, not just \
            the migration. In a no-transaction migration, or until it is enabled again, concurrent \
            writes skip it: the audit rows, counters or denormalised values it maintains are not \
            written, and cannot be rebuilt later. Inside one transaction the SHARE ROW EXCLUSIVE \
            lock it takes blocks every write to the table until commit instead. `ENABLE [REPLICA | \
            ALWAYS]` has the same reach, and squawk also flags `DISABLE`, `FORCE` and `NO FORCE \
            ROW LEVEL SECURITY` here.",
        recipe: "To skip a trigger for the migration's own statements only, make the trigger \
            function return early when a custom setting is on (`current_setting('app.skip_audit', \
            true) = 'on'`), and `SET LOCAL` that setting in the migration: the trigger keeps \
            firing for everyone else.",
        unsafe_example: "ALTER TABLE orders DISABLE TRIGGER orders_audit;",
        safe_example: "SET LOCAL app.skip_audit = 'on';\n\
            UPDATE orders SET region = 'eu' WHERE region IS NULL;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-column",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Drops a column from a table, or an attribute from a composite type",
        why: "Code deployed before the migration still selects, inserts or updates the column, and \
            fails with an undefined column error as soon as the migration commits; the column's \
            data is gone, short of a backup. The drop itself holds ACCESS EXCLUSIVE briefly and \
            does not rewrite the table.",
        recipe: "Stop using the column first: deploy code that neither reads nor writes it (an ORM \
            may need it marked as ignored), and make sure inserts that omit it still work \
            (nullable, or with a default). Drop it in a later migration, once no running version \
            uses it, with `-- plover:allow ban-drop-column` and the reason.",
        unsafe_example: "ALTER TABLE users DROP COLUMN legacy_flag;",
        safe_example: "-- no deployed code reads or writes users.legacy_flag any more\n\
            COMMENT ON COLUMN users.legacy_flag IS 'deprecated: unused, to be dropped';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-constraint",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Drops a table or domain constraint, or makes a constraint NOT ENFORCED",
        why: "Code and data rely on the guarantee: once it is gone, duplicates, orphans or \
            out-of-range values can be written, and putting the constraint back needs another full \
            validation, which fails if bad rows arrived meanwhile. Dropping a unique or primary \
            key constraint also drops its index, which foreign keys, `ON CONFLICT` clauses and \
            query plans may need.",
        recipe: "To replace a constraint, add the new one first (`NOT VALID`, validated in a later \
            migration) and drop the old one afterwards. To remove a rule for good, first deploy \
            code that no longer relies on it.",
        unsafe_example: "ALTER TABLE orders DROP CONSTRAINT orders_total_check;",
        safe_example: "ALTER TABLE orders ADD CONSTRAINT orders_total_check_v2\n    \
            CHECK (total >= 0 AND total < 1000000) NOT VALID;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-database",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Drops a database",
        why: "Everything in the database is deleted, short of a backup, and every application \
            connected to it breaks. PostgreSQL refuses `DROP DATABASE` inside a transaction, and \
            while other sessions are connected unless `WITH (FORCE)` terminates them.",
        recipe: "Do not drop databases from application migrations. Retire one as an operations \
            task: take a final backup, revoke `CONNECT`, watch for errors, then drop it by hand.",
        unsafe_example: "DROP DATABASE analytics;",
        safe_example: "REVOKE CONNECT ON DATABASE analytics FROM PUBLIC;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-default",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Drops the default of a column, domain or view column",
        why: "Inserts from code deployed before the migration that omit the column now store NULL, \
            or fail if the column is NOT NULL. No data is lost, but writers break or write NULLs \
            nobody expects.",
        recipe: "First deploy code that always supplies the column, then drop the default in a \
            later migration. To change a default, set the new one with `SET DEFAULT` instead of \
            dropping it.",
        unsafe_example: "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;",
        safe_example: "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-domain",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Drops a domain",
        why: "While columns use the domain, PostgreSQL refuses to drop it unless `CASCADE` is \
            given, and `CASCADE` drops those columns with their data. Code that casts to the \
            domain fails.",
        recipe: "Move every column off the domain and deploy code that no longer casts to it; then \
            drop it without `CASCADE` in a later migration, so that PostgreSQL refuses if anything \
            still depends on it.",
        unsafe_example: "DROP DOMAIN email_address CASCADE;",
        safe_example: "\
            COMMENT ON DOMAIN email_address IS 'deprecated: columns are moving to text';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-extension",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Drops an extension",
        why: "All of the extension's functions, types, operators and index methods go with it; \
            with `CASCADE`, so do the columns, indexes and views that use them, and their data. \
            Code calling its functions fails at once.",
        recipe: "First move columns, indexes and code off the extension's objects; then drop it \
            without `CASCADE` in a migration of its own, so that PostgreSQL refuses while anything \
            still depends on it.",
        unsafe_example: "DROP EXTENSION hstore;",
        safe_example: "COMMENT ON EXTENSION hstore IS 'deprecated: new code uses jsonb';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-function",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Drops a function, procedure, routine or aggregate",
        why: "Code, views, triggers and defaults that call it fail, or keep PostgreSQL from \
            dropping it unless `CASCADE` removes them too. Functions are identified by name and \
            argument types, so changing a signature by dropping and recreating breaks callers of \
            the old one.",
        recipe: "Add the new function or signature next to the old one, move callers in a deploy, \
            and drop the old one in a later migration. To change only the body, use `CREATE OR \
            REPLACE FUNCTION` with the same signature.",
        unsafe_example: "DROP FUNCTION order_total(bigint);",
        safe_example: "CREATE FUNCTION order_total(order_id bigint, include_tax boolean)\n    \
            RETURNS numeric LANGUAGE sql STABLE\n    \
            AS $$ SELECT sum(amount) * CASE WHEN $2 THEN 1.2 ELSE 1 END\n          \
            FROM order_lines WHERE order_lines.order_id = $1 $$;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-generated-expression",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Turns a generated column into a plain column with DROP EXPRESSION",
        why: "The column keeps its current values but is no longer computed: rows written \
            afterwards hold NULL or whatever the writer supplies, so readers that trust it see \
            stale or missing values. It takes ACCESS EXCLUSIVE on the table.",
        recipe: "Before dropping the expression, deploy code (or a trigger on a new column) that \
            computes and writes the value itself; or add a plain column, move writers and then \
            readers to it, and drop the generated column in a later migration.",
        unsafe_example: "ALTER TABLE orders ALTER COLUMN total DROP EXPRESSION;",
        safe_example: "ALTER TABLE orders ADD COLUMN total_stored numeric;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-index",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Drops an index, concurrently or not",
        why: "Queries that used the index fall back to slower plans, which can overload the \
            database under production traffic, and rebuilding it is another full index build. If \
            it was unique, duplicates can now be written, and `ON CONFLICT` clauses that relied on \
            it fail.",
        recipe: "Check that the index is unused (`idx_scan` in `pg_stat_user_indexes` stays \
            unchanged over a representative period, on the primary and every replica) and not \
            needed for uniqueness; then drop it with `DROP INDEX CONCURRENTLY` in a `-- \
            plover:no-transaction` migration, with `-- plover:allow ban-drop-index` and the \
            evidence as the reason.",
        unsafe_example: "-- plover:no-transaction\n\
            DROP INDEX CONCURRENTLY orders_created_at_idx;",
        safe_example: "\
            COMMENT ON INDEX orders_created_at_idx IS 'candidate for removal: unused since May';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-not-null",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Removes NOT NULL from a table, foreign table or domain column",
        why: "Code deployed before the migration assumes the column always has a value; once NULLs \
            can be written, readers that do not handle them fail or misbehave, and restoring the \
            guarantee later takes a backfill and another NOT NULL validation.",
        recipe: "First deploy readers that handle NULL, then drop NOT NULL in a later migration; \
            that is the usual step before dropping a column. If the goal is only to let writers \
            omit the column, give it a default instead.",
        unsafe_example: "ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;",
        safe_example: "ALTER TABLE users ALTER COLUMN phone SET DEFAULT '';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-policy",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Drops a row-level security policy or a rewrite rule",
        why: "Dropping a permissive policy hides the rows it granted (all rows, for roles it was \
            the last policy for), and dropping a restrictive policy exposes rows it hid. Dropping \
            a rule removes whatever the rule did, such as making a view writable. Running code is \
            affected as soon as the migration commits.",
        recipe: "To change a policy, create its replacement first and drop the old one once the \
            replacement is confirmed, or change it in place with `ALTER POLICY`. Drop it for good \
            only after no code relies on it.",
        unsafe_example: "DROP POLICY tenant_isolation ON documents;",
        safe_example: "CREATE POLICY tenant_isolation_v2 ON documents\n    \
            USING (tenant_id = current_setting('app.tenant_id')::bigint);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-schema",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Drops a schema",
        why: "Without `CASCADE` PostgreSQL refuses while the schema holds anything; with \
            `CASCADE`, every table, view, function and type in it is dropped, with all their data. \
            Code and search_path entries that name it break.",
        recipe: "Move or drop the schema's objects one by one in earlier migrations, each under \
            its own rules, then drop the empty schema without `CASCADE`, so that PostgreSQL \
            refuses if anything is left.",
        unsafe_example: "DROP SCHEMA reporting CASCADE;",
        safe_example: "\
            COMMENT ON SCHEMA reporting IS 'deprecated: objects are moving to analytics';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-sequence",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Drops a sequence",
        why: "Defaults and code that call `nextval` on it fail, so inserts break. Its current \
            value is lost: a recreated sequence starts again from its start value and hands out \
            numbers that are already used.",
        recipe: "First move the defaults and code that use it to another source of numbers and \
            deploy that; then drop it in a later migration.",
        unsafe_example: "DROP SEQUENCE invoice_number_seq;",
        safe_example: "\
            COMMENT ON SEQUENCE invoice_number_seq IS 'deprecated: replaced by invoices.id';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-table",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Drops a table or foreign table",
        why: "The table's rows are deleted, short of a backup, and code that still reads or writes \
            it fails as soon as the migration commits. `DROP TABLE` takes ACCESS EXCLUSIVE, so it \
            first waits for every running query on the table.",
        recipe: "Deploy code that no longer uses the table, keep the table for a while and back it \
            up; then drop it in a migration of its own, with `-- plover:allow ban-drop-table` and \
            the reason. Revoking the application's privileges on it first shows stray users as \
            errors that can be undone with a `GRANT`.",
        unsafe_example: "DROP TABLE legacy_events;",
        safe_example: "COMMENT ON TABLE legacy_events IS 'deprecated: unused since release 41';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-trigger",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Drops a trigger",
        why: "Whatever the trigger maintained (audit rows, denormalised columns, counters, checks \
            across tables) silently stops for every write after the commit, and the missed work \
            cannot be redone later.",
        recipe: "To change a trigger, use `CREATE OR REPLACE TRIGGER` (PostgreSQL 14 and later) or \
            replace its function; to retire it, first move its work elsewhere (the application, or \
            another trigger) and deploy that.",
        unsafe_example: "DROP TRIGGER orders_audit ON orders;",
        safe_example: "CREATE OR REPLACE TRIGGER orders_audit\n    \
            AFTER INSERT OR UPDATE ON orders\n    \
            FOR EACH ROW EXECUTE FUNCTION audit_row();",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-type",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Drops a type, cast, operator, operator class or operator family",
        why: "While columns or functions use a type, PostgreSQL refuses to drop it unless \
            `CASCADE` is given, and `CASCADE` drops those columns with their data. Dropping a \
            cast, operator or operator class breaks the queries and indexes that use it, and code \
            that names a dropped type fails.",
        recipe: "Move columns and functions to the replacement and deploy code that no longer \
            names the old one; then drop it without `CASCADE` in a later migration, so that \
            PostgreSQL refuses if anything still depends on it.",
        unsafe_example: "DROP TYPE order_status;",
        safe_example: "COMMENT ON TYPE order_status IS 'deprecated: replaced by order_status_v2';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-drop-view",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Drops a view or materialized view",
        why: "Code and other views that select from it fail; dependent views keep PostgreSQL from \
            dropping it unless `CASCADE` drops them too. A materialized view has to be computed \
            again in full to bring it back.",
        recipe: "To change a view's query, use `CREATE OR REPLACE VIEW`, which PostgreSQL allows \
            when the existing columns keep their names and types and new ones come last. To retire \
            a view, first deploy code that no longer uses it.",
        unsafe_example: "DROP VIEW active_users;",
        safe_example: "CREATE OR REPLACE VIEW active_users AS\n    \
            SELECT id, email, last_seen_at FROM users WHERE active;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-duplicate-column-assignments",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Names a column twice in an UPDATE, INSERT, MERGE, CREATE TABLE or view column \
            list",
        why: "PostgreSQL rejects the statement (multiple assignments to the same column, or a \
            column specified more than once), so the migration fails when it runs and is rolled \
            back.",
        recipe: "Remove the duplicate, keeping the intended value; in a view or `CREATE TABLE AS`, \
            give one of the columns an alias.",
        unsafe_example: "UPDATE users SET status = 'active', status = 'pending' WHERE id = 1;",
        safe_example: "UPDATE users SET status = 'active' WHERE id = 1;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-new-write-restriction",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Adds a constraint, NOT NULL or unique index that can refuse writes to an \
            existing table",
        why: "A `NOT VALID` constraint or a unique index built `CONCURRENTLY` avoids the long \
            lock, but still applies to every new write at once: code deployed before the migration \
            that writes rows breaking the new rule starts failing. Restrictions on tables created \
            earlier in the same file are not flagged.",
        recipe: "First deploy code that only writes rows satisfying the new rule and check the \
            existing data; then add the restriction, using the lock-safe forms of the other rules.",
        unsafe_example: "ALTER TABLE users ADD CONSTRAINT users_email_has_at\n    \
            CHECK (email LIKE '%@%') NOT VALID;",
        safe_example: "-- writers reject such emails first; a later migration adds the CHECK\n\
            COMMENT ON COLUMN users.email IS 'must contain @';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-replace-view-function",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Replaces a view, function, procedure, trigger, rule or aggregate with CREATE OR \
            REPLACE",
        why: "The new definition takes effect for every caller at once, including code deployed \
            before the migration that expects the old behaviour: nothing fails, results just \
            change. The old definition is not kept, so going back needs a copy of it.",
        recipe: "Create the new definition under a new name, move callers in a deploy, and drop \
            the old one later; or make sure the replacement is backward compatible, and keep the \
            old definition in the down script.",
        unsafe_example: "CREATE OR REPLACE FUNCTION order_total(order_id bigint)\n    \
            RETURNS numeric LANGUAGE sql STABLE\n    \
            AS $$ SELECT sum(amount * 1.2) FROM order_lines WHERE order_lines.order_id = $1 $$;",
        safe_example: "CREATE FUNCTION order_total_with_tax(order_id bigint)\n    \
            RETURNS numeric LANGUAGE sql STABLE\n    \
            AS $$ SELECT sum(amount * 1.2) FROM order_lines WHERE order_lines.order_id = $1 $$;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-replica-identity",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Changes a table's replica identity, or drops or narrows a publication",
        why: "Logical replication and change-data-capture consumers depend on both. Without a \
            replica identity, `UPDATE` and `DELETE` on a table published for them fail; `FULL` \
            logs the whole old row for every change, inflating WAL; dropping a publication, or \
            `SET` or `DROP TABLE` on one, silently stops changes from reaching subscribers.",
        recipe: "Coordinate with the consumers: add tables to publications with `ALTER PUBLICATION \
            ... ADD TABLE`, and remove tables or change replica identity only after every \
            subscriber has been updated.",
        unsafe_example: "ALTER PUBLICATION app_changes SET TABLE orders;",
        safe_example: "ALTER PUBLICATION app_changes ADD TABLE invoices;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-revoke",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: false,
        summary: "Revokes privileges, changes ownership, or drops roles or their objects",
        why: "Code running as the affected role gets permission denied errors as soon as the \
            migration commits. `OWNER TO` gives another role the right to alter and drop the \
            object, and moves the owner's exemption from row-level security to it; `DROP OWNED` \
            drops every object the role owns, with their data; `DROP ROLE`, `REASSIGN OWNED` and \
            removing members change who may do what.",
        recipe: "First deploy code that no longer needs the privilege or role, then revoke in a \
            later migration. Granting is safe at any time.",
        unsafe_example: "REVOKE UPDATE ON orders FROM app_user;",
        safe_example: "GRANT SELECT ON orders TO app_reporting;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-set-default",
        severity: Severity::Warning,
        tier: RiskTier::Reversible,
        default_on: false,
        summary: "Sets or changes the default of an existing column, domain or view column",
        why: "Rows inserted without the column by code deployed before the migration silently get \
            the new default; code that relied on the old default (or on NULL) writes wrong data \
            without an error. The change itself is catalog-only and quick.",
        recipe: "First deploy code that supplies the column explicitly, then change its default; \
            or give the new behaviour a new column.",
        unsafe_example: "ALTER TABLE orders ALTER COLUMN currency SET DEFAULT 'EUR';",
        safe_example: "ALTER TABLE orders ADD COLUMN billing_currency text DEFAULT 'EUR';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-set-schema",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Moves a table, view, sequence, type, function or other object to another schema",
        why: "Code that names the object with its old schema, or finds it through a search_path \
            without the new one, fails with a \"does not exist\" error as soon as the migration \
            commits. Moving a table takes ACCESS EXCLUSIVE on it.",
        recipe: "Give the object its new name first, as a view or wrapper in the new schema (a \
            simple view on a table accepts writes), move code to it, and move the object itself in \
            a later migration.",
        unsafe_example: "ALTER TABLE events SET SCHEMA archive;",
        safe_example: "CREATE VIEW archive.events AS SELECT * FROM public.events;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-truncate-cascade",
        severity: Severity::Error,
        tier: RiskTier::Irreversible,
        default_on: true,
        summary: "Truncates with CASCADE",
        why: "`CASCADE` also truncates every table with a foreign key to the named ones, and the \
            tables referring to those, recursively: rows in tables the migration never names are \
            deleted, short of a backup. `TRUNCATE` takes ACCESS EXCLUSIVE on all of them.",
        recipe: "Name every table to truncate (`TRUNCATE a, b, c`) without `CASCADE`; PostgreSQL \
            then refuses if another table still refers to them, which shows what was missed.",
        unsafe_example: "TRUNCATE sessions CASCADE;",
        safe_example: "TRUNCATE sessions, session_events;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "ban-uncommitted-transaction",
        severity: Severity::Error,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Opens a transaction with BEGIN and never commits or rolls it back",
        why: "Plover refuses transaction control other than a `BEGIN` ... `COMMIT` wrapper around \
            a whole transactional file, so such a file does not run. Run by a tool that accepts \
            it, the open transaction would keep every lock it took until the connection closes, \
            and then roll its changes back.",
        recipe: "End the file with `COMMIT`, or drop the `BEGIN`: Plover runs every migration in a \
            transaction already.",
        unsafe_example: "BEGIN;\n\
            ALTER TABLE users ADD COLUMN bio text;",
        safe_example: "BEGIN;\n\
            ALTER TABLE users ADD COLUMN bio text;\n\
            COMMIT;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "changing-column-type",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Changes the type of an existing column or composite type attribute",
        why: "`ALTER COLUMN ... TYPE` takes ACCESS EXCLUSIVE and, unless the old type is \
            binary-coercible to the new one (`varchar(n)` to `text` or to a longer `varchar`), \
            rewrites the whole table and rebuilds its indexes while reads and writes wait. Code \
            that reads or writes the column with the old type can break as well. Squawk flags \
            every type change, including the cheap ones.",
        recipe: "Add a column of the new type, keep it in sync with a trigger, backfill it in \
            batches (in a `-- plover:no-transaction` migration each batch commits on its own), \
            move readers and writers to it, and drop the old column in a later migration. For a \
            length limit, prefer `text` with a CHECK constraint, which can be changed with `NOT \
            VALID`.",
        unsafe_example: "ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12, 2);",
        safe_example: "ALTER TABLE orders ADD COLUMN amount_exact numeric(12, 2);\n\
            -- then a trigger keeps it in sync, batches backfill it, code moves to it,\n\
            -- and a later migration drops the old column",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "constraint-missing-not-valid",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Adds a constraint to an existing table without NOT VALID, or validates it in the \
            transaction that added it",
        why: "`ADD CONSTRAINT` checks every existing row before it commits: a CHECK constraint \
            holds ACCESS EXCLUSIVE during the scan, so reads and writes wait; a foreign key holds \
            SHARE ROW EXCLUSIVE on both tables, so writes wait. Validating a `NOT VALID` \
            constraint in the transaction that added it keeps the `ADD`'s ACCESS EXCLUSIVE lock \
            during the scan, which gains nothing. Tables created earlier in the same transaction, \
            and `UNIQUE` or `PRIMARY KEY ... USING INDEX`, are not flagged.",
        recipe: "Add the constraint with `NOT VALID`, which enforces it for new writes and holds \
            its lock only briefly; validate it in a later migration with `ALTER TABLE ... VALIDATE \
            CONSTRAINT`, which scans under SHARE UPDATE EXCLUSIVE while reads and writes continue.",
        unsafe_example: "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);",
        safe_example: "ALTER TABLE orders\n    \
            ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\n\
            -- next migration:\n\
            -- ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "disallowed-unique-constraint",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Adds a UNIQUE constraint to an existing table without USING INDEX",
        why: "`ADD CONSTRAINT ... UNIQUE` builds its index while holding ACCESS EXCLUSIVE on the \
            table: reads and writes wait for the whole build. Squawk flags `ADD COLUMN ... UNIQUE` \
            as well, even on a table created earlier in the same migration.",
        recipe: "Build the index with `CREATE UNIQUE INDEX CONCURRENTLY` in a `-- \
            plover:no-transaction` migration, then attach it with `ALTER TABLE ... ADD CONSTRAINT \
            ... UNIQUE USING INDEX`, which holds its lock only briefly.",
        unsafe_example: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
        safe_example: "-- plover:no-transaction\n\
            CREATE UNIQUE INDEX CONCURRENTLY users_email_key_idx ON users (email);\n\
            ALTER TABLE users\n    \
            ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "identifier-too-long",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Uses an identifier longer than 63 bytes",
        why: "PostgreSQL truncates identifiers to 63 bytes with only a notice. Two long names that \
            share their first 63 bytes then collide, and tools that compare the declared name with \
            the catalog see a different name.",
        recipe: "Shorten the name to at most 63 bytes (bytes, not characters, for non-ASCII \
            names), for example by abbreviating the table part of index and constraint names.",
        unsafe_example: "CREATE TABLE orders (\n    \
            customer_id bigint NOT NULL,\n    \
            CONSTRAINT orders_customer_id_references_customers_with_cascade_on_delete_fkey\n    \
            FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE\n\
            );",
        safe_example: "CREATE TABLE orders (\n    \
            customer_id bigint NOT NULL,\n    \
            CONSTRAINT orders_customer_id_fkey\n    \
            FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE\n\
            );",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "prefer-bigint-over-int",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Declares a column as a 32-bit integer (integer, int, int4, serial)",
        why: "A 32-bit integer stops at 2,147,483,647. Ids and counters of busy tables get there, \
            and then inserts fail; widening the column then is `ALTER COLUMN ... TYPE bigint`, a \
            rewrite under ACCESS EXCLUSIVE of the table and of every table that refers to it. \
            `bigint` costs 4 more bytes per value.",
        recipe: "Use `bigint` from the start (`bigint GENERATED ... AS IDENTITY` for keys).",
        unsafe_example: "CREATE TABLE events (id integer PRIMARY KEY, payload jsonb);",
        safe_example: "CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "prefer-bigint-over-smallint",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Declares a column as a 16-bit integer (smallint, int2, smallserial)",
        why: "A 16-bit integer stops at 32,767, which counters and ids reach quickly; then inserts \
            and updates fail, and widening the column is a rewrite of the table under ACCESS \
            EXCLUSIVE. The space saved is rarely worth it.",
        recipe: "Use `bigint` (or `integer` where the range is known to be small and fixed, at the \
            cost of a warning from `prefer-bigint-over-int`).",
        unsafe_example: "CREATE TABLE products (id bigint PRIMARY KEY, stock smallint NOT NULL);",
        safe_example: "CREATE TABLE products (id bigint PRIMARY KEY, stock bigint NOT NULL);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "prefer-identity",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Declares a column as serial, smallserial or bigserial",
        why: "A serial column is an integer whose default calls a separate sequence: privileges \
            must be granted on the sequence too, `CREATE TABLE ... LIKE` copies share it, and \
            writers can supply their own ids and collide with it later. Identity columns (the SQL \
            standard form, PostgreSQL 10 and later) tie the sequence to the column, and `GENERATED \
            ALWAYS` refuses explicit ids.",
        recipe: "Use `bigint GENERATED ALWAYS AS IDENTITY`, or `GENERATED BY DEFAULT` where \
            explicit ids must stay possible.",
        unsafe_example: "CREATE TABLE invoices (id bigserial PRIMARY KEY, total numeric NOT NULL);",
        safe_example: "CREATE TABLE invoices (\n    \
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
            total numeric NOT NULL\n\
            );",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "prefer-repack",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Rewrites a table with VACUUM FULL or CLUSTER",
        why: "`VACUUM FULL` and `CLUSTER` copy the whole table and rebuild its indexes while \
            holding ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite, which takes \
            hours on a large table. PostgreSQL 19 adds `REPACK`, whose `CONCURRENTLY` option does \
            the same work without blocking; squawk flags these statements only when linting for \
            PostgreSQL 19 or later.",
        recipe: "On PostgreSQL 19 and later use `REPACK (CONCURRENTLY) table` in a `-- \
            plover:no-transaction` migration. On older servers use the pg_repack extension outside \
            migrations, or run `VACUUM FULL` in a maintenance window.",
        unsafe_example: "VACUUM FULL orders;",
        safe_example: "-- plover:no-transaction\n\
            REPACK (CONCURRENTLY) orders;",
        origin: Origin::Squawk,
        min_postgres: 190_000,
    },
    RuleInfo {
        id: "prefer-robust-stmts",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: false,
        summary: "Creates or drops an object without IF [NOT] EXISTS where a rerun would fail",
        why: "When a migration that is not one transaction fails part way, rerunning it fails on \
            the objects it already made. Linting a transactional migration, squawk flags only \
            `CREATE INDEX CONCURRENTLY` without `IF NOT EXISTS` and statements after an explicit \
            `COMMIT`. Plover applies transactional migrations all or nothing and resumes \
            no-transaction ones at the statement that failed, dropping the INVALID index an \
            interrupted `CREATE INDEX CONCURRENTLY` leaves, so this rule is off by default.",
        recipe: "Write `IF NOT EXISTS` on `CREATE TABLE` and `CREATE INDEX`, and `IF EXISTS` on \
            `DROP TABLE`, `DROP INDEX`, `DROP TYPE`, `DROP COLUMN` and `DROP CONSTRAINT`. Note \
            that outside Plover, `IF NOT EXISTS` keeps an INVALID index left by an interrupted \
            concurrent build; drop it first.",
        unsafe_example: "-- plover:no-transaction\n\
            CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);",
        safe_example: "-- plover:no-transaction\n\
            CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "prefer-text-field",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Declares a column as varchar(n)",
        why: "The length limit is part of the type, so changing it is `ALTER COLUMN ... TYPE` \
            under ACCESS EXCLUSIVE: raising it is a catalog change, lowering it rewrites the table \
            while reads and writes wait. `varchar(n)` is no faster than `text` in PostgreSQL.",
        recipe: "Use `text` with `CHECK (char_length(col) <= n)`. To change the limit later, add \
            the new check `NOT VALID`, validate it in a later migration, then drop the old one.",
        unsafe_example: "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);",
        safe_example: "CREATE TABLE users (\n    \
            id bigint PRIMARY KEY,\n    \
            email text NOT NULL CHECK (char_length(email) <= 255)\n\
            );",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "prefer-timestamp-tz",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Declares a column as timestamp without time zone",
        why: "`timestamp` stores the wall-clock value it is given and drops any UTC offset, so \
            12:00+02 and 12:00-06 are stored as the same value, and what a value means depends on \
            the writer's time zone setting. `timestamptz` stores an instant (as UTC) in the same 8 \
            bytes and converts on output. Converting a column later rewrites the table under \
            ACCESS EXCLUSIVE, unless the session time zone is UTC (PostgreSQL 12 and later).",
        recipe: "Use `timestamptz` for points in time; keep `timestamp` for wall-clock values that \
            have no time zone, such as a shop's local opening time.",
        unsafe_example: "CREATE TABLE logins (\n    \
            user_id bigint NOT NULL,\n    \
            logged_in_at timestamp NOT NULL\n\
            );",
        safe_example: "CREATE TABLE logins (\n    \
            user_id bigint NOT NULL,\n    \
            logged_in_at timestamptz NOT NULL\n\
            );",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "renaming-column",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Renames a column of a table, view, materialized view, foreign table or composite \
            type",
        why: "Code deployed before the migration still uses the old name and fails with a \"column \
            does not exist\" error as soon as the migration commits; there is no moment when the \
            old and the new code both work. The rename itself is a quick catalog change under \
            ACCESS EXCLUSIVE.",
        recipe: "Expand and contract: add the new column, keep both in sync with a trigger and \
            backfill it, move readers and then writers to the new name, and drop the old column in \
            a later migration.",
        unsafe_example: "ALTER TABLE users RENAME COLUMN name TO full_name;",
        safe_example: "ALTER TABLE users ADD COLUMN full_name text;\n\
            -- then a trigger keeps it in sync, a backfill fills it, code moves to it,\n\
            -- and a later migration drops the old column",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "renaming-object",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Renames a view, function, type, enum value, index, constraint, schema, role or \
            other object",
        why: "Whatever refers to the object by its old name (queries, casts, function calls, `ON \
            CONFLICT ON CONSTRAINT` clauses, connection strings, grant scripts) fails as soon as \
            the migration commits. Renaming an enum value changes data that running code reads and \
            writes.",
        recipe: "Create the new name next to the old one where PostgreSQL allows it (a view over \
            the view, a wrapper function, a new enum value), move code to it, and remove the old \
            name in a later migration.",
        unsafe_example: "ALTER VIEW active_users RENAME TO current_users;",
        safe_example: "CREATE VIEW current_users AS SELECT * FROM active_users;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "renaming-table",
        severity: Severity::Error,
        tier: RiskTier::Destructive,
        default_on: true,
        summary: "Renames a table",
        why: "Code deployed before the migration still uses the old name and fails with a \
            \"relation does not exist\" error as soon as the migration commits. The rename is \
            quick, but takes ACCESS EXCLUSIVE.",
        recipe: "Publish the new name first as a view (`CREATE VIEW new_name AS SELECT * FROM \
            old_name`; a simple view accepts writes), move code to it, and in a later migration \
            rename the table and drop the view in the same transaction. Or rename the table and \
            create a view under the old name in one migration, so that old code keeps working \
            until it is gone.",
        unsafe_example: "ALTER TABLE users RENAME TO accounts;",
        safe_example: "CREATE VIEW accounts AS SELECT * FROM users;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-concurrent-index-creation",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Creates an index on an existing table without CONCURRENTLY",
        why: "`CREATE INDEX` holds a SHARE lock for the whole build: reads continue, but every \
            `INSERT`, `UPDATE` and `DELETE` on the table waits until the index is built, which on \
            a large table takes minutes to hours. Indexes on tables created earlier in the same \
            transaction are not flagged.",
        recipe: "Use `CREATE INDEX CONCURRENTLY` in a migration of its own with the `-- \
            plover:no-transaction` header. It builds without blocking writes (in two passes, so it \
            takes longer), and if it is interrupted Plover drops the INVALID index it leaves \
            before building again.",
        unsafe_example: "CREATE INDEX orders_user_id_idx ON orders (user_id);",
        safe_example: "-- plover:no-transaction\n\
            CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-concurrent-index-deletion",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Drops an index without CONCURRENTLY",
        why: "`DROP INDEX` takes ACCESS EXCLUSIVE on the index's table. The drop itself is fast, \
            but it first waits for every running query on the table, and every query that arrives \
            meanwhile queues behind it, so one slow query stalls all reads and writes of the \
            table.",
        recipe: "Use `DROP INDEX CONCURRENTLY` in a migration of its own with the `-- \
            plover:no-transaction` header; it waits for conflicting transactions without blocking \
            others. An index that backs a constraint cannot be dropped this way: drop the \
            constraint instead.",
        unsafe_example: "DROP INDEX orders_user_id_idx;",
        safe_example: "-- plover:no-transaction\n\
            DROP INDEX CONCURRENTLY orders_user_id_idx;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-concurrent-partition-detach",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Detaches a partition without CONCURRENTLY",
        why: "`DETACH PARTITION` takes ACCESS EXCLUSIVE on the partitioned table, so reads and \
            writes of every partition wait, behind any running query and until the migration \
            commits. PostgreSQL 14 added `DETACH PARTITION ... CONCURRENTLY`, which takes only \
            SHARE UPDATE EXCLUSIVE on the partitioned table.",
        recipe: "Use `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY` (PostgreSQL 14 and later) \
            in a migration of its own with the `-- plover:no-transaction` header. It is not \
            allowed while the table has a default partition; if it is interrupted, complete it \
            with `DETACH PARTITION ... FINALIZE`.",
        unsafe_example: "ALTER TABLE events DETACH PARTITION events_2023;",
        safe_example: "-- plover:no-transaction\n\
            ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-concurrent-reindex",
        severity: Severity::Error,
        tier: RiskTier::LockRisky,
        default_on: true,
        summary: "Rebuilds indexes with REINDEX without CONCURRENTLY",
        why: "`REINDEX` locks out writes to the table and takes ACCESS EXCLUSIVE on each index it \
            rebuilds, so queries that would use the index wait too, for the whole rebuild. \
            `REINDEX ... CONCURRENTLY` (PostgreSQL 12 and later) builds a replacement without \
            blocking reads or writes and swaps it in. `REINDEX SYSTEM`, which cannot run \
            concurrently, is not flagged.",
        recipe: "Use `REINDEX INDEX CONCURRENTLY name` (or `REINDEX TABLE CONCURRENTLY`) in a \
            migration of its own with the `-- plover:no-transaction` header; it cannot run in a \
            transaction. Plover runs it again if it was interrupted, which is harmless.",
        unsafe_example: "REINDEX INDEX orders_user_id_idx;",
        safe_example: "-- plover:no-transaction\n\
            REINDEX INDEX CONCURRENTLY orders_user_id_idx;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-enum-value-ordering",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Adds an enum value without BEFORE or AFTER",
        why: "Enum values sort in the order they were declared, not alphabetically: a value added \
            without a position goes last, so `ORDER BY` and comparisons on the column (`status < \
            'shipped'`) may place it where nobody intended. Its position cannot be changed later \
            without recreating the type.",
        recipe: "Give the position explicitly with `BEFORE` or `AFTER` an existing value, even \
            when last is what you want. Before PostgreSQL 12, `ADD VALUE` cannot run in a \
            transaction and needs a `-- plover:no-transaction` migration.",
        unsafe_example: "ALTER TYPE order_status ADD VALUE 'refunded';",
        safe_example: "ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-lock-timeout",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Runs a schema change before any SET lock_timeout in the file",
        why: "A statement that needs a lock waits behind every transaction holding a conflicting \
            one, and while it waits, every later query on the table queues behind it: an `ALTER \
            TABLE` waiting for a long report blocks all reads and writes of the table for as long \
            as the report runs. With `lock_timeout` it gives up instead, and the migration can be \
            retried. Squawk reports only the first such statement in a file, and does not count \
            data changes or `CREATE TABLE` without foreign keys.",
        recipe: "Start the file with `SET lock_timeout = '2s'` (in a transactional migration, `SET \
            LOCAL` ends with it) and retry the migration if it times out. In a `-- \
            plover:no-transaction` migration, a plain `SET` covers the rest of the file and is \
            replayed when Plover resumes it.",
        unsafe_example: "ALTER TABLE orders ADD COLUMN note text;",
        safe_example: "SET lock_timeout = '2s';\n\
            ALTER TABLE orders ADD COLUMN note text;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-statement-timeout",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: false,
        summary: "Runs a schema change before any SET statement_timeout in the file",
        why: "Without `statement_timeout`, a slow statement (a validation scan, a rewrite, an \
            index build) runs as long as it takes, holding its locks throughout; with it, the \
            statement is cancelled and the migration rolled back at the limit. Plover leaves this \
            off by default: long-running safe steps need no limit, and `lock_timeout` covers the \
            dangerous wait.",
        recipe: "Where a statement must not run longer than a known bound, start the file with \
            `SET statement_timeout = '5min'` (`SET LOCAL` in a transactional migration). Leave it \
            out, or set it generously, for long safe steps such as `VALIDATE CONSTRAINT` or \
            `CREATE INDEX CONCURRENTLY`.",
        unsafe_example: "ALTER TABLE orders ADD COLUMN note text;",
        safe_example: "SET statement_timeout = '5min';\n\
            ALTER TABLE orders ADD COLUMN note text;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "require-table-schema",
        severity: Severity::Warning,
        tier: RiskTier::Additive,
        default_on: false,
        summary: "Names a table in CREATE, ALTER or DROP TABLE without its schema",
        why: "An unqualified name is resolved through search_path, which can differ between the \
            migration's connection and the application's: the table can be created in, altered in \
            or dropped from another schema than intended, and a table of the same name earlier in \
            search_path shadows the one meant.",
        recipe: "Qualify table names with their schema (`public.users`, `app.users`).",
        unsafe_example: "CREATE TABLE users (id bigint PRIMARY KEY);",
        safe_example: "CREATE TABLE app.users (id bigint PRIMARY KEY);",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
    RuleInfo {
        id: "transaction-nesting",
        severity: Severity::Info,
        tier: RiskTier::Additive,
        default_on: true,
        summary: "Uses BEGIN, COMMIT or ROLLBACK in a migration that already runs in a transaction",
        why: "Plover runs each migration in one transaction together with its history row. A \
            `BEGIN` ... `COMMIT` wrapper around a whole file is recognised and left out, so this \
            finding is informational; transaction control anywhere else would end Plover's \
            transaction early, and Plover refuses such a file before running it.",
        recipe: "Drop the `BEGIN` and `COMMIT`, or keep them only as a wrapper around the whole \
            file. For statements that must run outside a transaction, use the `-- \
            plover:no-transaction` header instead.",
        unsafe_example: "BEGIN;\n\
            ALTER TABLE users ADD COLUMN bio text;\n\
            COMMIT;",
        safe_example: "ALTER TABLE users ADD COLUMN bio text;",
        origin: Origin::Squawk,
        min_postgres: 0,
    },
];
