//! The introspection transaction: a consistent snapshot, a search path chosen by the
//! scope, and every family of objects read in turn.

use plover_core::schema::{Catalog, Scope};
use plover_core::sql::quote_ident;
use plover_core::{Driver, DriverError, ErrorKind, Value};

use super::reader::Reader;
use super::{
    constraints, indexes, policies, routines, schemas, sequences, tables, triggers, types, views,
};
use crate::PostgresDriver;

/// One snapshot for every query, so the families agree with each other.
const BEGIN_SQL: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// SQL: sets the search path, and plans fit for reading the catalogs, for this transaction
/// only. The catalogs of a busy database are in memory, where reaching a row through an index
/// costs about what reading it in a scan does; at the default costs the planner prefers to
/// scan and hash a whole catalog (pg_class, pg_constraint, pg_depend) for every query, which
/// a fleet of tenant schemas makes large. Parallel workers only add start-up cost to
/// queries this short, and take cores the other readers of a fleet are using.
const SETTINGS_SQL: &str = "SELECT set_config('search_path', $1, true), \
     set_config('random_page_cost', '1.1', true), \
     set_config('max_parallel_workers_per_gather', '0', true)";

/// The oldest server whose catalogs the queries read: generated columns
/// (`pg_attribute.attgenerated`) arrived in PostgreSQL 12.
const OLDEST_SERVER: u32 = 120_000;

/// Reads the objects in `scope`.
pub async fn introspect(db: &mut PostgresDriver, scope: &Scope) -> Result<Catalog, DriverError> {
    if db.server_version() < OLDEST_SERVER {
        return Err(DriverError::new(
            ErrorKind::Query,
            format!(
                "introspection needs PostgreSQL 12 or later; the server is version {}",
                db.server_version()
            ),
        ));
    }
    db.execute_script(BEGIN_SQL).await?;
    let result = read_catalog(db, scope).await;
    // Read-only, so committing and rolling back are the same but for the error they report.
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = db.execute_script(end).await;
    let catalog = result?;
    ended?;
    Ok(catalog)
}

/// The search path the definitions are printed under. One schema alone on the path makes
/// its objects print unqualified, so two tenants' schemas introspect equal (scope.rs);
/// with several schemas, only `pg_catalog` is on it so that every user object is qualified.
fn search_path(scope: &Scope) -> String {
    match scope.schemas.as_slice() {
        [only] if !scope.qualified => quote_ident(only),
        _ => "pg_catalog".to_owned(),
    }
}

async fn read_catalog(db: &mut PostgresDriver, scope: &Scope) -> Result<Catalog, DriverError> {
    db.query(SETTINGS_SQL, &[Value::Text(search_path(scope))])
        .await?;
    let mut catalog = Catalog::default();
    schemas::add_extensions(db, &mut catalog).await?;
    let namespaces = schemas::add_schemas(db, scope, &mut catalog).await?;
    if namespaces.is_empty() {
        return Ok(catalog);
    }
    let mut reader = Reader::new(db, &namespaces);
    tables::add_tables(&mut reader, scope, &mut catalog).await?;
    tables::add_columns(&mut reader, &mut catalog).await?;
    constraints::add_constraints(&mut reader, &mut catalog).await?;
    views::add_views(&mut reader, &mut catalog).await?;
    // After the views: materialized views have indexes too.
    indexes::add_indexes(&mut reader, &mut catalog).await?;
    triggers::add_triggers(&mut reader, &mut catalog).await?;
    policies::add_policies(&mut reader, &mut catalog).await?;
    routines::add_routines(&mut reader, &mut catalog).await?;
    sequences::add_sequences(&mut reader, scope, &mut catalog).await?;
    types::add_types(&mut reader, &mut catalog).await?;
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_schema_alone_goes_on_the_search_path() {
        assert_eq!(search_path(&Scope::schema("Tenant A")), "\"Tenant A\"");
        assert_eq!(search_path(&Scope::all()), "pg_catalog");
        let two = Scope {
            schemas: vec!["a".into(), "b".into()],
            ..Scope::default()
        };
        assert_eq!(search_path(&two), "pg_catalog");
    }
}
