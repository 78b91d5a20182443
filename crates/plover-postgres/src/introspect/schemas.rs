//! Extensions, and the schemas in scope.

use plover_core::schema::{Catalog, Extension, Schema, Scope};
use plover_core::{Driver, DriverError, ErrorKind, Value};

use super::reader::Cells;
use crate::PostgresDriver;

/// SQL: every installed extension. Extensions belong to the database, not to a schema,
/// so every scope lists them all.
const EXTENSIONS_SQL: &str = r#"
SELECT e.extname::text, n.nspname::text, e.extversion
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
"#;

/// SQL: the schemas in scope. `$1` is a JSON array of schema names; an empty one asks for
/// every schema but the system's own (scope.rs). Schemas an extension created are its own.
const SCHEMAS_SQL: &str = r#"
SELECT n.oid, n.nspname::text, pg_catalog.obj_description(n.oid, 'pg_namespace')
FROM pg_catalog.pg_namespace n
WHERE CASE WHEN $1::text = '[]'
        THEN n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname NOT LIKE 'pg\_toast%'
             AND n.nspname NOT LIKE 'pg\_temp\_%'
        ELSE n.nspname IN (SELECT pg_catalog.json_array_elements_text($1::text::json))
      END
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_namespace'::regclass
          AND d.objid = n.oid AND d.deptype = 'e')
"#;

/// Adds every installed extension to `catalog`.
pub(super) async fn add_extensions(
    db: &mut PostgresDriver,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in db.query(EXTENSIONS_SQL, &[]).await? {
        let cells = Cells(&row);
        let extension = Extension {
            schema: cells.text(1)?,
            version: cells.text(2)?,
        };
        catalog.extensions.insert(cells.text(0)?, extension);
    }
    Ok(())
}

/// Adds the schemas in `scope` to `catalog`, and returns their oids. A schema asked for
/// that does not exist is left out, so that a missing tenant reads as a removed schema.
pub(super) async fn add_schemas(
    db: &mut PostgresDriver,
    scope: &Scope,
    catalog: &mut Catalog,
) -> Result<Vec<(i64, String)>, DriverError> {
    let names = serde_json::to_string(&scope.schemas)
        .map_err(|e| DriverError::new(ErrorKind::Query, e.to_string()))?;
    let mut namespaces = Vec::new();
    for row in db.query(SCHEMAS_SQL, &[Value::Text(names)]).await? {
        let cells = Cells(&row);
        let schema = Schema {
            comment: cells.opt_text(2),
            ..Schema::default()
        };
        let name = cells.text(1)?;
        catalog.schemas.insert(name.clone(), schema);
        namespaces.push((cells.int(0)?, name));
    }
    Ok(namespaces)
}
