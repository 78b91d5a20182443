//! The plan behind `down`.

use crate::status::{Entry, State};
use crate::{Migration, Version};

use super::up::integrity_problems;
use super::{Problem, Refusal};

/// How far `down` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownTarget {
    /// Revert this many of the most recent migrations.
    Steps(usize),
    /// Revert every applied migration above this version.
    To(Version),
}

/// Plans `down`: the applied migrations to revert, newest first. Every one of them must have
/// a down script, and nothing may be edited, missing or half-applied, before anything runs.
pub fn plan_down<'a>(
    entries: &[Entry<'a>],
    target: DownTarget,
) -> Result<Vec<&'a Migration>, Refusal> {
    let mut problems = integrity_problems(entries);
    let applied = entries.iter().rev().filter(|e| e.applied.is_some());
    let chosen: Vec<&Entry<'a>> = match target {
        DownTarget::Steps(n) => applied.take(n).collect(),
        DownTarget::To(version) => applied.take_while(|e| e.version > version).collect(),
    };
    let mut plan = Vec::new();
    for entry in chosen {
        match (entry.state, entry.migration) {
            (State::Missing | State::Modified, _) => {} // already in `problems`
            (State::Retired, _) | (_, None) => problems.push(Problem::CannotRevertWithoutFile {
                version: entry.version,
                name: entry.name().to_owned(),
            }),
            (State::Partial, Some(m)) => problems.push(Problem::PartialInTheWay {
                version: entry.version,
                path: m.up.path.clone(),
            }),
            (_, Some(m)) if m.down.is_none() => problems.push(Problem::NoDownScript {
                version: entry.version,
                path: m.up.path.clone(),
            }),
            (_, Some(m)) => plan.push(m),
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(Refusal { problems })
    }
}
