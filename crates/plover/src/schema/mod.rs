//! The schema commands: build a database from DDL files, dump, diff and detect drift.
//!
//! [`tree`] concatenates a DDL tree deterministically; [`build`] applies it to a fresh
//! database; [`side`] reads what `schema diff` is given; [`compare`](mod@compare) introspects both sides
//! (building directories in a [`scratch`] database that is always removed) and diffs them.

mod apply;
mod beside;
pub mod build;
pub mod compare;
mod database;
mod error;
pub mod scratch;
pub mod side;
pub mod tree;

pub use build::{Preparation, Target, WhenNotEmpty, build_into};
pub use compare::{CompareOptions, Comparison, DriftReport, compare, drift, dump};
pub use database::{connect_existing, introspect};
pub use error::SchemaError;
pub use side::Side;
pub use tree::{Concatenation, TreeSettings, concatenate};
