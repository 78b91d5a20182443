//! Why a [`TenantPools`](super::TenantPools) call failed.

use std::time::Duration;

use plover_core::DriverError;
use plover_core::tenant::TenantIdError;

use super::tenant_pools::CHECKOUT_ATTEMPTS;

/// Why a [`TenantPools`](super::TenantPools) call failed. Messages never contain passwords.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoolsError {
    /// [`TenantPools::dispose`](super::TenantPools::dispose) was called.
    #[error("tenant pools were disposed")]
    Disposed,
    /// The tenant id was refused; nothing was connected.
    #[error(transparent)]
    TenantId(#[from] TenantIdError),
    /// The configuration or a call's argument cannot be used.
    #[error("tenant pools: {0}")]
    Config(String),
    /// A new connection for the tenant could not be opened.
    #[error("tenant {tenant:?}: cannot connect: {error}")]
    Connect {
        /// The tenant id.
        tenant: String,
        /// What the server or the network said.
        error: Box<DriverError>,
    },
    /// Every connection of the tenant's pool stayed checked out for the whole wait.
    #[error(
        "tenant {tenant:?}: no connection came free within {waited:?} \
         (max_connections_per_pool is {max})"
    )]
    Busy {
        /// The tenant id.
        tenant: String,
        /// How long the call waited.
        waited: Duration,
        /// The pool's size.
        max: usize,
    },
    /// The tenant's pool kept being evicted while the caller waited for a connection.
    #[error(
        "tenant {tenant:?}: its pool was evicted {CHECKOUT_ATTEMPTS} times while waiting for a \
         connection; max_pools ({max_pools}) is too small for the tenants in use"
    )]
    Evicted {
        /// The tenant id.
        tenant: String,
        /// The configured limit.
        max_pools: usize,
    },
    /// A health or warmup query failed.
    #[error("tenant {tenant:?}: {error}")]
    Query {
        /// The tenant id.
        tenant: String,
        /// The server's error.
        error: Box<DriverError>,
    },
    /// The tenant's connections work but its schema does not exist.
    #[error("tenant {tenant:?}: schema {schema:?} does not exist")]
    MissingSchema {
        /// The tenant id.
        tenant: String,
        /// The schema its `search_path` names.
        schema: String,
    },
    /// A health check got no answer in time.
    #[error("tenant {tenant:?}: no answer within {waited:?}")]
    NoAnswer {
        /// The tenant id.
        tenant: String,
        /// The configured `health_timeout`.
        waited: Duration,
    },
}
