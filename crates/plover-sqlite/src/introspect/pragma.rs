//! The catalog queries: `sqlite_schema` and `pragma_table_list` once, then each pragma once
//! for every table at once, joined as a table-valued function, so a schema reads in five
//! queries whatever its size (plus one per virtual table).

use std::collections::BTreeMap;

use plover_core::DriverError;
use plover_core::sql::quote_ident;
use rusqlite::{Connection, Row, params};

use crate::error::from_sqlite;

/// Rows grouped by the table they belong to.
pub(super) type ByTable<T> = BTreeMap<String, Vec<T>>;

/// A row of `sqlite_schema`.
#[derive(Debug)]
pub(super) struct ObjectRow {
    /// `table`, `index`, `view` or `trigger`.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The table (or view) it belongs to; its own name for a table or view.
    pub table: String,
    /// Its stored `CREATE` text; none for the indexes behind constraints.
    pub sql: Option<String>,
}

/// A row of `pragma_table_xinfo`.
#[derive(Debug)]
pub(super) struct ColumnRow {
    /// The column's name.
    pub name: String,
    /// Its declared type as written (empty when none).
    pub data_type: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// The default expression as written.
    pub default: Option<String>,
    /// Its position in the primary key from 1, or 0.
    pub pk: i64,
    /// 0 for a plain column, 1 for a hidden column of a virtual table, 2 and 3 for a
    /// virtual and a stored generated column.
    pub hidden: i64,
}

/// A row of `pragma_index_list` with its `pragma_index_xinfo` rows.
#[derive(Debug)]
pub(super) struct IndexRow {
    /// The index's name.
    pub name: String,
    /// `UNIQUE`.
    pub unique: bool,
    /// `c` for `CREATE INDEX`, `u` for a `UNIQUE` constraint, `pk` for the primary key.
    pub origin: String,
    /// The columns in order, the key columns first.
    pub keys: Vec<KeyRow>,
}

/// A row of `pragma_index_xinfo`.
#[derive(Debug)]
pub(super) struct KeyRow {
    /// The table column's position, -1 for the rowid, -2 for an expression.
    pub cid: i64,
    /// The column's name, none for an expression.
    pub name: Option<String>,
    /// Sorted descending.
    pub desc: bool,
    /// Its collating sequence.
    pub collation: Option<String>,
    /// A key column rather than one the index carries along (the rowid or primary key).
    pub key: bool,
}

/// A row of `pragma_foreign_key_list`: one column of one foreign key.
#[derive(Debug)]
pub(super) struct ForeignKeyRow {
    /// Which foreign key of the table.
    pub id: i64,
    /// The parent table, as written in `REFERENCES`.
    pub parent: String,
    /// The child column.
    pub from: String,
    /// The parent column; none when `REFERENCES t` names no columns (the primary key).
    pub to: Option<String>,
    /// `ON UPDATE` action.
    pub on_update: String,
    /// `ON DELETE` action.
    pub on_delete: String,
    /// `MATCH` (SQLite parses but ignores it).
    pub matching: String,
}

/// The names of the attached databases (`main`, `temp`, and any `ATTACH`ed).
pub(super) fn databases(c: &Connection) -> Result<Vec<String>, DriverError> {
    collect(c, "SELECT name FROM pragma_database_list", "", |r| r.get(0))
}

/// Every row of the schema table of `schema`.
pub(super) fn objects(c: &Connection, schema: &str) -> Result<Vec<ObjectRow>, DriverError> {
    // SQL assembled from strings: the schema name is quoted by the one quoting helper.
    let sql = format!(
        "SELECT type, name, tbl_name, sql FROM {}.sqlite_schema",
        quote_ident(schema)
    );
    collect(c, &sql, "", |r| {
        Ok(ObjectRow {
            kind: r.get(0)?,
            name: r.get(1)?,
            table: r.get(2)?,
            sql: r.get(3)?,
        })
    })
}

/// The tables of `schema` that `pragma_table_list` calls `shadow`: the storage behind a
/// virtual table, created and dropped with it.
pub(super) fn shadow_tables(c: &Connection, schema: &str) -> Result<Vec<String>, DriverError> {
    let sql = "SELECT name FROM pragma_table_list WHERE schema = ?1 AND type = 'shadow'";
    collect(c, sql, schema, |r| r.get(0))
}

/// The columns of every ordinary table of `schema`.
pub(super) fn columns(c: &Connection, schema: &str) -> Result<ByTable<ColumnRow>, DriverError> {
    let sql = format!(
        "SELECT t.name, x.name, x.type, x.\"notnull\", x.dflt_value, x.pk, x.hidden \
         FROM {} JOIN pragma_table_xinfo(t.name, ?1) AS x WHERE {} ORDER BY t.name, x.cid",
        tables(schema),
        ORDINARY
    );
    grouped(c, &sql, schema, column_row)
}

/// The columns of the virtual table `table`; its module must be loaded to read them.
pub(super) fn virtual_columns(
    c: &Connection,
    schema: &str,
    table: &str,
) -> Result<Vec<ColumnRow>, DriverError> {
    let sql = "SELECT ?2, name, type, \"notnull\", dflt_value, pk, hidden \
               FROM pragma_table_xinfo(?2, ?1) ORDER BY cid";
    let mut statement = c.prepare_cached(sql).map_err(query_error)?;
    let rows = statement
        .query_map(params![schema, table], |r| Ok(column_row(r)?.1))
        .and_then(|rows| rows.collect())
        .map_err(|e| {
            let error = query_error(e);
            DriverError {
                message: format!("{} (reading virtual table {table})", error.message),
                ..error
            }
        })?;
    Ok(rows)
}

fn column_row(r: &Row<'_>) -> rusqlite::Result<(String, ColumnRow)> {
    let column = ColumnRow {
        name: r.get(1)?,
        data_type: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        not_null: r.get(3)?,
        default: r.get(4)?,
        pk: r.get(5)?,
        hidden: r.get(6)?,
    };
    Ok((r.get(0)?, column))
}

/// The indexes of every ordinary table of `schema`, each with its columns.
pub(super) fn indexes(c: &Connection, schema: &str) -> Result<ByTable<IndexRow>, DriverError> {
    let sql = format!(
        "SELECT t.name, l.name, l.\"unique\", l.origin, \
                x.cid, x.name, x.\"desc\", x.coll, x.\"key\" \
         FROM {} JOIN pragma_index_list(t.name, ?1) AS l \
                 JOIN pragma_index_xinfo(l.name, ?1) AS x \
         WHERE {} ORDER BY t.name, l.name, x.seqno",
        tables(schema),
        ORDINARY
    );
    let rows = grouped(c, &sql, schema, |r| {
        let index = IndexRow {
            name: r.get(1)?,
            unique: r.get(2)?,
            origin: r.get(3)?,
            keys: Vec::new(),
        };
        let key = KeyRow {
            cid: r.get(4)?,
            name: r.get(5)?,
            desc: r.get(6)?,
            collation: r.get(7)?,
            key: r.get(8)?,
        };
        Ok((r.get(0)?, (index, key)))
    })?;
    Ok(rows
        .into_iter()
        .map(|(table, rows)| (table, merge_keys(rows)))
        .collect())
}

/// One row per index column → one index per run of rows with the same index name.
fn merge_keys(rows: Vec<(IndexRow, KeyRow)>) -> Vec<IndexRow> {
    let mut indexes: Vec<IndexRow> = Vec::new();
    for (index, key) in rows {
        match indexes.last_mut() {
            Some(last) if last.name == index.name => last.keys.push(key),
            _ => indexes.push(IndexRow {
                keys: vec![key],
                ..index
            }),
        }
    }
    indexes
}

/// The foreign keys of every ordinary table of `schema`, one row per column.
pub(super) fn foreign_keys(
    c: &Connection,
    schema: &str,
) -> Result<ByTable<ForeignKeyRow>, DriverError> {
    let sql = format!(
        "SELECT t.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete, f.\"match\" \
         FROM {} JOIN pragma_foreign_key_list(t.name, ?1) AS f \
         WHERE {} ORDER BY t.name, f.id, f.seq",
        tables(schema),
        ORDINARY
    );
    grouped(c, &sql, schema, |r| {
        let key = ForeignKeyRow {
            id: r.get(1)?,
            parent: r.get(2)?,
            from: r.get(3)?,
            to: r.get(4)?,
            on_update: r.get(5)?,
            on_delete: r.get(6)?,
            matching: r.get(7)?,
        };
        Ok((r.get(0)?, key))
    })
}

/// `schema`'s schema table as `t`. The pragmas are joined to it rather than to
/// `pragma_table_list`, whose three-way joins come back empty on SQLite 3.40.
fn tables(schema: &str) -> String {
    // SQL assembled from strings: the schema name is quoted by the one quoting helper.
    format!("{}.sqlite_schema AS t", quote_ident(schema))
}

/// Ordinary tables: not views, not SQLite's own, and not virtual tables, whose pragmas need
/// their module loaded (those are read one by one, see [`virtual_columns`]).
const ORDINARY: &str = "t.type = 'table' AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                        AND t.sql NOT LIKE 'CREATE VIRTUAL %'";

fn collect<T>(
    c: &Connection,
    sql: &str,
    schema: &str,
    read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, DriverError> {
    let mut statement = c.prepare_cached(sql).map_err(query_error)?;
    let bound = if statement.parameter_count() == 0 {
        statement.query_map([], read)
    } else {
        statement.query_map([schema], read)
    };
    bound.and_then(|rows| rows.collect()).map_err(query_error)
}

fn grouped<T>(
    c: &Connection,
    sql: &str,
    schema: &str,
    read: impl FnMut(&Row<'_>) -> rusqlite::Result<(String, T)>,
) -> Result<ByTable<T>, DriverError> {
    let mut out: ByTable<T> = BTreeMap::new();
    for (table, row) in collect(c, sql, schema, read)? {
        out.entry(table).or_default().push(row);
    }
    Ok(out)
}

/// A failed catalog query: the caller's text is not involved, so no position.
pub(super) fn query_error(error: rusqlite::Error) -> DriverError {
    let error = from_sqlite(error, 0);
    DriverError {
        message: format!("cannot introspect: {}", error.message),
        position: None,
        ..error
    }
}
