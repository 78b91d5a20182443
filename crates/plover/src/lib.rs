//! Plover's engine: versioned migrations applied to PostgreSQL or SQLite, safely.
//!
//! This crate reads migration directories and configuration, connects to databases through
//! the backend drivers, and runs the commands of the `plover` CLI as an async library. It
//! never prints: progress arrives as [`Event`]s at the [`Observer`] you pass in.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use plover::{DatabaseUrl, Migrator, Options, connect};
//!
//! let url = DatabaseUrl::parse("sqlite:app.db")?;
//! let mut db = connect(&url).await?;
//! let migrator = Migrator::from_directory("migrations".as_ref(), Options::default())?;
//! let report = migrator.up(db.as_mut(), None, &mut |event: &plover::Event| {
//!     eprintln!("{event:?}");
//! }).await?;
//! println!("applied {} migrations", report.migrations.len());
//! # Ok(()) }
//! ```

#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod config;
mod connect;
pub mod database_url;
pub mod directory;
mod error;
mod interpolate;
pub mod lint;
pub mod migrator;
mod observer;
pub mod scaffold;
pub mod schema;
pub mod secrets;
pub mod tenants;

pub use connect::{connect, connect_existing, connect_for_reading};
pub use database_url::{Backend, DatabaseUrl};
pub use error::Error;
pub use migrator::{Migrator, Options};
pub use observer::{Observer, Silent};
pub use plover_core as core;
pub use plover_core::plan::{DownTarget, OutOfOrder};
pub use plover_core::{Event, Version};
