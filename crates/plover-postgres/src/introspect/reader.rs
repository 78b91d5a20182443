//! Running the family queries over the schemas in scope, reading their cells, and finding
//! where in the catalog each row belongs.

use std::collections::{BTreeMap, HashMap};

use plover_core::schema::{Catalog, Schema, Table, View};
use plover_core::{Driver, DriverError, ErrorKind, Row, Value};
use serde::de::DeserializeOwned;

use crate::PostgresDriver;

/// Runs the family queries. Each takes one parameter, `$1`: the oids of the schemas in
/// scope, comma-separated, read with `string_to_array($1, ',')::oid[]`; and each returns
/// its object's schema oid first, which the reader turns into the schema's name. (Joining
/// `pg_namespace` in every query instead misleads the planner into a nested loop over the
/// whole catalog when the catalog's statistics are stale, as they are right after a fleet
/// of tenant schemas is created.)
pub(super) struct Reader<'a> {
    db: &'a mut PostgresDriver,
    namespaces: Value,
    names: HashMap<i64, String>,
    /// The names of the columns read, by table oid and column number: constraints list
    /// their columns by number, and naming them here spares the server a catalog lookup
    /// per column of every constraint.
    columns: HashMap<i64, BTreeMap<i64, String>>,
}

impl<'a> Reader<'a> {
    /// A reader over the schemas `namespaces` (oid, name).
    pub(super) fn new(db: &'a mut PostgresDriver, namespaces: &[(i64, String)]) -> Self {
        let list: Vec<String> = namespaces.iter().map(|(oid, _)| oid.to_string()).collect();
        Reader {
            db,
            namespaces: Value::Text(list.join(",")),
            names: namespaces.iter().cloned().collect(),
            columns: HashMap::new(),
        }
    }

    /// Remembers that column `number` of the table with oid `table` is called `name`.
    pub(super) fn note_column(&mut self, table: i64, number: i64, name: &str) {
        self.columns
            .entry(table)
            .or_default()
            .insert(number, name.to_owned());
    }

    /// The names of the columns `numbers` (a PostgreSQL `int2[]` printed as text, such as
    /// `{2,1}`) of the table with oid `table`, in that order; none when one of them was not
    /// read.
    pub(super) fn column_names(&self, table: i64, numbers: &str) -> Option<Vec<String>> {
        let columns = self.columns.get(&table)?;
        column_numbers(numbers)?
            .iter()
            .map(|n| columns.get(n).cloned())
            .collect()
    }

    /// The server version, as `server_version_num`.
    pub(super) fn server_version(&self) -> u32 {
        self.db.server_version()
    }

    /// The rows of the family query `sql`.
    pub(super) async fn rows(&mut self, sql: &str) -> Result<Vec<Row>, DriverError> {
        let mut rows = self
            .db
            .query(sql, std::slice::from_ref(&self.namespaces))
            .await?;
        for row in &mut rows {
            let name = row
                .first()
                .and_then(Value::as_i64)
                .and_then(|oid| self.names.get(&oid))
                .ok_or_else(|| unexpected(0, "the oid of a schema in scope"))?;
            row[0] = Value::Text(name.clone());
        }
        Ok(rows)
    }
}

/// The cells of one row, read by position.
pub(super) struct Cells<'r>(pub(super) &'r [Value]);

impl Cells<'_> {
    /// Text that must be there.
    pub(super) fn text(&self, i: usize) -> Result<String, DriverError> {
        self.opt_text(i).ok_or_else(|| unexpected(i, "text"))
    }

    /// Text, or none for NULL.
    pub(super) fn opt_text(&self, i: usize) -> Option<String> {
        self.0.get(i).and_then(Value::as_str).map(str::to_owned)
    }

    /// A boolean that must be there.
    pub(super) fn flag(&self, i: usize) -> Result<bool, DriverError> {
        self.0
            .get(i)
            .and_then(Value::as_bool)
            .ok_or_else(|| unexpected(i, "a boolean"))
    }

    /// An integer that must be there.
    pub(super) fn int(&self, i: usize) -> Result<i64, DriverError> {
        self.0
            .get(i)
            .and_then(Value::as_i64)
            .ok_or_else(|| unexpected(i, "an integer"))
    }

    /// A JSON document (the queries aggregate lists with `json_agg(..)::text`, as Plover's
    /// values have no arrays); NULL, what `json_agg` gives for no rows, is the empty value.
    pub(super) fn json<T: DeserializeOwned + Default>(&self, i: usize) -> Result<T, DriverError> {
        match self.opt_text(i) {
            None => Ok(T::default()),
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                DriverError::new(
                    ErrorKind::Query,
                    format!("introspection: column {i} is not the JSON expected: {e}"),
                )
            }),
        }
    }
}

/// The numbers of a PostgreSQL `int2[]` printed as text (`{2,1}`); none when it does not
/// read that way.
fn column_numbers(text: &str) -> Option<Vec<i64>> {
    let list = text.strip_prefix('{')?.strip_suffix('}')?;
    if list.is_empty() {
        return Some(Vec::new());
    }
    list.split(',').map(|n| n.parse().ok()).collect()
}

fn unexpected(i: usize, what: &str) -> DriverError {
    DriverError::new(
        ErrorKind::Query,
        format!("introspection: column {i} of a catalog query is not {what}"),
    )
}

/// The schema called `schema`, when it is in the catalog.
pub(super) fn schema_mut<'c>(catalog: &'c mut Catalog, schema: &str) -> Option<&'c mut Schema> {
    catalog.schemas.get_mut(schema)
}

/// The table `schema.table`, when it is in the catalog (an excluded table is not, and
/// neither are its parts).
pub(super) fn table_mut<'c>(
    catalog: &'c mut Catalog,
    schema: &str,
    table: &str,
) -> Option<&'c mut Table> {
    schema_mut(catalog, schema)?.tables.get_mut(table)
}

/// The view `schema.view`, when it is in the catalog.
pub(super) fn view_mut<'c>(
    catalog: &'c mut Catalog,
    schema: &str,
    view: &str,
) -> Option<&'c mut View> {
    schema_mut(catalog, schema)?.views.get_mut(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expect: Option<&[i64]>) {
        assert_eq!(column_numbers(text).as_deref(), expect);
    }

    #[test]
    fn column_numbers_are_read_in_order() {
        check("{1}", Some(&[1]));
        check("{3,1,2}", Some(&[3, 1, 2]));
        check("{}", Some(&[]));
        check("{1,x}", None);
        check("1,2", None);
    }
}
