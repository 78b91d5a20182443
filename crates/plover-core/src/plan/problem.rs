//! Why a plan is refused, and the way out of each refusal.

use std::fmt;

use crate::body::BodyError;
use crate::{Checksum, Version};

/// One reason a command will not run. Its `Display` is the message followed by the way out.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// An applied file was edited.
    Modified {
        /// The version.
        version: Version,
        /// The file.
        path: String,
        /// The checksum in the history table.
        recorded: Checksum,
        /// The file's checksum now.
        current: Checksum,
        /// A unified diff from the applied script to the file, when the caller attached one.
        diff: Option<String>,
    },
    /// An applied version whose file is gone.
    Missing {
        /// The version.
        version: Version,
        /// Its name in the history table.
        name: String,
    },
    /// A pending version below the highest applied one.
    OutOfOrder {
        /// The version.
        version: Version,
        /// The file.
        path: String,
        /// The highest version applied.
        highest_applied: Version,
    },
    /// A half-applied no-transaction migration whose file changed since.
    PartialModified {
        /// The version.
        version: Version,
        /// The file.
        path: String,
        /// Statements that ran.
        done: usize,
        /// Statements in the script that ran.
        total: usize,
    },
    /// A half-applied migration in the way of `down`.
    PartialInTheWay {
        /// The version.
        version: Version,
        /// The file.
        path: String,
    },
    /// A version named on the command line that no file has.
    UnknownVersion {
        /// The version.
        version: Version,
    },
    /// `down` would need a down script that does not exist.
    NoDownScript {
        /// The version.
        version: Version,
        /// The up script.
        path: String,
    },
    /// `down` would need a migration whose file is gone.
    CannotRevertWithoutFile {
        /// The version.
        version: Version,
        /// Its name in the history table.
        name: String,
    },
    /// `baseline` on a database that already has history.
    HistoryNotEmpty {
        /// How many rows the history table has.
        rows: usize,
    },
    /// `accept` on a migration that was never applied.
    NotApplied {
        /// The version.
        version: Version,
    },
    /// `accept` on a migration that matches its file.
    NothingToAccept {
        /// The version.
        version: Version,
    },
    /// A half-applied migration cannot resume with the file as it is now.
    CannotResumeWith {
        /// The version.
        version: Version,
        /// The file.
        path: String,
        /// Why not.
        reason: String,
    },
    /// A half-applied migration's recorded statement count no longer matches its file.
    StatementCountChanged {
        /// The version.
        version: Version,
        /// The file.
        path: String,
        /// Statements recorded when it stopped.
        recorded: usize,
        /// Statements in the file now.
        now: usize,
    },
    /// Lint errors in a pending migration (the preflight of `up`).
    LintErrors {
        /// The version.
        version: Version,
        /// The file.
        path: String,
        /// Each error as `line:column rule: message`.
        findings: Vec<String>,
    },
    /// A pending migration without a down script, when down scripts are required.
    NotReversible {
        /// The version.
        version: Version,
        /// The up script.
        path: String,
    },
    /// A script that cannot run as written.
    Script(BodyError),
}

impl Problem {
    /// The version the problem is about, if any.
    pub fn version(&self) -> Option<Version> {
        match self {
            Problem::Modified { version, .. }
            | Problem::Missing { version, .. }
            | Problem::OutOfOrder { version, .. }
            | Problem::PartialModified { version, .. }
            | Problem::PartialInTheWay { version, .. }
            | Problem::UnknownVersion { version }
            | Problem::NoDownScript { version, .. }
            | Problem::CannotRevertWithoutFile { version, .. }
            | Problem::NotApplied { version }
            | Problem::NothingToAccept { version }
            | Problem::CannotResumeWith { version, .. }
            | Problem::StatementCountChanged { version, .. }
            | Problem::LintErrors { version, .. }
            | Problem::NotReversible { version, .. } => Some(*version),
            Problem::HistoryNotEmpty { .. } | Problem::Script(_) => None,
        }
    }

    /// What went wrong, in one line.
    pub fn message(&self) -> String {
        match self {
            Problem::Modified {
                path,
                recorded,
                current,
                ..
            } => format!(
                "{path} was edited after it was applied (checksum {} recorded, {} now)",
                recorded.short(),
                current.short()
            ),
            Problem::Missing { version, name } => {
                format!("version {version} ({name}) was applied but its file is gone")
            }
            Problem::OutOfOrder {
                path,
                highest_applied,
                ..
            } => format!(
                "{path} is pending but version {highest_applied} is already applied (out of order)"
            ),
            Problem::PartialModified {
                path, done, total, ..
            } => format!(
                "{path} stopped after {done} of {total} statements, and the file changed since"
            ),
            Problem::PartialInTheWay { path, .. } => {
                format!("{path} is partially applied, so it cannot be reverted yet")
            }
            Problem::UnknownVersion { version } => format!("no migration has version {version}"),
            Problem::NoDownScript { path, .. } => format!("{path} has no down script"),
            Problem::CannotRevertWithoutFile { version, name } => {
                format!("version {version} ({name}) cannot be reverted: its file is gone")
            }
            Problem::HistoryNotEmpty { rows } => {
                format!(
                    "the history table already has {rows} row(s); baseline adopts a database with no history"
                )
            }
            Problem::NotApplied { version } => format!("version {version} was never applied"),
            Problem::NothingToAccept { version } => {
                format!("version {version} matches its file; there is nothing to accept")
            }
            Problem::CannotResumeWith { path, reason, .. } => {
                format!("{path} cannot resume where it stopped: {reason}")
            }
            Problem::StatementCountChanged {
                path,
                recorded,
                now,
                ..
            } => format!(
                "{path} stopped part way when it had {recorded} statement(s), but Plover now reads {now}"
            ),
            Problem::LintErrors { path, findings, .. } => {
                let noun = if findings.len() == 1 {
                    "error"
                } else {
                    "errors"
                };
                format!(
                    "{path} has {} lint {noun}: {}",
                    findings.len(),
                    findings.join("; ")
                )
            }
            Problem::NotReversible { path, .. } => {
                format!("{path} has no down script, and lint.require_reversible is set")
            }
            Problem::Script(error) => error.to_string(),
        }
    }

    /// The way out: what to run or change.
    pub fn way_out(&self) -> String {
        match self {
            Problem::Modified { version, .. } => format!(
                "restore the file as it was applied (diff below), or, if the database already \
                 matches the new text, record it with `plover accept {version} --reason \"...\"`"
            ),
            Problem::Missing { version, .. } => format!(
                "restore the file (its applied text is in the history table's `script` column), \
                 or record that it was removed on purpose with `plover accept {version} --reason \"...\"`"
            ),
            Problem::OutOfOrder { .. } => "renumber the file above the highest applied version, \
                 or apply it anyway with `--allow-out-of-order` on `plover up` or `plover tenants migrate`"
                .to_owned(),
            Problem::PartialModified { version, done, .. } => format!(
                "restore the file as it was and run `plover up` to resume at statement {}, \
                 or, if its first {done} statements are unchanged, `plover accept {version} --reason \"...\"` \
                 to resume with the new file",
                done + 1
            ),
            Problem::PartialInTheWay { .. } => {
                "finish it with `plover up` first, then revert".to_owned()
            }
            Problem::UnknownVersion { .. } => "run `plover status` to see the versions".to_owned(),
            Problem::NoDownScript { .. } => {
                "write the down script beside it; nothing was reverted".to_owned()
            }
            Problem::CannotRevertWithoutFile { .. } => {
                "restore the file and its down script; nothing was reverted".to_owned()
            }
            Problem::HistoryNotEmpty { .. } => {
                "run `plover status` to see what is recorded".to_owned()
            }
            Problem::NotApplied { .. } | Problem::NothingToAccept { .. } => {
                "run `plover status` to see each migration's state".to_owned()
            }
            Problem::CannotResumeWith { .. } => {
                "restore the file as it was, or keep its first statements \
                 unchanged and `-- plover:no-transaction` in its header"
                    .to_owned()
            }
            Problem::StatementCountChanged { version, .. } => format!(
                "finish it with the Plover version that started it, or, if the statements already \
                 done are still the first ones, record the new count with `plover accept {version} --reason \"...\"`"
            ),
            Problem::LintErrors { .. } => "make it safe (`plover lint` shows each recipe), accept a finding in the file's \
                 header with `-- plover:allow RULE reason`, or run anyway with `--force` on `plover up` or `plover tenants migrate` (recorded in the history)"
                .to_owned(),
            Problem::NotReversible { .. } => "write its down script beside it".to_owned(),
            Problem::Script(_) => "fix the file; nothing was run".to_owned(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  way out: {}", self.message(), self.way_out())?;
        if let Problem::Modified {
            diff: Some(diff), ..
        } = self
        {
            for line in diff.lines() {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

/// Every problem that stops a command; nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The problems, in version order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusal {}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Self {
        Refusal {
            problems: vec![problem],
        }
    }
}
