//! The small trait a database backend implements.
//!
//! A driver offers a handful of primitives: run steps in one transaction, run a script
//! outside any transaction, query with bind parameters, and take or release the migration
//! lock. Ordering, checksums, resumption and every other policy live above it, written once.

use std::fmt;

use async_trait::async_trait;
use serde::Serialize;

use crate::Dialect;
use crate::schema::{Catalog, Scope};
use crate::sql::QualifiedName;

/// A bind parameter or a column value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer of any width.
    Int(i64),
    /// Text.
    Text(String),
}

impl Value {
    /// The integer inside, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text inside, if this is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean inside; SQLite's 0 and 1 count as booleans.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One row of a result.
pub type Row = Vec<Value>;

/// One step of a transaction.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// One or more statements sent as they are, without parameters.
    Script(&'a str),
    /// One statement with bind parameters.
    Statement(&'a str, &'a [Value]),
}

/// The process asking for the migration lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Claimant {
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// When it asked, in seconds since the Unix epoch.
    pub since_unix: i64,
    /// A random number telling this claim from any other, even one from the same process.
    pub token: u64,
}

/// The migration lock for one history table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockRequest {
    /// The history table the lock guards.
    pub table: QualifiedName,
    /// A 64-bit key derived from `table` (for advisory locks).
    pub key: i64,
    /// Who is asking.
    pub claimant: Claimant,
}

/// Who holds a lock, as far as the database can tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LockHolder {
    /// Host name of the holder.
    pub host: Option<String>,
    /// Its process id (the client's, or the server backend's when that is all there is).
    pub pid: Option<i64>,
    /// Since when it holds the lock, as text.
    pub since: Option<String>,
    /// Anything else the database says about it (application name, address).
    pub detail: Option<String>,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(host) = &self.host {
            parts.push(format!("host {host}"));
        }
        if let Some(pid) = self.pid {
            parts.push(format!("pid {pid}"));
        }
        if let Some(since) = &self.since {
            parts.push(format!("since {since}"));
        }
        if let Some(detail) = &self.detail {
            parts.push(detail.clone());
        }
        if parts.is_empty() {
            f.write_str("an unknown holder")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// The result of one attempt to take the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockAttempt {
    /// The lock is ours until released or until the connection closes.
    Acquired,
    /// Someone else has it.
    Held(Option<LockHolder>),
}

/// A query returning one row with one boolean: whether a
/// [`guarded transaction`](Driver::guarded_transaction) may run.
#[derive(Clone, Copy, Debug)]
pub struct Condition<'a> {
    /// The query.
    pub sql: &'a str,
    /// Its bind parameters.
    pub params: &'a [Value],
}

/// What a [`guarded transaction`](Driver::guarded_transaction) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guarded {
    /// The condition held under the lock, and every step ran and committed.
    Committed,
    /// Another session holds the lock: nothing ran.
    LockHeld,
    /// The condition was false, or could not be checked (the error says why): nothing ran.
    NotMet(Option<DriverError>),
}

/// What kind of failure a driver reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The URL or connection options are wrong.
    Config,
    /// The database could not be reached or refused the connection.
    Connect,
    /// A statement failed.
    Query,
    /// The connection was lost.
    Closed,
    /// Another connection holds the database (SQLite's "database is locked") past the wait.
    Busy,
}

/// A failure inside a driver. Messages never contain passwords.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DriverError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The database's message.
    pub message: String,
    /// The SQLSTATE code, when the database gave one.
    pub code: Option<String>,
    /// Byte offset in the failing statement or script, when the database gave one.
    pub position: Option<usize>,
    /// In a transaction, the index of the step that failed.
    pub step: Option<usize>,
    /// The database's detail and hint lines.
    pub detail: Option<String>,
}

impl DriverError {
    /// An error of `kind` with only a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DriverError {
            kind,
            message: message.into(),
            code: None,
            position: None,
            step: None,
            detail: None,
        }
    }
}

/// A connection to one database, driven by Plover.
#[async_trait]
pub trait Driver: Send {
    /// What this backend's SQL looks like.
    fn dialect(&self) -> &'static Dialect;

    /// The server version as `server_version_num` (150004 for 15.4); SQLite reports its
    /// library version the same way (3045001 for 3.45.1).
    fn server_version(&self) -> u32;

    /// Runs `steps` in one transaction that commits only if every step succeeds.
    async fn transaction(&mut self, steps: &[Step<'_>]) -> Result<(), DriverError>;

    /// Runs `sql` (one or more statements) outside any transaction.
    async fn execute_script(&mut self, sql: &str) -> Result<(), DriverError>;

    /// Runs `sql` (one or more statements) in one transaction and returns the rows the
    /// statements inserted, updated or deleted, summed.
    async fn execute_counted(&mut self, sql: &str) -> Result<u64, DriverError>;

    /// Runs one statement with bind parameters and returns its rows.
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DriverError>;

    /// Tries once to take the migration lock; never waits.
    async fn try_lock(&mut self, lock: &LockRequest) -> Result<LockAttempt, DriverError>;

    /// [`try_lock`](Driver::try_lock), then `sql` whether the lock was taken or not, in one
    /// round trip where the backend can: a runner that reads its history under the lock
    /// learns both at once. The query's own failure comes back beside the attempt.
    async fn try_lock_and_query(
        &mut self,
        lock: &LockRequest,
        sql: &str,
        params: &[Value],
    ) -> Result<(LockAttempt, Result<Vec<Row>, DriverError>), DriverError> {
        let attempt = self.try_lock(lock).await?;
        Ok((attempt, self.query(sql, params).await))
    }

    /// Runs `steps` in one transaction, as [`transaction`](Driver::transaction) does, only
    /// when `lock` is free and `condition` holds once it is taken; the lock is held for the
    /// transaction alone. In one round trip where the backend can: a fleet worker that
    /// expects a tenant's history to be what another tenant's was applies a migration and
    /// checks that expectation together. A step's failure is an error, as in a transaction;
    /// a refusal before the steps is [`Guarded::LockHeld`] or [`Guarded::NotMet`].
    async fn guarded_transaction(
        &mut self,
        lock: &LockRequest,
        condition: Condition<'_>,
        steps: &[Step<'_>],
    ) -> Result<Guarded, DriverError> {
        if let LockAttempt::Held(_) = self.try_lock(lock).await? {
            return Ok(Guarded::LockHeld);
        }
        let outcome = match self.query(condition.sql, condition.params).await {
            Ok(rows)
                if rows
                    .first()
                    .and_then(|r| r.first())
                    .and_then(Value::as_bool)
                    == Some(true) =>
            {
                self.transaction(steps).await.map(|()| Guarded::Committed)
            }
            Ok(_) => Ok(Guarded::NotMet(None)),
            Err(error) => Ok(Guarded::NotMet(Some(error))),
        };
        let unlocked = self.unlock(lock).await;
        let outcome = outcome?;
        unlocked.map(|()| outcome)
    }

    /// Releases a lock taken with [`try_lock`](Driver::try_lock).
    async fn unlock(&mut self, lock: &LockRequest) -> Result<(), DriverError>;

    /// Releases `lock` as [`unlock`](Driver::unlock) does, or a little later: with the next
    /// request on this connection, or when it closes, whichever comes first. For a caller
    /// that moves on at once (a fleet's worker to its next tenant), one round trip fewer.
    /// Backends without that saving release it now.
    async fn unlock_soon(&mut self, lock: &LockRequest) -> Result<(), DriverError> {
        self.unlock(lock).await
    }

    /// Returns the session to a clean state: settings, role and search path as at connection
    /// time, with the lock still held. Backends without session settings need nothing.
    async fn reset_session(&mut self) -> Result<(), DriverError> {
        Ok(())
    }

    /// Makes `schema` the one unqualified names resolve to, for the rest of the session
    /// (kept across [`reset_session`](Driver::reset_session)); `None` goes back to the
    /// connection's own. Backends without schemas refuse.
    async fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DriverError> {
        match schema {
            None => Ok(()),
            Some(schema) => Err(DriverError::new(
                ErrorKind::Config,
                format!(
                    "{} has no schemas; schema {schema} needs PostgreSQL",
                    self.dialect().name
                ),
            )),
        }
    }

    /// [`reset_session`](Driver::reset_session), then [`use_schema`](Driver::use_schema):
    /// what a fleet's worker does between two tenants, in one round trip where the backend
    /// can. After an error the session is in no known state: drop the connection.
    async fn reset_session_into(&mut self, schema: Option<&str>) -> Result<(), DriverError> {
        self.reset_session().await?;
        self.use_schema(schema).await
    }

    /// Tells other runners that the holder of `lock` is still alive. Locks that the server
    /// ties to the connection need nothing; leases that expire are renewed.
    async fn renew_lock(&mut self, _lock: &LockRequest) -> Result<(), DriverError> {
        Ok(())
    }

    /// Who holds the lock now, if anyone.
    async fn lock_holder(&mut self, lock: &LockRequest) -> Result<Option<LockHolder>, DriverError>;

    /// Reads the schema objects in `scope` into the model, in a few catalog queries.
    async fn introspect(&mut self, scope: &Scope) -> Result<Catalog, DriverError>;
}
