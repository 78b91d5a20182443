//! Reading the stored text of `CREATE INDEX`, `CREATE VIEW` and `CREATE TRIGGER`.
//!
//! SQLite already rewrites the head of what it stores (`CREATE TEMP VIEW IF NOT EXISTS
//! main.v` is kept as `CREATE VIEW v`), but these readers accept the unrewritten forms too,
//! so that text from any SQLite version, or written into `sqlite_schema` by hand, reads the
//! same.

use std::ops::Range;

use plover_core::schema::normalize::squash_whitespace;
use plover_core::schema::render::ident;
use plover_core::sql::Syntax;

use super::tokens::Sql;

/// What a `CREATE INDEX` statement says beyond what the pragmas report.
#[derive(Debug, Default, PartialEq)]
pub(super) struct IndexDdl {
    /// Each key as written, without its `COLLATE` and `ASC`/`DESC` (the pragmas give
    /// those), squashed.
    pub keys: Vec<String>,
    /// The `WHERE` predicate of a partial index, squashed.
    pub predicate: Option<String>,
}

/// Reads `CREATE [UNIQUE] INDEX [IF NOT EXISTS] [schema.]name ON table (keys) [WHERE expr]`.
pub(super) fn parse_index(sql: &str) -> IndexDdl {
    let sql = Sql::new(sql);
    let Some(on) = sql.find(0..sql.len(), |i| sql.is_word(i, "ON")) else {
        return IndexDdl::default();
    };
    let Some(open) = sql.find(on..sql.len(), |i| sql.is_open(i)) else {
        return IndexDdl::default();
    };
    let Some((inside, after)) = sql.group(open) else {
        return IndexDdl::default();
    };
    let keys = sql
        .split_commas(inside)
        .into_iter()
        .map(|key| sql.squash(without_ordering(&sql, key)))
        .collect();
    let predicate = sql
        .is_word(after, "WHERE")
        .then(|| sql.squash(after + 1..sql.len()));
    IndexDdl { keys, predicate }
}

/// `key` without a trailing `ASC`/`DESC` and `COLLATE name`.
fn without_ordering(sql: &Sql<'_>, key: Range<usize>) -> Range<usize> {
    let mut end = key.end;
    if end > key.start + 1 && (sql.is_word(end - 1, "ASC") || sql.is_word(end - 1, "DESC")) {
        end -= 1;
    }
    if end > key.start + 2 && sql.is_word(end - 2, "COLLATE") {
        end -= 2;
    }
    key.start..end
}

/// The query of `CREATE [TEMP] VIEW [IF NOT EXISTS] [schema.]name [(columns)] AS query`,
/// squashed; the whole text squashed when it cannot be followed.
pub(super) fn view_definition(text: &str) -> String {
    let sql = Sql::new(text);
    let query = sql
        .find(0..sql.len(), |i| sql.is_word(i, "VIEW"))
        .and_then(|view| sql.qualified_name(skip_if_not_exists(&sql, view + 1)))
        .map(|(_, after)| skip_columns(&sql, after))
        .filter(|&as_| sql.is_word(as_, "AS"));
    match query {
        Some(as_) => sql.squash(as_ + 1..sql.len()),
        None => squash_whitespace(text, Syntax::SQLITE),
    }
}

/// A trigger's text, squashed, with its head made canonical: `CREATE TRIGGER name ... ON
/// table ...` whatever `TEMP`, `IF NOT EXISTS`, schema prefixes and identifier quoting it
/// was written with. `name` and `table` are the names SQLite reports.
pub(super) fn trigger_definition(text: &str, name: &str, table: &str) -> String {
    let sql = Sql::new(text);
    canonical_trigger(&sql, name, table).unwrap_or_else(|| squash_whitespace(text, Syntax::SQLITE))
}

fn canonical_trigger(sql: &Sql<'_>, name: &str, table: &str) -> Option<String> {
    let keyword = sql.find(0..sql.len(), |i| sql.is_word(i, "TRIGGER"))?;
    let (_, after_name) = sql.qualified_name(skip_if_not_exists(sql, keyword + 1))?;
    let on = sql.find(after_name..sql.len(), |i| sql.is_word(i, "ON"))?;
    let (_, after_table) = sql.qualified_name(on + 1)?;
    let parts = [
        format!("CREATE TRIGGER {}", ident(name)),
        sql.squash(after_name..on + 1),
        ident(table),
        sql.squash(after_table..sql.len()),
    ];
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    Some(parts.join(" "))
}

fn skip_if_not_exists(sql: &Sql<'_>, i: usize) -> usize {
    if sql.is_word(i, "IF") && sql.is_word(i + 1, "NOT") && sql.is_word(i + 2, "EXISTS") {
        i + 3
    } else {
        i
    }
}

/// The index after an optional `(column, ...)` list at `i`.
fn skip_columns(sql: &Sql<'_>, i: usize) -> usize {
    if sql.is_open(i) { sql.skip(i) } else { i }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_index(sql: &str, keys: &[&str], predicate: Option<&str>) {
        let ddl = parse_index(sql);
        assert_eq!(ddl.keys, keys);
        assert_eq!(ddl.predicate.as_deref(), predicate);
    }

    #[test]
    fn reads_index_keys_and_predicates() {
        check_index("CREATE INDEX i ON t (a, b DESC)", &["a", "b"], None);
        check_index(
            "create unique index if not exists main.i on \"t\"( lower( name ) collate nocase desc , x ) where x > 0 -- partial",
            &["lower(name)", "x"],
            Some("x > 0"),
        );
        check_index(
            "CREATE INDEX i ON t(a COLLATE \"C\") WHERE a IS NOT NULL AND (a <> '')",
            &["a"],
            Some("a IS NOT NULL AND (a <> '')"),
        );
    }

    #[track_caller]
    fn check_view(sql: &str, expect: &str) {
        assert_eq!(view_definition(sql), expect);
    }

    #[test]
    fn reads_view_queries() {
        check_view("CREATE VIEW v AS SELECT 1", "SELECT 1");
        check_view(
            "CREATE TEMP VIEW IF NOT EXISTS main.\"v\" (a, b) AS\n  SELECT x, y -- two\n  FROM t;",
            "SELECT x, y FROM t",
        );
        check_view("CREATE VIEW [as] AS SELECT 'AS'", "SELECT 'AS'");
    }

    #[test]
    fn makes_trigger_heads_canonical() {
        let expect = "CREATE TRIGGER trg AFTER INSERT ON posts BEGIN SELECT 1; END";
        for sql in [
            "CREATE TRIGGER trg AFTER INSERT ON posts BEGIN SELECT 1; END",
            "CREATE TEMP TRIGGER IF NOT EXISTS main.\"trg\"\n AFTER INSERT ON main.[posts]\nBEGIN\n  SELECT 1; -- one\nEND",
        ] {
            assert_eq!(trigger_definition(sql, "trg", "posts"), expect, "{sql}");
        }
    }
}
