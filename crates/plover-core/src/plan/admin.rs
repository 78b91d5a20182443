//! The plans behind `baseline`, `accept` and `verify`.

use crate::status::{Entry, State};
use crate::{Checksum, Migration, Version};

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
    },
    /// The file was removed on purpose: keep the row, marked retired.
    Retire {
        /// The version.
        version: Version,
    },
}

/// Plans `accept VERSION`: only an edited or missing migration can be accepted.
pub fn plan_accept<'a>(
    entries: &[Entry<'a>],
    version: Version,
) -> Result<AcceptAction<'a>, Refusal> {
    let entry = entries.iter().find(|e| e.version == version);
    let Some(entry) = entry.filter(|e| e.applied.is_some()) else {
        return Err(Problem::NotApplied { version }.into());
    };
    match (entry.state, entry.migration, entry.applied) {
        (State::Modified, Some(migration), Some(applied)) => Ok(AcceptAction::Rebless {
            migration,
            previous: applied.checksum,
        }),
        (State::Missing, _, _) => Ok(AcceptAction::Retire { version }),
        _ => Err(Problem::NothingToAccept { version }.into()),
    }
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
