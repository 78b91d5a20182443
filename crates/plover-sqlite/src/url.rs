//! Reading `sqlite:` URLs.

use std::path::PathBuf;

use plover_core::{DriverError, ErrorKind};

/// Where a SQLite database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A file, created when missing.
    File(PathBuf),
    /// A private in-memory database (`sqlite::memory:`), gone when the connection closes.
    Memory,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(path) => write!(f, "the SQLite file {}", path.display()),
            Location::Memory => f.write_str("an in-memory SQLite database"),
        }
    }
}

/// Parses `sqlite:path`, `sqlite://relative/path`, `sqlite:///absolute/path` or
/// `sqlite::memory:`.
pub fn parse(url: &str) -> Result<Location, DriverError> {
    let rest = url.strip_prefix("sqlite:").ok_or_else(|| {
        DriverError::new(ErrorKind::Config, format!("`{url}` is not a sqlite: URL"))
    })?;
    if rest.contains('?') {
        return Err(DriverError::new(
            ErrorKind::Config,
            format!("`{url}`: SQLite URLs take no parameters"),
        ));
    }
    let path = rest.strip_prefix("//").unwrap_or(rest);
    match path {
        "" => Err(DriverError::new(
            ErrorKind::Config,
            format!("`{url}` names no file"),
        )),
        ":memory:" => Ok(Location::Memory),
        path => Ok(Location::File(PathBuf::from(path))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse("sqlite:plover.db"),
            Ok(Location::File("plover.db".into()))
        );
        assert_eq!(
            parse("sqlite://data/app.db"),
            Ok(Location::File("data/app.db".into()))
        );
        assert_eq!(
            parse("sqlite:///var/app.db"),
            Ok(Location::File("/var/app.db".into()))
        );
        assert_eq!(parse("sqlite::memory:"), Ok(Location::Memory));
        assert!(parse("sqlite:").is_err());
        assert!(parse("sqlite:a.db?mode=ro").is_err());
    }
}
