//! Plover's sans-IO core: the model of versioned migrations and every decision about them.
//!
//! Nothing here touches a database, a file, the clock or the environment. The engine (the
//! `plover` crate) reads files and talks to databases through the [`Driver`] trait; this crate
//! parses what it is given and decides what to do:
//!
//! - [`source`] turns `(path, bytes)` pairs into [`Migration`]s, in any of three layouts;
//! - [`sql`] lexes and splits SQL the way psql does, and quotes identifiers;
//! - [`body`] cuts a script into what the runner executes and refuses what cannot run;
//! - [`status`] lines files up against history rows; [`plan`] decides what `up`, `down`,
//!   `baseline`, `accept` and `verify` do, or refuses with a way out.
//!
//! ```
//! use plover_core::source::{SourceFile, parse_migrations};
//! use plover_core::{plan, status};
//!
//! let files = vec![
//!     SourceFile { path: "001_users.sql".into(), contents: b"CREATE TABLE users (id int);".to_vec() },
//!     SourceFile { path: "002_email.sql".into(), contents: b"ALTER TABLE users ADD email text;".to_vec() },
//! ];
//! let migrations = parse_migrations("migrations", &files).unwrap();
//! let entries = status::status(&migrations, &[]);
//! let pending = plan::plan_up(&entries, plan::UpPolicy::default()).unwrap();
//! assert_eq!(pending.len(), 2);
//! ```

#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod body;
pub mod checksum;
pub mod dialect;
pub mod diff;
pub mod driver;
pub mod event;
pub mod history;
pub mod migration;
pub mod percent;
pub mod plan;
pub mod schema;
pub mod source;
pub mod sql;
pub mod status;
pub mod tenant;
pub mod time;
pub mod version;

pub use checksum::Checksum;
pub use dialect::{Dialect, IndexRepair, Placeholder};
pub use driver::{
    Claimant, Condition, Driver, DriverError, ErrorKind, Guarded, LockAttempt, LockHolder,
    LockRequest, Row, Step, Value,
};
pub use event::Event;
pub use history::{AppliedMigration, AppliedState};
pub use migration::{Migration, Script};
pub use source::{Layout, SourceFile, TransactionMode};
pub use version::Version;
