//! What only the stored `CREATE TABLE` text knows: constraint names, CHECK expressions,
//! collations, generated-column expressions and foreign-key deferral.
//!
//! The pragmas give columns, keys and foreign keys but not these, so the text is read with
//! the lexer. Nothing here has to understand a whole column definition: it walks the
//! clauses, skipping what it does not need (types, defaults, conflict clauses) a token or a
//! parenthesised group at a time.

use std::ops::Range;

use plover_core::schema::Deferral;

use super::tokens::Sql;

/// What a `CREATE TABLE` statement says beyond what the pragmas report.
#[derive(Debug, Default, PartialEq)]
pub(super) struct TableDdl {
    /// The column definitions, in order.
    pub columns: Vec<ColumnDdl>,
    /// Column and table constraints in the order they are written.
    pub constraints: Vec<ConstraintDdl>,
}

impl TableDdl {
    /// The definition of the column called `name` (case-insensitive, like SQLite).
    pub fn column(&self, name: &str) -> Option<&ColumnDdl> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// One column definition.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ColumnDdl {
    /// The column's name, unquoted.
    pub name: String,
    /// `COLLATE name`, uppercased.
    pub collation: Option<String>,
    /// The expression of `[GENERATED ALWAYS] AS (expr)`, squashed.
    pub generated: Option<String>,
}

/// One constraint, written on a column or on the table.
#[derive(Debug, PartialEq)]
pub(super) struct ConstraintDdl {
    /// `CONSTRAINT name`, when given.
    pub name: Option<String>,
    /// What it is.
    pub kind: DdlKind,
}

/// The constraints whose text matters.
#[derive(Debug, PartialEq)]
pub(super) enum DdlKind {
    /// `PRIMARY KEY` on these columns.
    PrimaryKey(Vec<String>),
    /// `UNIQUE` on these columns.
    Unique(Vec<String>),
    /// `CHECK (expr)`, the expression squashed.
    Check(String),
    /// `FOREIGN KEY` / `REFERENCES` from these columns, and its deferral.
    ForeignKey(Vec<String>, Deferral),
}

/// Reads `CREATE TABLE` text. Text it cannot follow yields what was read up to there; a
/// virtual table has no column definitions of its own.
pub(super) fn parse(sql: &str) -> TableDdl {
    let sql = Sql::new(sql);
    let mut ddl = TableDdl::default();
    if sql.is_word(1, "VIRTUAL") {
        return ddl;
    }
    let Some(open) = sql.find(0..sql.len(), |i| sql.is_open(i)) else {
        return ddl;
    };
    let Some((body, _)) = sql.group(open) else {
        return ddl;
    };
    for item in sql.split_commas(body) {
        if starts_table_constraint(&sql, item.start) {
            table_constraint(&sql, item, &mut ddl.constraints);
        } else {
            let column = column(&sql, item, &mut ddl.constraints);
            ddl.columns.push(column);
        }
    }
    ddl
}

fn starts_table_constraint(sql: &Sql<'_>, i: usize) -> bool {
    ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
        .iter()
        .any(|w| sql.is_word(i, w))
}

/// `[CONSTRAINT name] PRIMARY KEY (..) | UNIQUE (..) | CHECK (..) | FOREIGN KEY (..) REFERENCES ..`
fn table_constraint(sql: &Sql<'_>, item: Range<usize>, out: &mut Vec<ConstraintDdl>) {
    let mut i = item.start;
    let mut name = None;
    if sql.is_word(i, "CONSTRAINT") {
        name = sql.name(i + 1);
        i += 2;
    }
    let keyword = sql.keyword(i).unwrap_or_default();
    // PRIMARY KEY and FOREIGN KEY take two words before their column list.
    let list = if matches!(keyword.as_str(), "PRIMARY" | "FOREIGN") {
        i + 2
    } else {
        i + 1
    };
    let kind = match keyword.as_str() {
        "PRIMARY" => DdlKind::PrimaryKey(column_list(sql, list)),
        "UNIQUE" => DdlKind::Unique(column_list(sql, list)),
        "CHECK" => match sql.group(list) {
            Some((expr, _)) => DdlKind::Check(sql.squash(expr)),
            None => return,
        },
        "FOREIGN" => {
            let after = sql.group(list).map_or(item.end, |(_, next)| next);
            let deferral = references(sql, after + 1, item.end).0;
            DdlKind::ForeignKey(column_list(sql, list), deferral)
        }
        _ => return,
    };
    out.push(ConstraintDdl { name, kind });
}

/// The names in the `(a, b COLLATE x DESC)` list opened at `open`: the first token of each
/// item.
fn column_list(sql: &Sql<'_>, open: usize) -> Vec<String> {
    let Some((inside, _)) = sql.group(open) else {
        return Vec::new();
    };
    sql.split_commas(inside)
        .into_iter()
        .filter_map(|item| sql.name(item.start))
        .collect()
}

/// One column definition; its constraints go to `out`.
fn column(sql: &Sql<'_>, item: Range<usize>, out: &mut Vec<ConstraintDdl>) -> ColumnDdl {
    let mut column = ColumnDdl {
        name: sql.name(item.start).unwrap_or_default(),
        ..ColumnDdl::default()
    };
    let mut i = item.start + 1;
    let mut pending_name = None;
    while i < item.end {
        if sql.is_word(i, "CONSTRAINT") {
            pending_name = sql.name(i + 1);
            i += 2;
            continue;
        }
        let name = pending_name.take();
        i = column_clause(sql, i, item.end, &mut column, name, out);
    }
    column
}

/// Reads the clause at `i` of `column`'s definition and returns where the next one may
/// start. Types, defaults, conflict clauses and the like are stepped over a token or a
/// parenthesised group at a time; none of their words starts a clause read here.
fn column_clause(
    sql: &Sql<'_>,
    i: usize,
    end: usize,
    column: &mut ColumnDdl,
    name: Option<String>,
    out: &mut Vec<ConstraintDdl>,
) -> usize {
    let on_column = || vec![column.name.clone()];
    let (kind, next) = match sql.keyword(i).as_deref() {
        Some("PRIMARY") => (DdlKind::PrimaryKey(on_column()), i + 2),
        Some("UNIQUE") => (DdlKind::Unique(on_column()), i + 1),
        Some("CHECK") => match sql.group(i + 1) {
            Some((expr, next)) => (DdlKind::Check(sql.squash(expr)), next),
            None => return i + 1,
        },
        Some("REFERENCES") => {
            let (deferral, next) = references(sql, i + 1, end);
            (DdlKind::ForeignKey(on_column(), deferral), next)
        }
        Some("COLLATE") => {
            column.collation = sql.name(i + 1).and_then(|c| collation(&c));
            return i + 2;
        }
        Some("AS") => {
            let Some((expr, next)) = sql.group(i + 1) else {
                return i + 1;
            };
            column.generated = Some(sql.squash(expr));
            return next;
        }
        _ => return sql.skip(i),
    };
    out.push(ConstraintDdl { name, kind });
    next
}

/// A collation as the model keeps it: uppercased, and none for SQLite's default `BINARY`.
pub(super) fn collation(name: &str) -> Option<String> {
    let name = name.to_ascii_uppercase();
    (name != "BINARY").then_some(name)
}

/// The tail of a foreign key from the parent table's name at `i`: `t [(cols)]`, then any
/// `ON DELETE|UPDATE action`, `MATCH name` and deferrability clauses. Returns its deferral
/// and the index after it.
fn references(sql: &Sql<'_>, i: usize, end: usize) -> (Deferral, usize) {
    let mut i = i + 1;
    if sql.is_open(i) {
        i = sql.skip(i);
    }
    let mut deferral = Deferral::NotDeferrable;
    while i < end {
        let next = match sql.keyword(i).as_deref() {
            Some("ON") if sql.is_word(i + 2, "SET") || sql.is_word(i + 2, "NO") => i + 4,
            Some("ON") => i + 3,
            Some("MATCH") => i + 2,
            Some("NOT") if sql.is_word(i + 1, "DEFERRABLE") => i + 2,
            Some("DEFERRABLE") => {
                deferral = Deferral::InitiallyImmediate;
                i + 1
            }
            Some("INITIALLY") => {
                // SQLite defers only `DEFERRABLE INITIALLY DEFERRED`; `NOT DEFERRABLE
                // INITIALLY DEFERRED` is checked at once (sqlite.org/foreignkeys.html 4.2).
                if sql.is_word(i + 1, "DEFERRED") && deferral == Deferral::InitiallyImmediate {
                    deferral = Deferral::InitiallyDeferred;
                }
                i + 2
            }
            _ => break,
        };
        i = next;
    }
    (deferral, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, kind: DdlKind) -> ConstraintDdl {
        ConstraintDdl {
            name: Some(name.to_owned()),
            kind,
        }
    }

    fn unnamed(kind: DdlKind) -> ConstraintDdl {
        ConstraintDdl { name: None, kind }
    }

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn reads_column_clauses() {
        let ddl = parse(
            "CREATE TABLE \"t\" ( -- note, with a comma\n [id] integer CONSTRAINT pk PRIMARY KEY,\n \
             name VARCHAR( 20 ) NOT NULL COLLATE nocase DEFAULT ('a,b') CHECK ( name <> '' ),\n \
             total INT GENERATED ALWAYS AS (id * 2) STORED, half AS (id / 2),\n \
             owner INT REFERENCES users ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED NOT NULL,\n \
             code TEXT COLLATE BINARY UNIQUE)",
        );
        let columns: Vec<(&str, Option<&str>, Option<&str>)> = ddl
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.collation.as_deref(),
                    c.generated.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            columns,
            [
                ("id", None, None),
                ("name", Some("NOCASE"), None),
                ("total", None, Some("id * 2")),
                ("half", None, Some("id / 2")),
                ("owner", None, None),
                ("code", None, None),
            ]
        );
        assert_eq!(
            ddl.constraints,
            [
                named("pk", DdlKind::PrimaryKey(cols(&["id"]))),
                unnamed(DdlKind::Check("name <> ''".into())),
                unnamed(DdlKind::ForeignKey(
                    cols(&["owner"]),
                    Deferral::InitiallyDeferred
                )),
                unnamed(DdlKind::Unique(cols(&["code"]))),
            ]
        );
    }

    #[test]
    fn reads_table_constraints() {
        let ddl = parse(
            "CREATE TABLE t(a, b, c, CONSTRAINT two PRIMARY KEY (a DESC, \"b\"), UNIQUE(c) ON CONFLICT REPLACE, \
             CHECK(a>b), CONSTRAINT fk FOREIGN KEY (b, c) REFERENCES p(x, y) MATCH FULL DEFERRABLE) WITHOUT ROWID",
        );
        assert_eq!(ddl.columns.len(), 3);
        assert_eq!(
            ddl.constraints,
            [
                named("two", DdlKind::PrimaryKey(cols(&["a", "b"]))),
                unnamed(DdlKind::Unique(cols(&["c"]))),
                unnamed(DdlKind::Check("a>b".into())),
                named(
                    "fk",
                    DdlKind::ForeignKey(cols(&["b", "c"]), Deferral::InitiallyImmediate)
                ),
            ]
        );
    }

    #[test]
    fn a_virtual_table_has_no_definitions() {
        assert_eq!(
            parse("CREATE VIRTUAL TABLE f USING fts5(body)"),
            TableDdl::default()
        );
    }
}
