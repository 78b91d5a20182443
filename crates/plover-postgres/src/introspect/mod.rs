//! Reading the schema model out of PostgreSQL's catalogs.
//!
//! One set-based query per family of objects for the whole scope, inside one read-only
//! transaction whose `search_path` decides how definitions qualify names (see
//! [`session`]).

mod constraints;
mod indexes;
mod policies;
mod reader;
mod routines;
mod schemas;
mod sequences;
mod session;
mod tables;
mod triggers;
mod types;
mod views;

pub use session::introspect;
