//! [`TenantPools`]: getting a tenant's pool, evicting, cleaning up, disposing.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use plover_core::sql::quote_ident;
use plover_core::tenant::TenantIdError;
use plover_core::{DriverError, ErrorKind};
use tokio_postgres::{NoTls, SimpleQueryMessage};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::registry::{Entry, Lookup, Registry, users};
use super::{PoolsConfig, PoolsError, Recycling};
use crate::error::{connect_error, from_postgres};
use crate::{tls, url};

/// How often [`TenantPools::get`] looks the tenant's pool up again when it was evicted while
/// the caller waited for a connection.
pub(super) const CHECKOUT_ATTEMPTS: usize = 3;

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
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) config: PoolsConfig,
    pub(super) server: tokio_postgres::Config,
    pub(super) tls: Option<MakeRustlsConnect>,
    pub(super) registry: Mutex<Registry>,
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
    /// out and no caller waiting for one, and returns their tenant ids. Does nothing without `idle_ttl`.
    pub fn cleanup_idle(&self) -> Result<Vec<String>, PoolsError> {
        let mut registry = self.live()?;
        let Some(ttl) = self.inner.config.idle_ttl else {
            return Ok(Vec::new());
        };
        let idle: Vec<String> = registry
            .pools
            .iter()
            .filter(|(_, e)| e.last_used.elapsed() > ttl && users(&e.pool) == 0)
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
}

impl TenantPools {
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
    pub(super) fn lookup(&self, id: &str) -> Result<(Pool, Lookup), PoolsError> {
        let mut registry = self.live()?;
        let schema = self.schema_name(id)?;
        if let Some(pool) = registry.touch(id) {
            return Ok((pool, Lookup::Hit));
        }
        let pool = self.build_pool(&schema)?;
        registry.insert(id, schema, pool.clone(), self.inner.config.max_pools);
        Ok((pool, Lookup::Miss))
    }

    /// A pool whose connections start with `search_path` set to `schema`. Building it opens
    /// nothing, so it is cheap enough to do under the registry's lock.
    pub(super) fn build_pool(&self, schema: &str) -> Result<Pool, PoolsError> {
        let mut server = self.inner.server.clone();
        // Set at startup, the schema is the session default that RESET ALL returns to.
        server.options(with_search_path(server.get_options(), schema));
        let recycling_method = match self.inner.config.recycling {
            Recycling::Fast => RecyclingMethod::Fast,
            Recycling::Clean => clean_recycling(),
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
    pub(super) async fn ping(&self, tenant: &str, pool: &Pool) -> Result<(), PoolsError> {
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

    pub(super) fn checkout_error(&self, tenant: &str, error: PoolError) -> PoolsError {
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

    pub(super) fn registry(&self) -> MutexGuard<'_, Registry> {
        // Registry updates cannot panic half-way, so a poisoned lock still holds a sound map.
        self.inner
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The registry, unless the pools were disposed.
    pub(super) fn live(&self) -> Result<MutexGuard<'_, Registry>, PoolsError> {
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

/// The cleanup loop; it holds the pools only weakly so that dropping them ends it.
pub(super) async fn sweep(pools: Weak<Inner>, interval: Duration) {
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
pub(super) fn with_search_path(options: Option<&str>, schema: &str) -> String {
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
pub(super) fn describe(server: &tokio_postgres::Config) -> String {
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

/// deadpool's `Clean` reset, after `BEGIN; ROLLBACK`: a connection dropped inside a
/// transaction must not hand its next user that transaction, with its uncommitted rows and a
/// `SET` that a later rollback would bring back over the reset. A bare `ROLLBACK` would do
/// that too, but on an idle connection (nearly every checkout) it writes a "no transaction in
/// progress" WARNING to the server log; `BEGIN` first is silent then. In a transaction an
/// error aborted, `BEGIN` fails and deadpool replaces the connection with a new one.
fn clean_recycling() -> RecyclingMethod {
    let reset = RecyclingMethod::Clean
        .query()
        .expect("the Clean method has a query");
    RecyclingMethod::Custom(format!("BEGIN; ROLLBACK; {reset}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn the_search_path_is_quoted_and_follows_the_url_options() {
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
    pub(super) fn bad_settings_are_named() {
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
    pub(super) fn debug_output_hides_the_password() {
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
