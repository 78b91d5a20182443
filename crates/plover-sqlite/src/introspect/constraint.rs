//! A table's constraints: the primary key, unique constraints and foreign keys from the
//! pragmas, their names (and the CHECK constraints) from the `CREATE TABLE` text.
//!
//! SQLite keeps no name for a constraint written without `CONSTRAINT name`, so those get
//! the names PostgreSQL would give them: `<table>_pkey`, `<table>_<columns>_key`,
//! `<table>_<columns>_fkey`, and `<table>_check<N>` numbered in the order written.

use std::collections::BTreeMap;

use plover_core::schema::render::ident;
use plover_core::schema::{Constraint, ConstraintKind, Deferral};

use super::create_table::{DdlKind, TableDdl};
use super::pragma::{ColumnRow, ForeignKeyRow, IndexRow};
use super::tokens::Sql;

/// Every table's columns, to resolve the parent of a foreign key.
pub(super) type Parents<'a> = BTreeMap<String, &'a [ColumnRow]>;

/// What a table's constraints are read from.
pub(super) struct Sources<'a> {
    /// The table's name.
    pub table: &'a str,
    /// Its `CREATE TABLE` text, read.
    pub ddl: &'a TableDdl,
    /// Its columns.
    pub columns: &'a [ColumnRow],
    /// Its indexes.
    pub indexes: &'a [IndexRow],
    /// Its foreign keys, one row per column.
    pub foreign_keys: &'a [ForeignKeyRow],
}

/// The constraints of the table in `sources`, by name.
pub(super) fn constraints(
    sources: &Sources<'_>,
    parents: &Parents<'_>,
) -> BTreeMap<String, Constraint> {
    let mut out = BTreeMap::new();
    if let Some((name, c)) = primary_key(sources) {
        insert(&mut out, name, c);
    }
    for (name, c) in uniques(sources) {
        insert(&mut out, name, c);
    }
    for (name, c) in foreign_keys(sources, parents) {
        insert(&mut out, name, c);
    }
    for (name, c) in checks(sources) {
        insert(&mut out, name, c);
    }
    out
}

/// Adds `c` under `name`, or under `name1`, `name2`... when taken (as PostgreSQL numbers
/// clashing generated names), so that no constraint is ever lost to a clash.
fn insert(out: &mut BTreeMap<String, Constraint>, name: String, c: Constraint) {
    let mut candidate = name.clone();
    let mut n = 1;
    while out.contains_key(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    out.insert(candidate, c);
}

fn constraint(kind: ConstraintKind, columns: Vec<String>, definition: String) -> Constraint {
    Constraint {
        kind,
        columns,
        definition,
        deferral: Deferral::NotDeferrable,
        validated: true,
    }
}

/// `(a, b)`, each name quoted only when it has to be.
fn column_list(columns: &[String]) -> String {
    let quoted: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    format!("({})", quoted.join(", "))
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// The name written for the first constraint in the DDL that `matches`, if it has one.
/// Each written constraint answers once, so two alike pair up in order.
fn written_name(
    ddl: &TableDdl,
    used: &mut Vec<usize>,
    mut matches: impl FnMut(&DdlKind) -> bool,
) -> Option<Option<String>> {
    let (i, found) = ddl
        .constraints
        .iter()
        .enumerate()
        .find(|(i, c)| !used.contains(i) && matches(&c.kind))?;
    used.push(i);
    Some(found.name.clone())
}

fn primary_key(sources: &Sources<'_>) -> Option<(String, Constraint)> {
    let mut key: Vec<&ColumnRow> = sources.columns.iter().filter(|c| c.pk > 0).collect();
    if key.is_empty() {
        return None;
    }
    key.sort_by_key(|c| c.pk);
    let columns: Vec<String> = key.iter().map(|c| c.name.clone()).collect();
    let written = written_name(sources.ddl, &mut Vec::new(), |k| {
        matches!(k, DdlKind::PrimaryKey(_))
    });
    let name = written
        .flatten()
        .unwrap_or_else(|| format!("{}_pkey", sources.table));
    let definition = format!("PRIMARY KEY {}", column_list(&columns));
    Some((
        name,
        constraint(ConstraintKind::PrimaryKey, columns, definition),
    ))
}

fn uniques(sources: &Sources<'_>) -> Vec<(String, Constraint)> {
    let mut used = Vec::new();
    sources
        .indexes
        .iter()
        .filter(|i| i.origin == "u")
        .map(|index| {
            let columns: Vec<String> = index
                .keys
                .iter()
                .filter(|k| k.key)
                .map(|k| k.name.clone().unwrap_or_default())
                .collect();
            let written = written_name(
                sources.ddl,
                &mut used,
                |k| matches!(k, DdlKind::Unique(c) if same_columns(c, &columns)),
            );
            let name = written
                .flatten()
                .unwrap_or_else(|| format!("{}_{}_key", sources.table, columns.join("_")));
            let definition = format!("UNIQUE {}", column_list(&columns));
            (
                name,
                constraint(ConstraintKind::Unique, columns, definition),
            )
        })
        .collect()
}

fn foreign_keys(sources: &Sources<'_>, parents: &Parents<'_>) -> Vec<(String, Constraint)> {
    let mut by_id: BTreeMap<i64, Vec<&ForeignKeyRow>> = BTreeMap::new();
    for row in sources.foreign_keys {
        by_id.entry(row.id).or_default().push(row);
    }
    // SQLite numbers foreign keys from the last written, so read them in the order written
    // for same-column keys to pair up with their names in order.
    let mut used = Vec::new();
    by_id
        .into_values()
        .rev()
        .map(|rows| foreign_key(sources, parents, &rows, &mut used))
        .collect()
}

fn foreign_key(
    sources: &Sources<'_>,
    parents: &Parents<'_>,
    rows: &[&ForeignKeyRow],
    used: &mut Vec<usize>,
) -> (String, Constraint) {
    let columns: Vec<String> = rows.iter().map(|r| r.from.clone()).collect();
    let mut deferral = Deferral::NotDeferrable;
    let written = written_name(sources.ddl, used, |k| match k {
        DdlKind::ForeignKey(c, d) if same_columns(c, &columns) => {
            deferral = *d;
            true
        }
        _ => false,
    });
    let name = written
        .flatten()
        .unwrap_or_else(|| format!("{}_{}_fkey", sources.table, columns.join("_")));
    let definition = foreign_key_definition(&columns, rows, parents);
    let c = Constraint {
        deferral,
        ..constraint(ConstraintKind::ForeignKey, columns, definition)
    };
    (name, c)
}

/// `FOREIGN KEY (a) REFERENCES t(id) ON DELETE CASCADE`, the way PostgreSQL prints it:
/// the parent's columns spelled out even when `REFERENCES t` left them to the primary key,
/// and default actions left out.
fn foreign_key_definition(
    columns: &[String],
    rows: &[&ForeignKeyRow],
    parents: &Parents<'_>,
) -> String {
    let first = rows[0];
    let parent = parents
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&first.parent));
    let parent_name = parent.map_or(first.parent.as_str(), |(name, _)| name.as_str());
    let parent_columns = parent.map(|(_, columns)| *columns).unwrap_or_default();
    let mut out = format!(
        "FOREIGN KEY {} REFERENCES {}",
        column_list(columns),
        ident(parent_name)
    );
    if let Some(referenced) = referenced_columns(rows, parent_columns) {
        out.push_str(&column_list(&referenced));
    }
    if first.matching != "NONE" {
        out.push_str(&format!(" MATCH {}", first.matching));
    }
    for (event, action) in [("UPDATE", &first.on_update), ("DELETE", &first.on_delete)] {
        if action != "NO ACTION" {
            out.push_str(&format!(" ON {event} {action}"));
        }
    }
    out
}

/// The parent columns as the parent spells them; its primary key when the foreign key
/// names none; none when that cannot be known (a parent outside the schema).
fn referenced_columns(rows: &[&ForeignKeyRow], parent: &[ColumnRow]) -> Option<Vec<String>> {
    let spelled = |name: &str| {
        parent
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map_or_else(|| name.to_owned(), |c| c.name.clone())
    };
    if rows.iter().all(|r| r.to.is_some()) {
        return Some(
            rows.iter()
                .flat_map(|r| r.to.as_deref())
                .map(spelled)
                .collect(),
        );
    }
    let mut key: Vec<&ColumnRow> = parent.iter().filter(|c| c.pk > 0).collect();
    key.sort_by_key(|c| c.pk);
    (!key.is_empty()).then(|| key.iter().map(|c| c.name.clone()).collect())
}

/// The CHECK constraints, with the table columns each one mentions.
fn checks(sources: &Sources<'_>) -> Vec<(String, Constraint)> {
    let mut unnamed = 0;
    sources
        .ddl
        .constraints
        .iter()
        .filter_map(|c| match &c.kind {
            DdlKind::Check(expr) => Some((c.name.clone(), expr)),
            _ => None,
        })
        .map(|(written, expr)| {
            let name = written.unwrap_or_else(|| {
                unnamed += 1;
                format!("{}_check{unnamed}", sources.table)
            });
            let columns = mentioned_columns(expr, sources.columns);
            let definition = format!("CHECK ({expr})");
            (name, constraint(ConstraintKind::Check, columns, definition))
        })
        .collect()
}

/// The table's columns that `expr` names, in table order: a check written on a column and
/// the same check written on the table read the same.
fn mentioned_columns(expr: &str, columns: &[ColumnRow]) -> Vec<String> {
    let sql = Sql::new(expr);
    let names: Vec<String> = (0..sql.len())
        .filter(|&i| !sql.is_string(i))
        .filter_map(|i| sql.name(i))
        .collect();
    columns
        .iter()
        .filter(|c| names.iter().any(|n| n.eq_ignore_ascii_case(&c.name)))
        .map(|c| c.name.clone())
        .collect()
}
