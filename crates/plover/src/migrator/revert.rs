//! Reverting a migration with its down script.

use std::time::Instant;

use plover_core::body::Body;
use plover_core::sql::Statement;
use plover_core::{Migration, Script, Step, TransactionMode, Value, Version};

use super::run::{Run, statement_failure};
use crate::Error;

impl Run<'_> {
    /// Reverts one migration with its down script and returns how long it took. The history
    /// row goes with the script's transaction; a no-transaction down script runs statement by
    /// statement and the row goes after its last statement.
    pub async fn revert(&mut self, migration: &Migration, body: &Body<'_>) -> Result<f64, Error> {
        let started = Instant::now();
        self.start_clean().await?;
        let script = migration
            .down
            .as_ref()
            .expect("the plan checked every down script");
        let delete = self.history.delete();
        let version_param = [Value::Int(migration.version.0)];
        let forget = self.bookkeeping(&delete, &version_param);
        match script.transaction {
            TransactionMode::Single => {
                let mut steps: Vec<Step<'_>> = body
                    .statements
                    .iter()
                    .map(|s| Step::Script(s.text(&script.sql)))
                    .collect();
                steps.extend(forget);
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
                    .transaction(&forget)
                    .await
                    .map_err(self.recording(migration.version))?;
            }
        }
        self.session_changed = self.changes_session(script, body);
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
}
