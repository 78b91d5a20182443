//! One connection pool per tenant, for applications on schema-per-tenant PostgreSQL: the
//! contract of drizzle-multitenant's `PoolManager`, in Rust (docs/tenant-pools.md).
//!
//! Each tenant gets its own [deadpool](deadpool_postgres) pool whose connections are opened
//! with `search_path` set to the tenant's schema. Pools live in a registry kept in
//! least-recently-used order: when a new tenant would exceed `max_pools`, the pool used longest
//! ago is closed. The registry is one mutex held only for map updates, never across an
//! `.await`, so two callers can never build two pools for one tenant.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use futures::stream::{self, StreamExt};
use plover_core::sql::quote_ident;
use plover_core::tenant::{IdPattern, SchemaTemplate, TenantIdError};
use plover_core::{DriverError, ErrorKind};
use tokio::task::JoinHandle;
use tokio_postgres::{NoTls, SimpleQueryMessage};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{connect_error, from_postgres};
use crate::{tls, url};

pub use deadpool_postgres;

/// How often [`TenantPools::get`] looks the tenant's pool up again when it was evicted while
/// the caller waited for a connection.
const CHECKOUT_ATTEMPTS: usize = 3;

/// How a [`TenantPools`] connects and how far it grows.
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
    /// A pool unused for longer than this, with no connection checked out, is closed by
    /// [`TenantPools::cleanup_idle`]; `None` keeps pools until they are evicted.
    pub idle_ttl: Option<Duration>,
    /// How long [`TenantPools::get`] waits for a connection when the tenant's pool is full.
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

    fn check(&self) -> Result<(), PoolsError> {
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
    /// Only checks that the connection is open: no round trip, but a setting changed by its
    /// previous user (a `SET search_path`, say) stays.
    Fast,
    /// Resets the session first (`RESET ALL`, `DISCARD TEMP`, advisory locks released: deadpool's
    /// `RecyclingMethod::Clean`), so every checkout starts on the tenant's `search_path`.
    /// One round trip per checkout.
    #[default]
    Clean,
}

/// Why a [`TenantPools`] call failed. Messages never contain passwords.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoolsError {
    /// [`TenantPools::dispose`] was called.
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

/// One connection pool per tenant, each connection's `search_path` set to the tenant's schema.
///
/// The same tenant gets the same pool for as long as that pool lives; every access makes it
/// the most recently used, and the least recently used pool is closed when a new one would
/// exceed `max_pools`. Clones share the pools. After [`dispose`](Self::dispose) every call
/// that would connect fails with [`PoolsError::Disposed`].
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use plover_postgres::{PoolsConfig, TenantPools};
///
/// let pools = TenantPools::new(PoolsConfig {
///     max_pools: 100,
///     ..PoolsConfig::new("postgres://app@localhost/app?sslmode=disable")
/// })?;
/// pools.start_cleanup(std::time::Duration::from_secs(60))?;
/// let conn = pools.get("acme").await?; // search_path = "tenant_acme"
/// let rows = conn.query("SELECT id FROM orders", &[]).await?;
/// drop(conn);
/// println!("{} orders; {:?}", rows.len(), pools.metrics());
/// pools.dispose();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TenantPools {
    inner: Arc<Inner>,
}

struct Inner {
    config: PoolsConfig,
    server: tokio_postgres::Config,
    tls: Option<MakeRustlsConnect>,
    registry: Mutex<Registry>,
}

/// The pools, in least-recently-used order by `Entry::tick`, and the counters.
#[derive(Default)]
struct Registry {
    disposed: bool,
    pools: HashMap<String, Entry>,
    clock: u64,
    hits: u64,
    misses: u64,
    evictions: EvictionCounts,
    cleanup: Option<JoinHandle<()>>,
}

struct Entry {
    pool: Pool,
    schema: String,
    tick: u64,
    last_used: Instant,
}

/// Whether a lookup found the tenant's pool or made it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lookup {
    Hit,
    Miss,
}

impl TenantPools {
    /// Checks `config`, reads its URL and sets up TLS; connects nothing yet.
    pub fn new(config: PoolsConfig) -> Result<TenantPools, PoolsError> {
        config.check()?;
        let options = url::parse(&config.url).map_err(|e| PoolsError::Config(e.message))?;
        let tls = tls::connector(&options).map_err(|e| PoolsError::Config(e.message))?;
        Ok(TenantPools {
            inner: Arc::new(Inner {
                config,
                server: options.config,
                tls,
                registry: Mutex::default(),
            }),
        })
    }

    /// The schema of tenant `id`, or why the id is refused.
    pub fn schema_name(&self, id: &str) -> Result<String, TenantIdError> {
        let config = &self.inner.config;
        config.schema_template.schema_for(id, &config.id_pattern)
    }

    /// A connection from tenant `id`'s pool, making the pool first when there is none. An
    /// invalid id is refused before anything connects.
    pub async fn get(&self, id: &str) -> Result<Object, PoolsError> {
        for _ in 0..CHECKOUT_ATTEMPTS {
            let (pool, _) = self.lookup(id)?;
            match pool.get().await {
                Ok(conn) => return Ok(conn),
                // Evicted between the lookup and the checkout: look again (a new pool).
                Err(PoolError::Closed) if !self.registry().disposed => continue,
                Err(error) => return Err(self.checkout_error(id, error)),
            }
        }
        Err(PoolsError::Evicted {
            tenant: id.to_owned(),
            max_pools: self.inner.config.max_pools,
        })
    }

    /// Tenant `id`'s pool itself, made when there is none; an access like [`get`](Self::get).
    /// It stops handing out connections once evicted.
    pub fn pool(&self, id: &str) -> Result<Pool, PoolsError> {
        self.lookup(id).map(|(pool, _)| pool)
    }

    /// Whether tenant `id` has a pool now. Not an access: the LRU order stays.
    pub fn has_pool(&self, id: &str) -> bool {
        self.registry().pools.contains_key(id)
    }

    /// How many tenant pools are open.
    pub fn pool_count(&self) -> usize {
        self.registry().pools.len()
    }

    /// The tenants with a pool, most recently used first.
    pub fn active_tenant_ids(&self) -> Vec<String> {
        let registry = self.registry();
        let mut entries: Vec<(&String, &Entry)> = registry.pools.iter().collect();
        entries.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.tick));
        entries.into_iter().map(|(id, _)| id.clone()).collect()
    }

    /// Closes tenant `id`'s pool; `false` when it had none. Idle connections close now,
    /// checked-out ones when their holders drop them.
    pub fn evict(&self, id: &str) -> Result<bool, PoolsError> {
        let mut registry = self.live()?;
        let evicted = registry.remove(id);
        if evicted {
            registry.evictions.manual += 1;
        }
        Ok(evicted)
    }

    /// Closes every pool unused for longer than `idle_ttl` that has no connection checked
    /// out, and returns their tenant ids. Does nothing without `idle_ttl`.
    pub fn cleanup_idle(&self) -> Result<Vec<String>, PoolsError> {
        let mut registry = self.live()?;
        let Some(ttl) = self.inner.config.idle_ttl else {
            return Ok(Vec::new());
        };
        let idle: Vec<String> = registry
            .pools
            .iter()
            .filter(|(_, e)| e.last_used.elapsed() > ttl && in_use(&e.pool) == 0)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &idle {
            registry.remove(id);
            registry.evictions.idle += 1;
        }
        Ok(idle)
    }

    /// Runs [`cleanup_idle`](Self::cleanup_idle) every `interval` on a tokio task, replacing
    /// one started before. The task ends on [`stop_cleanup`](Self::stop_cleanup), on dispose,
    /// or when the last clone of these pools is dropped.
    pub fn start_cleanup(&self, interval: Duration) -> Result<(), PoolsError> {
        let refuse = |why: &str| Err(PoolsError::Config(why.to_owned()));
        if self.inner.config.idle_ttl.is_none() {
            return refuse("start_cleanup needs idle_ttl in PoolsConfig");
        }
        if interval.is_zero() {
            return refuse("the cleanup interval must be longer than zero");
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return refuse("start_cleanup must be called inside a tokio runtime");
        };
        let mut registry = self.live()?;
        let task = runtime.spawn(sweep(Arc::downgrade(&self.inner), interval));
        if let Some(old) = registry.cleanup.replace(task) {
            old.abort();
        }
        Ok(())
    }

    /// Stops the task [`start_cleanup`](Self::start_cleanup) started, if any.
    pub fn stop_cleanup(&self) {
        if let Some(task) = self.registry().cleanup.take() {
            task.abort();
        }
    }

    /// Opens one connection in the pool of each of `ids` that has none yet, checking that the
    /// tenant's schema exists, `concurrency` tenants at a time. A tenant that fails is
    /// reported, not raised; more ids than `max_pools` evict the first ones warmed.
    pub async fn warmup<S: AsRef<str>>(&self, ids: &[S]) -> Result<WarmupReport, PoolsError> {
        drop(self.live()?);
        let started = Instant::now();
        let details: Vec<TenantWarmup> = stream::iter(ids)
            .map(|id| self.warm(id.as_ref()))
            .buffered(self.inner.config.concurrency)
            .collect()
            .await;
        let count =
            |f: fn(&WarmupOutcome) -> bool| details.iter().filter(|d| f(&d.outcome)).count();
        Ok(WarmupReport {
            total: details.len(),
            succeeded: count(|o| !matches!(o, WarmupOutcome::Failed(_))),
            failed: count(|o| matches!(o, WarmupOutcome::Failed(_))),
            already_warm: count(|o| matches!(o, WarmupOutcome::AlreadyWarm)),
            duration: started.elapsed(),
            details,
        })
    }

    async fn warm(&self, id: &str) -> TenantWarmup {
        let started = Instant::now();
        let outcome = match self.lookup(id) {
            Ok((_, Lookup::Hit)) => WarmupOutcome::AlreadyWarm,
            Ok((pool, Lookup::Miss)) => match self.ping(id, &pool).await {
                Ok(()) => WarmupOutcome::Warmed,
                Err(error) => WarmupOutcome::Failed(error),
            },
            Err(error) => WarmupOutcome::Failed(error),
        };
        TenantWarmup {
            tenant: id.to_owned(),
            outcome,
            duration: started.elapsed(),
        }
    }

    /// Asks every pool for its current schema (`concurrency` at a time, each within
    /// `health_timeout`). Not an access: the LRU order stays.
    pub async fn health_check(&self) -> Result<HealthReport, PoolsError> {
        let started = Instant::now();
        let pools: Vec<(String, Pool)> = {
            let registry = self.live()?;
            let pools = registry.pools.iter();
            pools.map(|(id, e)| (id.clone(), e.pool.clone())).collect()
        };
        let mut checks: Vec<PoolHealth> = stream::iter(pools)
            .map(|(tenant, pool)| self.check(tenant, pool))
            .buffer_unordered(self.inner.config.concurrency)
            .collect()
            .await;
        checks.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        let count = |status: HealthStatus| checks.iter().filter(|c| c.status == status).count();
        let unhealthy_pools = count(HealthStatus::Unhealthy);
        Ok(HealthReport {
            healthy: unhealthy_pools == 0,
            total_pools: checks.len(),
            degraded_pools: count(HealthStatus::Degraded),
            unhealthy_pools,
            duration: started.elapsed(),
            pools: checks,
        })
    }

    /// Unhealthy when the query fails or takes longer than `health_timeout`; degraded when
    /// callers were already waiting for a connection or the answer took over half of it.
    async fn check(&self, tenant: String, pool: Pool) -> PoolHealth {
        let started = Instant::now();
        let waiting = pool.status().waiting;
        let limit = self.inner.config.health_timeout;
        let answer = match tokio::time::timeout(limit, self.ping(&tenant, &pool)).await {
            Ok(answer) => answer,
            Err(_) => Err(PoolsError::NoAnswer {
                tenant: tenant.clone(),
                waited: limit,
            }),
        };
        let response_time = started.elapsed();
        let status = match &answer {
            Err(_) => HealthStatus::Unhealthy,
            Ok(()) if waiting > 0 || response_time > limit / 2 => HealthStatus::Degraded,
            Ok(()) => HealthStatus::Ok,
        };
        PoolHealth {
            tenant,
            status,
            response_time,
            waiting,
            error: answer.err(),
        }
    }

    /// Counts of pools, connections, cache hits and evictions. Not an access.
    pub fn metrics(&self) -> PoolMetrics {
        let registry = self.registry();
        let mut tenants: Vec<(u64, TenantPoolMetrics)> = registry
            .pools
            .iter()
            .map(|(id, entry)| (entry.tick, tenant_metrics(id, entry)))
            .collect();
        tenants.sort_by_key(|(tick, _)| std::cmp::Reverse(*tick));
        let tenants: Vec<TenantPoolMetrics> = tenants.into_iter().map(|(_, t)| t).collect();
        let connections =
            tenants
                .iter()
                .fold(ConnectionCounts::default(), |all, t| ConnectionCounts {
                    total: all.total + t.connections.total,
                    idle: all.idle + t.connections.idle,
                    waiting: all.waiting + t.connections.waiting,
                });
        PoolMetrics {
            pools: tenants.len(),
            max_pools: self.inner.config.max_pools,
            tenants,
            connections,
            hits: registry.hits,
            misses: registry.misses,
            evictions: registry.evictions,
        }
    }

    /// Closes every pool and stops the cleanup task; safe to call again. Idle connections
    /// close now, checked-out ones when their holders drop them.
    pub fn dispose(&self) {
        let mut registry = self.registry();
        registry.disposed = true;
        if let Some(task) = registry.cleanup.take() {
            task.abort();
        }
        for (_, entry) in registry.pools.drain() {
            entry.pool.close();
        }
    }

    /// Tenant `id`'s pool, touched, or a new one; the only place pools are made.
    fn lookup(&self, id: &str) -> Result<(Pool, Lookup), PoolsError> {
        let schema = self.schema_name(id)?;
        let mut registry = self.live()?;
        if let Some(pool) = registry.touch(id) {
            return Ok((pool, Lookup::Hit));
        }
        let pool = self.build_pool(&schema)?;
        registry.insert(id, schema, pool.clone(), self.inner.config.max_pools);
        Ok((pool, Lookup::Miss))
    }

    /// A pool whose connections start with `search_path` set to `schema`. Building it opens
    /// nothing, so it is cheap enough to do under the registry's lock.
    fn build_pool(&self, schema: &str) -> Result<Pool, PoolsError> {
        let mut server = self.inner.server.clone();
        // Set at startup, the schema is the session default that RESET ALL returns to.
        server.options(with_search_path(server.get_options(), schema));
        let recycling_method = match self.inner.config.recycling {
            Recycling::Fast => RecyclingMethod::Fast,
            Recycling::Clean => RecyclingMethod::Clean,
        };
        let config = ManagerConfig { recycling_method };
        let manager = match &self.inner.tls {
            Some(tls) => Manager::from_config(server, tls.clone(), config),
            None => Manager::from_config(server, NoTls, config),
        };
        Pool::builder(manager)
            .max_size(self.inner.config.max_connections_per_pool)
            .wait_timeout(Some(self.inner.config.checkout_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| PoolsError::Config(format!("cannot build a pool: {e}")))
    }

    /// Checks out a connection and compares its current schema (NULL when the schema named by
    /// `search_path` does not exist) with the tenant's.
    async fn ping(&self, tenant: &str, pool: &Pool) -> Result<(), PoolsError> {
        let conn = pool
            .get()
            .await
            .map_err(|e| self.checkout_error(tenant, e))?;
        let sql = "SELECT current_schema()";
        let messages = conn
            .simple_query(sql)
            .await
            .map_err(|e| PoolsError::Query {
                tenant: tenant.to_owned(),
                error: Box::new(from_postgres(&e, Some(sql))),
            })?;
        let current = messages.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row.get(0).map(str::to_owned)),
            _ => None,
        });
        let schema = self.schema_name(tenant)?;
        match current.flatten() {
            Some(current) if current == schema => Ok(()),
            _ => Err(PoolsError::MissingSchema {
                tenant: tenant.to_owned(),
                schema,
            }),
        }
    }

    fn checkout_error(&self, tenant: &str, error: PoolError) -> PoolsError {
        let tenant = tenant.to_owned();
        match error {
            PoolError::Timeout(_) => PoolsError::Busy {
                tenant,
                waited: self.inner.config.checkout_timeout,
                max: self.inner.config.max_connections_per_pool,
            },
            PoolError::Backend(e) => PoolsError::Connect {
                tenant,
                error: Box::new(connect_error(&e)),
            },
            PoolError::Closed if self.registry().disposed => PoolsError::Disposed,
            PoolError::Closed => PoolsError::Evicted {
                tenant,
                max_pools: self.inner.config.max_pools,
            },
            other => PoolsError::Connect {
                tenant,
                error: Box::new(DriverError::new(ErrorKind::Connect, other.to_string())),
            },
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Registry updates cannot panic half-way, so a poisoned lock still holds a sound map.
        self.inner
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The registry, unless the pools were disposed.
    fn live(&self) -> Result<MutexGuard<'_, Registry>, PoolsError> {
        let registry = self.registry();
        if registry.disposed {
            return Err(PoolsError::Disposed);
        }
        Ok(registry)
    }
}

/// Shows where the pools connect and how many there are, never the password.
impl fmt::Debug for TenantPools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let registry = self.registry();
        f.debug_struct("TenantPools")
            .field("server", &describe(&self.inner.server))
            .field("pools", &registry.pools.len())
            .field("max_pools", &self.inner.config.max_pools)
            .field("disposed", &registry.disposed)
            .finish()
    }
}

impl Registry {
    /// The tenant's pool, made the most recently used.
    fn touch(&mut self, id: &str) -> Option<Pool> {
        self.clock += 1;
        let tick = self.clock;
        let entry = self.pools.get_mut(id)?;
        entry.tick = tick;
        entry.last_used = Instant::now();
        self.hits += 1;
        Some(entry.pool.clone())
    }

    /// Adds a new pool, first closing the least recently used ones down to `max_pools - 1`.
    fn insert(&mut self, id: &str, schema: String, pool: Pool, max_pools: usize) {
        while self.pools.len() >= max_pools {
            let Some(oldest) = self.least_recently_used() else {
                break;
            };
            self.remove(&oldest);
            self.evictions.lru += 1;
        }
        self.misses += 1;
        self.clock += 1;
        let entry = Entry {
            pool,
            schema,
            tick: self.clock,
            last_used: Instant::now(),
        };
        self.pools.insert(id.to_owned(), entry);
    }

    fn least_recently_used(&self) -> Option<String> {
        let (id, _) = self.pools.iter().min_by_key(|(_, entry)| entry.tick)?;
        Some(id.clone())
    }

    fn remove(&mut self, id: &str) -> bool {
        let Some(entry) = self.pools.remove(id) else {
            return false;
        };
        entry.pool.close();
        true
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(task) = self.cleanup.take() {
            task.abort();
        }
    }
}

/// The cleanup loop; it holds the pools only weakly so that dropping them ends it.
async fn sweep(pools: Weak<Inner>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick completes at once; the first sweep waits a whole interval.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Some(inner) = pools.upgrade() else {
            return;
        };
        if (TenantPools { inner }).cleanup_idle().is_err() {
            return;
        }
    }
}

/// The startup `options` with `-c search_path=<schema>` added after what the URL set. The
/// server splits `options` on spaces and reads `\` as an escape, hence the escaping.
fn with_search_path(options: Option<&str>, schema: &str) -> String {
    let mut escaped = String::new();
    for c in quote_ident(schema).chars() {
        if c == '\\' || c.is_whitespace() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    match options.map(str::trim).filter(|o| !o.is_empty()) {
        Some(options) => format!("{options} -c search_path={escaped}"),
        None => format!("-c search_path={escaped}"),
    }
}

/// `user@host:port/database`, for Debug output that must not show a password.
fn describe(server: &tokio_postgres::Config) -> String {
    let host = match server.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = server.get_ports().first().copied().unwrap_or(5432);
    let user = server.get_user().unwrap_or_default();
    let database = server.get_dbname().unwrap_or_default();
    format!("{user}@{host}:{port}/{database}")
}

fn in_use(pool: &Pool) -> usize {
    let status = pool.status();
    status.size - status.available
}

fn tenant_metrics(id: &str, entry: &Entry) -> TenantPoolMetrics {
    let status = entry.pool.status();
    TenantPoolMetrics {
        tenant: id.to_owned(),
        schema: entry.schema.clone(),
        connections: ConnectionCounts {
            total: status.size,
            idle: status.available,
            waiting: status.waiting,
        },
        idle_for: entry.last_used.elapsed(),
    }
}

/// What [`TenantPools::warmup`] did. `total == succeeded + failed`; `already_warm` counts
/// the succeeded tenants that had a pool before.
#[derive(Clone, Debug)]
pub struct WarmupReport {
    /// Tenants asked for.
    pub total: usize,
    /// Tenants that have a working pool now.
    pub succeeded: usize,
    /// Tenants that could not be warmed.
    pub failed: usize,
    /// Tenants whose pool existed already (left as it was, made most recently used).
    pub already_warm: usize,
    /// How long the warmup took.
    pub duration: Duration,
    /// One line per tenant, in the order asked.
    pub details: Vec<TenantWarmup>,
}

/// One tenant's warmup.
#[derive(Clone, Debug)]
pub struct TenantWarmup {
    /// The tenant id.
    pub tenant: String,
    /// What happened.
    pub outcome: WarmupOutcome,
    /// How long it took.
    pub duration: Duration,
}

/// What the warmup did for one tenant.
#[derive(Clone, Debug)]
pub enum WarmupOutcome {
    /// A pool was made and a connection opened in it.
    Warmed,
    /// The tenant had a pool already.
    AlreadyWarm,
    /// The id was refused, or the connection or the schema check failed. A pool made for
    /// the tenant stays, for the health check to report.
    Failed(PoolsError),
}

/// What [`TenantPools::health_check`] found. `total_pools` is the number of pools checked.
#[derive(Clone, Debug)]
pub struct HealthReport {
    /// No pool is unhealthy.
    pub healthy: bool,
    /// One line per pool, by tenant id.
    pub pools: Vec<PoolHealth>,
    /// Pools checked.
    pub total_pools: usize,
    /// Pools that answered slowly or had callers waiting.
    pub degraded_pools: usize,
    /// Pools that failed to answer.
    pub unhealthy_pools: usize,
    /// How long the whole check took.
    pub duration: Duration,
}

/// One pool's health.
#[derive(Clone, Debug)]
pub struct PoolHealth {
    /// The tenant id.
    pub tenant: String,
    /// The verdict.
    pub status: HealthStatus,
    /// How long the checkout and the query took.
    pub response_time: Duration,
    /// Callers waiting for one of its connections when the check began.
    pub waiting: usize,
    /// Why it is unhealthy.
    pub error: Option<PoolsError>,
}

/// A pool's verdict in a health check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStatus {
    /// It answered promptly.
    Ok,
    /// It answered, but slowly (over half of `health_timeout`) or with callers waiting.
    Degraded,
    /// It did not answer, or its schema does not exist.
    Unhealthy,
}

/// A snapshot of [`TenantPools`]' state and counters.
#[derive(Clone, Debug)]
pub struct PoolMetrics {
    /// Pools open now.
    pub pools: usize,
    /// The configured limit.
    pub max_pools: usize,
    /// One line per pool, most recently used first.
    pub tenants: Vec<TenantPoolMetrics>,
    /// Connections of all pools together.
    pub connections: ConnectionCounts,
    /// Accesses that found the tenant's pool open.
    pub hits: u64,
    /// Accesses that had to make the tenant's pool.
    pub misses: u64,
    /// Pools closed before dispose, by cause.
    pub evictions: EvictionCounts,
}

/// One tenant pool in [`PoolMetrics`].
#[derive(Clone, Debug)]
pub struct TenantPoolMetrics {
    /// The tenant id.
    pub tenant: String,
    /// Its schema.
    pub schema: String,
    /// Its connections.
    pub connections: ConnectionCounts,
    /// Time since its last access.
    pub idle_for: Duration,
}

/// Connection counts of one pool or of all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionCounts {
    /// Open connections, checked out or idle.
    pub total: usize,
    /// Open connections waiting in the pool.
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

/// Pools closed before dispose, by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvictionCounts {
    /// To make room under `max_pools`.
    pub lru: u64,
    /// Unused for longer than `idle_ttl`.
    pub idle: u64,
    /// By [`TenantPools::evict`].
    pub manual: u64,
}

impl EvictionCounts {
    /// All evictions.
    pub fn total(&self) -> u64 {
        self.lru + self.idle + self.manual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_path_is_quoted_and_follows_the_url_options() {
        let check = |options: Option<&str>, schema: &str, expect: &str| {
            assert_eq!(with_search_path(options, schema), expect);
        };
        check(None, "tenant_acme", r#"-c search_path="tenant_acme""#);
        check(
            Some("  "),
            "tenant_Big-Co",
            r#"-c search_path="tenant_Big-Co""#,
        );
        check(
            Some("-c statement_timeout=5s"),
            "t",
            r#"-c statement_timeout=5s -c search_path="t""#,
        );
        check(None, "a b\\c", r#"-c search_path="a\ b\\c""#);
    }

    #[test]
    fn bad_settings_are_named() {
        let check = |config: PoolsConfig, expect: &str| {
            let error = TenantPools::new(config).unwrap_err();
            assert_eq!(error.to_string(), expect);
        };
        let base = || PoolsConfig::new("postgres://u:hunter2@db/app?sslmode=disable");
        let zero_pools = PoolsConfig {
            max_pools: 0,
            ..base()
        };
        check(zero_pools, "tenant pools: max_pools must be at least 1");
        let zero_conns = PoolsConfig {
            max_connections_per_pool: 0,
            ..base()
        };
        check(
            zero_conns,
            "tenant pools: max_connections_per_pool must be at least 1",
        );
        let no_health = PoolsConfig {
            health_timeout: Duration::ZERO,
            ..base()
        };
        check(
            no_health,
            "tenant pools: health_timeout must be longer than zero",
        );
        let bad_mode = PoolsConfig::new("postgres://u:hunter2@db/app?sslmode=sometimes");
        let error = TenantPools::new(bad_mode).unwrap_err().to_string();
        assert!(
            error.contains("sslmode `sometimes`") && !error.contains("hunter2"),
            "{error}"
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let config = PoolsConfig::new("postgres://ann:hunter2@db:6432/app?sslmode=disable");
        let shown = format!("{config:?}");
        assert!(
            shown.contains("ann@db:6432/app") && !shown.contains("hunter2"),
            "{shown}"
        );
        let pools = TenantPools::new(config).unwrap();
        let shown = format!("{pools:?}");
        assert!(
            shown.contains("ann@db:6432/app") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
