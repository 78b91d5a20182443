//! PostgreSQL as data for the layers above.

use plover_core::sql::{StatementPattern, Syntax};
use plover_core::{Dialect, IndexRepair, Placeholder};

const fn never(pattern: &'static str) -> StatementPattern {
    StatementPattern {
        pattern,
        allowed_in_transaction_from: None,
    }
}

/// Statements PostgreSQL refuses inside a transaction block.
const REFUSED_IN_TRANSACTION: &[StatementPattern] = &[
    never("CREATE [UNIQUE] INDEX CONCURRENTLY"),
    never("DROP INDEX CONCURRENTLY"),
    never("REINDEX ... CONCURRENTLY"),
    never("REINDEX SCHEMA"),
    never("REINDEX DATABASE"),
    never("REINDEX SYSTEM"),
    never("ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY"),
    // PostgreSQL 12 accepts ADD VALUE in a transaction (the value is usable after commit).
    StatementPattern {
        pattern: "ALTER TYPE ... ADD VALUE",
        allowed_in_transaction_from: Some(120_000),
    },
    never("VACUUM"),
    never("CREATE DATABASE"),
    never("DROP DATABASE"),
    never("ALTER DATABASE ... SET TABLESPACE"),
    never("CREATE TABLESPACE"),
    never("DROP TABLESPACE"),
    never("ALTER SYSTEM"),
    never("CREATE SUBSCRIPTION"),
    never("DROP SUBSCRIPTION"),
];

/// PostgreSQL's dialect.
pub static POSTGRES: Dialect = Dialect {
    name: "postgres",
    placeholder: Placeholder::Dollar,
    syntax: Syntax::POSTGRES,
    lintable: true,
    history_schema: "SELECT COALESCE((SELECT n.nspname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(quote_ident($1))), \
         current_schema()::text, 'public')",
    schema_exists: "SELECT 1 FROM pg_namespace WHERE nspname = $1",
    create_schema: Some("CREATE SCHEMA IF NOT EXISTS {schema}"),
    // One index lookup in pg_class rather than the pg_tables view, which a fleet would plan
    // once per tenant; unlike to_regclass, it needs no USAGE on the schema.
    table_exists: "SELECT 1 FROM pg_class \
         WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) \
         AND relname = $2 AND relkind IN ('r', 'p')",
    history_ddl: include_str!("../sql/history.sql"),
    history_matches: "SELECT COALESCE((SELECT jsonb_agg(jsonb_build_array(version, name, checksum, status, \
         CASE WHEN status = 'partial' THEN statements_done END, \
         CASE WHEN status = 'partial' THEN statements_total END, in_flight) ORDER BY version) \
         FROM {table}), '[]') = $1::text::jsonb",
    elapsed_ms: "CAST(1000 * EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - pg_catalog.transaction_timestamp()) AS bigint)",
    refused_in_transaction: REFUSED_IN_TRANSACTION,
    session_settings: &["SET", "RESET"],
    bookkeeping_prelude: Some("SET LOCAL ROLE NONE"),
    unsupported: &[(
        "COPY ... FROM STDIN",
        "it reads rows from psql's input, which Plover does not have; load them with INSERT, or COPY from a file on the server",
    )],
    index_repair: Some(IndexRepair {
        index_validity: "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1)",
        drop_index: "DROP INDEX CONCURRENTLY IF EXISTS {index}",
    }),
};
