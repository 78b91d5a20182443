//! The engine's errors. Each says what went wrong, where, and what was done before it.

use std::time::Duration;

use plover_core::plan::Refusal;
use plover_core::source::SourceErrors;
use plover_core::{DriverError, LockHolder, Version};

use crate::directory::DirectoryError;

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The migrations directory could not be read.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The migration files are wrong (names, layout, encoding, directives).
    #[error("{0}")]
    Source(#[from] SourceErrors),
    /// The database could not be reached.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// Why.
        source: Box<DriverError>,
    },
    /// A query of Plover's own failed.
    #[error("{context}: {source}")]
    Database {
        /// What Plover was doing.
        context: String,
        /// The database's error.
        source: Box<DriverError>,
    },
    /// The plan was refused; nothing ran.
    #[error("{0}")]
    Refused(Refusal),
    /// Another runner kept the lock past the timeout.
    #[error("another runner holds the migration lock on {table} ({}); waited {:.1}s; rerun when it is done, or raise --lock-timeout", holder_text(.holder), .waited.as_secs_f64())]
    LockTimeout {
        /// The history table the lock guards.
        table: String,
        /// Who holds it.
        holder: Option<Box<LockHolder>>,
        /// How long this runner waited.
        waited: Duration,
    },
    /// A migration's SQL failed; it was rolled back (or, without a transaction, stopped at
    /// the failing statement with the earlier ones recorded).
    #[error("{}", migration_failure(.path, *.line, .source))]
    MigrationFailed {
        /// The migration.
        version: Version,
        /// The file.
        path: String,
        /// The line of the failing statement, when known.
        line: Option<usize>,
        /// The database's error.
        source: Box<DriverError>,
        /// Migrations this run applied before the failure.
        applied: Vec<Version>,
    },
    /// A lint rule named in the settings that does not exist.
    #[error(transparent)]
    UnknownRule(#[from] plover_lint::UnknownRule),
    /// A history row Plover cannot read.
    #[error("the history table {table} has a row Plover cannot read: {detail}")]
    CorruptHistory {
        /// The table.
        table: String,
        /// What is wrong.
        detail: String,
    },
}

fn holder_text(holder: &Option<Box<LockHolder>>) -> String {
    holder
        .as_ref()
        .map_or_else(|| "holder unknown".to_owned(), |h| h.to_string())
}

fn migration_failure(path: &str, line: Option<usize>, source: &DriverError) -> String {
    let place = line.map_or_else(|| path.to_owned(), |line| format!("{path}:{line}"));
    let code = source
        .code
        .as_deref()
        .map(|c| format!(" [{c}]"))
        .unwrap_or_default();
    let detail = source
        .detail
        .as_deref()
        .map(|d| format!("\n{d}"))
        .unwrap_or_default();
    format!("{place}: {}{code}{detail}", source.message)
}

impl Error {
    /// Wraps a failure of one of Plover's own queries.
    pub(crate) fn database(context: impl Into<String>) -> impl FnOnce(DriverError) -> Error {
        let context = context.into();
        move |source| Error::Database {
            context,
            source: Box::new(source),
        }
    }
}
