//! [`TenantPools`]: warming pools up, checking their health, and counting.

use std::time::Instant;

use deadpool_postgres::Pool;
use futures::stream::{self, StreamExt};

use super::registry::{Lookup, tenant_metrics};
use super::reports::{
    ConnectionCounts, HealthReport, HealthStatus, PoolHealth, PoolMetrics, TenantPoolMetrics,
    TenantWarmup, WarmupOutcome, WarmupReport,
};
use super::{PoolsError, TenantPools};

impl TenantPools {
    /// Makes sure each of `ids` has a pool holding a connection on the tenant's schema
    /// (checked to exist, on a connection of the pool; a pool an earlier warmup checked is
    /// `AlreadyWarm` without a checkout),
    /// `concurrency` tenants at a time. A tenant that fails is reported, not raised; more ids
    /// than `max_pools` evict the first ones warmed.
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
            // Warm already: no checkout, which could wait on a pool the application holds.
            Ok((_, Lookup::Hit)) if self.is_warm(id) => WarmupOutcome::AlreadyWarm,
            // A pool left by a failed warmup (kept for the health check) is checked again.
            Ok((pool, lookup)) => match self.ping(id, &pool).await {
                Ok(()) => {
                    self.mark_warm(id);
                    match lookup {
                        Lookup::Hit => WarmupOutcome::AlreadyWarm,
                        Lookup::Miss => WarmupOutcome::Warmed,
                    }
                }
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

    fn is_warm(&self, id: &str) -> bool {
        self.registry().pools.get(id).is_some_and(|e| e.warm)
    }

    fn mark_warm(&self, id: &str) {
        if let Some(entry) = self.registry().pools.get_mut(id) {
            entry.warm = true;
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
}
