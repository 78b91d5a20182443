//! What differs between database backends, as data.
//!
//! A backend crate fills in one `static` [`Dialect`]; everything above the driver reads it
//! instead of asking which database it talks to (DESIGN.md: "differences between databases are
//! data, not `if postgres {}` branches").

use crate::sql::{QualifiedName, StatementPattern, Syntax, quote_ident};

/// How bind parameters are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// `$1, $2` (PostgreSQL).
    Dollar,
    /// `?1, ?2` (SQLite).
    QuestionMark,
}

/// Everything Plover needs to know about a backend's SQL.
#[derive(Debug)]
pub struct Dialect {
    /// A short name: `postgres`, `sqlite`.
    pub name: &'static str,
    /// How bind parameters are written.
    pub placeholder: Placeholder,
    /// How the backend reads comments and quotes.
    pub syntax: Syntax,
    /// Whether Plover's PostgreSQL linter applies to this backend's migrations.
    pub lintable: bool,
    /// A query with `$1` = the history table's name, returning one row with the schema it
    /// lives in: the schema of the table of that name the connection sees, or else the
    /// connection's default schema. Looking for the table first keeps the history where it
    /// is when a migration changes what the default schema would be.
    pub history_schema: &'static str,
    /// A query with `$1` = schema name that returns a row when the schema exists.
    pub schema_exists: &'static str,
    /// DDL creating `{schema}`, when the backend can create schemas.
    pub create_schema: Option<&'static str>,
    /// A query with `$1` = schema and `$2` = table that returns a row when the table exists.
    pub table_exists: &'static str,
    /// Idempotent DDL creating the history table `{table}`.
    pub history_ddl: &'static str,
    /// A query with `$1` = a JSON array of history rows, returning one row with a boolean:
    /// whether the history table `{table}` holds exactly those rows as far as a plan can
    /// tell. Each row is `[version, name, checksum, status, statements done, statements
    /// total, in flight]`, the two counts only for a `partial` row (else null), in version
    /// order.
    pub history_matches: &'static str,
    /// An SQL expression for the milliseconds since the current transaction began, so that a
    /// history row inserted in the migration's own transaction records how long it ran.
    pub elapsed_ms: &'static str,
    /// Statements the backend refuses inside a transaction block.
    pub refused_in_transaction: &'static [StatementPattern],
    /// A statement run inside a migration's transaction just before Plover's own bookkeeping,
    /// so that a role the migration switched to cannot stop the history write.
    pub bookkeeping_prelude: Option<&'static str>,
    /// Statements Plover cannot run, with the reason and what to write instead.
    pub unsupported: &'static [(&'static str, &'static str)],
    /// Statements that only change the connection's settings (`SET lock_timeout`, `PRAGMA
    /// foreign_keys`): a resumed no-transaction migration runs those it had already run again,
    /// since the new connection does not have them.
    pub session_settings: &'static [&'static str],
    /// How to find and drop an index a failed `CREATE INDEX CONCURRENTLY` left invalid.
    pub index_repair: Option<IndexRepair>,
}

/// Queries that repair what an interrupted `CREATE INDEX CONCURRENTLY` left behind.
#[derive(Debug)]
pub struct IndexRepair {
    /// A query with `$1` = the index name as written in the statement (possibly qualified);
    /// returns one row with a boolean column, `true` when the index is valid, and no row when
    /// there is no such index.
    pub index_validity: &'static str,
    /// DDL dropping `{index}` (already quoted) outside a transaction.
    pub drop_index: &'static str,
}

impl Dialect {
    /// Renders one of Plover's own query templates: `{table}` becomes the quoted history
    /// table and `$n` placeholders take this backend's form.
    ///
    /// Only for Plover's bookkeeping SQL, whose templates contain no `$` or braces in
    /// literals; user SQL is never rewritten.
    pub fn render(&self, template: &str, table: &QualifiedName) -> String {
        let sql = template
            .replace("{table}", &table.to_string())
            .replace("{elapsed_ms}", self.elapsed_ms)
            .replace("{schema}", &quote_ident(&table.schema));
        self.bind_style(&sql)
    }

    /// Rewrites the `$n` placeholders of one of Plover's own queries into this backend's form.
    pub fn bind_style(&self, sql: &str) -> String {
        match self.placeholder {
            Placeholder::Dollar => sql.to_owned(),
            Placeholder::QuestionMark => sql.replace('$', "?"),
        }
    }

    /// Whether `statement` cannot run inside a transaction on a server of `server_version`;
    /// returns the pattern that refused it.
    pub fn refusal_in_transaction(
        &self,
        statement: &str,
        server_version: u32,
    ) -> Option<&'static str> {
        self.refused_in_transaction
            .iter()
            .find(|p| p.refuses(statement, server_version))
            .map(|p| p.pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST: Dialect = Dialect {
        name: "test",
        placeholder: Placeholder::QuestionMark,
        syntax: Syntax::SQLITE,
        lintable: false,
        history_schema: "",
        schema_exists: "",
        create_schema: None,
        table_exists: "",
        history_ddl: "",
        history_matches: "",
        elapsed_ms: "0",
        refused_in_transaction: &[StatementPattern {
            pattern: "VACUUM",
            allowed_in_transaction_from: None,
        }],
        session_settings: &["PRAGMA"],
        bookkeeping_prelude: None,
        unsupported: &[],
        index_repair: None,
    };

    #[test]
    fn renders_tables_and_placeholders() {
        let table = QualifiedName::new("main", "plover_migrations");
        assert_eq!(
            TEST.render("DELETE FROM {table} WHERE version = $1", &table),
            r#"DELETE FROM "main"."plover_migrations" WHERE version = ?1"#
        );
    }

    #[test]
    fn finds_statements_refused_in_a_transaction() {
        assert_eq!(
            TEST.refusal_in_transaction("vacuum full", 0),
            Some("VACUUM")
        );
        assert_eq!(TEST.refusal_in_transaction("SELECT 1", 0), None);
    }
}
