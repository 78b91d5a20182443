//! A connection to PostgreSQL, implementing [`Driver`].

use std::collections::{HashMap, HashSet};
use std::slice;

use async_trait::async_trait;
use futures::StreamExt;
use plover_core::schema::{Catalog, Scope};
use plover_core::sql::quote_ident;
use plover_core::{
    Condition, Dialect, Driver, DriverError, ErrorKind, Guarded, LockAttempt, LockHolder,
    LockRequest, Row, Step, Value,
};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage, Statement};

use crate::error::{connect_error, from_postgres};
use crate::owed::{Owed, Reset, SET_SEARCH_PATH};
use crate::pipeline::{Request, pipeline};
use crate::value::{Param, column};
use crate::{POSTGRES, lock, tls, url};

/// A PostgreSQL connection driven by Plover.
pub struct PostgresDriver {
    pub(crate) client: Client,
    /// The session's `application_name` while it holds the migration lock.
    lock_label: Option<String>,
    /// Plover's own statements used more than once, prepared once per connection.
    statements: HashMap<String, Statement>,
    /// Statements sent once so far, unprepared: one that comes again is prepared. A fleet's
    /// per-tenant statements (each naming its tenant's history table) are sent once each,
    /// and preparing them would cost a round trip each and a statement kept on the server.
    sent_once: HashSet<String>,
    server_version: u32,
    /// The schema set with [`Driver::use_schema`], put back after every session reset.
    schema: Option<String>,
    /// A session reset asked for and not sent yet: it goes in front of the next request, in
    /// the same round trip (see [`Driver::reset_session_into`]).
    pub(crate) reset_owed: bool,
    /// The key of a lock given back with [`Driver::unlock_soon`] and not released yet: its
    /// release goes first in the next request.
    pub(crate) unlock_owed: Option<i64>,
}

/// Asks the server its version.
const SERVER_VERSION: &str = "SELECT current_setting('server_version_num')";

/// Asks the server, from PostgreSQL 14, to notice a vanished client within two seconds: a
/// runner killed mid-statement must not leave its backend running DDL. Sent at connection and
/// again after every session reset.
pub(crate) const CONNECTION_CHECK: &str = "SELECT set_config('client_connection_check_interval', '2000', false) \
     WHERE current_setting('server_version_num')::int >= 140000";

/// Connects to the database at `url` (`postgres://` or `postgresql://`).
pub async fn connect(url: &str) -> Result<PostgresDriver, DriverError> {
    let options = url::parse(url)?;
    let client = match tls::connector(&options)? {
        Some(tls) => {
            let (client, connection) = options
                .config
                .connect(tls)
                .await
                .map_err(|e| connect_error(&e))?;
            tokio::spawn(connection);
            client
        }
        None => {
            let (client, connection) = options
                .config
                .connect(NoTls)
                .await
                .map_err(|e| connect_error(&e))?;
            tokio::spawn(connection);
            client
        }
    };
    let messages = client
        .simple_query(&format!("{SERVER_VERSION}; {CONNECTION_CHECK}"))
        .await
        .map_err(|e| connect_error(&e))?;
    let server_version = messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => row.get(0).and_then(|v| v.parse().ok()),
            _ => None,
        })
        .unwrap_or(0);
    Ok(PostgresDriver {
        client,
        lock_label: None,
        statements: HashMap::new(),
        sent_once: HashSet::new(),
        server_version,
        schema: None,
        reset_owed: false,
        unlock_owed: None,
    })
}

impl PostgresDriver {
    /// `sql` prepared, when it is worth it: the first time a statement is seen it is sent
    /// unprepared (`None`, one round trip); from the second time on, it is prepared once and
    /// kept.
    pub(crate) async fn prepared(&mut self, sql: &str) -> Result<Option<Statement>, DriverError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(Some(statement.clone()));
        }
        if self.sent_once.len() >= STATEMENTS_KEPT {
            // A fleet worker sees a few statements per tenant, each once: forget them rather
            // than keep every tenant's.
            self.sent_once.clear();
        }
        if self.sent_once.insert(sql.to_owned()) {
            return Ok(None);
        }
        if self.statements.len() >= STATEMENTS_KEPT {
            // Dropping a statement closes it on the server.
            self.statements.clear();
        }
        // The statement's names resolve on the search path of the session as it will be.
        self.settle().await?;
        let statement = match self.client.prepare(sql).await {
            Ok(statement) => statement,
            // One the server cannot prepare now (its table is not there yet, say) is sent
            // unprepared: its error, if it still has one, comes back in its own place (a
            // query read blind beside the lock, a step of a transaction).
            Err(_) if !self.client.is_closed() => return Ok(None),
            Err(e) => return Err(from_postgres(&e, Some(sql))),
        };
        self.sent_once.remove(sql);
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(Some(statement))
    }

    /// What the next request must be preceded by, now taken: an owed unlock, then an owed
    /// session reset.
    pub(crate) fn take_owed(&mut self) -> Owed {
        let reset = std::mem::take(&mut self.reset_owed)
            .then(|| Reset::of(self.lock_label.clone(), self.schema.as_deref()));
        Owed {
            unlock: self.unlock_owed.take().map(Value::Int),
            reset,
        }
    }

    /// Runs `queries` in one round trip, behind what is owed (an unlock, a session reset), and
    /// returns each one's rows or error. A failure of what was owed fails the whole call.
    async fn queries(
        &mut self,
        queries: &[(&str, &[Value])],
    ) -> Result<Vec<Result<Vec<Row>, DriverError>>, DriverError> {
        let mut statements = Vec::with_capacity(queries.len());
        for (sql, _) in queries {
            statements.push(self.prepared(sql).await?);
        }
        let params: Vec<Vec<Param<'_>>> = queries.iter().map(|(_, v)| params(v)).collect();
        let owed = self.take_owed();
        let owed_params = owed.params();
        let mut requests = Vec::new();
        owed.push(&mut requests, &owed_params);
        let owed = requests.len();
        for (((sql, _), statement), params) in queries.iter().zip(&statements).zip(&params) {
            requests.push(match statement {
                Some(statement) => Request::Prepared(statement, params),
                None => Request::Unprepared(sql, params),
            });
        }
        let mut results = pipeline(&self.client, requests).await.into_iter();
        for result in results.by_ref().take(owed) {
            result.map_err(|e| from_postgres(&e, None))?;
        }
        Ok(results
            .zip(queries)
            .map(|(result, (sql, _))| {
                let rows = result.map_err(|e| from_postgres(&e, Some(sql)))?;
                rows.iter()
                    .map(|row| (0..row.len()).map(|i| column(row, i)).collect())
                    .collect()
            })
            .collect())
    }

    /// What the lock query's `rows` say: the lock is ours (under `label`), or who holds it.
    async fn lock_attempt(
        &mut self,
        request: &LockRequest,
        label: String,
        rows: &[Row],
    ) -> Result<LockAttempt, DriverError> {
        if rows
            .first()
            .and_then(|r| r.first())
            .is_some_and(|v| *v != Value::Null)
        {
            self.lock_label = Some(label);
            return Ok(LockAttempt::Acquired);
        }
        Ok(LockAttempt::Held(self.lock_holder(request).await?))
    }

    /// Sends what is owed (an unlock, a session reset), if anything, on its own.
    pub(crate) async fn settle(&mut self) -> Result<(), DriverError> {
        let owed = self.take_owed();
        let params = owed.params();
        let mut requests = Vec::new();
        owed.push(&mut requests, &params);
        if requests.is_empty() {
            return Ok(());
        }
        for result in pipeline(&self.client, requests).await {
            result.map_err(|e| from_postgres(&e, None))?;
        }
        Ok(())
    }
}

/// Statements remembered per connection, seen once or prepared (each kind), at most.
const STATEMENTS_KEPT: usize = 256;

pub(crate) fn params(values: &[Value]) -> Vec<Param<'_>> {
    values.iter().map(Param).collect()
}

#[async_trait]
impl Driver for PostgresDriver {
    fn dialect(&self) -> &'static Dialect {
        &POSTGRES
    }

    fn server_version(&self) -> u32 {
        self.server_version
    }

    /// The steps are pipelined, in order, between `BEGIN` and `COMMIT`: a migration with its
    /// history row costs one round trip.
    async fn transaction(&mut self, steps: &[Step<'_>]) -> Result<(), DriverError> {
        self.run_transaction(steps).await
    }

    /// One round trip: `BEGIN`, what is owed, the lock, the condition, the steps, `COMMIT`.
    async fn guarded_transaction(
        &mut self,
        lock: &LockRequest,
        condition: Condition<'_>,
        steps: &[Step<'_>],
    ) -> Result<Guarded, DriverError> {
        self.run_guarded(lock, condition, steps).await
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DriverError> {
        self.settle().await?;
        self.client
            .batch_execute(sql)
            .await
            .map_err(|e| from_postgres(&e, Some(sql)))
    }

    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>, DriverError> {
        let mut results = self.queries(&[(sql, values)]).await?;
        results.pop().expect("one query sent")
    }

    async fn try_lock(&mut self, request: &LockRequest) -> Result<LockAttempt, DriverError> {
        let label = lock::label(&request.claimant);
        let rows = self
            .query(
                lock::TRY_LOCK,
                &[Value::Int(request.key), Value::Text(label.clone())],
            )
            .await?;
        self.lock_attempt(request, label, &rows).await
    }

    /// The lock's query and `sql` are pipelined, behind the session reset when one is owed.
    async fn try_lock_and_query(
        &mut self,
        request: &LockRequest,
        sql: &str,
        values: &[Value],
    ) -> Result<(LockAttempt, Result<Vec<Row>, DriverError>), DriverError> {
        let label = lock::label(&request.claimant);
        let lock_values = [Value::Int(request.key), Value::Text(label.clone())];
        let mut results = self
            .queries(&[(lock::TRY_LOCK, &lock_values), (sql, values)])
            .await?;
        let rows = results.pop().expect("two queries sent");
        let locked = results.pop().expect("two queries sent")?;
        Ok((self.lock_attempt(request, label, &locked).await?, rows))
    }

    async fn unlock(&mut self, request: &LockRequest) -> Result<(), DriverError> {
        self.lock_label = None;
        self.query(lock::UNLOCK, &[Value::Int(request.key)])
            .await
            .map(drop)
    }

    /// The release goes first in the next request (or the server's end of the session).
    async fn unlock_soon(&mut self, request: &LockRequest) -> Result<(), DriverError> {
        self.lock_label = None;
        self.unlock_owed = Some(request.key);
        Ok(())
    }

    /// Back to the session the connection began with: the authenticated user, default
    /// settings, and Plover's own settings and lock label again (`RESET ALL` keeps advisory
    /// locks, unlike `DISCARD ALL`).
    ///
    /// One round trip: the reset and the settings put back are pipelined.
    async fn reset_session(&mut self) -> Result<(), DriverError> {
        self.reset_owed = true;
        self.settle().await
    }

    /// No round trip of its own: the reset and the new `search_path` go in front of the next
    /// query, in its round trip (before a transaction or a script, on their own: those never
    /// run in a session whose reset failed). A connection already closed is refused at once,
    /// so that the caller takes a new one.
    async fn reset_session_into(&mut self, schema: Option<&str>) -> Result<(), DriverError> {
        if self.client.is_closed() {
            return Err(DriverError::new(
                ErrorKind::Closed,
                "the connection is closed",
            ));
        }
        self.schema = schema.map(str::to_owned);
        self.reset_owed = true;
        Ok(())
    }

    async fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DriverError> {
        self.settle().await?;
        match schema {
            Some(schema) => {
                let path = Value::Text(quote_ident(schema));
                self.query(SET_SEARCH_PATH, slice::from_ref(&path)).await?;
            }
            None => self
                .client
                .batch_execute("RESET search_path")
                .await
                .map_err(|e| from_postgres(&e, None))?,
        }
        self.schema = schema.map(str::to_owned);
        Ok(())
    }

    async fn execute_counted(&mut self, sql: &str) -> Result<u64, DriverError> {
        const BEGIN: &str = "BEGIN;\n";
        self.settle().await?;
        let script = format!("{BEGIN}{sql}\n;COMMIT");
        match self.simple_transaction(&script).await {
            Ok(rows) => Ok(rows),
            Err((e, completed)) => {
                let mut error = from_postgres(&e, Some(&script));
                error.position = error.position.and_then(|p| p.checked_sub(BEGIN.len()));
                // Each statement before the failed one completed; the first was the BEGIN.
                error.step = completed.checked_sub(1);
                Err(error)
            }
        }
    }

    async fn lock_holder(
        &mut self,
        request: &LockRequest,
    ) -> Result<Option<LockHolder>, DriverError> {
        let (high, low) = lock::key_halves(request.key);
        let rows = self
            .query(lock::HOLDER, &[Value::Int(high), Value::Int(low)])
            .await?;
        Ok(rows.first().map(|row| {
            lock::holder(
                row[0].as_i64().unwrap_or_default(),
                row[1].as_str().unwrap_or_default(),
                row[2].as_str(),
                row[3].as_str(),
            )
        }))
    }

    async fn introspect(&mut self, scope: &Scope) -> Result<Catalog, DriverError> {
        self.settle().await?;
        crate::introspect::introspect(self, scope).await
    }
}

impl std::fmt::Debug for PostgresDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresDriver")
            .field("server_version", &self.server_version)
            .finish()
    }
}

impl PostgresDriver {
    /// [`simple_counted`](Self::simple_counted) on a `script` that opens a transaction: on
    /// failure, the transaction the failed statement aborted is rolled back first.
    pub(crate) async fn simple_transaction(
        &self,
        script: &str,
    ) -> Result<u64, (tokio_postgres::Error, usize)> {
        let result = self.simple_counted(script).await;
        if result.is_err() && !self.client.is_closed() {
            let _ = self.client.batch_execute("ROLLBACK").await;
        }
        result
    }

    /// Runs `script` as one simple query and counts the rows it changed; on failure, the
    /// error and how many of its statements completed before it.
    async fn simple_counted(&self, script: &str) -> Result<u64, (tokio_postgres::Error, usize)> {
        let stream = self
            .client
            .simple_query_raw(script)
            .await
            .map_err(|e| (e, 0))?;
        futures::pin_mut!(stream);
        let mut messages = Vec::new();
        let mut completed = 0;
        while let Some(message) = stream.next().await {
            let message = message.map_err(|e| (e, completed))?;
            if matches!(message, SimpleQueryMessage::CommandComplete(_)) {
                completed += 1;
            }
            messages.push(message);
        }
        Ok(rows_changed(&messages))
    }
}

/// The rows a simple query's statements inserted, updated or deleted: each statement's
/// count, except those of statements that returned rows. The messages carry no command
/// tag, so a `SELECT` (whose count is the rows it read) is told apart only by its rows; a
/// change with `RETURNING` is left out with it.
fn rows_changed(messages: &[SimpleQueryMessage]) -> u64 {
    let mut total = 0;
    let mut returned_rows = false;
    for message in messages {
        match message {
            SimpleQueryMessage::CommandComplete(rows) => {
                if !returned_rows {
                    total += rows;
                }
                returned_rows = false;
            }
            SimpleQueryMessage::RowDescription(_) | SimpleQueryMessage::Row(_) => {
                returned_rows = true;
            }
            _ => {}
        }
    }
    total
}
