//! Plover's test kit: a throwaway database per test on every backend, migration-directory
//! fixtures, and the backend conformance suite that every driver must pass.
//!
//! PostgreSQL comes from `PLOVER_TEST_PG_URL`, or the local server at 127.0.0.1:5432, or a
//! throwaway server started from the local PostgreSQL binaries (`PLOVER_TEST_PG_URL=throwaway`
//! asks for one directly). When none can be had, PostgreSQL tests print that they were
//! skipped, unless `CI` is set: then they fail, so CI can never pass without them.
//!
//! ```no_run
//! # async fn example() {
//! use plover_testkit::{Backend, Fixture, TestDb};
//!
//! let Some(db) = TestDb::new(Backend::Sqlite).await else { return };
//! let dir = Fixture::new().file("001_users.sql", "CREATE TABLE users (id int);");
//! let mut conn = db.connect().await;
//! let migrator = dir.migrator();
//! migrator.up(conn.as_mut(), None, &mut plover::Silent).await.unwrap();
//! # }
//! ```

#![allow(clippy::print_stderr)]

mod cluster;
pub mod conformance;
mod fixture;
mod postgres;
mod testdb;

pub use fixture::Fixture;
pub use postgres::{PgDatabase, query_i64};
pub use testdb::{Backend, TestDb};
