//! Connecting and introspecting, with errors in the schema commands' terms.

use plover_core::Driver;
use plover_core::schema::{Catalog, Scope};

use super::error::SchemaError;
use crate::database_url::DatabaseUrl;

/// Connects to `url`, creating a missing SQLite file.
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Driver>, SchemaError> {
    crate::connect(url)
        .await
        .map_err(|source| connect_error(url, source))
}

/// Connects to `url` to read its schema: a SQLite file that does not exist (or is not a
/// database) is refused like a missing PostgreSQL database, never read as an empty one.
pub async fn connect_existing(url: &DatabaseUrl) -> Result<Box<dyn Driver>, SchemaError> {
    crate::connect_existing(url)
        .await
        .map_err(|source| connect_error(url, source))
}

fn connect_error(url: &DatabaseUrl, source: plover_core::DriverError) -> SchemaError {
    SchemaError::Connect {
        url: url.to_string(),
        source: Box::new(source),
    }
}

/// Reads the schema objects in `scope`.
pub async fn introspect(db: &mut dyn Driver, scope: &Scope) -> Result<Catalog, SchemaError> {
    read_schema(db, scope, "cannot read the schema").await
}

/// Reads the schema objects of the live database at `url` in `scope`. A schema the user
/// named (`--schema`, `#schema=`) must exist: a mistyped name would otherwise read as an
/// empty schema and show as everything removed or added.
pub async fn introspect_live(
    db: &mut dyn Driver,
    url: &DatabaseUrl,
    scope: &Scope,
    named: Option<&str>,
) -> Result<Catalog, SchemaError> {
    let context = format!("cannot read the schema of {url}");
    let catalog = read_schema(db, scope, &context).await?;
    match named {
        Some(name) if !catalog.schemas.contains_key(name) => Err(SchemaError::Usage(format!(
            "there is no schema `{name}` in {url}; check the name (`plover schema dump` without --schema lists them)"
        ))),
        _ => Ok(catalog),
    }
}

async fn read_schema(
    db: &mut dyn Driver,
    scope: &Scope,
    context: &str,
) -> Result<Catalog, SchemaError> {
    db.introspect(scope)
        .await
        .map_err(|source| SchemaError::Database {
            context: context.to_owned(),
            source: Box::new(source),
        })
}
