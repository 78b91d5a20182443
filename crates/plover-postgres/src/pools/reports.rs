//! What [`TenantPools`](super::TenantPools) reports: warmups, health checks and metrics.

use std::time::Duration;

use super::PoolsError;

/// What [`TenantPools::warmup`](super::TenantPools::warmup) did. `total == succeeded + failed`; `already_warm` counts
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

/// What [`TenantPools::health_check`](super::TenantPools::health_check) found. `total_pools` is the number of pools checked.
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

/// A snapshot of [`TenantPools`](super::TenantPools)' state and counters.
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
    /// By [`TenantPools::evict`](super::TenantPools::evict).
    pub manual: u64,
}

impl EvictionCounts {
    /// All evictions.
    pub fn total(&self) -> u64 {
        self.lru + self.idle + self.manual
    }
}
