//! Exit codes, documented in one place (and in docs/versioned-migrations.md), and the
//! mapping from errors to them.

use plover::Error;
use plover::config::ConfigError;
use plover::schema::SchemaError;

/// What the process reports to its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Success = 0,
    /// 1: a bug or an unexpected failure.
    Internal = 1,
    /// 2: bad usage, configuration or migration files.
    Usage = 2,
    /// 3: the database could not be reached.
    Unreachable = 3,
    /// 4: a migration's SQL failed.
    MigrationFailed = 4,
    /// 5: refused: edited, missing, out-of-order or half-applied migrations, unsafe scripts.
    Refused = 5,
    /// 6: another runner kept the migration lock past the timeout.
    LockTimeout = 6,
    /// 7: `status --check` found migrations to apply.
    Pending = 7,
    /// 8: a database error outside any migration (permissions, a lost connection).
    Database = 8,
    /// 9: `schema diff` or `schema drift` found differences.
    Differences = 9,
}

impl Exit {
    /// The kind of failure, as `--json` output names it.
    pub fn kind(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Internal => "internal",
            Exit::Usage => "usage",
            Exit::Unreachable => "unreachable",
            Exit::MigrationFailed => "migration-failed",
            Exit::Refused => "refused",
            Exit::LockTimeout => "lock-timeout",
            Exit::Pending => "pending",
            Exit::Database => "database",
            Exit::Differences => "differences",
        }
    }
}

impl From<&Error> for Exit {
    fn from(error: &Error) -> Self {
        match error {
            Error::Directory(_) | Error::Source(_) => Exit::Usage,
            Error::Connect { source, .. } if source.kind == plover::core::ErrorKind::Config => {
                Exit::Usage
            }
            Error::Connect { .. } => Exit::Unreachable,
            // SQLite's file stayed locked past the wait: another runner, as a lock timeout.
            Error::Database { source, .. } | Error::MigrationFailed { source, .. }
                if source.kind == plover::core::ErrorKind::Busy =>
            {
                Exit::LockTimeout
            }
            Error::Database { .. } | Error::CorruptHistory { .. } => Exit::Database,
            Error::Refused(_) => Exit::Refused,
            Error::LockTimeout { .. } => Exit::LockTimeout,
            // The connection dropped: whether the transaction committed is not known.
            Error::MigrationFailed { source, .. }
                if source.kind == plover::core::ErrorKind::Closed =>
            {
                Exit::Database
            }
            Error::MigrationFailed { .. } => Exit::MigrationFailed,
            _ => Exit::Internal,
        }
    }
}

impl From<&SchemaError> for Exit {
    fn from(error: &SchemaError) -> Self {
        match error {
            SchemaError::Usage(_) | SchemaError::Io { .. } => Exit::Usage,
            SchemaError::Connect { source, .. }
                if source.kind == plover::core::ErrorKind::Config =>
            {
                Exit::Usage
            }
            SchemaError::Connect { .. } => Exit::Unreachable,
            SchemaError::Database { .. } => Exit::Database,
            SchemaError::FileFailed { .. } => Exit::MigrationFailed,
            SchemaError::Replay { source, .. } => Exit::from(source.as_ref()),
            SchemaError::NotEmpty { .. } | SchemaError::Script(_) => Exit::Refused,
            SchemaError::File { .. } => Exit::Database,
            _ => Exit::Internal,
        }
    }
}

impl From<&ConfigError> for Exit {
    fn from(_: &ConfigError) -> Self {
        Exit::Usage
    }
}
