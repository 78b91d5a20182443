//! What can stop a fleet command before or around its per-tenant work. A failure inside
//! one tenant is not an error of the command: it is that tenant's result in the report.

use plover_core::DriverError;
use plover_core::tenant::TenantIdError;

/// Why a fleet command stopped. Nothing was changed unless the error says so.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// Bad arguments or configuration.
    #[error("{0}")]
    Usage(String),
    /// A tenant id that cannot become a schema name.
    #[error(transparent)]
    InvalidId(#[from] TenantIdError),
    /// The tenant migrations could not be read.
    #[error("tenant migrations: {0}")]
    Migrations(Box<crate::Error>),
    /// The database could not be reached.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// Why.
        source: Box<DriverError>,
    },
    /// A query of Plover's own failed.
    #[error("{context}: {source}")]
    Database {
        /// What Plover was doing.
        context: String,
        /// The database's error.
        source: Box<DriverError>,
    },
    /// A tenant named on the command line does not exist.
    #[error("tenant {id:?} has no schema {schema:?}; `plover tenants create {id}` makes it")]
    NoSuchTenant {
        /// The id.
        id: String,
        /// Its schema.
        schema: String,
    },
    /// A tenant named on the command line is not among those `tenants.ids` lists or
    /// `tenants.query` returns.
    #[error("{id:?} is not a tenant: it is not among those {setting} gives")]
    NotListed {
        /// The id.
        id: String,
        /// `tenants.ids` or `tenants.query`.
        setting: &'static str,
    },
    /// `create` found the schema already there.
    #[error(
        "tenant {id:?} already exists (schema {schema:?}); `plover tenants migrate --tenant {id}` brings it up to date"
    )]
    AlreadyExists {
        /// The id.
        id: String,
        /// Its schema.
        schema: String,
    },
    /// A seed file could not be read.
    #[error("cannot read the seed file {path}: {message}")]
    SeedFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A seed file holds transaction control that would end the transaction it runs in.
    #[error(transparent)]
    SeedScript(#[from] plover_core::body::BodyError),
    /// `create` made the tenant, but its seed file failed (and was rolled back).
    #[error(
        "tenant {id:?} was created and migrated, but the seed file {path} failed and was rolled back: {message}"
    )]
    SeedFailed {
        /// The id.
        id: String,
        /// The seed file.
        path: String,
        /// The database's error.
        message: String,
    },
    /// Reading or comparing schemas failed.
    #[error(transparent)]
    Schema(#[from] crate::schema::SchemaError),
}

impl TenantError {
    /// Wraps a failure of one of Plover's own queries.
    pub(crate) fn database(context: impl Into<String>) -> impl FnOnce(DriverError) -> TenantError {
        let context = context.into();
        move |source| TenantError::Database {
            context,
            source: Box::new(source),
        }
    }
}
