//! `up`: planning the pending migrations, the preflight, and applying them under the lock.

use plover_core::plan;
use plover_core::status::status;
use plover_core::{
    AppliedMigration, Driver, DriverError, Event, LockAttempt, LockRequest, Row, Version,
};

use super::history::History;
use super::planning::{plan_up_from, planned_step, prepare_up, with_applied};
use super::run::Run;
use super::{Migrator, Plan, RunReport, lock, preflight};
use crate::{Error, Observer};

/// What the caller of an `up` under the lock already knows about the database.
enum Known {
    /// Nothing: the history table is looked for.
    Nothing,
    /// That the history table exists (it holds rows).
    HistoryExists,
    /// What the history read sent with the lock gave (see [`History::rows_read`]).
    Read(Result<Vec<Row>, DriverError>),
}

impl Migrator {
    /// The plan of `up` after its preflight, from the history rows `applied`: what a real
    /// run would do, or why it refuses.
    async fn checked_plan(
        &self,
        db: &mut dyn Driver,
        history: &History,
        applied: &[AppliedMigration],
        target: Option<Version>,
    ) -> Result<Vec<Version>, Error> {
        let entries = status(&self.migrations, applied);
        let planned = plan_up_from(db, history, &entries, self.up_policy(target)).await?;
        prepare_up(db, &planned)?;
        let lints = self.lint(db, &planned)?;
        preflight::check(&planned, &lints, &self.options.lint)?;
        Ok(planned.iter().map(|p| p.migration.version).collect())
    }

    /// The preflight `up` runs, on the migrations `versions` (pending somewhere): refuses on
    /// lint errors unless overridden, and on missing down scripts when they are required.
    /// A fleet checks its files once with it before migrating any tenant.
    pub fn preflight(
        &self,
        db: &dyn Driver,
        versions: &std::collections::BTreeSet<Version>,
    ) -> Result<(), Error> {
        let planned: Vec<plan::PlannedMigration<'_>> = self
            .migrations
            .iter()
            .filter(|m| versions.contains(&m.version))
            .map(|migration| plan::PlannedMigration {
                migration,
                resume: None,
            })
            .collect();
        let lints = self.lint(db, &planned)?;
        preflight::check(&planned, &lints, &self.options.lint).map(drop)
    }

    /// What `up` would do, without taking the lock or changing anything.
    pub async fn plan_up(
        &self,
        db: &mut dyn Driver,
        target: Option<Version>,
    ) -> Result<Plan, Error> {
        let history = History::locate(db, &self.options).await?;
        self.plan_up_at(db, &history, target).await
    }

    async fn plan_up_at(
        &self,
        db: &mut dyn Driver,
        history: &History,
        target: Option<Version>,
    ) -> Result<Plan, Error> {
        let applied = history.list(db).await?;
        let entries = status(&self.migrations, &applied);
        let planned = plan_up_from(db, history, &entries, self.up_policy(target)).await?;
        let bodies = prepare_up(db, &planned)?;
        let lints = self.lint(db, &planned)?;
        let steps = planned
            .iter()
            .zip(&bodies)
            .map(|(p, body)| {
                let step = planned_step(p.migration, &p.migration.up, body, p.resume);
                match lints.files.get(&p.migration.version) {
                    Some(lint) => step.with_lint(lint),
                    None => step,
                }
            })
            .collect();
        Ok(Plan {
            history_table: history.table.plain(),
            steps,
        })
    }

    /// Applies every pending migration up to `target` (all when `None`), in version order.
    ///
    /// Refuses before running anything when a file was edited or removed after it was
    /// applied, when a pending version is out of order (unless allowed), or when a script
    /// cannot run as written. On a failed migration, the error carries what this run applied.
    pub async fn up(
        &self,
        db: &mut dyn Driver,
        target: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        let history = History::locate(db, &self.options).await?;
        let applied = history.list(db).await?;
        self.up_after_look(db, &history, &applied, target, observer)
            .await
    }

    /// `up` from the history rows `applied`, read without the lock: a refusal, or a run with
    /// nothing to do, then takes no lock and changes nothing. With work to do, the plan is
    /// made again under the lock.
    async fn up_after_look(
        &self,
        db: &mut dyn Driver,
        history: &History,
        applied: &[AppliedMigration],
        target: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        if self
            .checked_plan(db, history, applied, target)
            .await?
            .is_empty()
        {
            observer.on_event(&Event::Planned { count: 0 });
            return Ok(RunReport::default());
        }
        self.up_under_lock(db, history, Known::Nothing, target, observer)
            .await
    }

    /// [`Migrator::up`] without its first, lock-free look: for a caller that already knows
    /// this database's history table holds rows, that migrations are pending, and has run
    /// [`Migrator::preflight`] on them (a fleet, after reading every tenant's history in a few
    /// queries). The plan is made under the lock, and a refusal still comes before any
    /// change; a history table gone since fails the run with the database's error.
    pub async fn up_pending(
        &self,
        db: &mut dyn Driver,
        target: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        let history = History::locate(db, &self.options).await?;
        self.up_under_lock(db, &history, Known::HistoryExists, target, observer)
            .await
    }

    /// [`Migrator::up`] for one tenant of a fleet whose files passed
    /// [`Migrator::preflight`]: the first try for the lock and the history read go in one
    /// round trip. With the lock, the rows read are the plan's, and the lock is given back
    /// with the connection's next request or when it closes ([`Driver::unlock_soon`]: the
    /// worker moves on to its next tenant at once). Without it (another runner has it) the
    /// rows are `up`'s lock-free look: a refusal, or nothing to do, ends the run there; else
    /// it waits for the lock and reads the history again.
    pub async fn up_fleet(
        &self,
        db: &mut dyn Driver,
        target: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        let history = History::locate(db, &self.options).await?;
        let request = lock::request(&history.table, &self.options);
        let (attempt, read) = db
            .try_lock_and_query(&request, &history.rows_query(), &[])
            .await
            .map_err(Error::database("taking the migration lock"))?;
        if attempt == LockAttempt::Acquired {
            observer.on_event(&Event::LockAcquired { waited_ms: 0 });
            let known = Known::Read(read);
            let result = self
                .up_locked(db, &history, known, &request, target, observer)
                .await;
            return lock::release_soon(db, &request, result).await;
        }
        let applied = history.rows_read(db, read).await?.unwrap_or_default();
        self.up_after_look(db, &history, &applied, target, observer)
            .await
    }

    async fn up_under_lock(
        &self,
        db: &mut dyn Driver,
        history: &History,
        known: Known,
        target: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        let request = lock::request(&history.table, &self.options);
        lock::acquire(db, &request, self.options.lock_timeout, observer).await?;
        let result = self
            .up_locked(db, history, known, &request, target, observer)
            .await;
        lock::release(db, &request, result).await
    }

    async fn up_locked(
        &self,
        db: &mut dyn Driver,
        history: &History,
        known: Known,
        lock: &LockRequest,
        target: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, Error> {
        let (exists, applied) = match known {
            Known::Nothing if !history.exists(db).await? => (false, Vec::new()),
            Known::Nothing | Known::HistoryExists => (true, history.rows(db).await?),
            Known::Read(read) => match history.rows_read(db, read).await? {
                Some(rows) => (true, rows),
                None => (false, Vec::new()),
            },
        };
        let entries = status(&self.migrations, &applied);
        let planned = plan_up_from(db, history, &entries, self.up_policy(target)).await?;
        let bodies = prepare_up(db, &planned)?;
        let lints = self.lint(db, &planned)?;
        let overrides = preflight::check(&planned, &lints, &self.options.lint)?;
        // Only a run with work to do creates the history table: a refusal changes nothing.
        if !planned.is_empty() && !exists {
            history.create(db).await?;
        }
        preflight::report(&lints, &self.options.lint, observer);
        observer.on_event(&Event::Planned {
            count: planned.len(),
        });
        let mut report = RunReport::default();
        let applied_by = &self.options.applied_by;
        let mut run = Run::new(db, history, observer, applied_by, lock, &overrides);
        for (index, (step, body)) in planned.iter().zip(&bodies).enumerate() {
            run.started(step, index, planned.len());
            let elapsed_ms = run
                .apply(step, body)
                .await
                .map_err(|e| with_applied(e, &report))?;
            let done = run.applied(step, elapsed_ms);
            report.migrations.push(done);
        }
        Ok(report)
    }
}
