//! Plover's SQLite driver: the embedded default, no server needed.
//!
//! rusqlite (with SQLite bundled) runs on a dedicated thread behind the same async
//! [`plover_core::Driver`] trait as every other backend. The migration lock is a lease row
//! taken under `BEGIN IMMEDIATE`; a lease whose process has died on this host is taken over.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use plover_core::Driver;
//!
//! let mut db = plover_sqlite::connect("sqlite::memory:").await.unwrap();
//! let rows = db.query("SELECT 40 + 2", &[]).await.unwrap();
//! assert_eq!(rows[0][0].as_i64(), Some(42));
//! # });
//! ```

#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod connection;
mod dialect;
mod error;
mod introspect;
mod lease;
pub mod url;
mod worker;

pub use connection::{SqliteDriver, connect, connect_existing, connect_without_creating};
pub use dialect::SQLITE;
