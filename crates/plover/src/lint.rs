//! Linting migrations: the settings behind `plover lint` and the preflight of `plover up`.

use serde::Deserialize;

pub use plover_lint::{
    Allowed, Decision, FileLint, Finding, LineIndex, LintOptions, RiskTier, RuleInfo, Severity,
    UnknownRule, catalog, lint_script, lint_scripts,
};

/// Whether `up` lints pending migrations before running them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preflight {
    /// Lint, refuse on errors (the default).
    #[default]
    On,
    /// Do not lint.
    Off,
}

/// Whether every pending migration must have a down script.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reversibility {
    /// Down scripts are optional (the default).
    #[default]
    Optional,
    /// `up` refuses a pending migration without one.
    Required,
}

/// Whether `up` runs despite error-level findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Override {
    /// Refuse (the default).
    #[default]
    Refuse,
    /// Run anyway (`--force`), recording the overridden rules in each history row.
    Force,
}

/// How to lint, from `[lint]` in plover.toml and the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LintSettings {
    /// Run exactly these rules instead of the default set.
    pub select: Option<Vec<String>>,
    /// Do not run these rules.
    pub ignore: Vec<String>,
    /// The PostgreSQL version to lint for (`server_version_num`); the database's when `None`.
    pub postgres_version: Option<u32>,
    /// Whether `up` lints first.
    pub preflight: Preflight,
    /// Whether down scripts are required.
    pub reversibility: Reversibility,
    /// Whether `up` overrides error-level findings.
    pub override_errors: Override,
}

impl LintSettings {
    /// The linter's options for a server of `server_version` (when known).
    pub fn options(&self, server_version: Option<u32>) -> LintOptions {
        LintOptions {
            postgres_version: self
                .postgres_version
                .or(server_version)
                .unwrap_or(plover_lint::DEFAULT_POSTGRES_VERSION),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
        }
    }
}

/// A PostgreSQL version as written in plover.toml or on the command line: `15`, `15.4`,
/// `"9.6"` or a `server_version_num` like `150004`. Versions before 9.0 or past 99 are
/// refused: linting for them would silently pick the wrong checks.
pub fn parse_postgres_version(text: &str) -> Result<u32, String> {
    let bad = || {
        format!(
            "`{text}` is not a PostgreSQL version like 15, 15.4 or 150004 (9.0 to 99 are known)"
        )
    };
    let mut parts = text.trim().split('.');
    let major: u32 = parts.next().and_then(|m| m.parse().ok()).ok_or_else(bad)?;
    let minor: Option<u32> = parts
        .next()
        .map(|m| m.parse().map_err(|_| bad()))
        .transpose()?;
    if parts.next().is_some() {
        return Err(bad());
    }
    let dotted = minor.is_some();
    let minor = minor.unwrap_or(0);
    // server_version_num: 9.6.4 is 90604, 15.4 is 150004.
    match major {
        9 if minor < 100 => Ok(90_000 + minor * 100),
        10..=99 if minor < 10_000 => Ok(major * 10_000 + minor),
        90_000..=999_999 if !dotted => Ok(major),
        _ => Err(bad()),
    }
}

/// `[lint]` in plover.toml.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintSection {
    /// `select`: rules to run instead of the default set.
    pub select: Option<Vec<String>>,
    /// `ignore`: rules not to run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// `postgres_version`: the PostgreSQL to lint for, e.g. `"15"`.
    pub postgres_version: Option<VersionValue>,
    /// `preflight`: whether `up` lints first (default true).
    pub preflight: Option<bool>,
    /// `require_reversible`: whether pending migrations need down scripts (default false).
    pub require_reversible: Option<bool>,
}

/// A version written as a number or as text.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum VersionValue {
    /// `15` or `150004`.
    Number(u32),
    /// `15.4` written as a TOML number: refused, since 15.1 and 15.10 are the same number.
    Decimal(f64),
    /// `"15.4"`.
    Text(String),
}

impl VersionValue {
    /// The version as `server_version_num`.
    pub fn to_version(&self) -> Result<u32, String> {
        match self {
            VersionValue::Number(n) => parse_postgres_version(&n.to_string()),
            VersionValue::Decimal(n) => Err(format!(
                "{n} is a TOML number, which cannot tell 15.1 from 15.10: write the version \
                 as a string, \"{n}\""
            )),
            VersionValue::Text(t) => parse_postgres_version(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_versions() {
        assert_eq!(parse_postgres_version("15"), Ok(150_000));
        assert_eq!(parse_postgres_version("9.6"), Ok(90_600));
        assert_eq!(parse_postgres_version("150004"), Ok(150_004));
        assert!(parse_postgres_version("fifteen").is_err());
        for nonsense in [
            "0",
            "1",
            "8.4",
            "100",
            "1500",
            "4294967295",
            "15.99999",
            "9.6.4",
        ] {
            assert!(parse_postgres_version(nonsense).is_err(), "{nonsense}");
        }
        assert_eq!(parse_postgres_version("90604"), Ok(90_604));
        assert_eq!(parse_postgres_version("9"), Ok(90_000));
        assert!(
            VersionValue::Decimal(15.1)
                .to_version()
                .unwrap_err()
                .contains("write the version as a string, \"15.1\"")
        );
    }
}
