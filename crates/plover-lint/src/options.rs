//! Which rules run, and for which PostgreSQL.

use std::collections::BTreeSet;

use crate::catalog;

/// How to lint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintOptions {
    /// The PostgreSQL the migrations target, as `server_version_num` (150004 for 15.4).
    pub postgres_version: u32,
    /// Run exactly these rules instead of the default set.
    pub select: Option<Vec<String>>,
    /// Do not run these rules.
    pub ignore: Vec<String>,
}

/// The PostgreSQL version assumed when none is configured and no database says.
pub const DEFAULT_POSTGRES_VERSION: u32 = 150_000;

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            postgres_version: DEFAULT_POSTGRES_VERSION,
            select: None,
            ignore: Vec::new(),
        }
    }
}

/// A rule id that no rule has.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no lint rule is called `{0}`; `plover lint --list-rules` lists them")]
pub struct UnknownRule(pub String);

impl LintOptions {
    /// The ids of the rules to run.
    pub fn enabled(&self) -> Result<BTreeSet<&'static str>, UnknownRule> {
        let known = |id: &String| {
            catalog::find(id)
                .map(|r| r.id)
                .ok_or_else(|| UnknownRule(id.clone()))
        };
        let mut enabled: BTreeSet<&'static str> = match &self.select {
            Some(ids) => ids.iter().map(known).collect::<Result<_, _>>()?,
            None => catalog::all()
                .filter(|r| r.default_on)
                .map(|r| r.id)
                .collect(),
        };
        for id in &self.ignore {
            enabled.remove(known(id)?);
        }
        Ok(enabled)
    }
}
