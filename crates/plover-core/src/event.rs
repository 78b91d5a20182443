//! What the engine reports while it works, for progress bars, logs and JSON lines.

use serde::Serialize;

use crate::{LockHolder, TransactionMode, Version};

/// Something that happened during a command.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Event {
    /// The lock is held by someone else; polling until it frees or the timeout passes.
    LockWaiting {
        /// Who holds it.
        holder: Option<LockHolder>,
    },
    /// The lock is ours.
    LockAcquired {
        /// How long it took, in milliseconds.
        waited_ms: u64,
    },
    /// The plan is ready.
    Planned {
        /// How many migrations will run.
        count: usize,
    },
    /// A migration starts (or resumes).
    MigrationStarted {
        /// Its version.
        version: Version,
        /// Its name.
        name: String,
        /// 1-based position in this run.
        index: usize,
        /// Migrations in this run.
        count: usize,
        /// How it runs.
        transaction: TransactionMode,
        /// Statements an earlier run already did.
        resume_after: usize,
    },
    /// One statement of a no-transaction migration committed.
    StatementApplied {
        /// The migration's version.
        version: Version,
        /// 1-based statement number.
        statement: usize,
        /// Statements in the migration.
        total: usize,
        /// How long it ran, in milliseconds.
        elapsed_ms: f64,
    },
    /// An index left invalid by an interrupted `CREATE INDEX CONCURRENTLY` was dropped so
    /// that the statement can build it again.
    InvalidIndexDropped {
        /// The migration's version.
        version: Version,
        /// The index, as named in the statement.
        index: String,
    },
    /// A valid index already exists for a `CREATE INDEX CONCURRENTLY` whose completion was
    /// not recorded before a crash; the statement is counted as done instead of repeated.
    IndexAlreadyBuilt {
        /// The migration's version.
        version: Version,
        /// The index, as named in the statement.
        index: String,
    },
    /// The index a `DROP INDEX CONCURRENTLY` drops is already gone at the resume point: the
    /// drop finished before a crash kept its progress from being recorded, and counts as done.
    IndexAlreadyDropped {
        /// The migration's version.
        version: Version,
        /// The index, as named in the statement.
        index: String,
    },
    /// A finding of the preflight lint that does not stop `up` (a warning, or an error
    /// overridden with `--force`).
    LintFinding {
        /// The migration's version.
        version: Version,
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// The rule.
        rule: String,
        /// `error`, `warning` or `info`.
        severity: String,
        /// What is wrong.
        message: String,
    },
    /// A migration committed.
    MigrationApplied {
        /// Its version.
        version: Version,
        /// Its name.
        name: String,
        /// How long it ran, in milliseconds.
        elapsed_ms: f64,
    },
    /// A down script starts.
    RevertStarted {
        /// The migration's version.
        version: Version,
        /// Its name.
        name: String,
        /// 1-based position in this run.
        index: usize,
        /// Migrations in this run.
        count: usize,
    },
    /// A down script committed and its history row is gone.
    MigrationReverted {
        /// Its version.
        version: Version,
        /// Its name.
        name: String,
        /// How long it ran, in milliseconds.
        elapsed_ms: f64,
    },
}
