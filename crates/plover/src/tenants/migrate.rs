//! `tenants migrate`: the fleet's migrations in every selected tenant, in parallel.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use plover_core::plan::OutOfOrder;
use plover_core::sql::QualifiedName;
use plover_core::{AppliedMigration, Driver, Version};

use super::hooks::TenantObserver;
use super::pool::{Attempt, Ran, TenantJob, fan_out};
use super::report::{FleetReport, MigrateOptions, Outcome, TenantResult};
use super::status::{TenantState, TenantStatus, presence};
use super::{Fleet, FleetHooks, OnError, Selection, Tenant, TenantError, adopt};
use crate::migrator::history::History;
use crate::migrator::{Done, Expected};

impl Fleet {
    /// Brings every selected tenant up to date (or to `options.target`). With tenants found
    /// by their schemas, a tenant named in `selection` must have its schema already.
    ///
    /// When every file up to the target passes the preflight (and no canaries are asked
    /// for), each tenant's worker tries its lock and reads its history in one round trip.
    /// Otherwise the histories are read
    /// first, in a few queries: the run is refused if a file that fails the preflight is
    /// pending anywhere, and only tenants with something to do get a worker. Each tenant is
    /// migrated under its own lock. A tenant whose lock another runner holds goes to the
    /// back of the queue, and is waited for only when taken again, so fleet runs at the same
    /// time share the tenants and never apply anything twice.
    pub async fn migrate(
        &self,
        selection: &Selection,
        options: &MigrateOptions,
        hooks: Arc<dyn FleetHooks>,
    ) -> Result<FleetReport, TenantError> {
        let started = Instant::now();
        let mut db = self.connect().await?;
        let tenants = self.select_to_change(db.as_mut(), selection).await?;
        let mode = Mode::of(options);
        // Canaries are the first tenants with work: only the statuses tell which those are.
        let canaries = options.canary.is_some_and(|n| n > 0);
        if let Mode::Apply(target) = mode
            && !canaries
            && self.files_pass_preflight(db.as_ref(), target)
        {
            let survey = self.survey(db.as_mut(), &tenants).await?;
            drop(db);
            return Ok(self
                .migrate_at_the_lock(tenants, options, hooks, started, survey)
                .await);
        }
        let concurrency = options.concurrency.unwrap_or(self.settings.concurrency);
        let statuses = self
            .read_statuses(db.as_mut(), &tenants, concurrency)
            .await?;
        if let Mode::Apply(target) = mode {
            let pending = statuses
                .iter()
                .flat_map(|s| &s.pending_versions)
                .map(|v| Version(*v))
                .filter(|v| target.is_none_or(|t| *v <= t))
                .collect();
            self.migrator
                .preflight(db.as_ref(), &pending)
                .map_err(|e| TenantError::Migrations(Box::new(e)))?;
        }
        drop(db);
        let with_work = statuses.iter().filter(|s| s.needs_work()).count();
        hooks.selected(statuses.len(), with_work);
        let behind = statuses
            .iter()
            .filter(|s| {
                has_migrations_to_apply(s, options.target, self.migrator.options().out_of_order)
            })
            .map(|s| s.tenant.schema.clone())
            .collect();
        let mut results: Vec<Option<TenantResult>> = Vec::with_capacity(tenants.len());
        let mut work = Vec::new();
        for status in statuses {
            if status.needs_work() {
                work.push(status.tenant);
                results.push(None);
            } else {
                let result = TenantResult::new(&status.tenant, Outcome::Succeeded);
                hooks.before_tenant(&status.tenant);
                hooks.after_tenant(&result);
                results.push(Some(result));
            }
        }
        let job = self.job(hooks, mode, Start::FromStatus(behind));
        let (done, canary_failed) = self.run_with_canary(job, work, options).await;
        let mut done = done.into_iter();
        let tenants = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| done.next().expect("one result per tenant with work")))
            .collect();
        Ok(FleetReport {
            dry_run: options.dry_run,
            canary_failed,
            ..FleetReport::from_results(tenants, started)
        })
    }

    /// Migrates `tenants`, whose files up to `options.target` passed the preflight: each
    /// worker goes straight to its tenant's lock and reads the history there, or, when
    /// the survey says what the tenants' histories most likely hold, applies what that
    /// history calls for and checks it under the lock in the same round trip. A tenant
    /// without a history table yet takes `up`'s way, which looks before it reads.
    pub(super) async fn migrate_at_the_lock(
        &self,
        tenants: Vec<Tenant>,
        options: &MigrateOptions,
        hooks: Arc<dyn FleetHooks>,
        started: Instant,
        survey: Survey,
    ) -> FleetReport {
        hooks.selected(tenants.len(), tenants.len());
        let start = Start::AtTheLock {
            expectation: survey.expected.map(Expectation::new),
            fresh: survey.fresh,
        };
        let job = self.job(hooks, Mode::of(options), start);
        let (done, canary_failed) = self.run_with_canary(job, tenants, options).await;
        FleetReport {
            canary_failed,
            ..FleetReport::from_results(done, started)
        }
    }

    /// Which of `tenants` have no history table yet (one query for them all), and the
    /// history of the first that has one, which a fleet migrated together most likely
    /// shares (none when it cannot be read: each tenant's is then read under its lock).
    pub(super) async fn survey(
        &self,
        db: &mut dyn Driver,
        tenants: &[Tenant],
    ) -> Result<Survey, TenantError> {
        let present = presence(db, tenants, &self.settings.history_table).await?;
        let (with_history, fresh): (Vec<&Tenant>, Vec<&Tenant>) = tenants
            .iter()
            .partition(|t| present.get(&t.schema).copied().unwrap_or(false));
        let expected = match with_history.first() {
            Some(tenant) => {
                let table = QualifiedName::new(&tenant.schema, &self.settings.history_table);
                History::at(table, db.dialect()).rows(db).await.ok()
            }
            None => None,
        };
        Ok(Survey {
            fresh: fresh.into_iter().map(|t| t.schema.clone()).collect(),
            expected,
        })
    }

    /// Whether every tenant migration up to `target` passes the preflight: then no tenant's
    /// pending files need to be known before migrating it.
    fn files_pass_preflight(&self, db: &dyn Driver, target: Option<Version>) -> bool {
        self.preflight_up_to(db, target).is_ok()
    }

    /// The preflight of every tenant migration up to `target` (all when `None`): what a
    /// tenant with nothing applied would be refused.
    pub(super) fn preflight_up_to(
        &self,
        db: &dyn Driver,
        target: Option<Version>,
    ) -> Result<(), TenantError> {
        let versions = self
            .migrations()
            .iter()
            .map(|m| m.version)
            .filter(|v| target.is_none_or(|t| *v <= t))
            .collect();
        self.migrator
            .preflight(db, &versions)
            .map_err(|e| TenantError::Migrations(Box::new(e)))
    }

    fn job(&self, hooks: Arc<dyn FleetHooks>, mode: Mode, start: Start) -> Arc<MigrateJob> {
        Arc::new(MigrateJob {
            fleet: self.clone(),
            hooks,
            mode,
            start,
        })
    }

    /// Runs the canaries first when asked: if any of them fails, the rest are skipped.
    async fn run_with_canary(
        &self,
        job: Arc<MigrateJob>,
        mut work: Vec<Tenant>,
        options: &MigrateOptions,
    ) -> (Vec<TenantResult>, bool) {
        let concurrency = options.concurrency.unwrap_or(self.settings.concurrency);
        let abort = options.on_error.unwrap_or(self.settings.on_error) == OnError::Abort;
        let canaries = options.canary.unwrap_or(0).min(work.len());
        if canaries == 0 {
            return (fan_out(self, job, work, concurrency, abort).await, false);
        }
        let rest = work.split_off(canaries);
        let mut done = fan_out(self, Arc::clone(&job), work, concurrency, abort).await;
        let canary_failed = done.iter().any(|r| r.outcome != Outcome::Succeeded);
        if canary_failed {
            done.extend(rest.iter().map(|t| {
                let result = TenantResult::skipped(t, "a canary tenant failed");
                job.hooks.after_tenant(&result);
                result
            }));
        } else {
            done.extend(fan_out(self, job, rest, concurrency, abort).await);
        }
        (done, canary_failed)
    }
}

/// Whether `status` shows a history with rows, migrations to apply up to `target` and
/// nothing `up` would refuse: such a tenant goes straight to its lock. The others (new,
/// modified, ahead, unreadable, out of order when that is refused, or with pending versions
/// only past the target) take `up`'s lock-free look first, which refuses or finds nothing to
/// do without waiting for a lock another runner may hold.
fn has_migrations_to_apply(
    status: &TenantStatus,
    target: Option<Version>,
    out_of_order: OutOfOrder,
) -> bool {
    status.state == TenantState::Behind
        && status.applied > 0
        && !(status.out_of_order && out_of_order == OutOfOrder::Refuse)
        && status
            .pending_versions
            .iter()
            .any(|v| target.is_none_or(|t| Version(*v) <= t))
}

/// What a run does in each tenant.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Apply(Option<Version>),
    Plan(Option<Version>),
    MarkApplied(Option<Version>),
}

impl Mode {
    fn of(options: &MigrateOptions) -> Mode {
        match (options.dry_run, options.mark_applied) {
            (true, _) => Mode::Plan(options.target),
            (false, true) => Mode::MarkApplied(options.target),
            (false, false) => Mode::Apply(options.target),
        }
    }
}

struct MigrateJob {
    fleet: Fleet,
    hooks: Arc<dyn FleetHooks>,
    mode: Mode,
    start: Start,
}

/// What a run that goes straight to the tenants' locks learns of them first.
pub(super) struct Survey {
    /// Schemas of the tenants with no history table (or no schema) yet.
    pub(super) fresh: HashSet<String>,
    /// The history the others most likely hold.
    pub(super) expected: Option<Vec<AppliedMigration>>,
}

impl Survey {
    /// What is known of a tenant whose schema was just created.
    pub(super) fn new_tenant(tenant: &Tenant) -> Survey {
        Survey {
            fresh: HashSet::from([tenant.schema.clone()]),
            expected: None,
        }
    }
}

/// How each tenant's `up` begins.
enum Start {
    /// Every file passed the preflight: with the first try for the lock and the history
    /// read in one round trip ([`crate::Migrator::up_fleet`]), or, with the history each
    /// tenant is expected to hold, with its first migration
    /// ([`crate::Migrator::up_expecting`]). A tenant in `fresh` had no history table when
    /// the run began: reading it blind would only fail (and leave an error in the server's
    /// log), so it takes `up`'s lock-free look first.
    AtTheLock {
        expectation: Option<Expectation>,
        fresh: HashSet<String>,
    },
    /// The statuses were read first: the tenants with these schemas (see
    /// [`has_migrations_to_apply`]) go straight to their lock, the rest take `up`'s
    /// lock-free look.
    FromStatus(HashSet<String>),
}

/// The history a run expects of every tenant, and how that has gone so far.
struct Expectation {
    rows: Vec<AppliedMigration>,
    /// Tenants in a row that were not as expected.
    misses: AtomicUsize,
}

/// Tenants in a row not as expected after which a run stops expecting: the first tenant was
/// not like the rest, and each miss costs a round trip (and errors in the server log).
const MISSES_BEFORE_GIVING_UP: usize = 16;

impl Expectation {
    fn new(rows: Vec<AppliedMigration>) -> Self {
        Expectation {
            rows,
            misses: AtomicUsize::new(0),
        }
    }

    fn worth_trying(&self) -> bool {
        self.misses.load(Ordering::Relaxed) < MISSES_BEFORE_GIVING_UP
    }

    fn record(&self, outcome: &Expected) {
        match outcome {
            Expected::NotMet => self.misses.fetch_add(1, Ordering::Relaxed),
            Expected::Done(_) | Expected::Partly(_) => self.misses.swap(0, Ordering::Relaxed),
        };
    }
}

#[async_trait]
impl TenantJob for MigrateJob {
    type Output = TenantResult;

    async fn run(
        &self,
        db: &mut dyn Driver,
        tenant: &Tenant,
        attempt: Attempt,
    ) -> Ran<TenantResult> {
        // A tenant put off because it was busy had its `before_tenant` on the first attempt.
        if attempt.is_first() {
            self.hooks.before_tenant(tenant);
        }
        let started = Instant::now();
        let mut result = match self.migrate(db, tenant, attempt).await {
            Ok(Ran::Done(result)) => result,
            Ok(Ran::Busy) => return Ran::Busy,
            Err(error) => TenantResult::failed(tenant, error),
        };
        result.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.hooks.after_tenant(&result);
        Ran::Done(result)
    }

    fn unreachable(&self, tenant: &Tenant, error: String, attempt: Attempt) -> TenantResult {
        if attempt.is_first() {
            self.hooks.before_tenant(tenant);
        }
        let result = TenantResult::failed(tenant, error);
        self.hooks.after_tenant(&result);
        result
    }

    fn skipped(&self, tenant: &Tenant) -> TenantResult {
        let result = TenantResult::skipped(tenant, "the run was aborted after a failure");
        self.hooks.after_tenant(&result);
        result
    }

    fn failed(&self, output: &TenantResult) -> bool {
        output.outcome == Outcome::Failed
    }
}

impl MigrateJob {
    /// `versions` as applied migrations (their times unknown).
    fn done(&self, versions: &[Version]) -> Vec<Done> {
        let migrations = self.fleet.migrations();
        versions
            .iter()
            .filter_map(|v| migrations.iter().find(|m| m.version == *v))
            .map(|m| Done {
                version: m.version,
                name: m.name.clone(),
                elapsed_ms: 0.0,
            })
            .collect()
    }

    /// `up` in `tenant`, begun as [`Start`] says, with `migrator`, which does not wait
    /// for the lock on a first attempt.
    async fn up(
        &self,
        migrator: &crate::Migrator,
        db: &mut dyn Driver,
        tenant: &Tenant,
        target: Option<Version>,
        observer: &mut TenantObserver<'_>,
    ) -> Result<Began, crate::Error> {
        let report = match &self.start {
            Start::AtTheLock { fresh, .. } if fresh.contains(&tenant.schema) => {
                migrator.up(db, target, observer).await?
            }
            Start::AtTheLock {
                expectation: Some(expectation),
                ..
            } if expectation.worth_trying() => {
                let expected = migrator
                    .up_expecting(db, &expectation.rows, target, observer)
                    .await?;
                expectation.record(&expected);
                match expected {
                    Expected::Done(report) => report,
                    Expected::NotMet => migrator.up_fleet(db, target, observer).await?,
                    Expected::Partly(report) => return Ok(Began::Interrupted(report)),
                }
            }
            Start::AtTheLock { .. } => migrator.up_fleet(db, target, observer).await?,
            Start::FromStatus(behind) if behind.contains(&tenant.schema) => {
                migrator.up_pending(db, target, observer).await?
            }
            Start::FromStatus(_) => migrator.up(db, target, observer).await?,
        };
        Ok(Began::Done(report))
    }

    async fn migrate(
        &self,
        db: &mut dyn Driver,
        tenant: &Tenant,
        attempt: Attempt,
    ) -> Result<Ran<TenantResult>, String> {
        let migrator = self.fleet.migrator_for(tenant);
        let mut observer = TenantObserver {
            hooks: self.hooks.as_ref(),
            tenant,
        };
        let mut result = TenantResult::new(tenant, Outcome::Succeeded);
        match self.mode {
            Mode::Apply(target) => {
                return Ok(self
                    .apply(migrator, db, tenant, target, attempt, &mut observer)
                    .await);
            }
            Mode::Plan(target) => {
                let plan = migrator
                    .plan_up(db, target)
                    .await
                    .map_err(|e| e.to_string())?;
                result.planned = plan.steps.iter().map(|s| s.version.0).collect();
            }
            Mode::MarkApplied(target) => {
                let recorded = adopt::mark_applied(
                    db,
                    &migrator,
                    tenant,
                    &self.fleet.settings.adopt_table,
                    target,
                    &mut observer,
                )
                .await?;
                result.applied = recorded;
            }
        }
        Ok(Ran::Done(result))
    }

    /// Applies `tenant`'s pending migrations; on a first attempt that may be put off, a
    /// tenant whose lock another runner holds is [`Ran::Busy`] instead of waited for.
    async fn apply(
        &self,
        migrator: crate::Migrator,
        db: &mut dyn Driver,
        tenant: &Tenant,
        target: Option<Version>,
        attempt: Attempt,
        observer: &mut TenantObserver<'_>,
    ) -> Ran<TenantResult> {
        let may_defer = attempt == Attempt::First;
        // One try for the lock: a tenant another runner holds is taken again after the
        // rest, by when that runner has most likely finished it.
        let waiting = migrator.clone();
        let migrator = if may_defer {
            migrator.with_lock_timeout(Duration::ZERO)
        } else {
            migrator
        };
        let (applied, error) = match self.up(&migrator, db, tenant, target, observer).await {
            Ok(Began::Done(report)) => (report.migrations, None),
            // Another runner came between two migrations. Putting the tenant off now would
            // lose what this run applied: its lock is waited for instead.
            Ok(Began::Interrupted(report)) => {
                let mut applied = report.migrations;
                match waiting.up_fleet(db, target, observer).await {
                    Ok(rest) => {
                        applied.extend(rest.migrations);
                        (applied, None)
                    }
                    Err(error) => {
                        applied.extend(self.done(applied_before(&error)));
                        (applied, Some(error))
                    }
                }
            }
            Err(crate::Error::LockTimeout { .. }) if may_defer => return Ran::Busy,
            Err(error) => (self.done(applied_before(&error)), Some(error)),
        };
        let mut result = TenantResult::new(tenant, Outcome::Succeeded);
        result.applied = applied;
        if let Some(error) = error {
            result.outcome = Outcome::Failed;
            result.error = Some(error.to_string());
        }
        Ran::Done(result)
    }
}

/// How a tenant's `up` went.
enum Began {
    /// To the end (or to a failure, reported as the error).
    Done(crate::migrator::RunReport),
    /// These were applied, then another runner took the tenant.
    Interrupted(crate::migrator::RunReport),
}

/// What a run applied before it failed with `error`.
fn applied_before(error: &crate::Error) -> &[Version] {
    match error {
        crate::Error::MigrationFailed { applied, .. } => applied,
        _ => &[],
    }
}
