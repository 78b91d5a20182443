//! How a [`TenantPools`](super::TenantPools) connects and how far it grows.

use std::fmt;
use std::time::Duration;

use plover_core::tenant::{IdPattern, SchemaTemplate};

use super::PoolsError;
use super::tenant_pools::describe;
use crate::url;

/// How a [`TenantPools`](super::TenantPools) connects and how far it grows.
#[derive(Clone)]
pub struct PoolsConfig {
    /// The database, as a `postgres://` URL (`sslmode` and `sslrootcert` work as in libpq).
    pub url: String,
    /// How tenant ids become schema names (`tenant_{id}` by default).
    pub schema_template: SchemaTemplate,
    /// The characters a tenant id may use (`a-z0-9_-` by default).
    pub id_pattern: IdPattern,
    /// At most this many tenant pools at once; the least recently used one is closed to make
    /// room for a new one.
    pub max_pools: usize,
    /// At most this many connections in one tenant's pool.
    pub max_connections_per_pool: usize,
    /// A pool unused for longer than this, with no connection checked out and no caller
    /// waiting for one, is closed by
    /// [`TenantPools::cleanup_idle`](super::TenantPools::cleanup_idle); `None` keeps pools until they are evicted.
    pub idle_ttl: Option<Duration>,
    /// How long [`TenantPools::get`](super::TenantPools::get) waits for a connection when the tenant's pool is full.
    pub checkout_timeout: Duration,
    /// How long a health check waits for one pool's answer before calling it unhealthy.
    pub health_timeout: Duration,
    /// How many tenants a warmup or a health check works on at once.
    pub concurrency: usize,
    /// How a connection is made ready when it is handed out again.
    pub recycling: Recycling,
}

impl PoolsConfig {
    /// The defaults for the database at `url`: 50 pools of 10 connections, pools idle for an
    /// hour swept, 30 s to wait for a connection, 5 s for a health answer, 10 tenants at once,
    /// clean recycling.
    pub fn new(url: impl Into<String>) -> PoolsConfig {
        PoolsConfig {
            url: url.into(),
            schema_template: SchemaTemplate::default(),
            id_pattern: IdPattern::default(),
            max_pools: 50,
            max_connections_per_pool: 10,
            idle_ttl: Some(Duration::from_secs(3600)),
            checkout_timeout: Duration::from_secs(30),
            health_timeout: Duration::from_secs(5),
            concurrency: 10,
            recycling: Recycling::Clean,
        }
    }

    pub(super) fn check(&self) -> Result<(), PoolsError> {
        let refuse = |what: &str| Err(PoolsError::Config(format!("{what} must be at least 1")));
        match () {
            () if self.max_pools == 0 => refuse("max_pools"),
            () if self.max_connections_per_pool == 0 => refuse("max_connections_per_pool"),
            () if self.concurrency == 0 => refuse("concurrency"),
            () if self.health_timeout.is_zero() => Err(PoolsError::Config(
                "health_timeout must be longer than zero".to_owned(),
            )),
            () => Ok(()),
        }
    }
}

/// Shows where the pools connect, never the URL itself: it may hold a password.
impl fmt::Debug for PoolsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = url::parse(&self.url)
            .map_or_else(|_| "<unreadable URL>".to_owned(), |o| describe(&o.config));
        f.debug_struct("PoolsConfig")
            .field("url", &target)
            .field("schema_template", &self.schema_template.to_string())
            .field("id_pattern", &self.id_pattern.to_string())
            .field("max_pools", &self.max_pools)
            .field("max_connections_per_pool", &self.max_connections_per_pool)
            .field("idle_ttl", &self.idle_ttl)
            .field("checkout_timeout", &self.checkout_timeout)
            .field("health_timeout", &self.health_timeout)
            .field("concurrency", &self.concurrency)
            .field("recycling", &self.recycling)
            .finish()
    }
}

/// How a connection is made ready each time it is handed out again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Recycling {
    /// Only checks that the connection is open: no round trip, but what its previous user
    /// left stays: a setting changed (a `SET search_path`, say), and a transaction left open
    /// or aborted.
    Fast,
    /// Resets the session first (a transaction left open or aborted rolled back, then
    /// deadpool's `RecyclingMethod::Clean`: `RESET ALL`, `DISCARD TEMP`, advisory locks
    /// released), so every checkout starts on the tenant's `search_path`, outside any
    /// transaction. One round trip per checkout.
    #[default]
    Clean,
}
