//! The [`Migrator`]: versioned migrations from a directory, applied to one database.

mod admin;
mod expected;
pub(crate) mod history;
mod lock;
mod options;
mod planning;
mod preflight;
mod report;
mod resume;
mod revert;
mod run;
mod statements;
mod up;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use plover_core::plan::{self, DownTarget, UpPolicy};
use plover_core::source::parse_migrations;
use plover_core::status::{Entry, status};
use plover_core::{Driver, Event, LockRequest, Migration, Version};

pub use expected::Expected;
use history::History;
pub use lock::request as lock_request;
pub use options::{DEFAULT_HISTORY_TABLE, Options};
use planning::{
    down_script, plan_down_from, planned_step, prepare_all, refused_with_diffs, with_applied,
};
pub use report::{
    AcceptReport, BaselineReport, Done, MigrationStatus, Plan, PlannedStep, RunReport,
    StatusReport, Tier, VerifyReport,
};
use run::Run;

use crate::directory::read_directory;
use crate::{Error, Observer};

/// Applies, reverts and inspects the versioned migrations of one directory.
///
/// Every command takes the connection to work on; commands that change anything take the
/// migration lock first and report progress to the [`Observer`] they are given.
#[derive(Clone, Debug)]
pub struct Migrator {
    migrations: Arc<[Migration]>,
    options: Options,
    lints: Arc<preflight::LintCache>,
}

impl Migrator {
    /// A migrator for `migrations` (sorted by version, as [`parse_migrations`] returns them).
    pub fn new(migrations: Vec<Migration>, options: Options) -> Self {
        Migrator {
            migrations: migrations.into(),
            options,
            lints: Arc::default(),
        }
    }

    /// This migrator waiting at most `timeout` for the migration lock.
    pub(crate) fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.options.lock_timeout = timeout;
        self
    }

    /// The same migrations with other options (another tenant's history table, say),
    /// sharing the parsed files, and their lints while the lint settings stay the same.
    pub fn with_options(&self, options: Options) -> Self {
        let lints = if options.lint == self.options.lint {
            Arc::clone(&self.lints)
        } else {
            Arc::default()
        };
        Migrator {
            migrations: Arc::clone(&self.migrations),
            options,
            lints,
        }
    }

    /// Reads and parses the migrations directory `dir`.
    pub fn from_directory(dir: &Path, options: Options) -> Result<Self, Error> {
        let files = read_directory(dir)?;
        let migrations = parse_migrations(&dir.display().to_string(), &files)?;
        Ok(Migrator::new(migrations, options))
    }

    /// The migrations, in version order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Every migration's state, and who holds the lock. Changes nothing.
    pub async fn status(&self, db: &mut dyn Driver) -> Result<StatusReport, Error> {
        let history = History::locate(db, &self.options).await?;
        let applied = history.list(db).await?;
        let entries = status(&self.migrations, &applied);
        let request = lock::request(&history.table, &self.options);
        let lock_holder = db
            .lock_holder(&request)
            .await
            .map_err(Error::database("looking up the lock holder"))?;
        Ok(StatusReport {
            history_table: history.table.plain(),
            migrations: self.with_tiers(db, &entries, self.statuses(&entries))?,
            lock_holder,
            refusals: self.script_refusals(db, &entries),
        })
    }

    /// What `up` would refuse in the scripts it would run, as they are now (a `COMMIT`
    /// half way, a half-applied migration whose statement count changed), so that `status`
    /// does not promise a run that `up` refuses. Plan refusals (edited, missing files) show
    /// in the migrations' states already.
    fn script_refusals(&self, db: &dyn Driver, entries: &[Entry<'_>]) -> Vec<String> {
        let Ok(planned) = plan::plan_up(entries, self.up_policy(None)) else {
            return Vec::new();
        };
        match planning::prepare_up(db, &planned) {
            Err(Error::Refused(refusal)) => refusal.problems.iter().map(|p| p.message()).collect(),
            _ => Vec::new(),
        }
    }

    /// The lints of the migrations `planned` starts fresh, each file linted once.
    fn lint(
        &self,
        db: &dyn Driver,
        planned: &[plan::PlannedMigration<'_>],
    ) -> Result<preflight::Lints, Error> {
        preflight::lint(db, planned, &self.options.lint, &self.lints)
    }

    fn up_policy(&self, target: Option<Version>) -> UpPolicy {
        UpPolicy {
            target,
            out_of_order: self.options.out_of_order,
        }
    }

    /// Adds each pending migration's risk tier, where the linter applies.
    fn with_tiers(
        &self,
        db: &dyn Driver,
        entries: &[Entry<'_>],
        mut statuses: Vec<MigrationStatus>,
    ) -> Result<Vec<MigrationStatus>, Error> {
        if !db.dialect().lintable {
            return Ok(statuses);
        }
        let options = self.options.lint.options(Some(db.server_version()));
        for (status, entry) in statuses.iter_mut().zip(entries) {
            if let (plover_core::status::State::Pending, Some(migration)) =
                (entry.state, entry.migration)
            {
                let lint = crate::lint::lint_script(&migration.up, &options)?;
                status.tier = Some(report::Tier {
                    tier: lint.tier,
                    decided_by: lint.decided_by,
                });
            }
        }
        Ok(statuses)
    }

    fn statuses(&self, entries: &[Entry<'_>]) -> Vec<MigrationStatus> {
        let highest_applied = entries
            .iter()
            .filter(|e| e.applied.is_some())
            .map(|e| e.version)
            .max();
        let refuse = self.options.out_of_order == plan::OutOfOrder::Refuse;
        entries
            .iter()
            .map(|entry| MigrationStatus {
                out_of_order: refuse
                    && entry.state == plover_core::status::State::Pending
                    && highest_applied.is_some_and(|h| h > entry.version),
                ..MigrationStatus::from(entry)
            })
            .collect()
    }

    /// What `down` would revert, without taking the lock or changing anything.
    pub async fn plan_down(&self, db: &mut dyn Driver, target: DownTarget) -> Result<Plan, Error> {
        let history = History::locate(db, &self.options).await?;
        self.plan_down_at(db, &history, target).await
    }

    async fn plan_down_at(
        &self,
        db: &mut dyn Driver,
        history: &History,
        target: DownTarget,
    ) -> Result<Plan, Error> {
        let applied = history.list(db).await?;
        let entries = status(&self.migrations, &applied);
        let chosen = plan_down_from(db, history, &entries, target).await?;
        let bodies = prepare_all(db, chosen.iter().map(|m| down_script(m)))?;
        let steps = chosen
            .iter()
            .zip(&bodies)
            .map(|(m, body)| planned_step(m, down_script(m), body, None))
            .collect();
        Ok(Plan {
            history_table: history.table.plain(),
            steps,
        })
    }

    /// Reverts applied migrations, newest first, each down script committing together with
    /// the removal of its history row. Every needed down script must exist before anything
    /// runs.
    pub async fn down(
        &self,
        db: &mut dyn Driver,
        target: DownTarget,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        let history = History::locate(db, &self.options).await?;
        // As for `up`: a refusal or nothing to revert needs no lock.
        if self
            .plan_down_at(db, &history, target)
            .await?
            .steps
            .is_empty()
        {
            observer.on_event(&Event::Planned { count: 0 });
            return Ok(RunReport::default());
        }
        let request = lock::request(&history.table, &self.options);
        lock::acquire(db, &request, self.options.lock_timeout, observer).await?;
        let result = self
            .down_locked(db, &history, &request, target, observer)
            .await;
        lock::release(db, &request, result).await
    }

    async fn down_locked(
        &self,
        db: &mut dyn Driver,
        history: &History,
        lock: &LockRequest,
        target: DownTarget,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        let applied = history.list(db).await?;
        let entries = status(&self.migrations, &applied);
        let chosen = plan_down_from(db, history, &entries, target).await?;
        let bodies = prepare_all(db, chosen.iter().map(|m| down_script(m)))?;
        observer.on_event(&Event::Planned {
            count: chosen.len(),
        });
        let mut report = RunReport::default();
        let overrides = preflight::Overrides::new();
        let applied_by = &self.options.applied_by;
        let mut run = Run::new(db, history, observer, applied_by, lock, &overrides);
        for (index, (migration, body)) in chosen.iter().zip(&bodies).enumerate() {
            let (version, name) = (migration.version, migration.name.clone());
            run.observer.on_event(&Event::RevertStarted {
                version,
                name: name.clone(),
                index: index + 1,
                count: chosen.len(),
            });
            let elapsed_ms = run
                .revert(migration, body)
                .await
                .map_err(|e| with_applied(e, &report))?;
            run.observer.on_event(&Event::MigrationReverted {
                version,
                name: name.clone(),
                elapsed_ms,
            });
            report.migrations.push(Done {
                version,
                name,
                elapsed_ms,
            });
        }
        Ok(report)
    }

    /// Checks the checksums of applied files, and nothing else.
    pub async fn verify(&self, db: &mut dyn Driver) -> Result<VerifyReport, Error> {
        let history = History::locate(db, &self.options).await?;
        let applied = history.list(db).await?;
        let entries = status(&self.migrations, &applied);
        match plan::verify(&entries) {
            Ok(()) => Ok(VerifyReport {
                checked: applied.len(),
            }),
            Err(refusal) => Err(refused_with_diffs(db, &history, refusal, &entries).await),
        }
    }
}
