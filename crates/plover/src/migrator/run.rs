//! Running migrations: the context a run shares, its bookkeeping, and applying a migration
//! in one transaction. `statements.rs` applies statement by statement; `revert.rs` reverts.

use std::time::{Duration, Instant};

use plover_core::body::{Body, line_at};
use plover_core::plan::PlannedMigration;
use plover_core::sql::{Statement, matches_pattern};
use plover_core::{
    AppliedState, Condition, Driver, DriverError, Event, Guarded, LockRequest, Migration, Script,
    Step, TransactionMode, Value, Version,
};

use super::history::{History, NewRow};
use super::report::Done;
use crate::{Error, Observer};

/// One command's connection, history table, observer and lock.
pub struct Run<'a> {
    pub db: &'a mut dyn Driver,
    pub history: &'a History,
    pub observer: &'a mut dyn Observer,
    pub applied_by: &'a str,
    /// The migration lock this run holds.
    pub lock: &'a LockRequest,
    /// When the lock was last renewed.
    pub renewed: Instant,
    /// Whether the last migration changed session settings (`SET`, `PRAGMA`).
    pub session_changed: bool,
    /// Lint errors overridden with `--force`, per migration, for its history row.
    pub overrides: &'a super::preflight::Overrides,
}

/// How often a long run tells other runners that it is alive (leases that expire need it).
const RENEW_EVERY: Duration = Duration::from_secs(30);

impl<'a> Run<'a> {
    /// A run on `db`, holding `lock`, whose history rows say `applied_by` and record
    /// `overrides`.
    pub fn new(
        db: &'a mut dyn Driver,
        history: &'a History,
        observer: &'a mut dyn Observer,
        applied_by: &'a str,
        lock: &'a LockRequest,
        overrides: &'a super::preflight::Overrides,
    ) -> Self {
        Run {
            db,
            history,
            observer,
            applied_by,
            lock,
            renewed: Instant::now(),
            session_changed: false,
            overrides,
        }
    }
}

impl Run<'_> {
    /// Reports that `step`, number `index` (0-based) of `count`, starts.
    pub fn started(&mut self, step: &PlannedMigration<'_>, index: usize, count: usize) {
        let migration = step.migration;
        self.observer.on_event(&Event::MigrationStarted {
            version: migration.version,
            name: migration.name.clone(),
            index: index + 1,
            count,
            transaction: migration.up.transaction,
            resume_after: step.resume.map_or(0, |r| r.done),
        });
    }

    /// Reports that `step` was applied in `elapsed_ms`, and returns it as done.
    pub fn applied(&mut self, step: &PlannedMigration<'_>, elapsed_ms: f64) -> Done {
        let migration = step.migration;
        self.observer.on_event(&Event::MigrationApplied {
            version: migration.version,
            name: migration.name.clone(),
            elapsed_ms,
        });
        Done {
            version: migration.version,
            name: migration.name.clone(),
            elapsed_ms,
        }
    }

    /// Applies one migration and returns how long it took, in milliseconds.
    pub async fn apply(
        &mut self,
        planned: &PlannedMigration<'_>,
        body: &Body<'_>,
    ) -> Result<f64, Error> {
        let started = Instant::now();
        self.start_clean().await?;
        // A half-applied migration always resumes statement by statement: its first
        // statements already committed on their own.
        match (planned.migration.up.transaction, planned.resume) {
            (TransactionMode::Single, None) => {
                self.apply_in_one_transaction(planned.migration, body)
                    .await?
            }
            _ => self.apply_statement_by_statement(planned, body).await?,
        }
        self.session_changed = self.changes_session(&planned.migration.up, body);
        self.keep_lock().await?;
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    }

    /// The statements and the history row commit together: a crash applies all or nothing.
    async fn apply_in_one_transaction(
        &mut self,
        migration: &Migration,
        body: &Body<'_>,
    ) -> Result<(), Error> {
        let script = &migration.up;
        let row = self.new_row(migration, AppliedState::Applied, body.statements.len());
        let (insert, params) = self.history.insert(&row);
        let steps = self.transaction_steps(script, body, &insert, &params);
        self.db
            .transaction(&steps)
            .await
            .map_err(|e| self.step_failure(migration.version, script, body, e))
    }

    /// [`Run::apply`] for a migration of one transaction, guarded as
    /// [`Driver::guarded_transaction`] says: the lock is taken for the transaction alone, and
    /// `condition` checked under it. How long it took, or `None` when the lock was held or
    /// the condition not met (then nothing ran).
    pub async fn apply_guarded(
        &mut self,
        migration: &Migration,
        body: &Body<'_>,
        condition: Condition<'_>,
    ) -> Result<Option<f64>, Error> {
        let started = Instant::now();
        self.start_clean().await?;
        let script = &migration.up;
        let row = self.new_row(migration, AppliedState::Applied, body.statements.len());
        let (insert, params) = self.history.insert(&row);
        let steps = self.transaction_steps(script, body, &insert, &params);
        let guarded = self
            .db
            .guarded_transaction(self.lock, condition, &steps)
            .await
            .map_err(|e| self.step_failure(migration.version, script, body, e))?;
        if guarded != Guarded::Committed {
            return Ok(None);
        }
        self.session_changed = self.changes_session(script, body);
        Ok(Some(started.elapsed().as_secs_f64() * 1000.0))
    }

    /// The statements of `body`, then the history row `insert`: a migration's transaction.
    fn transaction_steps<'s>(
        &self,
        script: &'s Script,
        body: &Body<'_>,
        insert: &'s str,
        params: &'s [Value],
    ) -> Vec<Step<'s>> {
        let mut steps: Vec<Step<'s>> = body
            .statements
            .iter()
            .map(|s| Step::Script(s.text(&script.sql)))
            .collect();
        steps.extend(self.bookkeeping(insert, params));
        steps
    }

    /// Plover's own write inside a migration's transaction, after the dialect's prelude (which
    /// undoes a `SET ROLE` the migration made, until the commit).
    pub fn bookkeeping<'s>(&self, sql: &'s str, params: &'s [Value]) -> Vec<Step<'s>> {
        let prelude = self.db.dialect().bookkeeping_prelude.map(Step::Script);
        prelude
            .into_iter()
            .chain([Step::Statement(sql, params)])
            .collect()
    }

    /// Every migration starts from the session the connection began with: a `SET` in the
    /// previous one would otherwise apply here, but not after a crash and a resume.
    pub async fn start_clean(&mut self) -> Result<(), Error> {
        if self.session_changed {
            self.db
                .reset_session()
                .await
                .map_err(Error::database("resetting the session between migrations"))?;
            self.session_changed = false;
        }
        Ok(())
    }

    /// Whether `body` changes session settings.
    pub fn changes_session(&self, script: &Script, body: &Body<'_>) -> bool {
        let patterns = self.db.dialect().session_settings;
        body.statements.iter().any(|s| {
            patterns
                .iter()
                .any(|p| matches_pattern(p, s.text(&script.sql)))
        })
    }

    /// Renews the lock when it has not been renewed for a while.
    pub async fn keep_lock(&mut self) -> Result<(), Error> {
        if self.renewed.elapsed() >= RENEW_EVERY {
            self.db
                .renew_lock(self.lock)
                .await
                .map_err(Error::database("renewing the migration lock"))?;
            self.renewed = Instant::now();
        }
        Ok(())
    }

    pub fn new_row<'m>(
        &'m self,
        migration: &'m Migration,
        state: AppliedState,
        statements: usize,
    ) -> NewRow<'m> {
        NewRow {
            version: migration.version,
            name: &migration.name,
            checksum: migration.checksum().to_string(),
            script: &migration.up.sql,
            state,
            statements,
            applied_by: self.applied_by,
            lint_override: self.overrides.get(&migration.version).map(String::as_str),
        }
    }

    /// A transaction failed at `error.step`: a statement of the script, or the bookkeeping
    /// after them.
    pub fn step_failure(
        &self,
        version: Version,
        script: &Script,
        body: &Body<'_>,
        error: DriverError,
    ) -> Error {
        match error.step.and_then(|step| body.statements.get(step)) {
            Some(statement) => statement_failure(version, script, statement, error),
            None if error.step.is_some() => self.recording(version)(error),
            None => Error::MigrationFailed {
                version,
                path: script.path.clone(),
                line: None,
                source: Box::new(error),
                applied: Vec::new(),
            },
        }
    }

    pub fn recording(&self, version: Version) -> impl FnOnce(DriverError) -> Error {
        Error::database(format!(
            "recording version {version} in {}",
            self.history.table.plain()
        ))
    }
}

/// A statement of `script` failed; the error names its file and line.
pub fn statement_failure(
    version: Version,
    script: &Script,
    statement: &Statement,
    error: DriverError,
) -> Error {
    let line = match error.position {
        Some(position) => line_at(&script.sql, statement.start + position),
        None => statement.line,
    };
    Error::MigrationFailed {
        version,
        path: script.path.clone(),
        line: Some(line),
        source: Box::new(error),
        applied: Vec::new(),
    }
}
