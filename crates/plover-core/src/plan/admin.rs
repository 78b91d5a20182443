//! The plans behind `baseline`, `accept` and `verify`.

use crate::status::{Entry, State};
use crate::{AppliedState, Checksum, Migration, TransactionMode, Version};

use super::up::integrity_problems;
use super::{Problem, Refusal};

/// Plans `baseline --version V`: every migration up to `version`, to be recorded as applied
/// without running. Only a database with no history can be baselined, and `version` must be
/// one of the migrations.
pub fn plan_baseline<'a>(
    entries: &[Entry<'a>],
    version: Version,
) -> Result<Vec<&'a Migration>, Refusal> {
    let rows = entries.iter().filter(|e| e.applied.is_some()).count();
    if rows > 0 {
        return Err(Problem::HistoryNotEmpty { rows }.into());
    }
    if !entries.iter().any(|e| e.version == version) {
        return Err(Problem::UnknownVersion { version }.into());
    }
    Ok(entries
        .iter()
        .filter(|e| e.version <= version)
        .filter_map(|e| e.migration)
        .collect())
}

/// What `accept` records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptAction<'a> {
    /// The file was edited: record its new checksum and text, keeping the old checksum.
    Rebless {
        /// The migration as it is now.
        migration: &'a Migration,
        /// The checksum recorded until now.
        previous: Checksum,
        /// Statements in the new file.
        statements: usize,
    },
    /// The file was removed on purpose: keep the row, marked retired.
    Retire {
        /// The version.
        version: Version,
    },
}

/// Plans `accept VERSION`: only an edited or missing migration can be accepted.
///
/// A half-applied no-transaction migration can only be accepted when the new file still runs
/// statement by statement and still has the statements that were done: resuming skips them.
/// `count_statements` counts a script's statements the way the runner will.
pub fn plan_accept<'a>(
    entries: &[Entry<'a>],
    version: Version,
    count_statements: &dyn Fn(&Migration) -> usize,
) -> Result<AcceptAction<'a>, Refusal> {
    let entry = entries.iter().find(|e| e.version == version);
    let Some(entry) = entry.filter(|e| e.applied.is_some()) else {
        return Err(Problem::NotApplied { version }.into());
    };
    match (entry.state, entry.migration, entry.applied) {
        (State::Modified, Some(migration), Some(applied)) => {
            let statements = count_statements(migration);
            if let AppliedState::Partial { done, .. } = applied.state {
                check_resumable(migration, done, statements)?;
            }
            Ok(AcceptAction::Rebless {
                migration,
                previous: applied.checksum,
                statements,
            })
        }
        (State::Missing, _, _) => Ok(AcceptAction::Retire { version }),
        // Same file, but its statements are counted differently now (another Plover version
        // split it): record the new count so that it can resume.
        (State::Partial, Some(migration), Some(applied)) => match applied.state {
            AppliedState::Partial { done, total } if count_statements(migration) != total => {
                let statements = count_statements(migration);
                check_resumable(migration, done, statements)?;
                Ok(AcceptAction::Rebless {
                    migration,
                    previous: applied.checksum,
                    statements,
                })
            }
            _ => Err(Problem::NothingToAccept { version }.into()),
        },
        _ => Err(Problem::NothingToAccept { version }.into()),
    }
}

fn check_resumable(migration: &Migration, done: usize, statements: usize) -> Result<(), Refusal> {
    let reason = if migration.up.transaction != TransactionMode::None {
        format!(
            "it lost `-- plover:no-transaction`, but its first {done} statement(s) already ran on their own"
        )
    } else if statements < done {
        format!("it has {statements} statement(s), but {done} already ran")
    } else {
        return Ok(());
    };
    Err(Problem::CannotResumeWith {
        version: migration.version,
        path: migration.up.path.clone(),
        reason,
    }
    .into())
}

/// `verify`: the applied files whose checksums no longer match, and those that are gone.
pub fn verify(entries: &[Entry<'_>]) -> Result<(), Refusal> {
    let problems = integrity_problems(entries);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Refusal { problems })
    }
}
