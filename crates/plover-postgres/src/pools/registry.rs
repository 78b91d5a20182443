//! The pools of a [`TenantPools`](super::TenantPools) in least-recently-used order, and its counters.

use std::collections::HashMap;
use std::time::Instant;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;

use super::reports::{ConnectionCounts, EvictionCounts, TenantPoolMetrics};

/// The pools, in least-recently-used order by `Entry::tick`, and the counters.
#[derive(Default)]
pub(super) struct Registry {
    pub(super) disposed: bool,
    pub(super) pools: HashMap<String, Entry>,
    pub(super) clock: u64,
    pub(super) hits: u64,
    pub(super) misses: u64,
    pub(super) evictions: EvictionCounts,
    pub(super) cleanup: Option<JoinHandle<()>>,
}

pub(super) struct Entry {
    pub(super) pool: Pool,
    pub(super) schema: String,
    pub(super) tick: u64,
    pub(super) last_used: Instant,
    /// A warmup found the tenant's schema on one of its connections.
    pub(super) warm: bool,
}

/// Whether a lookup found the tenant's pool or made it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Lookup {
    Hit,
    Miss,
}

impl Registry {
    /// The tenant's pool, made the most recently used.
    pub(super) fn touch(&mut self, id: &str) -> Option<Pool> {
        self.clock += 1;
        let tick = self.clock;
        let entry = self.pools.get_mut(id)?;
        entry.tick = tick;
        entry.last_used = Instant::now();
        self.hits += 1;
        Some(entry.pool.clone())
    }

    /// Adds a new pool, first closing the least recently used ones down to `max_pools - 1`.
    pub(super) fn insert(&mut self, id: &str, schema: String, pool: Pool, max_pools: usize) {
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
            warm: false,
        };
        self.pools.insert(id.to_owned(), entry);
    }

    pub(super) fn least_recently_used(&self) -> Option<String> {
        let (id, _) = self.pools.iter().min_by_key(|(_, entry)| entry.tick)?;
        Some(id.clone())
    }

    pub(super) fn remove(&mut self, id: &str) -> bool {
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

/// Connections checked out plus callers waiting for one, which includes a caller whose
/// connection is still being opened: a pool with users is never idle.
pub(super) fn users(pool: &Pool) -> usize {
    let status = pool.status();
    status.size - status.available + status.waiting
}

pub(super) fn tenant_metrics(id: &str, entry: &Entry) -> TenantPoolMetrics {
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
