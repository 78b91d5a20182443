//! Transactions pipelined into one round trip: `BEGIN`, the steps, `COMMIT`, sent without
//! waiting for each answer. When a step fails the server aborts the transaction, every later
//! request fails with it, and the `COMMIT` rolls back.
//!
//! A guarded transaction puts more in front of its steps, in the same round trip: what the
//! connection owes (an unlock, a session reset), the migration lock taken for the
//! transaction alone, and the caller's condition. PostgreSQL has no `RAISE` outside
//! PL/pgSQL, so the lock and the condition refuse as a plain statement can: by dividing by
//! zero (`1 / false::int`), which aborts the transaction before any step runs.

use plover_core::{Condition, DriverError, Guarded, LockRequest, Step, Value};
use tokio_postgres::Statement;

use crate::connection::{PostgresDriver, params};
use crate::error::from_postgres;
use crate::lock;
use crate::pipeline::{Request, pipeline};
use crate::value::Param;

/// Takes the lock (`$1`) until the transaction ends and labels the session (`$2`) as long;
/// divides by zero when another session holds the lock.
const TAKE_LOCK: &str =
    "SELECT 1 / pg_try_advisory_xact_lock($1)::int, set_config('application_name', $2, true)";

/// SQLSTATE `division_by_zero`: how the lock and the condition refuse.
const REFUSED: &str = "22012";

/// The condition `sql`, refusing unless it is true. It must see every commit made before
/// the lock was taken: under READ COMMITTED each statement reads a snapshot taken when it
/// starts, after the lock's statement; a transaction with one snapshot for all (REPEATABLE
/// READ or SERIALIZABLE by default) took it before the lock, and is refused.
fn check(sql: &str) -> String {
    format!(
        "SELECT 1 / (current_setting('transaction_isolation') = 'read committed' AND ({sql}))::int"
    )
}

impl PostgresDriver {
    /// [`plover_core::Driver::transaction`].
    pub(crate) async fn run_transaction(&mut self, steps: &[Step<'_>]) -> Result<(), DriverError> {
        // An owed session reset goes first, on its own: a migration never runs in a session
        // whose reset failed (the pipelined requests after a failed one would still run).
        self.settle().await?;
        let prepared = self.prepare_steps(steps).await?;
        let params = step_params(steps);
        let mut requests = vec![Request::Simple("BEGIN")];
        requests.extend(step_requests(steps, &prepared, &params));
        requests.push(Request::Simple("COMMIT"));
        let mut results = pipeline(&self.client, requests).await.into_iter();
        let commit = results.next_back().expect("COMMIT was sent");
        results
            .next()
            .expect("BEGIN was sent")
            .map_err(|e| from_postgres(&e, None))?;
        step_outcome(steps, results)?;
        commit.map(drop).map_err(|e| from_postgres(&e, None))
    }

    /// [`plover_core::Driver::guarded_transaction`], in one round trip. What the connection
    /// owes runs inside the transaction: a reset a refusal rolls back is owed again.
    pub(crate) async fn run_guarded(
        &mut self,
        request: &LockRequest,
        condition: Condition<'_>,
        steps: &[Step<'_>],
    ) -> Result<Guarded, DriverError> {
        let check = check(condition.sql);
        let lock_values = [
            Value::Int(request.key),
            Value::Text(lock::label(&request.claimant)),
        ];
        let take_lock = self.prepared(TAKE_LOCK).await?;
        let prepared = self.prepare_steps(steps).await?;
        let (lock_params, check_params) = (params(&lock_values), params(condition.params));
        let step_params = step_params(steps);
        let owed = self.take_owed();
        let owed_params = owed.params();
        let mut requests = vec![Request::Simple("BEGIN")];
        owed.push(&mut requests, &owed_params);
        let owed_count = requests.len() - 1;
        requests.push(match &take_lock {
            Some(statement) => Request::Prepared(statement, &lock_params),
            None => Request::Unprepared(TAKE_LOCK, &lock_params),
        });
        requests.push(Request::Unprepared(&check, &check_params));
        requests.extend(step_requests(steps, &prepared, &step_params));
        requests.push(Request::Simple("COMMIT"));
        let mut results = pipeline(&self.client, requests).await.into_iter();
        let commit = results.next_back().expect("COMMIT was sent");
        let begin = results.next().expect("BEGIN was sent");
        let owed_results: Vec<_> = results.by_ref().take(owed_count).collect();
        let unlocked = owed.unlock.is_some()
            && begin.is_ok()
            && owed_results.first().is_some_and(Result::is_ok);
        let outcome = guard_outcome(
            std::iter::once(begin)
                .chain(owed_results)
                .chain(results.by_ref().take(2)),
            owed_count,
        )
        .map(Ok)
        .unwrap_or_else(|| {
            step_outcome(steps, results)?;
            commit.map_err(|e| from_postgres(&e, None))?;
            Ok(Guarded::Committed)
        });
        // A transaction that did not commit rolled the reset back; a session lock's release
        // stands (session locks ignore transactions) once its statement ran.
        if !matches!(outcome, Ok(Guarded::Committed)) {
            self.reset_owed |= owed.reset.is_some();
            if owed.unlock.is_some() && !unlocked {
                self.unlock_owed = owed.unlock.as_ref().and_then(Value::as_i64);
            }
        }
        outcome
    }

    /// Each [`Step::Statement`] prepared when it is worth it (see `prepared`).
    async fn prepare_steps(
        &mut self,
        steps: &[Step<'_>],
    ) -> Result<Vec<Option<Statement>>, DriverError> {
        let mut prepared = Vec::with_capacity(steps.len());
        for step in steps {
            prepared.push(match step {
                Step::Statement(sql, _) => self.prepared(sql).await?,
                Step::Script(_) => None,
            });
        }
        Ok(prepared)
    }
}

/// What the requests before a guarded transaction's steps say: `BEGIN`, `owed` requests, the
/// lock, the condition. `None` when all went through.
fn guard_outcome(
    results: impl Iterator<Item = Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>>,
    owed: usize,
) -> Option<Guarded> {
    for (index, result) in results.enumerate() {
        let Err(error) = result else { continue };
        let error = from_postgres(&error, None);
        let refused = error.code.as_deref() == Some(REFUSED);
        return Some(match index {
            i if i == owed + 1 && refused => Guarded::LockHeld,
            i if i == owed + 2 && refused => Guarded::NotMet(None),
            _ => Guarded::NotMet(Some(error)),
        });
    }
    None
}

fn step_params<'a>(steps: &'a [Step<'a>]) -> Vec<Vec<Param<'a>>> {
    steps
        .iter()
        .map(|s| match s {
            Step::Statement(_, values) => params(values),
            Step::Script(_) => Vec::new(),
        })
        .collect()
}

fn step_requests<'a>(
    steps: &'a [Step<'a>],
    prepared: &'a [Option<Statement>],
    params: &'a [Vec<Param<'a>>],
) -> impl Iterator<Item = Request<'a>> {
    steps
        .iter()
        .zip(prepared)
        .zip(params)
        .map(|((step, statement), params)| match (step, statement) {
            (Step::Statement(..), Some(statement)) => Request::Prepared(statement, params),
            (Step::Statement(sql, _), None) => Request::Unprepared(sql, params),
            (Step::Script(sql), _) => Request::Simple(sql),
        })
}

/// The first failed step's error, with its index.
fn step_outcome(
    steps: &[Step<'_>],
    results: impl Iterator<Item = Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>>,
) -> Result<(), DriverError> {
    for (index, result) in results.enumerate() {
        if let Err(e) = result {
            let (Step::Script(sql) | Step::Statement(sql, _)) = steps[index];
            return Err(DriverError {
                step: Some(index),
                ..from_postgres(&e, Some(sql))
            });
        }
    }
    Ok(())
}
