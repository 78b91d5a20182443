//! Opening a connection with the driver a URL calls for. This is the one place that names the
//! backends; everything else goes through the [`Driver`] trait.

use plover_core::{Driver, DriverError};

use crate::database_url::{Backend, DatabaseUrl};

/// Connects to `url` with the matching driver.
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Driver>, DriverError> {
    Ok(match url.backend() {
        Backend::Postgres => Box::new(plover_postgres::connect(url.expose()).await?),
        Backend::Sqlite => Box::new(plover_sqlite::connect(url.expose()).await?),
    })
}
