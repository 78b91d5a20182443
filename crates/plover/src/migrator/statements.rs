//! Applying a `-- plover:no-transaction` migration statement by statement, each committing
//! with its progress, resumable after a crash.

use std::time::Instant;

use plover_core::body::Body;
use plover_core::plan::PlannedMigration;
use plover_core::sql::Statement;
use plover_core::{AppliedState, Event, Migration, Step};

use super::resume::{self, Check};
use super::run::{Run, statement_failure};
use crate::Error;

impl Run<'_> {
    /// Each statement commits with its progress, so a crash resumes at the next statement
    /// and never repeats one. The row is written before the first statement so that even a
    /// crash inside it leaves a record to resume from.
    pub(super) async fn apply_statement_by_statement(
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
            let done_statements = &body.statements[..done.min(total)];
            resume::replay_session_settings(
                self.db,
                migration.version,
                &migration.up,
                done_statements,
            )
            .await?;
        }
        for (index, statement) in body.statements.iter().enumerate().skip(done) {
            // Only a crash inside this very statement can leave its effect without its progress.
            let trust_existing = planned
                .resume
                .is_some_and(|r| index == r.done && r.crashed_inside);
            self.apply_statement(migration, statement, index, total, trust_existing)
                .await?;
        }
        if planned.resume.is_some() && done >= total {
            // Nothing was left to run (its last statement committed, then the run stopped).
            let (progress, params) =
                self.history
                    .progress(migration.version, total, total, Some(0));
            let steps = self.bookkeeping(&progress, &params);
            self.db
                .transaction(&steps)
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
        trust_existing: bool,
    ) -> Result<(), Error> {
        let (script, version) = (&migration.up, migration.version);
        let text = statement.text(&script.sql);
        let started = Instant::now();
        if self
            .db
            .dialect()
            .refusal_in_transaction(text, self.db.server_version())
            .is_some()
        {
            self.run_outside_transaction(migration, statement, index, trust_existing)
                .await?;
            let elapsed = started.elapsed().as_millis() as i64;
            let (progress, params) =
                self.history
                    .progress(version, index + 1, total, Some(elapsed));
            let steps = self.bookkeeping(&progress, &params);
            self.db
                .transaction(&steps)
                .await
                .map_err(self.recording(version))?;
        } else {
            let (progress, params) = self.history.progress(version, index + 1, total, None);
            let mut steps = vec![Step::Script(text)];
            steps.extend(self.bookkeeping(&progress, &params));
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

    /// A statement the server refuses inside a transaction: marked as started first, so that
    /// a resume can tell a crash inside it (its effect may be there) from an error (it is not).
    async fn run_outside_transaction(
        &mut self,
        migration: &Migration,
        statement: &Statement,
        index: usize,
        trust_existing: bool,
    ) -> Result<(), Error> {
        let (script, version) = (&migration.up, migration.version);
        let text = statement.text(&script.sql);
        let check =
            resume::check_index(self.db, self.observer, version, text, trust_existing).await?;
        if matches!(check, Check::AlreadyDone) {
            return Ok(());
        }
        // Through the bookkeeping prelude like every history write: a `SET ROLE` earlier in
        // the migration must not keep Plover from recording its progress.
        let (mark, params) = self.history.in_flight(version, Some(index + 1));
        self.db
            .transaction(&self.bookkeeping(&mark, &params))
            .await
            .map_err(self.recording(version))?;
        if let Err(error) = self.db.execute_script(text).await {
            let (clear, params) = self.history.in_flight(version, None);
            self.db
                .transaction(&self.bookkeeping(&clear, &params))
                .await
                .map_err(self.recording(version))?;
            return Err(statement_failure(version, script, statement, error));
        }
        Ok(())
    }
}
