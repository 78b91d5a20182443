//! `plover tenants ...` through the real binary against a real PostgreSQL: a failure stays in
//! its tenants, SIGKILL at random moments then a rerun, concurrent fleet runs, drift, bad
//! input, the other commands, and adopting a drizzle-multitenant fleet.
//!
//! Random choices (which tenants fail or drift, when the runner is killed) come from one seed
//! per test, printed in every assertion message; `PLOVER_TENANTS_SEED` replays a run and
//! `PLOVER_TENANTS_KILLS` sets the number of kills of the crash test (default 15).

mod adopt;
mod bad_input;
mod commands;
mod concurrency;
mod crash;
mod drift;
mod example;
mod isolation;
mod mixed;
mod seed;
mod sessions;
mod status;
mod support;
