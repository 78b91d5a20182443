//! Running migrations: applying and reverting scripts with their history rows.

use std::time::{Duration, Instant};

use plover_core::body::{Body, line_at};
use plover_core::plan::PlannedMigration;
use plover_core::sql::Statement;
use plover_core::{
    AppliedState, Driver, DriverError, Event, LockRequest, Migration, Script, Step,
    TransactionMode, Value, Version,
};

use super::history::{History, NewRow};
use super::resume::{self, Check};
use crate::{Error, Observer};

/// One command's connection, history table and observer.
pub struct Run<'a> {
    pub db: &'a mut dyn Driver,
    pub history: &'a History,
    pub observer: &'a mut dyn Observer,
    pub applied_by: &'a str,
    /// The migration lock this run holds.
    pub lock: &'a LockRequest,
    /// When the lock was last renewed.
    pub renewed: Instant,
}

/// How often a long run tells other runners that it is alive (leases that expire need it).
const RENEW_EVERY: Duration = Duration::from_secs(30);

impl Run<'_> {
    /// Renews the lock when it has not been renewed for a while.
    async fn keep_lock(&mut self) -> Result<(), Error> {
        if self.renewed.elapsed() >= RENEW_EVERY {
            self.db
                .renew_lock(self.lock)
                .await
                .map_err(Error::database("renewing the migration lock"))?;
            self.renewed = Instant::now();
        }
        Ok(())
    }

    /// Applies one migration and returns how long it took, in milliseconds.
    pub async fn apply(
        &mut self,
        planned: &PlannedMigration<'_>,
        body: &Body<'_>,
    ) -> Result<f64, Error> {
        let started = Instant::now();
        // A half-applied migration always resumes statement by statement: its first
        // statements already committed on their own.
        match (planned.migration.up.transaction, planned.resume) {
            (TransactionMode::Single, None) => {
                self.apply_in_one_transaction(planned.migration, body)
                    .await?;
            }
            _ => self.apply_statement_by_statement(planned, body).await?,
        }
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
        let mut steps: Vec<Step<'_>> = body
            .statements
            .iter()
            .map(|s| Step::Script(s.text(&script.sql)))
            .collect();
        steps.push(Step::Statement(&insert, &params));
        self.db
            .transaction(&steps)
            .await
            .map_err(|e| self.step_failure(migration.version, script, body, e))
    }

    /// Each statement commits with its progress, so a crash resumes at the next statement
    /// and never repeats one. The row is written before the first statement so that even a
    /// crash inside it leaves a record to resume from.
    async fn apply_statement_by_statement(
        &mut self,
        planned: &PlannedMigration<'_>,
        body: &Body<'_>,
    ) -> Result<(), Error> {
        let migration = planned.migration;
        let total = body.statements.len();
        if planned.resume.is_none() {
            let state = if total == 0 {
                AppliedState::Applied
            } else {
                AppliedState::Partial { done: 0, total }
            };
            let row = self.new_row(migration, state, total);
            let (insert, params) = self.history.insert(&row);
            self.db
                .transaction(&[Step::Statement(&insert, &params)])
                .await
                .map_err(self.recording(migration.version))?;
        }
        let done = planned.resume.map_or(0, |r| r.done);
        if done > 0 {
            let script = &migration.up;
            resume::replay_session_settings(
                self.db,
                migration.version,
                script,
                &body.statements[..done.min(total)],
            )
            .await?;
        }
        for (index, statement) in body.statements.iter().enumerate().skip(done) {
            let at_resume_point = planned.resume.is_some() && index == done;
            self.apply_statement(migration, statement, index, total, at_resume_point)
                .await?;
        }
        if planned.resume.is_some() && done >= total {
            // Nothing was left to run (its last statement committed, then the run stopped).
            let (progress, params) =
                self.history
                    .progress(migration.version, total, total, Some(0));
            self.db
                .transaction(&[Step::Statement(&progress, &params)])
                .await
                .map_err(self.recording(migration.version))?;
        }
        Ok(())
    }

    async fn apply_statement(
        &mut self,
        migration: &Migration,
        statement: &Statement,
        index: usize,
        total: usize,
        at_resume_point: bool,
    ) -> Result<(), Error> {
        let script = &migration.up;
        let text = statement.text(&script.sql);
        let version = migration.version;
        let dialect = self.db.dialect();
        let started = Instant::now();
        if dialect
            .refusal_in_transaction(text, self.db.server_version())
            .is_some()
        {
            let check =
                resume::check_index(self.db, self.observer, version, text, at_resume_point).await?;
            if matches!(check, Check::Run) {
                self.db
                    .execute_script(text)
                    .await
                    .map_err(|e| statement_failure(version, script, statement, e))?;
            }
            let elapsed = started.elapsed().as_millis() as i64;
            let (progress, params) =
                self.history
                    .progress(version, index + 1, total, Some(elapsed));
            self.db
                .transaction(&[Step::Statement(&progress, &params)])
                .await
                .map_err(self.recording(version))?;
        } else {
            let (progress, params) = self.history.progress(version, index + 1, total, None);
            let steps = [Step::Script(text), Step::Statement(&progress, &params)];
            self.db
                .transaction(&steps)
                .await
                .map_err(|e| match e.step {
                    Some(0) => statement_failure(version, script, statement, e),
                    _ => self.recording(version)(e),
                })?;
        }
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.observer.on_event(&Event::StatementApplied {
            version,
            statement: index + 1,
            total,
            elapsed_ms,
        });
        self.keep_lock().await
    }

    /// Reverts one migration with its down script and returns how long it took.
    pub async fn revert(&mut self, migration: &Migration, body: &Body<'_>) -> Result<f64, Error> {
        let started = Instant::now();
        let script = migration
            .down
            .as_ref()
            .expect("the plan checked every down script");
        let delete = self.history.delete();
        let version_param = [Value::Int(migration.version.0)];
        let forget = Step::Statement(&delete, &version_param);
        match script.transaction {
            TransactionMode::Single => {
                let mut steps: Vec<Step<'_>> = body
                    .statements
                    .iter()
                    .map(|s| Step::Script(s.text(&script.sql)))
                    .collect();
                steps.push(forget);
                self.db
                    .transaction(&steps)
                    .await
                    .map_err(|e| self.step_failure(migration.version, script, body, e))?;
            }
            TransactionMode::None => {
                for statement in &body.statements {
                    self.run_alone(migration.version, script, statement).await?;
                }
                self.db
                    .transaction(&[forget])
                    .await
                    .map_err(self.recording(migration.version))?;
            }
        }
        self.keep_lock().await?;
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    }

    /// Runs one statement of a no-transaction down script in a transaction of its own when
    /// the server allows, outside any otherwise.
    async fn run_alone(
        &mut self,
        version: Version,
        script: &Script,
        statement: &Statement,
    ) -> Result<(), Error> {
        let text = statement.text(&script.sql);
        let result = if self
            .db
            .dialect()
            .refusal_in_transaction(text, self.db.server_version())
            .is_some()
        {
            self.db.execute_script(text).await
        } else {
            self.db.transaction(&[Step::Script(text)]).await
        };
        result.map_err(|e| statement_failure(version, script, statement, e))
    }

    fn new_row<'m>(
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
        }
    }

    /// A transaction failed at `error.step`: a statement of the script, or the bookkeeping
    /// statement after them.
    fn step_failure(
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

    fn recording(&self, version: Version) -> impl FnOnce(DriverError) -> Error {
        Error::database(format!(
            "recording version {version} in {}",
            self.history.table.plain()
        ))
    }
}

/// A statement of `script` failed; the error names its file and line.
fn statement_failure(
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
