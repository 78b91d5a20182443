//! Turning rusqlite errors into [`DriverError`]s.

use plover_core::{DriverError, ErrorKind};

/// Converts `error`; `offset` is where the failing statement starts in the text the caller
/// sent, so that positions point into that text.
pub fn from_sqlite(error: rusqlite::Error, offset: usize) -> DriverError {
    let code = error
        .sqlite_error_code()
        .filter(|c| *c != rusqlite::ErrorCode::Unknown)
        .map(|c| format!("{c:?}"));
    let position = match &error {
        rusqlite::Error::SqlInputError { offset: inner, .. } => {
            Some(offset + usize::try_from(*inner).unwrap_or(0))
        }
        _ => Some(offset),
    };
    let message = match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    };
    let busy = matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    let kind = if busy {
        ErrorKind::Busy
    } else {
        ErrorKind::Query
    };
    DriverError {
        code,
        position,
        ..DriverError::new(kind, message)
    }
}
