//! What the history table says was applied.

use serde::Serialize;

use crate::{Checksum, Version};

/// One row of the history table, as the domain sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedMigration {
    /// The migration's version.
    pub version: Version,
    /// Its name when it was applied.
    pub name: String,
    /// The checksum of the script that was applied.
    pub checksum: Checksum,
    /// How far it got.
    pub state: AppliedState,
    /// When it was applied, as the database wrote it.
    pub applied_at: String,
    /// How long it ran, in milliseconds.
    pub execution_ms: i64,
    /// Who applied it (`user@host`).
    pub applied_by: String,
    /// For a half-applied migration: the 1-based number of a statement that had started
    /// outside any transaction when the run stopped without an error (a crash), if any.
    pub in_flight: Option<usize>,
}

/// How far an applied migration got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum AppliedState {
    /// Ran to completion.
    Applied,
    /// Recorded by `plover baseline` without running: the database already had it.
    Baseline,
    /// A `-- plover:no-transaction` migration stopped after `done` of its `total` statements.
    Partial {
        /// Statements that ran and committed.
        done: usize,
        /// Statements in the script.
        total: usize,
    },
    /// Its file was removed on purpose and `plover accept` recorded that.
    Retired,
}

impl AppliedState {
    /// The word stored in the history table's `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            AppliedState::Applied => "applied",
            AppliedState::Baseline => "baseline",
            AppliedState::Partial { .. } => "partial",
            AppliedState::Retired => "retired",
        }
    }

    /// Reads the `status` column back, with the statement counts stored beside it.
    pub fn from_columns(status: &str, done: usize, total: usize) -> Option<Self> {
        Some(match status {
            "applied" => AppliedState::Applied,
            "baseline" => AppliedState::Baseline,
            "partial" => AppliedState::Partial { done, total },
            "retired" => AppliedState::Retired,
            _ => return None,
        })
    }
}
