//! `up` in a fleet's tenant expected to stand where another tenant stood: the plan is made
//! from the expected history, and each migration runs in a guarded transaction that takes
//! the lock for itself and checks, under it, that the history still holds what the plan was
//! made from. One round trip per migration where the driver can (PostgreSQL), instead of
//! one to take the lock and read the history and one per migration.

use plover_core::body::Body;
use plover_core::plan::{self, PlannedMigration};
use plover_core::status::status;
use plover_core::{
    AppliedMigration, AppliedState, Condition, Driver, Event, Migration, TransactionMode, Version,
};

use super::history::History;
use super::planning::{prepare_up, with_applied};
use super::run::Run;
use super::{Migrator, RunReport, lock, preflight};
use crate::{Error, Observer};

impl Migrator {
    /// [`Migrator::up_fleet`] for a tenant whose history is expected to hold `expected` (in
    /// version order: the rows another tenant's held), for a fleet whose files passed
    /// [`Migrator::preflight`].
    ///
    /// The lock is never waited for, and the events of each migration come when its round
    /// trip is back. See [`Expected`] for how it ends.
    pub async fn up_expecting(
        &self,
        db: &mut dyn Driver,
        expected: &[AppliedMigration],
        target: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<Expected, Error> {
        let Some(plan) = self.expected_plan(db, expected, target) else {
            return Ok(Expected::NotMet);
        };
        let history = History::locate(db, &self.options).await?;
        let request = lock::request(&history.table, &self.options);
        let applied_by = &self.options.applied_by;
        let mut run = Run::new(
            db,
            &history,
            observer,
            applied_by,
            &request,
            &plan.overrides,
        );
        let mut rows = expected.to_vec();
        let mut report = RunReport::default();
        let count = plan.planned.len();
        for (index, (step, body)) in plan.planned.iter().zip(&plan.bodies).enumerate() {
            // Each migration checks the history the previous one left.
            let (sql, params) = history.matches(&rows);
            let condition = Condition {
                sql: &sql,
                params: &params,
            };
            let elapsed_ms = match run.apply_guarded(step.migration, body, condition).await {
                Ok(Some(elapsed_ms)) => elapsed_ms,
                Ok(None) if index == 0 => return Ok(Expected::NotMet),
                Ok(None) => return Ok(Expected::Partly(report)),
                Err(error) => {
                    run.started(step, index, count);
                    return Err(with_applied(error, &report));
                }
            };
            if index == 0 {
                run.observer.on_event(&Event::LockAcquired { waited_ms: 0 });
                preflight::report(&plan.lints, &self.options.lint, run.observer);
                run.observer.on_event(&Event::Planned { count });
            }
            run.started(step, index, count);
            let done = run.applied(step, elapsed_ms);
            report.migrations.push(done);
            rows.push(self.row_of(step.migration));
        }
        Ok(Expected::Done(report))
    }

    /// What `expected` calls for, checked and cut into statements; `None` when that is not
    /// for this path (see [`Expected::NotMet`]): the usual one then finds out for itself,
    /// and reports a refusal with everything it knows.
    fn expected_plan<'m>(
        &'m self,
        db: &dyn Driver,
        expected: &'m [AppliedMigration],
        target: Option<Version>,
    ) -> Option<ExpectedPlan<'m>> {
        if expected.is_empty() {
            // No history table to check yet: the first migration creates it.
            return None;
        }
        let entries = status(&self.migrations, expected);
        let planned = plan::plan_up(&entries, self.up_policy(target)).ok()?;
        if planned.is_empty() || !planned.iter().all(in_one_transaction) {
            return None;
        }
        let bodies = prepare_up(db, &planned).ok()?;
        let lints = self.lint(db, &planned).ok()?;
        let overrides = preflight::check(&planned, &lints, &self.options.lint).ok()?;
        Some(ExpectedPlan {
            planned,
            bodies,
            lints,
            overrides,
        })
    }

    /// The history row applying `migration` leaves, as far as a plan can tell.
    fn row_of(&self, migration: &Migration) -> AppliedMigration {
        AppliedMigration {
            version: migration.version,
            name: migration.name.clone(),
            checksum: migration.checksum(),
            state: AppliedState::Applied,
            applied_at: String::new(),
            execution_ms: 0,
            applied_by: self.options.applied_by.clone(),
            in_flight: None,
        }
    }
}

/// The migrations an expected history calls for, ready to run.
struct ExpectedPlan<'m> {
    planned: Vec<PlannedMigration<'m>>,
    bodies: Vec<Body<'m>>,
    lints: preflight::Lints,
    overrides: preflight::Overrides,
}

/// How [`Migrator::up_expecting`] ended.
#[derive(Debug)]
pub enum Expected {
    /// Nothing was done: the history is not as expected, the lock is held, or the expected
    /// plan is not one for this path (nothing to do, a refusal, a migration outside a
    /// transaction or half applied). [`Migrator::up_fleet`] takes the tenant as usual.
    NotMet,
    /// Every migration the expected history called for was applied.
    Done(RunReport),
    /// These were applied, then the history changed or the lock was held (another runner
    /// took the tenant between two migrations): [`Migrator::up_fleet`], waiting for the
    /// lock, finds what is left.
    Partly(RunReport),
}

/// Whether `planned` runs as one transaction from its start.
fn in_one_transaction(planned: &PlannedMigration<'_>) -> bool {
    planned.migration.up.transaction == TransactionMode::Single && planned.resume.is_none()
}
