//! Transactions in one round trip.
//!
//! A migration's transaction pipelines `BEGIN`, the steps and `COMMIT` as requests sent
//! without waiting for each answer. When a step fails the server aborts the transaction,
//! every later request fails with it, and the `COMMIT` rolls back.
//!
//! A guarded transaction goes as one simple query instead: `BEGIN`, what the connection
//! owes (an unlock, a session reset), the migration lock taken for the transaction alone,
//! the caller's condition, the steps, `COMMIT`. A fleet sends one per tenant, and ten
//! requests each with its own answer cost the server and the client far more than one
//! string of statements (measured in bench/RESULTS.md: the pipelined form stayed 1.3× above
//! psql doing the same work, the simple one reaches it). Its values are therefore written
//! into the text as literals, quoted by [`literal`]: only in Plover's own statements, never
//! in a migration's. PostgreSQL has no `RAISE` outside PL/pgSQL, so the lock and the
//! condition refuse as a plain statement can: by dividing by zero (`1 / false::int`), which
//! aborts the transaction before any step runs. The statements that completed before a
//! failure tell which part failed.

use std::slice;

use plover_core::{Condition, DriverError, Guarded, LockRequest, Step, Value};
use tokio_postgres::Statement;

use crate::connection::{PostgresDriver, params};
use crate::error::from_postgres;
use crate::lock;
use crate::owed::Owed;
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
        let owed = self.take_owed();
        let script = GuardedScript::new(&owed, request, condition, steps);
        let (error, completed) = match self.simple_transaction(&script.text).await {
            Ok(_) => return Ok(Guarded::Committed),
            Err(failure) => failure,
        };
        self.reset_owed |= owed.reset.is_some();
        let part = script.part_at(completed);
        if owed.unlock.is_some() && part.is_none_or(|p| p.kind <= Kind::Unlock) {
            self.unlock_owed = owed.unlock.as_ref().and_then(Value::as_i64);
        }
        let mut error = from_postgres(&error, Some(&script.text));
        let refused = error.code.as_deref() == Some(REFUSED);
        match part.map(|p| (p.kind, p.start)) {
            Some((Kind::Lock, _)) if refused => Ok(Guarded::LockHeld),
            Some((Kind::Check, _)) if refused => Ok(Guarded::NotMet(None)),
            Some((Kind::Step(index), start)) => {
                error.step = Some(index);
                error.position = error.position.and_then(|p| p.checked_sub(start));
                Err(error)
            }
            Some((Kind::Commit, _)) | None => Err(error),
            Some(_) => Ok(Guarded::NotMet(Some(error))),
        }
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

/// What a part of a guarded transaction's text is, in the order they come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Begin,
    Unlock,
    Reset,
    Lock,
    Check,
    Step(usize),
    Commit,
}

/// One statement of the text: what it is, and where it starts.
#[derive(Clone, Copy, Debug)]
struct Part {
    kind: Kind,
    start: usize,
}

/// A guarded transaction written out as one simple query.
struct GuardedScript {
    text: String,
    parts: Vec<Part>,
}

impl GuardedScript {
    fn new(
        owed: &Owed,
        request: &LockRequest,
        condition: Condition<'_>,
        steps: &[Step<'_>],
    ) -> Self {
        let mut script = GuardedScript {
            text: String::new(),
            parts: Vec::new(),
        };
        script.push(Kind::Begin, "BEGIN");
        if let Some(key) = &owed.unlock {
            script.push(
                Kind::Unlock,
                &with_literals(lock::UNLOCK, slice::from_ref(key)),
            );
        }
        if let Some(reset) = &owed.reset {
            for statement in reset.statements() {
                script.push(Kind::Reset, &statement);
            }
        }
        let lock_values = [
            Value::Int(request.key),
            Value::Text(lock::label(&request.claimant)),
        ];
        script.push(Kind::Lock, &with_literals(TAKE_LOCK, &lock_values));
        script.push(
            Kind::Check,
            &with_literals(&check(condition.sql), condition.params),
        );
        for (index, step) in steps.iter().enumerate() {
            let statement = match step {
                Step::Script(sql) => (*sql).to_owned(),
                Step::Statement(sql, values) => with_literals(sql, values),
            };
            script.push(Kind::Step(index), &statement);
        }
        script.push(Kind::Commit, "COMMIT");
        script
    }

    /// Appends one statement (a step holds no more than one).
    fn push(&mut self, kind: Kind, statement: &str) {
        self.parts.push(Part {
            kind,
            start: self.text.len(),
        });
        self.text.push_str(statement);
        self.text.push_str(";\n");
    }

    /// Statement `index` (0-based), if there is one.
    fn part_at(&self, index: usize) -> Option<Part> {
        self.parts.get(index).copied()
    }
}

/// `sql` with its `$n` placeholders replaced by `values` written as literals, in one pass
/// (a value holding `$1` stays as it is). SQL assembled from strings: only for Plover's own
/// statements, whose texts hold no `$` but their placeholders (see `Dialect::render`); a
/// migration's SQL is never rewritten.
pub(crate) fn with_literals(sql: &str, values: &[Value]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let value = after[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|n| values.get(n.checked_sub(1)?));
        match value {
            Some(value) => out.push_str(&literal(value)),
            None => out.push_str(&rest[dollar..=dollar + digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// `value` as an SQL literal of no type yet, which the server types from where it stands,
/// as it types a parameter sent as text ([`crate::value::Param`]). Text with a backslash is
/// written `E'...'` with the backslashes doubled, which reads the same whatever
/// `standard_conforming_strings` says (libpq's `PQescapeLiteral` does the same); the
/// connection's encoding is always UTF-8, where no character hides a quote.
fn literal(value: &Value) -> String {
    let text = match value {
        Value::Null => return "NULL".to_owned(),
        Value::Bool(b) => if *b { "t" } else { "f" }.to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
    };
    let quoted = text.replace('\'', "''");
    if quoted.contains('\\') {
        format!(" E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_keep_every_value_whole() {
        let cases = [
            (Value::Null, "NULL"),
            (Value::Bool(true), "'t'"),
            (
                Value::Int(-9_223_372_036_854_775_808),
                "'-9223372036854775808'",
            ),
            (Value::from("it's"), "'it''s'"),
            (
                Value::from("a\\'; DROP TABLE x; --"),
                " E'a\\\\''; DROP TABLE x; --'",
            ),
            (Value::from("naïve ✓"), "'naïve ✓'"),
        ];
        for (value, want) in cases {
            assert_eq!(literal(&value), want, "{value:?}");
        }
    }

    #[test]
    fn placeholders_are_replaced_in_one_pass() {
        let mut values: Vec<Value> = (1..=10).map(Value::Int).collect();
        values[1] = Value::from("$1 and $10");
        assert_eq!(
            with_literals("$1, $10, $2, $11, $", &values),
            "'1', '10', '$1 and $10', $11, $"
        );
    }

    #[test]
    fn a_statement_index_finds_its_part() {
        let owed = Owed {
            unlock: Some(Value::Int(7)),
            reset: None,
        };
        let request = plover_core::LockRequest {
            table: plover_core::sql::QualifiedName::new("t", "h"),
            key: 1,
            claimant: plover_core::Claimant {
                host: "h".into(),
                pid: 1,
                since_unix: 0,
                token: 0,
            },
        };
        let condition = Condition {
            sql: "SELECT true",
            params: &[],
        };
        let steps = [
            Step::Script("CREATE TABLE a (x int)"),
            Step::Script("SELECT 1"),
        ];
        let script = GuardedScript::new(&owed, &request, condition, &steps);
        let kinds: Vec<Option<Kind>> = (0..8).map(|i| script.part_at(i).map(|p| p.kind)).collect();
        assert_eq!(
            kinds,
            [
                Some(Kind::Begin),
                Some(Kind::Unlock),
                Some(Kind::Lock),
                Some(Kind::Check),
                Some(Kind::Step(0)),
                Some(Kind::Step(1)),
                Some(Kind::Commit),
                None
            ]
        );
        let step = script.part_at(4).unwrap();
        assert!(script.text[step.start..].starts_with("CREATE TABLE a"));
    }
}
