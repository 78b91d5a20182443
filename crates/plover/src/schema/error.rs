//! What can stop a schema command.

use std::path::PathBuf;

use plover_core::DriverError;

/// Why a schema command stopped. Scratch databases are removed before it is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// Bad arguments or configuration; nothing was changed.
    #[error("{0}")]
    Usage(String),
    /// A file or directory could not be read.
    #[error("cannot read {}: {message}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A file of the database could not be written, moved or removed.
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What failed, and why.
        message: String,
    },
    /// A database could not be reached.
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
    /// A DDL or seed file failed; the transaction was rolled back.
    #[error("{}", build_failure(.path, *.line, .source))]
    FileFailed {
        /// The file, relative to the config file's directory.
        path: String,
        /// The line in that file, when the database said where.
        line: Option<usize>,
        /// The database's error.
        source: Box<DriverError>,
    },
    /// A DDL or seed file holds what cannot run in the build's one transaction (`COMMIT`
    /// half way, say); it was refused before anything ran.
    #[error("{0}; nothing was applied")]
    Script(plover_core::body::BodyError),
    /// Replaying a migrations directory failed.
    #[error("replaying {}: {source}", dir.display())]
    Replay {
        /// The migrations directory.
        dir: PathBuf,
        /// Why.
        source: Box<crate::Error>,
    },
    /// `schema build --apply` found a database or schema that is not empty.
    #[error(
        "{target} is not empty ({what}); `schema build --apply` only fills an empty one. Add --recreate to drop and recreate it"
    )]
    NotEmpty {
        /// The database or schema, password redacted.
        target: String,
        /// A few of the objects in it.
        what: String,
    },
}

fn build_failure(path: &str, line: Option<usize>, source: &DriverError) -> String {
    let at = line.map_or_else(|| path.to_owned(), |l| format!("{path}:{l}"));
    let mut message = format!("{at}: {}", source.message);
    if let Some(detail) = &source.detail {
        message.push_str(&format!(" ({detail})"));
    }
    message.push_str("; nothing was applied");
    message
}
