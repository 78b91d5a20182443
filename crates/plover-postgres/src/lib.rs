//! Plover's PostgreSQL driver.
//!
//! It implements [`plover_core::Driver`] over tokio-postgres, with TLS through rustls for
//! every libpq `sslmode` (disable, prefer, require, verify-ca, verify-full), the migration
//! lock as a session advisory lock, and transactions pipelined into one round trip.
//!
//! ```no_run
//! # async fn run() -> Result<(), plover_core::DriverError> {
//! use plover_core::Driver;
//!
//! let mut db = plover_postgres::connect("postgres://app@localhost/app?sslmode=disable").await?;
//! let rows = db.query("SELECT 1::int8", &[]).await?;
//! assert_eq!(rows[0][0].as_i64(), Some(1));
//! # Ok(()) }
//! ```

#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod connection;
mod dialect;
mod error;
mod introspect;
mod lock;
mod owed;
mod pipeline;
pub mod pools;
mod tls;
mod transaction;
pub mod url;
mod value;

pub use connection::{PostgresDriver, connect};
pub use dialect::POSTGRES;
pub use pools::{
    ConnectionCounts, EvictionCounts, HealthReport, HealthStatus, PoolHealth, PoolMetrics,
    PoolsConfig, PoolsError, Recycling, TenantPoolMetrics, TenantPools, TenantWarmup,
    WarmupOutcome, WarmupReport,
};
