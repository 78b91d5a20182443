//! One connection pool per tenant, for applications on schema-per-tenant PostgreSQL: the
//! contract of drizzle-multitenant's `PoolManager`, in Rust (docs/tenant-pools.md).
//!
//! Each tenant gets its own [deadpool](deadpool_postgres) pool whose connections are opened
//! with `search_path` set to the tenant's schema. Pools live in a registry kept in
//! least-recently-used order: when a new tenant would exceed `max_pools`, the pool used longest
//! ago is closed. The registry is one mutex held only for map updates, never across an
//! `.await`, so two callers can never build two pools for one tenant.

mod config;
mod error;
mod registry;
mod reports;
mod status;
mod tenant_pools;

pub use config::{PoolsConfig, Recycling};
pub use deadpool_postgres;
pub use error::PoolsError;
pub use reports::{
    ConnectionCounts, EvictionCounts, HealthReport, HealthStatus, PoolHealth, PoolMetrics,
    TenantPoolMetrics, TenantWarmup, WarmupOutcome, WarmupReport,
};
pub use tenant_pools::TenantPools;
