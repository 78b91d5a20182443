//! Database URLs that never show their passwords.

use std::fmt;

pub use crate::secrets::redact;

/// A database URL. `Display` and `Debug` redact the password; only [`DatabaseUrl::expose`]
/// gives the URL as written, for the driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

/// Which driver a URL is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite:`.
    Sqlite,
}

impl Backend {
    /// The driver's dialect: how its SQL is split, quoted and checked.
    pub fn dialect(self) -> &'static plover_core::Dialect {
        match self {
            Backend::Postgres => &plover_postgres::POSTGRES,
            Backend::Sqlite => &plover_sqlite::SQLITE,
        }
    }
}

/// A URL Plover cannot use, with what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(pub String);

impl DatabaseUrl {
    /// Reads `url`. A bare path ending in `.db`, `.sqlite` or `.sqlite3` is taken as a SQLite
    /// file.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let url = url.trim();
        let backend = match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("postgres" | "postgresql") => Backend::Postgres,
            Some("sqlite") => Backend::Sqlite,
            _ if is_sqlite_path(url) => return Self::parse(&format!("sqlite:{url}")),
            Some(scheme) if url[scheme.len()..].starts_with("://") => {
                return Err(UrlError(unsupported(scheme)));
            }
            _ => {
                return Err(UrlError(format!(
                    "cannot tell what database `{}` is: write postgres://user@host/db or sqlite:path/to/file.db",
                    redact(url)
                )));
            }
        };
        Ok(DatabaseUrl {
            url: url.to_owned(),
            backend,
        })
    }

    /// The embedded default: `sqlite:plover.db` in the current directory.
    pub fn embedded_default() -> Self {
        DatabaseUrl {
            url: "sqlite:plover.db".to_owned(),
            backend: Backend::Sqlite,
        }
    }

    /// The URL as written, password included. Only for handing to a driver.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// Which driver the URL is for.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL's password as written and percent-decoded, so that output can be scrubbed of
    /// both.
    pub fn passwords(&self) -> Vec<String> {
        crate::secrets::passwords_of(&self.url)
    }
}

impl DatabaseUrl {
    /// The database a `postgres://` URL names (its path), or the SQLite file's path.
    pub fn database_name(&self) -> Option<String> {
        match self.backend {
            Backend::Sqlite => sqlite_path(&self.url).map(str::to_owned),
            Backend::Postgres => {
                let (start, end) = postgres_path(&self.url);
                let name = self.url[start..end].trim_start_matches('/');
                (!name.is_empty()).then(|| plover_core::percent::percent_decode(name))
            }
        }
    }

    /// Another database: on PostgreSQL `name` on the same server with the same options, on
    /// SQLite the file `name`.
    pub fn with_database(&self, name: &str) -> DatabaseUrl {
        let url = match self.backend {
            Backend::Sqlite => format!("sqlite://{name}"),
            Backend::Postgres => {
                let (start, end) = postgres_path(&self.url);
                let name = plover_core::percent::percent_encode(name);
                format!("{}/{name}{}", &self.url[..start], &self.url[end..])
            }
        };
        DatabaseUrl {
            url,
            backend: self.backend,
        }
    }
}

/// The byte range of the path (`/db`) in a `postgres://` URL, empty when there is none.
/// Read as Plover's driver reads it (plover-postgres cuts the query off at the first `?`
/// before tokio-postgres reads the rest): the host starts after the first `@` before that,
/// so a `/` or `#` in a password is not taken for the path (which would cut the password in
/// two and show its first half), and an `@` in the query is not the userinfo's. A `#` after
/// the host is part of the database name, as the driver reads it (`schema diff` takes its
/// `#schema=` off before the URL is parsed).
fn postgres_path(url: &str) -> (usize, usize) {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let query = url[authority..]
        .find('?')
        .map_or(url.len(), |i| authority + i);
    let host = url[authority..query]
        .find('@')
        .map_or(authority, |i| authority + i + 1);
    let start = url[host..query].find('/').map_or(query, |i| host + i);
    (start, query)
}

/// The file of a `sqlite:` URL, none for an in-memory database.
fn sqlite_path(url: &str) -> Option<&str> {
    let path = url.strip_prefix("sqlite:")?;
    let path = path.strip_prefix("//").unwrap_or(path);
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

fn is_sqlite_path(url: &str) -> bool {
    [".db", ".sqlite", ".sqlite3"]
        .iter()
        .any(|ext| url.ends_with(ext))
        && !url.contains("://")
}

fn unsupported(scheme: &str) -> String {
    let hint = match scheme {
        s if s.starts_with("postg") || s == "pg" || s == "psql" => " (did you mean postgres://?)",
        s if s.starts_with("sqlite") => " (did you mean sqlite:path/to/file.db?)",
        "mysql" | "mariadb" => " (MySQL and MariaDB support is planned, not there yet)",
        _ => "",
    };
    format!("Plover does not speak `{scheme}:` URLs{hint}; it speaks postgres:// and sqlite:")
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::secrets::redact_url(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", crate::secrets::redact_url(&self.url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, expect: &str) {
        let shown = match DatabaseUrl::parse(url) {
            Ok(url) => format!("{:?} {url}", url.backend()),
            Err(e) => e.to_string(),
        };
        assert_eq!(shown, expect);
    }

    #[test]
    fn backends_and_redaction() {
        check(
            "postgres://app:s3cret@db:5432/app?sslmode=require",
            "Postgres postgres://app:***@db:5432/app?sslmode=require",
        );
        check(
            "postgresql://app@db/app?password=s3cret&sslmode=disable",
            "Postgres postgresql://app@db/app?password=***&sslmode=disable",
        );
        check("sqlite:plover.db", "Sqlite sqlite:plover.db");
        check("data/app.sqlite3", "Sqlite sqlite:data/app.sqlite3");
    }

    #[test]
    fn wrong_urls_say_what_to_write_without_the_password() {
        check(
            "postgress://u:s3cret@db/app",
            "Plover does not speak `postgress:` URLs (did you mean postgres://?); it speaks postgres:// and sqlite:",
        );
        check(
            "mysql://root@localhost/test",
            "Plover does not speak `mysql:` URLs (MySQL and MariaDB support is planned, not there yet); it speaks postgres:// and sqlite:",
        );
        check(
            "localhost:5432",
            "cannot tell what database `localhost:5432` is: write postgres://user@host/db or sqlite:path/to/file.db",
        );
        check(
            "just words",
            "cannot tell what database `just words` is: write postgres://user@host/db or sqlite:path/to/file.db",
        );
    }

    #[test]
    fn database_names_can_be_read_and_replaced() {
        let url = DatabaseUrl::parse("postgres://u:pw@h:5432/app?sslmode=disable").unwrap();
        assert_eq!(url.database_name().as_deref(), Some("app"));
        assert_eq!(
            url.with_database("other").expose(),
            "postgres://u:pw@h:5432/other?sslmode=disable"
        );
        let bare = DatabaseUrl::parse("postgres://h").unwrap();
        assert_eq!(bare.database_name(), None);
        assert_eq!(bare.with_database("x").expose(), "postgres://h/x");
        let spaced = url.with_database("my app");
        assert_eq!(
            spaced.expose(),
            "postgres://u:pw@h:5432/my%20app?sslmode=disable"
        );
        assert_eq!(spaced.database_name().as_deref(), Some("my app"));
        let file = DatabaseUrl::parse("sqlite:data/app.db?mode=rwc").unwrap();
        assert_eq!(file.database_name().as_deref(), Some("data/app.db"));
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:")
                .unwrap()
                .database_name(),
            None
        );
        let absolute = DatabaseUrl::parse("sqlite:/var/app.db").unwrap();
        let other = absolute.with_database("/var/app.db.plover-build");
        assert_eq!(
            other.database_name().as_deref(),
            Some("/var/app.db.plover-build")
        );
        let relative = file.with_database("data/other.db");
        assert_eq!(relative.database_name().as_deref(), Some("data/other.db"));
        // A `/` in the password is not the path, nor an `@` in the query the userinfo.
        let slashed = DatabaseUrl::parse("postgres://u:pa/ss@h/db").unwrap();
        assert_eq!(slashed.database_name().as_deref(), Some("db"));
        assert_eq!(
            slashed.with_database("postgres").expose(),
            "postgres://u:pa/ss@h/postgres"
        );
        let query_at = DatabaseUrl::parse("postgres://u@h/db?application_name=a@b/c").unwrap();
        assert_eq!(query_at.database_name().as_deref(), Some("db"));
        assert_eq!(
            query_at.with_database("x").expose(),
            "postgres://u@h/x?application_name=a@b/c"
        );
        let hashed = DatabaseUrl::parse("postgres://u:pa#ss@h/db?sslmode=disable").unwrap();
        assert_eq!(hashed.database_name().as_deref(), Some("db"));
        assert_eq!(
            hashed.with_database("x").expose(),
            "postgres://u:pa#ss@h/x?sslmode=disable"
        );
        let named = DatabaseUrl::parse("postgres://h/team#1").unwrap();
        assert_eq!(named.database_name().as_deref(), Some("team#1"));
        let no_path = DatabaseUrl::parse("postgres://u:pa/ss@h").unwrap();
        assert_eq!(no_path.database_name(), None);
        assert_eq!(
            no_path.with_database("postgres").expose(),
            "postgres://u:pa/ss@h/postgres"
        );
    }

    #[test]
    fn passwords_can_be_scrubbed() {
        let url = DatabaseUrl::parse("postgres://u:p%40ss@h/d").unwrap();
        assert_eq!(url.passwords(), ["p%40ss", "p@ss"]);
        assert!(!format!("{url} {url:?}").contains("p%40ss"));
    }
}
