//! `plover.toml`, and how it combines with flags and the environment into [`Settings`].
//!
//! Connection precedence (DESIGN.md): the `--database` flag, then `PLOVER_DATABASE_URL`, then
//! the config file's `database.url` (which may say `${VAR}`), then `DATABASE_URL`, then the
//! embedded SQLite file `plover.db` in the current directory.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use plover_core::plan::OutOfOrder;

mod file;

pub use file::{
    CONFIG_FILE, ConfigFile, DatabaseSection, DurationValue, HistorySection, LoadedConfig,
    MigrationsSection, SchemaSection, TenantsSection, parse_duration,
};

use crate::database_url::{DatabaseUrl, UrlError};
use crate::interpolate::interpolate;
use crate::lint::{LintSection, LintSettings, Preflight, Reversibility, VersionValue};
use crate::migrator::Options;
use crate::schema::TreeSettings;
use crate::tenants::{DEFAULT_ADOPT_TABLE, DEFAULT_CONCURRENCY, Discovery, TenantSettings};
use plover_core::tenant::{IdPattern, SchemaTemplate};

/// A problem with the configuration. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has unknown keys.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The database URL is wrong.
    #[error("{origin}: {message}")]
    Url {
        /// Where the URL came from.
        origin: UrlSource,
        /// What is wrong, and what to write instead.
        message: String,
    },
    /// A value is wrong.
    #[error("{place}: `{key}`: {message}")]
    Value {
        /// Where the value came from (a file, a flag, a variable).
        place: String,
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// Where the database URL came from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "source", content = "detail")]
pub enum UrlSource {
    /// `--database`.
    Flag,
    /// `PLOVER_DATABASE_URL`.
    PloverDatabaseUrl,
    /// `database.url` in a config file.
    ConfigFile(PathBuf),
    /// `DATABASE_URL`.
    DatabaseUrl,
    /// Nothing was configured: the embedded SQLite file.
    EmbeddedDefault,
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSource::Flag => f.write_str("--database"),
            UrlSource::PloverDatabaseUrl => f.write_str("PLOVER_DATABASE_URL"),
            UrlSource::ConfigFile(path) => write!(f, "database.url in {}", path.display()),
            UrlSource::DatabaseUrl => f.write_str("DATABASE_URL"),
            UrlSource::EmbeddedDefault => {
                f.write_str("the embedded default; nothing else was configured")
            }
        }
    }
}

/// What the command line says, overriding the config file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--database`.
    pub database: Option<String>,
    /// `--dir`.
    pub dir: Option<PathBuf>,
    /// `--lock-timeout`.
    pub lock_timeout: Option<Duration>,
    /// `--allow-out-of-order`.
    pub out_of_order: Option<OutOfOrder>,
}

/// Everything a command needs, validated.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The database.
    pub database: DatabaseUrl,
    /// Where the URL came from.
    pub database_source: UrlSource,
    /// The migrations directory.
    pub migrations_dir: PathBuf,
    /// The migrator's options.
    pub options: Options,
    /// The schema commands' settings.
    pub schema: SchemaSettings,
    /// The tenant fleet's settings.
    pub tenants: TenantSettings,
}

/// `[schema]`, resolved: paths relative to the config file's directory.
#[derive(Clone, Debug)]
pub struct SchemaSettings {
    /// The DDL tree.
    pub tree: TreeSettings,
    /// The seed directories, in order.
    pub seed_dirs: Vec<PathBuf>,
    /// Where scratch databases are made, when not on the database's own server.
    pub scratch_url: Option<DatabaseUrl>,
}

/// Combines the config file (if any), the command line and the environment (read through
/// `env`) into [`Settings`].
pub fn resolve(
    config: Option<&LoadedConfig>,
    overrides: Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let file = config.map(|c| &c.file).cloned().unwrap_or_default();
    let place = config.map_or_else(|| "defaults".to_owned(), |c| c.path.display().to_string());
    let base = config
        .and_then(|c| c.path.parent())
        .unwrap_or(Path::new(""));
    let value_error = |key: &str, message: String| ConfigError::Value {
        place: place.clone(),
        key: key.to_owned(),
        message,
    };
    let text = |key: &str, value: &Option<String>| -> Result<Option<String>, ConfigError> {
        value
            .as_deref()
            .map(|v| interpolate(v, env))
            .transpose()
            .map_err(|m| value_error(key, m))
    };

    let from_file = || text("database.url", &file.database.url);
    let (database, database_source) = resolve_url(config, &overrides, env, &from_file)?;
    let migrations_dir = match overrides.dir {
        Some(dir) => dir,
        None => base.join(
            text("migrations.dir", &file.migrations.dir)?
                .unwrap_or_else(|| "migrations".to_owned()),
        ),
    };
    let mut options = Options::default();
    if let Some(schema) = text("history.schema", &file.history.schema)? {
        options.history_schema = Some(schema);
    }
    if let Some(table) = text("history.table", &file.history.table)? {
        options.history_table = table;
    }
    if let Some(timeout) = overrides.lock_timeout {
        options.lock_timeout = timeout;
    } else if let Some(value) = &file.migrations.lock_timeout {
        let value = match value {
            DurationValue::Text(written) => DurationValue::Text(
                text("migrations.lock_timeout", &Some(written.clone()))?.unwrap_or_default(),
            ),
            seconds => seconds.clone(),
        };
        options.lock_timeout = value
            .to_duration()
            .map_err(|m| value_error("migrations.lock_timeout", m))?;
    }
    // Like the lock timeout, the file's value is read only when no flag overrides it.
    let out_of_order = match overrides.out_of_order {
        Some(flag) => Some(flag),
        None => text("migrations.out_of_order", &file.migrations.out_of_order)?
            .map(|written| match written.as_str() {
                "refuse" => Ok(OutOfOrder::Refuse),
                "allow" => Ok(OutOfOrder::Allow),
                _ => Err(value_error(
                    "migrations.out_of_order",
                    format!("`{written}` is neither `refuse` nor `allow`"),
                )),
            })
            .transpose()?,
    };
    options.out_of_order = out_of_order.unwrap_or_default();
    options.lint = lint_settings(&file.lint, &text, &value_error)?;
    let schema = schema_settings(&file.schema, base, &text)?;
    let tenants = tenant_settings(&file.tenants, base, &text)
        .map_err(|(key, message)| value_error(key, message))?;
    Ok(Settings {
        database,
        database_source,
        migrations_dir,
        options,
        schema,
        tenants,
    })
}

/// `[tenants]`, checked: the template, the id pattern and every listed id must read.
fn tenant_settings(
    section: &TenantsSection,
    base: &Path,
    text: &Interpolate<'_>,
) -> Result<TenantSettings, (&'static str, String)> {
    let text = |key: &'static str, value: &Option<String>| {
        text(key, value).map_err(|e| (key, e.to_string()))
    };
    let template = text("tenants.schema_template", &section.schema_template)?
        .unwrap_or_else(|| SchemaTemplate::DEFAULT.to_owned());
    let template =
        SchemaTemplate::parse(&template).map_err(|e| ("tenants.schema_template", e.to_string()))?;
    let id_pattern = text("tenants.id_pattern", &section.id_pattern)?
        .unwrap_or_else(|| IdPattern::DEFAULT.to_owned());
    let id_pattern =
        IdPattern::parse(&id_pattern).map_err(|e| ("tenants.id_pattern", e.to_string()))?;
    let discovery = match (&section.ids, text("tenants.query", &section.query)?) {
        (Some(_), Some(_)) => {
            return Err((
                "tenants.ids",
                "set either tenants.ids or tenants.query, not both".to_owned(),
            ));
        }
        (Some(ids), None) => {
            for id in ids {
                template
                    .schema_for(id, &id_pattern)
                    .map_err(|e| ("tenants.ids", e.to_string()))?;
            }
            Discovery::List(ids.clone())
        }
        (None, Some(query)) => Discovery::Query(query),
        (None, None) => Discovery::Schemas,
    };
    let concurrency = section.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
    if concurrency == 0 {
        return Err(("tenants.concurrency", "must be at least 1".to_owned()));
    }
    let dir = text("tenants.dir", &section.dir)?.unwrap_or_else(|| "tenant-migrations".to_owned());
    Ok(TenantSettings {
        dir: base.join(dir),
        template,
        id_pattern,
        discovery,
        concurrency,
        on_error: section.on_error.unwrap_or_default(),
        history_table: text("tenants.history_table", &section.history_table)?
            .unwrap_or_else(|| crate::migrator::DEFAULT_HISTORY_TABLE.to_owned()),
        adopt_table: text("tenants.adopt_table", &section.adopt_table)?
            .unwrap_or_else(|| DEFAULT_ADOPT_TABLE.to_owned()),
    })
}

/// Expands the `${VAR}`s of the value of a key, naming the key in errors.
type Interpolate<'a> = dyn Fn(&str, &Option<String>) -> Result<Option<String>, ConfigError> + 'a;

/// `[schema]`, with `${VAR}`s expanded and paths made relative to `base`.
fn schema_settings(
    section: &SchemaSection,
    base: &Path,
    text: &Interpolate<'_>,
) -> Result<SchemaSettings, ConfigError> {
    let paths = |key: &str, values: &[String]| -> Result<Vec<PathBuf>, ConfigError> {
        values
            .iter()
            .map(|v| Ok(base.join(text(key, &Some(v.clone()))?.unwrap_or_default())))
            .collect()
    };
    let dirs = section
        .dirs
        .clone()
        .unwrap_or_else(|| vec!["schema".to_owned()]);
    let scratch_url = match text("schema.scratch_url", &section.scratch_url)? {
        Some(url) => Some(parse_url(&url, UrlSource::ConfigFile(base.join(CONFIG_FILE)))?.0),
        None => None,
    };
    Ok(SchemaSettings {
        tree: TreeSettings {
            base: base.to_owned(),
            dirs: paths("schema.dirs", &dirs)?,
            exclude: section.exclude.clone(),
            order_file: text("schema.order_file", &section.order_file)?.map(|f| base.join(f)),
        },
        seed_dirs: paths("schema.seed_dirs", &section.seed_dirs)?,
        scratch_url,
    })
}

/// `[lint]`, with `${VAR}`s expanded and checked: rule ids must exist and the version must read.
fn lint_settings(
    section: &LintSection,
    text: &Interpolate<'_>,
    value_error: &dyn Fn(&str, String) -> ConfigError,
) -> Result<LintSettings, ConfigError> {
    let rules = |key: &'static str, ids: &[String]| -> Result<Vec<String>, ConfigError> {
        let ids = ids
            .iter()
            .map(|id| Ok(text(key, &Some(id.clone()))?.unwrap_or_default()))
            .collect::<Result<Vec<String>, ConfigError>>()?;
        match ids
            .iter()
            .find(|id| plover_lint::catalog::find(id).is_none())
        {
            Some(id) => Err(value_error(
                key,
                format!("no lint rule is called `{id}`; `plover lint --list-rules` lists them"),
            )),
            None => Ok(ids),
        }
    };
    let select = section
        .select
        .as_deref()
        .map(|ids| rules("lint.select", ids))
        .transpose()?;
    let ignore = rules("lint.ignore", &section.ignore)?;
    let postgres_version = match &section.postgres_version {
        Some(VersionValue::Text(written)) => Some(VersionValue::Text(
            text("lint.postgres_version", &Some(written.clone()))?.unwrap_or_default(),
        )),
        other => other.clone(),
    };
    let postgres_version = postgres_version
        .map(|v| v.to_version())
        .transpose()
        .map_err(|m| value_error("lint.postgres_version", m))?;
    Ok(LintSettings {
        select,
        ignore,
        postgres_version,
        preflight: if section.preflight == Some(false) {
            Preflight::Off
        } else {
            Preflight::On
        },
        reversibility: if section.require_reversible == Some(true) {
            Reversibility::Required
        } else {
            Reversibility::Optional
        },
        ..LintSettings::default()
    })
}

/// The database URL in DESIGN.md's precedence. The config file's value is interpolated only
/// when it is the one used, so an unset `${VAR}` there cannot stop a `--database` run.
fn resolve_url(
    config: Option<&LoadedConfig>,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    from_file: &dyn Fn() -> Result<Option<String>, ConfigError>,
) -> Result<(DatabaseUrl, UrlSource), ConfigError> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(url) = &overrides.database {
        return parse_url(url, UrlSource::Flag);
    }
    if let Some(url) = env("PLOVER_DATABASE_URL") {
        return parse_url(&url, UrlSource::PloverDatabaseUrl);
    }
    if let Some(url) = from_file()? {
        let path = config.map(|c| c.path.clone()).unwrap_or_default();
        return parse_url(&url, UrlSource::ConfigFile(path));
    }
    if let Some(url) = env("DATABASE_URL") {
        return parse_url(&url, UrlSource::DatabaseUrl);
    }
    Ok((DatabaseUrl::embedded_default(), UrlSource::EmbeddedDefault))
}

fn parse_url(url: &str, source: UrlSource) -> Result<(DatabaseUrl, UrlSource), ConfigError> {
    match DatabaseUrl::parse(url) {
        Ok(url) => Ok((url, source)),
        Err(UrlError(message)) => Err(ConfigError::Url {
            origin: source,
            message,
        }),
    }
}

#[cfg(test)]
mod tests;
