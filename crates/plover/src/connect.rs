//! Opening a connection with the driver a URL calls for. This is the one place that names the
//! backends; everything else goes through the [`Driver`] trait.

use plover_core::{Driver, DriverError};

use crate::database_url::{Backend, DatabaseUrl};

/// Connects to `url` with the matching driver; a SQLite file is created when missing.
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Driver>, DriverError> {
    Ok(match url.backend() {
        Backend::Postgres => Box::new(plover_postgres::connect(url.expose()).await?),
        Backend::Sqlite => Box::new(plover_sqlite::connect(url.expose()).await?),
    })
}

/// Connects for a command that only reads (`status`, `verify`, dry runs): a SQLite file that
/// does not exist yet reads as an empty database instead of being created.
pub async fn connect_for_reading(url: &DatabaseUrl) -> Result<Box<dyn Driver>, DriverError> {
    Ok(match url.backend() {
        Backend::Postgres => Box::new(plover_postgres::connect(url.expose()).await?),
        Backend::Sqlite => Box::new(plover_sqlite::connect_without_creating(url.expose()).await?),
    })
}

/// Connects for a command that reads what a database holds (`schema dump`, `diff`, `drift`):
/// a SQLite file must exist and be a database, as a PostgreSQL database must exist, so that
/// a mistyped path is an error naming it instead of an empty schema.
pub async fn connect_existing(url: &DatabaseUrl) -> Result<Box<dyn Driver>, DriverError> {
    Ok(match url.backend() {
        Backend::Postgres => Box::new(plover_postgres::connect(url.expose()).await?),
        Backend::Sqlite => Box::new(plover_sqlite::connect_existing(url.expose()).await?),
    })
}
