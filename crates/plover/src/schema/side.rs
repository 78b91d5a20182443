//! One side of `schema diff`: a database, a schema in one, a migrations directory or DDL.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::SchemaError;
use crate::database_url::{Backend, DatabaseUrl};

/// What one side of a comparison is.
#[derive(Clone, Debug)]
pub enum Side {
    /// A live database, or one schema in it (`postgres://...#schema=tenant_a`).
    Database {
        /// The database.
        url: DatabaseUrl,
        /// The one schema to read, if the URL said so.
        schema: Option<String>,
    },
    /// A migrations directory, replayed into a scratch database.
    Migrations(PathBuf),
    /// A directory of DDL files (or one `.sql` file), built into a scratch database.
    Ddl(PathBuf),
}

impl Side {
    /// Reads a side as written on the command line: a URL (with an optional
    /// `#schema=NAME`), `migrations:DIR`, `ddl:PATH`, or a path whose contents say which.
    pub fn parse(text: &str) -> Result<Side, SchemaError> {
        if let Some(dir) = text.strip_prefix("migrations:") {
            return Ok(Side::Migrations(existing(dir)?));
        }
        if let Some(path) = text.strip_prefix("ddl:") {
            return Ok(Side::Ddl(existing(path)?));
        }
        if looks_like_url(text) {
            return parse_url(text);
        }
        let path = Path::new(text);
        if !path.exists() {
            return Err(SchemaError::Usage(format!(
                "`{}` is neither a database URL nor an existing path; write postgres://host/db, sqlite:file.db, a migrations directory or a directory of DDL files",
                crate::secrets::redact(text)
            )));
        }
        if path.is_dir() {
            return Ok(if is_migrations_dir(path) {
                Side::Migrations(path.to_owned())
            } else {
                Side::Ddl(path.to_owned())
            });
        }
        if text.ends_with(".sql") {
            return Ok(Side::Ddl(path.to_owned()));
        }
        parse_url(text)
    }

    /// The schema this side names, when it names one.
    pub fn schema(&self) -> Option<&str> {
        match self {
            Side::Database { schema, .. } => schema.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Side::Database { url, schema: None } => write!(f, "{url}"),
            Side::Database {
                url,
                schema: Some(s),
            } => write!(f, "{url}#schema={s}"),
            Side::Migrations(dir) => write!(f, "migrations {}", dir.display()),
            Side::Ddl(path) => write!(f, "DDL {}", path.display()),
        }
    }
}

fn looks_like_url(text: &str) -> bool {
    text.contains("://") || text.starts_with("sqlite:") || text.starts_with("postgres:")
}

fn parse_url(text: &str) -> Result<Side, SchemaError> {
    let (url, fragment) = split_fragment(text);
    let url = DatabaseUrl::parse(url).map_err(|e| SchemaError::Usage(e.0))?;
    let schema = match fragment {
        None => None,
        Some(fragment) => Some(schema_fragment(fragment)?),
    };
    if schema.is_some() && url.backend() == Backend::Sqlite {
        return Err(SchemaError::Usage(format!(
            "{url}: SQLite databases have no schemas; drop the #schema= part"
        )));
    }
    Ok(Side::Database { url, schema })
}

/// Splits a `#fragment` off `text`. A password may hold `#` (`postgres://u:a#b@host/db`),
/// so only a `#` after the host part, past the last `@`, starts a fragment.
fn split_fragment(text: &str) -> (&str, Option<&str>) {
    let host = text.rfind('@').map_or(0, |at| at + 1);
    match text[host..].find('#') {
        Some(hash) => (&text[..host + hash], Some(&text[host + hash + 1..])),
        None => (text, None),
    }
}

fn schema_fragment(fragment: &str) -> Result<String, SchemaError> {
    match fragment.strip_prefix("schema=") {
        Some(name) if !name.is_empty() => Ok(plover_core::percent::percent_decode(name)),
        // Redacted all the same: whatever the user wrote there is echoed back.
        _ => Err(SchemaError::Usage(format!(
            "`#{}`: the only URL fragment Plover reads is #schema=NAME",
            crate::secrets::redact(fragment)
        ))),
    }
}

fn existing(path: &str) -> Result<PathBuf, SchemaError> {
    let path = PathBuf::from(path);
    if path.exists() {
        Ok(path)
    } else {
        Err(SchemaError::Usage(format!(
            "{} does not exist",
            path.display()
        )))
    }
}

/// Whether `dir` holds migrations and every `.sql` file in it is one of their scripts.
fn is_migrations_dir(dir: &Path) -> bool {
    let Ok(files) = crate::directory::read_directory(dir) else {
        return false;
    };
    let Ok(migrations) = plover_core::source::parse_migrations(&dir.display().to_string(), &files)
    else {
        return false;
    };
    let scripts: usize = migrations
        .iter()
        .map(|m| 1 + usize::from(m.down.is_some()))
        .sum();
    !migrations.is_empty() && scripts == files.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: &str) {
        let shown = match Side::parse(text) {
            Ok(side) => side.to_string(),
            Err(e) => e.to_string(),
        };
        assert_eq!(shown, expect);
    }

    #[test]
    fn urls_and_schema_fragments() {
        check(
            "postgres://u:pw@h/db#schema=tenant_a",
            "postgres://u:***@h/db#schema=tenant_a",
        );
        check(
            "postgres://h/db#schema=",
            "`#schema=`: the only URL fragment Plover reads is #schema=NAME",
        );
        check(
            "postgres://h/db#table=x",
            "`#table=x`: the only URL fragment Plover reads is #schema=NAME",
        );
        // A `#` in the password is part of it, not a fragment, and never shown.
        check("postgres://u:sec#ret99@h:1/db", "postgres://u:***@h:1/db");
        check(
            "postgres://u:sec#ret99@h/db#schema=tenant_a",
            "postgres://u:***@h/db#schema=tenant_a",
        );
        check(
            "postgres://u:p#w@h/db#table=x",
            "`#table=x`: the only URL fragment Plover reads is #schema=NAME",
        );
        check(
            "sqlite:a.db#schema=x",
            "sqlite:a.db: SQLite databases have no schemas; drop the #schema= part",
        );
        check(
            "postgress://h/db",
            "Plover does not speak `postgress:` URLs (did you mean postgres://?); it speaks postgres:// and sqlite:",
        );
        check(
            "no/such/dir",
            "`no/such/dir` is neither a database URL nor an existing path; write postgres://host/db, sqlite:file.db, a migrations directory or a directory of DDL files",
        );
    }

    #[test]
    fn directories_are_told_apart_by_their_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("migrations");
        let ddl = dir.path().join("ddl");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::create_dir_all(ddl.join("tables")).unwrap();
        std::fs::write(
            migrations.join("001_users.sql"),
            "CREATE TABLE users (id int);",
        )
        .unwrap();
        std::fs::write(ddl.join("tables/users.sql"), "CREATE TABLE users (id int);").unwrap();
        assert!(matches!(
            Side::parse(migrations.to_str().unwrap()),
            Ok(Side::Migrations(_))
        ));
        assert!(matches!(
            Side::parse(ddl.to_str().unwrap()),
            Ok(Side::Ddl(_))
        ));
        let forced = format!("ddl:{}", migrations.display());
        assert!(matches!(Side::parse(&forced), Ok(Side::Ddl(_))));
    }
}
