//! What each command returns.

use plover_core::status::{Entry, State};
use plover_core::{AppliedState, LockHolder, TransactionMode, Version};
use serde::Serialize;

/// `status`: every migration's state, and who holds the lock.
#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    /// The history table, `schema.table`.
    pub history_table: String,
    /// Every migration, files and history rows lined up, in version order.
    pub migrations: Vec<MigrationStatus>,
    /// Who holds the migration lock now, if anyone.
    pub lock_holder: Option<LockHolder>,
    /// What `up` would refuse in the scripts it would run, one message each.
    pub refusals: Vec<String>,
}

impl StatusReport {
    /// How many migrations `up` would run (pending or half-applied).
    pub fn pending(&self) -> usize {
        self.migrations
            .iter()
            .filter(|m| matches!(m.state, State::Pending | State::Partial))
            .count()
    }

    /// How many things stop `up`: edited or missing files, pending versions that are out of
    /// order when that is refused, and scripts `up` would refuse as they are written.
    pub fn problems(&self) -> usize {
        let migrations = self.migrations.iter();
        migrations
            .filter(|m| m.state.is_problem() || m.out_of_order)
            .count()
            + self.refusals.len()
    }
}

/// One migration in `status`.
#[derive(Clone, Debug, Serialize)]
pub struct MigrationStatus {
    /// Its version.
    pub version: Version,
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub state: State,
    /// Its up script, when the file exists.
    pub path: Option<String>,
    /// When it was applied.
    pub applied_at: Option<String>,
    /// Who applied it.
    pub applied_by: Option<String>,
    /// How long it ran.
    pub execution_ms: Option<i64>,
    /// For a half-applied migration: statements done.
    pub statements_done: Option<usize>,
    /// For a half-applied migration: statements in all.
    pub statements_total: Option<usize>,
    /// Whether `plover baseline` recorded it rather than running it.
    pub baseline: bool,
    /// Pending below the highest applied version, which `up` refuses unless allowed.
    pub out_of_order: bool,
    /// For a pending migration on PostgreSQL: how risky it is.
    pub tier: Option<Tier>,
}

impl From<&Entry<'_>> for MigrationStatus {
    fn from(entry: &Entry<'_>) -> Self {
        let applied = entry.applied;
        let (done, total) = match applied.map(|a| a.state) {
            Some(AppliedState::Partial { done, total }) => (Some(done), Some(total)),
            _ => (None, None),
        };
        MigrationStatus {
            version: entry.version,
            name: entry.name().to_owned(),
            state: entry.state,
            path: entry.migration.map(|m| m.up.path.clone()),
            applied_at: applied.map(|a| a.applied_at.clone()),
            applied_by: applied.map(|a| a.applied_by.clone()),
            execution_ms: applied.map(|a| a.execution_ms),
            statements_done: done,
            statements_total: total,
            baseline: applied.is_some_and(|a| a.state == AppliedState::Baseline),
            out_of_order: false,
            tier: None,
        }
    }
}

/// One migration a dry run would apply.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedStep {
    /// Its version.
    pub version: Version,
    /// Its name.
    pub name: String,
    /// The script that would run.
    pub path: String,
    /// How it would run.
    pub transaction: TransactionMode,
    /// Statements in the script (without a `BEGIN`/`COMMIT` wrapper).
    pub statements: usize,
    /// Statements an earlier run already did.
    pub resume_after: Option<usize>,
    /// Whether the file wraps itself in `BEGIN; ... COMMIT;`.
    pub self_wrapped: bool,
    /// How risky it is (PostgreSQL), and the statement that decided it.
    pub tier: Option<Tier>,
    /// What the preflight lint says of it (PostgreSQL).
    pub findings: Vec<crate::lint::Finding>,
}

/// A migration's risk tier and the statement that decided it.
#[derive(Clone, Debug, Serialize)]
pub struct Tier {
    /// The tier.
    pub tier: crate::lint::RiskTier,
    /// The statement that decided it.
    pub decided_by: Option<crate::lint::Decision>,
}

impl PlannedStep {
    /// The step with what linting its script found.
    pub fn with_lint(self, lint: &crate::lint::FileLint) -> Self {
        PlannedStep {
            tier: Some(Tier {
                tier: lint.tier,
                decided_by: lint.decided_by.clone(),
            }),
            findings: lint.findings.clone(),
            ..self
        }
    }
}

/// `up --dry-run` and `down --dry-run`: what would run, in order.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The history table, `schema.table`.
    pub history_table: String,
    /// The migrations, in the order they would run.
    pub steps: Vec<PlannedStep>,
}

/// One migration a command applied or reverted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Done {
    /// Its version.
    pub version: Version,
    /// Its name.
    pub name: String,
    /// How long it took, in milliseconds.
    pub elapsed_ms: f64,
}

/// `up` and `down`: what ran.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    /// The migrations applied (or reverted), in order.
    pub migrations: Vec<Done>,
}

/// `baseline`: what was recorded.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BaselineReport {
    /// The versions recorded as applied.
    pub recorded: Vec<Version>,
}

/// `accept`: what was recorded.
#[derive(Clone, Debug, Serialize)]
pub struct AcceptReport {
    /// The version.
    pub version: Version,
    /// `reblessed` (the edited file is now the applied one) or `retired` (the removed file is
    /// no longer expected).
    pub action: &'static str,
    /// The checksum recorded before.
    pub previous_checksum: Option<String>,
    /// The checksum recorded now.
    pub checksum: Option<String>,
}

/// `verify`: how many applied migrations were checked (all matched).
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    /// Applied migrations whose files were checked.
    pub checked: usize,
}
