//! A connection to SQLite, implementing [`Driver`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use plover_core::schema::{Catalog, Scope};
use plover_core::sql::{Syntax, split};
use plover_core::{
    Dialect, Driver, DriverError, ErrorKind, LockAttempt, LockHolder, LockRequest, Row, Step, Value,
};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params_from_iter};

use crate::error::from_sqlite;
use crate::url::{self, Location};
use crate::worker::Worker;
use crate::{SQLITE, lease};

/// How long a statement waits for another process's write to finish before giving up: as
/// long as the default lock timeout, since a reader waits out another runner's migrations.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A SQLite connection driven by Plover.
pub struct SqliteDriver {
    worker: Worker,
    version: u32,
    /// When the current transaction began, for `plover_elapsed_ms()`.
    transaction_start: Arc<Mutex<Instant>>,
    /// Where the connection was opened, to open it afresh for a clean session.
    location: Location,
}

/// Opens (creating when missing) the database at `url` (`sqlite:path`).
pub async fn connect(url: &str) -> Result<SqliteDriver, DriverError> {
    open(url::parse(url)?)
}

/// Opens the database at `url` for commands that only read: a file that does not exist yet
/// is not created but read as an empty database (nothing applied), so that `plover status`
/// on a fresh checkout, or with a mistyped path, leaves no file behind.
pub async fn connect_without_creating(url: &str) -> Result<SqliteDriver, DriverError> {
    match url::parse(url)? {
        Location::File(path) if !path.exists() => open(Location::Memory),
        location => open(location),
    }
}

/// Opens the database at `url` for commands that read what it holds (`schema dump`, `diff`,
/// `drift`): a file that does not exist, or is not a SQLite database, is an error naming
/// it. Reading a mistyped path as an empty database would report a wrong schema as fact.
pub async fn connect_existing(url: &str) -> Result<SqliteDriver, DriverError> {
    let location = url::parse(url)?;
    if let Location::File(path) = &location
        && !path.exists()
    {
        return Err(DriverError::new(
            ErrorKind::Connect,
            format!("{location} does not exist; check the path"),
        ));
    }
    let connection = open_connection(&location)?;
    check_is_database(&connection, &location)?;
    into_driver(connection, location)
}

/// Reads the schema table once: SQLite checks a file's header only on its first read, so
/// that a file that is not a database fails here, where its name is known.
fn check_is_database(connection: &Connection, location: &Location) -> Result<(), DriverError> {
    connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|e| DriverError::new(ErrorKind::Connect, format!("cannot read {location}: {e}")))
}

fn open(location: Location) -> Result<SqliteDriver, DriverError> {
    into_driver(open_connection(&location)?, location)
}

fn open_connection(location: &Location) -> Result<Connection, DriverError> {
    let connection = match location {
        Location::Memory => Connection::open_in_memory(),
        Location::File(path) => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ),
    }
    .map_err(|e| DriverError::new(ErrorKind::Connect, format!("cannot open {location}: {e}")))?;
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| DriverError::new(ErrorKind::Connect, e.to_string()))?;
    Ok(connection)
}

fn into_driver(connection: Connection, location: Location) -> Result<SqliteDriver, DriverError> {
    let transaction_start = Arc::new(Mutex::new(Instant::now()));
    register_elapsed_ms(&connection, transaction_start.clone())
        .map_err(|e| DriverError::new(ErrorKind::Connect, e.to_string()))?;
    let version = u32::try_from(rusqlite::version_number()).unwrap_or(0);
    Ok(SqliteDriver {
        worker: Worker::spawn(connection)?,
        version,
        transaction_start,
        location,
    })
}

/// `plover_elapsed_ms()`: milliseconds since the driver began the current transaction (the
/// dialect's `elapsed_ms`).
fn register_elapsed_ms(
    connection: &Connection,
    start: Arc<Mutex<Instant>>,
) -> rusqlite::Result<()> {
    connection.create_scalar_function(
        "plover_elapsed_ms",
        0,
        FunctionFlags::SQLITE_UTF8,
        move |_| {
            let start = *start.lock().unwrap_or_else(|e| e.into_inner());
            Ok(i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX))
        },
    )
}

/// Runs `sql` statement by statement, so that an error can name the statement it came from.
fn run_script(connection: &Connection, sql: &str) -> Result<(), DriverError> {
    for statement in split(sql, Syntax::SQLITE) {
        connection
            .execute_batch(statement.text(sql))
            .map_err(|e| from_sqlite(e, statement.start))?;
    }
    Ok(())
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Null => rusqlite::types::Value::Null,
        Value::Bool(b) => rusqlite::types::Value::Integer(i64::from(*b)),
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

fn run_steps(connection: &mut Connection, steps: &[OwnedStep]) -> Result<(), DriverError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| from_sqlite(e, 0))?;
    for (index, step) in steps.iter().enumerate() {
        let result = match step {
            OwnedStep::Script(sql) => run_script(&tx, sql),
            OwnedStep::Statement(sql, values) => tx
                .execute(sql, params_from_iter(values.iter().map(to_sql)))
                .map(drop)
                .map_err(|e| from_sqlite(e, 0)),
        };
        result.map_err(|e| DriverError {
            step: Some(index),
            ..e
        })?;
    }
    tx.commit().map_err(|e| from_sqlite(e, 0))
}

fn query(connection: &Connection, sql: &str, values: &[Value]) -> Result<Vec<Row>, DriverError> {
    let mut statement = connection
        .prepare_cached(sql)
        .map_err(|e| from_sqlite(e, 0))?;
    let width = statement.column_count();
    let rows = statement
        .query_map(params_from_iter(values.iter().map(to_sql)), |row| {
            (0..width)
                .map(|i| row.get_ref(i).map(from_sql))
                .collect::<rusqlite::Result<Row>>()
        })
        .map_err(|e| from_sqlite(e, 0))?;
    rows.collect::<rusqlite::Result<Vec<Row>>>()
        .map_err(|e| from_sqlite(e, 0))
}

/// A [`Step`] that can cross to the connection's thread.
enum OwnedStep {
    Script(String),
    Statement(String, Vec<Value>),
}

#[async_trait]
impl Driver for SqliteDriver {
    fn dialect(&self) -> &'static Dialect {
        &SQLITE
    }

    fn server_version(&self) -> u32 {
        self.version
    }

    async fn transaction(&mut self, steps: &[Step<'_>]) -> Result<(), DriverError> {
        let owned: Vec<OwnedStep> = steps
            .iter()
            .map(|s| match s {
                Step::Script(sql) => OwnedStep::Script((*sql).to_owned()),
                Step::Statement(sql, values) => {
                    OwnedStep::Statement((*sql).to_owned(), values.to_vec())
                }
            })
            .collect();
        let start = self.transaction_start.clone();
        self.worker
            .call(move |c| {
                *start.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
                run_steps(c, &owned)
            })
            .await?
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DriverError> {
        let sql = sql.to_owned();
        self.worker.call(move |c| run_script(c, &sql)).await?
    }

    /// Opens the file afresh: SQLite has no `RESET ALL`, and a migration's `PRAGMA` or
    /// `ATTACH` would otherwise reach the next one. The lock is a lease row in the file, not
    /// the connection's, so it stays. An in-memory database lives only as long as its
    /// connection and is kept as it is.
    async fn reset_session(&mut self) -> Result<(), DriverError> {
        let Location::File(_) = &self.location else {
            return Ok(());
        };
        let (location, start) = (self.location.clone(), self.transaction_start.clone());
        self.worker
            .call(move |c| {
                let fresh = open_connection(&location)?;
                register_elapsed_ms(&fresh, start)
                    .map_err(|e| DriverError::new(ErrorKind::Connect, e.to_string()))?;
                *c = fresh;
                Ok(())
            })
            .await?
    }

    async fn execute_counted(&mut self, sql: &str) -> Result<u64, DriverError> {
        let sql = sql.to_owned();
        self.worker
            .call(move |c| {
                let before = c.total_changes();
                c.execute_batch("BEGIN IMMEDIATE")
                    .map_err(|e| from_sqlite(e, 0))?;
                match run_script(c, &sql) {
                    Ok(()) => {
                        c.execute_batch("COMMIT").map_err(|e| from_sqlite(e, 0))?;
                        Ok(c.total_changes() - before)
                    }
                    Err(error) => {
                        let _ = c.execute_batch("ROLLBACK");
                        Err(error)
                    }
                }
            })
            .await?
    }

    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>, DriverError> {
        let (sql, values) = (sql.to_owned(), values.to_vec());
        self.worker.call(move |c| query(c, &sql, &values)).await?
    }

    async fn try_lock(&mut self, request: &LockRequest) -> Result<LockAttempt, DriverError> {
        let request = request.clone();
        let outcome = self
            .worker
            .call(move |c| lease::try_take(c, &request.table, &request.claimant))
            .await?;
        match outcome {
            Ok(lease::Outcome::Taken) => Ok(LockAttempt::Acquired),
            Ok(lease::Outcome::Held(holder)) => Ok(LockAttempt::Held(Some(holder))),
            // Another process is writing; the engine polls again.
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
                Ok(LockAttempt::Held(None))
            }
            Err(e) => Err(from_sqlite(e, 0)),
        }
    }

    async fn unlock(&mut self, request: &LockRequest) -> Result<(), DriverError> {
        let request = request.clone();
        self.worker
            .call(move |c| lease::release(c, &request.table, &request.claimant))
            .await?
            .map_err(|e| from_sqlite(e, 0))
    }

    async fn renew_lock(&mut self, request: &LockRequest) -> Result<(), DriverError> {
        let request = request.clone();
        let held = self
            .worker
            .call(move |c| lease::renew(c, &request.table, &request.claimant))
            .await?
            .map_err(|e| from_sqlite(e, 0))?;
        if held {
            Ok(())
        } else {
            Err(DriverError::new(
                ErrorKind::Busy,
                "the migration lock was taken over by another runner (this run's lease went stale); stopping",
            ))
        }
    }

    async fn lock_holder(
        &mut self,
        request: &LockRequest,
    ) -> Result<Option<LockHolder>, DriverError> {
        let request = request.clone();
        self.worker
            .call(move |c| lease::holder(c, &request.table, &request.claimant))
            .await?
            .map_err(|e| from_sqlite(e, 0))
    }

    async fn introspect(&mut self, scope: &Scope) -> Result<Catalog, DriverError> {
        let scope = scope.clone();
        self.worker
            .call(move |c| crate::introspect::introspect(c, &scope))
            .await?
    }
}

impl std::fmt::Debug for SqliteDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDriver")
            .field("version", &self.version)
            .finish()
    }
}
