//! The entry point: which schemas to read, and each schema's objects put together.

use std::collections::BTreeMap;

use plover_core::DriverError;
use plover_core::schema::{Catalog, Schema, Scope, Table, Trigger, View};
use rusqlite::Connection;

use super::constraint::{Parents, Sources};
use super::pragma::{self, ByTable, ObjectRow, query_error};
use super::statement::{trigger_definition, view_definition};
use super::{create_table, table};

/// Reads the objects in `scope`.
///
/// SQLite's schemas are its attached databases. An empty scope reads `main`; a named schema
/// reads the attached database of that name (`temp` included), and one that is not
/// attached is left out of the result rather than failing, as an empty PostgreSQL schema
/// would read.
pub fn introspect(c: &mut Connection, scope: &Scope) -> Result<Catalog, DriverError> {
    if !c.is_autocommit() {
        return read_catalog(c, scope);
    }
    // One read transaction, so that every query sees the same schema even if another
    // process migrates meanwhile. It writes nothing; dropping it rolls back.
    let transaction = c.transaction().map_err(query_error)?;
    read_catalog(&transaction, scope)
}

fn read_catalog(c: &Connection, scope: &Scope) -> Result<Catalog, DriverError> {
    let attached = pragma::databases(c)?;
    let mut catalog = Catalog::default();
    for schema in schemas_in_scope(scope, &attached) {
        let objects = read_schema(c, &schema, scope)?;
        catalog.schemas.insert(schema, objects);
    }
    Ok(catalog)
}

fn schemas_in_scope(scope: &Scope, attached: &[String]) -> Vec<String> {
    if scope.schemas.is_empty() {
        return vec!["main".to_owned()];
    }
    scope
        .schemas
        .iter()
        .filter(|s| attached.iter().any(|a| a.eq_ignore_ascii_case(s)))
        .cloned()
        .collect()
}

/// What the catalog queries return for one schema.
struct Rows {
    objects: Vec<ObjectRow>,
    shadow: Vec<String>,
    columns: ByTable<pragma::ColumnRow>,
    indexes: ByTable<pragma::IndexRow>,
    foreign_keys: ByTable<pragma::ForeignKeyRow>,
}

fn read_schema(c: &Connection, schema: &str, scope: &Scope) -> Result<Schema, DriverError> {
    let mut rows = Rows {
        objects: pragma::objects(c, schema)?,
        shadow: pragma::shadow_tables(c, schema)?,
        columns: pragma::columns(c, schema)?,
        indexes: pragma::indexes(c, schema)?,
        foreign_keys: pragma::foreign_keys(c, schema)?,
    };
    let tables: Vec<&ObjectRow> = rows
        .objects
        .iter()
        .filter(|o| is_user_table(o, &rows.shadow, schema, scope))
        .collect();
    for t in &tables {
        if is_virtual(t) {
            let columns = pragma::virtual_columns(c, schema, &t.name)?;
            rows.columns.insert(t.name.clone(), columns);
        }
    }
    // Every table is a possible parent, excluded ones too: a foreign key into an excluded
    // table still names its columns.
    let parents: Parents<'_> = rows
        .columns
        .iter()
        .map(|(name, columns)| (name.clone(), columns.as_slice()))
        .collect();
    let index_sql: BTreeMap<&str, &str> = rows
        .objects
        .iter()
        .filter(|o| o.kind == "index")
        .filter_map(|o| Some((o.name.as_str(), o.sql.as_deref()?)))
        .collect();
    let mut out = Schema {
        tables: tables
            .iter()
            .map(|t| (t.name.clone(), table_of(t, &rows, &parents, &index_sql)))
            .collect(),
        ..Schema::default()
    };
    add_views(&mut out, &rows.objects);
    add_triggers(&mut out, &rows.objects);
    Ok(out)
}

/// A table of the user's: not SQLite's own (`sqlite_%`), not the storage of a virtual
/// table, and not excluded (compared case-insensitively, as SQLite compares names).
fn is_user_table(o: &ObjectRow, shadow: &[String], schema: &str, scope: &Scope) -> bool {
    let internal = o
        .name
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("sqlite_"));
    let excluded = scope
        .exclude_tables
        .iter()
        .any(|t| t.schema.eq_ignore_ascii_case(schema) && t.name.eq_ignore_ascii_case(&o.name));
    o.kind == "table" && !internal && !excluded && !shadow.contains(&o.name)
}

fn is_virtual(o: &ObjectRow) -> bool {
    o.sql
        .as_deref()
        .and_then(|s| s.get(..15))
        .is_some_and(|s| s.eq_ignore_ascii_case("CREATE VIRTUAL "))
}

fn table_of(
    t: &ObjectRow,
    rows: &Rows,
    parents: &Parents<'_>,
    index_sql: &BTreeMap<&str, &str>,
) -> Table {
    let ddl = create_table::parse(t.sql.as_deref().unwrap_or(""));
    let sources = Sources {
        table: &t.name,
        ddl: &ddl,
        columns: slice(&rows.columns, &t.name),
        indexes: slice(&rows.indexes, &t.name),
        foreign_keys: slice(&rows.foreign_keys, &t.name),
    };
    table::table(&sources, parents, index_sql)
}

fn slice<'a, T>(rows: &'a ByTable<T>, table: &str) -> &'a [T] {
    rows.get(table).map_or(&[], Vec::as_slice)
}

fn add_views(out: &mut Schema, objects: &[ObjectRow]) {
    for o in objects.iter().filter(|o| o.kind == "view") {
        let view = View {
            materialized: false,
            definition: view_definition(o.sql.as_deref().unwrap_or("")),
            indexes: BTreeMap::new(),
            comment: None,
        };
        out.views.insert(o.name.clone(), view);
    }
}

/// Each trigger goes to its table. The model has no triggers on views (`INSTEAD OF`), and
/// those on tables out of scope go with their table.
fn add_triggers(out: &mut Schema, objects: &[ObjectRow]) {
    for o in objects.iter().filter(|o| o.kind == "trigger") {
        let Some((table_name, table)) = out
            .tables
            .iter_mut()
            .find(|(name, _)| name.eq_ignore_ascii_case(&o.table))
        else {
            continue;
        };
        let sql = o.sql.as_deref().unwrap_or("");
        let trigger = Trigger {
            definition: trigger_definition(sql, &o.name, table_name),
            enabled: true,
        };
        table.triggers.insert(o.name.clone(), trigger);
    }
}
