//! SQLite as data for the layers above.

use plover_core::sql::{StatementPattern, Syntax};
use plover_core::{Dialect, Placeholder};

const fn never(pattern: &'static str) -> StatementPattern {
    StatementPattern {
        pattern,
        allowed_in_transaction_from: None,
    }
}

/// Statements SQLite refuses, or silently ignores, inside a transaction. `PRAGMA
/// foreign_keys = OFF` inside one is a no-op, so a table rebuild meant to run without
/// foreign keys would cascade deletes instead.
const REFUSED_IN_TRANSACTION: &[StatementPattern] = &[
    never("VACUUM"),
    never("PRAGMA [MAIN] FOREIGN_KEYS"),
    never("PRAGMA ... JOURNAL_MODE"),
    never("ATTACH"),
    never("DETACH"),
];

/// What a connection carries that a resumed migration must have again: the pragmas that set
/// a connection's behaviour (not those that act on the file, like `wal_checkpoint` or
/// `integrity_check`), and attached databases.
const SESSION_SETTINGS: &[&str] = &[
    "PRAGMA ... FOREIGN_KEYS",
    "PRAGMA ... DEFER_FOREIGN_KEYS",
    "PRAGMA ... RECURSIVE_TRIGGERS",
    "PRAGMA ... CASE_SENSITIVE_LIKE",
    "PRAGMA ... LEGACY_ALTER_TABLE",
    "PRAGMA ... IGNORE_CHECK_CONSTRAINTS",
    "PRAGMA ... SYNCHRONOUS",
    "PRAGMA ... TEMP_STORE",
    "PRAGMA ... CACHE_SIZE",
    "PRAGMA ... BUSY_TIMEOUT",
    "ATTACH",
    "DETACH",
];

/// SQLite's dialect.
pub static SQLITE: Dialect = Dialect {
    name: "sqlite",
    placeholder: Placeholder::QuestionMark,
    syntax: Syntax::SQLITE,
    lintable: false,
    history_schema: "SELECT COALESCE((SELECT schema FROM pragma_table_list \
         WHERE name = $1 AND type = 'table' ORDER BY schema <> 'main' LIMIT 1), 'main')",
    schema_exists: "SELECT 1 FROM pragma_database_list WHERE name = $1",
    create_schema: None,
    table_exists: "SELECT 1 FROM pragma_table_list WHERE schema = $1 AND name = $2",
    history_ddl: include_str!("../sql/history.sql"),
    history_matches: "SELECT (SELECT json_group_array(json_array(version, name, checksum, status, \
         CASE WHEN status = 'partial' THEN statements_done END, \
         CASE WHEN status = 'partial' THEN statements_total END, in_flight) ORDER BY version) \
         FROM {table}) = json($1)",
    // Registered by the driver: SQLite has no clock for the transaction's start.
    elapsed_ms: "plover_elapsed_ms()",
    refused_in_transaction: REFUSED_IN_TRANSACTION,
    session_settings: SESSION_SETTINGS,
    bookkeeping_prelude: None,
    unsupported: &[],
    index_repair: None,
};
