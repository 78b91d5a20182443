//! Reading a `postgres://` URL, including the `sslmode` values tokio-postgres leaves to us.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use plover_core::percent::percent_decode;
use plover_core::{DriverError, ErrorKind};
use tokio_postgres::Config;

/// libpq's `sslmode`, all five values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// Never use TLS.
    Disable,
    /// Use TLS when the server offers it, without verifying its certificate (libpq's default).
    Prefer,
    /// Always use TLS, without verifying the certificate.
    Require,
    /// Always use TLS and verify the certificate chain, not the host name.
    VerifyCa,
    /// Always use TLS and verify the chain and the host name.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = DriverError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(DriverError::new(
                    ErrorKind::Config,
                    format!(
                        "sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"
                    ),
                ));
            }
        })
    }
}

/// Everything needed to open a connection.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// tokio-postgres' view of the URL, without the TLS parameters.
    pub config: Config,
    /// How to use TLS.
    pub ssl_mode: SslMode,
    /// `sslrootcert`: a PEM file of trusted CAs, or `system` for the system's store.
    pub root_cert: Option<PathBuf>,
}

/// How long a connection attempt may take when the URL does not say.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses a `postgres://` or `postgresql://` URL.
pub fn parse(url: &str) -> Result<ConnectOptions, DriverError> {
    parse_with_env(url, &|name| std::env::var(name).ok())
}

/// [`parse`], with libpq's `PGSSLMODE` and `PGSSLROOTCERT` read through `env` as the defaults
/// of what the URL does not say.
pub fn parse_with_env(
    url: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ConnectOptions, DriverError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut ssl_mode = match env("PGSSLMODE").filter(|m| !m.is_empty()) {
        Some(mode) => mode.parse().map_err(|e: DriverError| DriverError {
            message: format!("PGSSLMODE: {}", e.message),
            ..e
        })?,
        None => SslMode::Prefer,
    };
    let mut root_cert = env("PGSSLROOTCERT")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        refuse_misplaced_query(key)?;
        match key {
            "sslmode" => ssl_mode = percent_decode(value).parse()?,
            "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(value))),
            // tokio-postgres takes everything up to the URL's first `@` for the userinfo,
            // even an `@` in a value of the query.
            _ => kept.push(pair.replace('@', "%40")),
        }
    }
    let rebuilt = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config = Config::from_str(&rebuilt).map_err(|e| {
        DriverError::new(
            ErrorKind::Config,
            format!("cannot read the PostgreSQL URL: {e}"),
        )
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("plover");
    }
    // Like libpq, TLS does not apply to Unix-domain sockets, whatever sslmode says.
    let sockets_only = !config.get_hosts().is_empty()
        && config
            .get_hosts()
            .iter()
            .all(|h| matches!(h, tokio_postgres::config::Host::Unix(_)));
    if sockets_only {
        ssl_mode = SslMode::Disable;
    }
    config.ssl_mode(match ssl_mode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    });
    Ok(ConnectOptions {
        config,
        ssl_mode,
        root_cert,
    })
}

/// Refuses a query parameter name that cannot be one: the query was cut at a `?` that
/// belongs to the user name or password (`postgres://u:p?w@host/db`). Read on, the driver
/// would take a part of the password for the host, or drop the URL's `sslmode`. The name is
/// not shown: it holds a piece of the password.
fn refuse_misplaced_query(key: &str) -> Result<(), DriverError> {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Ok(());
    }
    Err(DriverError::new(
        ErrorKind::Config,
        "cannot read the PostgreSQL URL: a query parameter name holds `@`, `/` or `?`; \
         a `?` in the user name or password must be written %3F"
            .to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_tls_parameters_out() {
        let options = parse("postgres://u:secret@db:5433/app?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x").unwrap();
        assert_eq!(options.ssl_mode, SslMode::VerifyFull);
        assert_eq!(options.root_cert, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(options.config.get_application_name(), Some("x"));
        assert_eq!(options.config.get_dbname(), Some("app"));
    }

    #[test]
    fn defaults_to_prefer_and_a_timeout() {
        let options = parse("postgresql://localhost/db").unwrap();
        assert_eq!(options.ssl_mode, SslMode::Prefer);
        assert_eq!(
            options.config.get_connect_timeout(),
            Some(&DEFAULT_CONNECT_TIMEOUT)
        );
        assert_eq!(options.config.get_application_name(), Some("plover"));
    }

    #[test]
    fn libpq_environment_variables_are_the_defaults() {
        let env = |name: &str| match name {
            "PGSSLMODE" => Some("require".to_owned()),
            "PGSSLROOTCERT" => Some("/etc/ca.pem".to_owned()),
            _ => None,
        };
        let options = parse_with_env("postgres://h/d", &env).unwrap();
        assert_eq!(
            (options.ssl_mode, options.root_cert),
            (SslMode::Require, Some(PathBuf::from("/etc/ca.pem")))
        );
        let options = parse_with_env("postgres://h/d?sslmode=disable", &env).unwrap();
        assert_eq!(options.ssl_mode, SslMode::Disable, "the URL wins");
        let wrong =
            parse_with_env("postgres://h/d", &|_| Some("sometimes".to_owned())).unwrap_err();
        assert!(
            wrong.message.starts_with("PGSSLMODE: sslmode `sometimes`"),
            "{}",
            wrong.message
        );
    }

    #[test]
    fn a_question_mark_in_the_password_is_refused_not_misread() {
        for url in [
            "postgres://u:hun?ter2@db/app?sslmode=require",
            "postgres://u:p/a?ter2@db/app",
        ] {
            let error = parse(url).unwrap_err();
            assert!(error.message.contains("%3F"), "{url}: {}", error.message);
            assert!(!error.message.contains("ter2"), "{}", error.message);
        }
        let encoded = parse("postgres://u:hun%3Fter2@db/app?sslmode=require").unwrap();
        assert_eq!(encoded.ssl_mode, SslMode::Require);
        assert_eq!(encoded.config.get_password(), Some(&b"hun?ter2"[..]));
        // An `@` in a value of the query is not the userinfo's.
        let query_at = parse("postgres://db/app?application_name=a@b").unwrap();
        assert_eq!(query_at.config.get_application_name(), Some("a@b"));
    }

    #[test]
    fn unix_sockets_never_use_tls() {
        let options = parse_with_env(
            "postgres:///db?host=/var/run/postgresql&sslmode=require",
            &|_| None,
        )
        .unwrap();
        assert_eq!(options.ssl_mode, SslMode::Disable);
    }

    #[test]
    fn bad_values_are_named_without_the_password() {
        let error = parse("postgres://u:hunter2@db/app?sslmode=sometimes").unwrap_err();
        assert!(error.message.contains("sslmode `sometimes`"));
        let error = parse("postgres://u:hunter2@db:notaport/app").unwrap_err();
        assert!(!error.message.contains("hunter2"), "{}", error.message);
    }
}
