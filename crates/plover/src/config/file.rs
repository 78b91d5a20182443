//! `plover.toml` as written: its sections and keys, read and checked for unknown keys,
//! before [`super::resolve`] turns them into settings.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use crate::lint::LintSection;

/// The default name of the config file.
pub const CONFIG_FILE: &str = "plover.toml";

/// The contents of `plover.toml`. Unknown keys are errors.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[database]`
    #[serde(default)]
    pub database: DatabaseSection,
    /// `[migrations]`
    #[serde(default)]
    pub migrations: MigrationsSection,
    /// `[history]`
    #[serde(default)]
    pub history: HistorySection,
    /// `[lint]`
    #[serde(default)]
    pub lint: LintSection,
    /// `[schema]`
    #[serde(default)]
    pub schema: SchemaSection,
    /// `[tenants]`
    #[serde(default)]
    pub tenants: TenantsSection,
}

/// `[tenants]`: the tenant fleet, one schema per tenant.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantsSection {
    /// `dir`: the tenant migrations directory, relative to the config file
    /// (default `tenant-migrations`).
    pub dir: Option<String>,
    /// `schema_template`: how an id becomes a schema name (default `tenant_{id}`).
    pub schema_template: Option<String>,
    /// `id_pattern`: the characters ids may use (default `a-z0-9_-`).
    pub id_pattern: Option<String>,
    /// `ids`: a static list of tenants.
    pub ids: Option<Vec<String>>,
    /// `query`: SQL returning the tenant ids in its first column.
    pub query: Option<String>,
    /// `concurrency`: tenants migrated at once (default 4).
    pub concurrency: Option<usize>,
    /// `on_error`: `"continue"` (default) or `"abort"`.
    pub on_error: Option<crate::tenants::OnError>,
    /// `history_table`: the history table in each tenant schema (default `plover_migrations`).
    pub history_table: Option<String>,
    /// `adopt_table`: drizzle-multitenant's tracking table, read by `migrate --mark-applied`
    /// (default `__drizzle_migrations`).
    pub adopt_table: Option<String>,
}

/// `[schema]`: where `plover schema build` finds the DDL files.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaSection {
    /// `dirs`: directories of DDL files, in order, relative to the config file
    /// (default `["schema"]`).
    pub dirs: Option<Vec<String>>,
    /// `seed_dirs`: directories of seed files, run after the DDL by `schema build --apply`.
    #[serde(default)]
    pub seed_dirs: Vec<String>,
    /// `exclude`: glob patterns of files to leave out, matched against paths relative to the
    /// config file (`schema/legacy/**`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `order_file`: a file listing paths that go first, in that order.
    pub order_file: Option<String>,
    /// `scratch_url`: the server scratch databases are made on (default: the database's).
    pub scratch_url: Option<String>,
}

/// `[database]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSection {
    /// `url`: the database URL; may say `${VAR}`.
    pub url: Option<String>,
}

/// `[migrations]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationsSection {
    /// `dir`: the migrations directory, relative to the config file.
    pub dir: Option<String>,
    /// `lock_timeout`: how long to wait for the migration lock (`"60s"`, `"2m"`, or seconds).
    pub lock_timeout: Option<DurationValue>,
    /// `out_of_order`: `"refuse"` (default) or `"allow"` (read after `${VAR}`s are
    /// replaced).
    pub out_of_order: Option<String>,
}

/// `[history]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySection {
    /// `schema`: where the history table lives (default: the connection's current schema).
    pub schema: Option<String>,
    /// `table`: the history table's name (default `plover_migrations`).
    pub table: Option<String>,
}

/// A duration written as `"90s"`, `"2m"`, `"500ms"` or a number of seconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum DurationValue {
    /// Whole seconds.
    Seconds(u64),
    /// Text with a unit.
    Text(String),
}

impl DurationValue {
    pub(super) fn to_duration(&self) -> Result<Duration, String> {
        match self {
            DurationValue::Seconds(s) => Ok(Duration::from_secs(*s)),
            DurationValue::Text(text) => parse_duration(text),
        }
    }
}

/// Parses `"90s"`, `"2m"`, `"500ms"`, `"1h"` or `"30"` (seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 60s, 2m or 500ms"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}`; use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is too long a duration"))
}

/// A config file and where it was read from.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    /// The file.
    pub path: PathBuf,
    /// Its contents.
    pub file: ConfigFile,
}

impl LoadedConfig {
    /// Reads and parses the config file at `path`.
    pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file = toml::from_str(&text).map_err(|e: toml::de::Error| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        Ok(LoadedConfig {
            path: path.to_owned(),
            file,
        })
    }
}
