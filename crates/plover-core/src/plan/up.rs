//! The plan behind `up`.

use crate::status::{Entry, State};
use crate::{AppliedState, Migration, Version};

use super::{Problem, Refusal};

/// Whether a pending version below the highest applied one may run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutOfOrder {
    /// Stop and say so (the default).
    #[default]
    Refuse,
    /// Apply it in version order with the rest.
    Allow,
}

/// What `up` may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpPolicy {
    /// Apply up to and including this version; everything when `None`.
    pub target: Option<Version>,
    /// Whether out-of-order versions may run.
    pub out_of_order: OutOfOrder,
}

/// One migration `up` will run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedMigration<'a> {
    /// The migration.
    pub migration: &'a Migration,
    /// What an earlier, interrupted run of this no-transaction migration recorded; `None`
    /// for a fresh start.
    pub resume: Option<Resume>,
}

/// Where a half-applied no-transaction migration stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    /// Statements that ran and committed.
    pub done: usize,
    /// Statements the script had then; resuming is only safe if it still has as many.
    pub total: usize,
    /// Whether the statement at the resume point had started, outside any transaction, when
    /// a crash stopped the run: its effect may be there although its progress is not.
    pub crashed_inside: bool,
}

/// Plans `up`: every pending or half-applied migration up to the target, in version order.
///
/// Refuses, listing every problem, when an applied file was edited or is gone, when a
/// pending version is out of order (unless allowed), or when a half-applied migration's file
/// changed since.
pub fn plan_up<'a>(
    entries: &[Entry<'a>],
    policy: UpPolicy,
) -> Result<Vec<PlannedMigration<'a>>, Refusal> {
    let mut problems = integrity_problems(entries);
    if let Some(target) = policy.target
        && !entries
            .iter()
            .any(|e| e.version == target && e.migration.is_some())
    {
        problems.push(Problem::UnknownVersion { version: target });
    }
    let highest_applied = entries
        .iter()
        .filter(|e| e.applied.is_some())
        .map(|e| e.version)
        .max();
    let mut plan = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| policy.target.is_none_or(|t| e.version <= t))
    {
        let Some(migration) = entry.migration else {
            continue;
        };
        match entry.state {
            State::Pending => {
                if let Some(highest) = highest_applied.filter(|h| *h > entry.version)
                    && policy.out_of_order == OutOfOrder::Refuse
                {
                    problems.push(Problem::OutOfOrder {
                        version: entry.version,
                        path: migration.up.path.clone(),
                        highest_applied: highest,
                    });
                }
                plan.push(PlannedMigration {
                    migration,
                    resume: None,
                });
            }
            State::Partial => plan.push(PlannedMigration {
                migration,
                resume: resume(entry),
            }),
            _ => {}
        }
    }
    if problems.is_empty() {
        return Ok(plan);
    }
    problems.sort_by_key(|p| p.version().unwrap_or(Version(i64::MAX)));
    Err(Refusal { problems })
}

/// Edited and missing files, and half-applied migrations whose file changed: the problems
/// that stop any command that trusts the history.
pub(super) fn integrity_problems(entries: &[Entry<'_>]) -> Vec<Problem> {
    entries.iter().filter_map(integrity_problem).collect()
}

fn integrity_problem(entry: &Entry<'_>) -> Option<Problem> {
    let applied = entry.applied?;
    match (entry.state, entry.migration) {
        (State::Modified, Some(migration)) => Some(match applied.state {
            AppliedState::Partial { done, total } => Problem::PartialModified {
                version: entry.version,
                path: migration.up.path.clone(),
                done,
                total,
            },
            _ => Problem::Modified {
                version: entry.version,
                path: migration.up.path.clone(),
                recorded: applied.checksum,
                current: migration.checksum(),
                diff: None,
            },
        }),
        (State::Missing, _) => Some(Problem::Missing {
            version: entry.version,
            name: applied.name.clone(),
        }),
        _ => None,
    }
}

fn resume(entry: &Entry<'_>) -> Option<Resume> {
    match entry.applied.map(|a| a.state) {
        Some(AppliedState::Partial { done, total }) => Some(Resume {
            done,
            total,
            crashed_inside: entry.applied.and_then(|a| a.in_flight) == Some(done + 1),
        }),
        _ => None,
    }
}
