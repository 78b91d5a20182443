//! End-to-end tests of the `plover` binary.

mod bad_input;
mod concurrency;
mod crash;
mod equivalence;
mod lint;
mod schema;
mod schema_build;
mod sessions;
mod snapshots;
mod support;
mod tenants;
