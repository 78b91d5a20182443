//! Deciding what to run: the plans behind `up`, `down`, `baseline`, `accept` and `verify`.
//!
//! Each takes the lined-up [`Entry`](crate::status::Entry)s and returns either what to do or
//! a [`Refusal`] listing every problem, each with its way out.

mod admin;
mod down;
mod problem;
mod up;

pub use admin::{AcceptAction, plan_accept, plan_baseline, verify};
pub use down::{DownTarget, plan_down};
pub use problem::{Problem, Refusal};
pub use up::{OutOfOrder, PlannedMigration, Resume, UpPolicy, plan_up};

#[cfg(test)]
mod tests;
