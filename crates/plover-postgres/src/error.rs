//! Turning tokio-postgres errors into [`DriverError`]s.

use plover_core::{DriverError, ErrorKind};
use tokio_postgres::error::ErrorPosition;

/// Converts `error`, raised while running `sql` (when known), into a [`DriverError`] whose
/// position is a byte offset into `sql`.
pub fn from_postgres(error: &tokio_postgres::Error, sql: Option<&str>) -> DriverError {
    let Some(db) = error.as_db_error() else {
        let kind = if error.is_closed() {
            ErrorKind::Closed
        } else {
            ErrorKind::Query
        };
        return DriverError::new(kind, error.to_string());
    };
    let position = match (db.position(), sql) {
        (Some(ErrorPosition::Original(chars)), Some(sql)) => {
            Some(byte_offset(sql, *chars as usize))
        }
        _ => None,
    };
    let detail = [
        db.detail().map(|d| format!("detail: {d}")),
        db.hint().map(|h| format!("hint: {h}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    DriverError {
        kind: ErrorKind::Query,
        message: db.message().to_owned(),
        code: Some(db.code().code().to_owned()),
        position,
        step: None,
        detail: (!detail.is_empty()).then(|| detail.join("\n")),
    }
}

/// The error of a failed connection attempt.
pub fn connect_error(error: &tokio_postgres::Error) -> DriverError {
    match error.as_db_error() {
        Some(db) => DriverError {
            code: Some(db.code().code().to_owned()),
            ..DriverError::new(
                ErrorKind::Connect,
                format!("{}{}", db.message(), connect_hint(db.code().code())),
            )
        },
        None if refused(error) => DriverError::new(
            ErrorKind::Connect,
            format!(
                "{}; is PostgreSQL running there? Check the host and port of the URL",
                with_causes(error)
            ),
        ),
        None => DriverError::new(ErrorKind::Connect, with_causes(error)),
    }
}

/// What to do about a refusal the server gave by SQLSTATE, for the codes a newcomer meets.
fn connect_hint(code: &str) -> &'static str {
    match code {
        "3D000" => "; check the database name in the URL, or create the database first",
        "28P01" => "; check the user and password in the URL",
        _ => "",
    }
}

/// Whether nothing listens where the connection went.
fn refused(error: &tokio_postgres::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        cause = inner.source();
    }
    false
}

/// The error's message followed by its causes: tokio-postgres keeps the interesting part
/// ("Connection refused") in the source chain.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

/// PostgreSQL counts positions in characters from 1; Plover counts bytes from 0.
fn byte_offset(sql: &str, chars: usize) -> usize {
    sql.char_indices()
        .nth(chars.saturating_sub(1))
        .map_or(sql.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_positions_become_byte_offsets() {
        assert_eq!(byte_offset("héllo wörld", 1), 0);
        assert_eq!(byte_offset("héllo wörld", 3), 3);
        assert_eq!(byte_offset("ab", 9), 2);
    }
}
