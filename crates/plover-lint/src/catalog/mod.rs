//! Every rule Plover knows: what it catches, why it hurts, the safe recipe, and an unsafe and
//! a safe example. The catalog is the single source of `plover lint --list-rules`, of
//! docs/lint.md, and of the table-driven corpus test (each unsafe example must be flagged by
//! its rule, each safe example must not).

mod markdown;
mod plover;
mod squawk;

pub use markdown::rules_markdown;

use serde::Serialize;

use crate::{RiskTier, Severity};

/// Where a rule's check is implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// One of squawk's rules (squawk-linter), run as it is.
    Squawk,
    /// One of Plover's own rules, on squawk's syntax tree.
    Plover,
}

/// One rule.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleInfo {
    /// The rule's id, e.g. `require-concurrent-index-creation`.
    pub id: &'static str,
    /// Its severity unless configured otherwise: errors stop `plover up`.
    pub severity: Severity,
    /// How risky a migration with this finding is.
    pub tier: RiskTier,
    /// Whether it runs without being selected.
    pub default_on: bool,
    /// What it catches, in one line.
    pub summary: &'static str,
    /// Why it hurts: which lock, held for how long, or what breaks.
    pub why: &'static str,
    /// The safe recipe.
    pub recipe: &'static str,
    /// SQL the rule flags.
    pub unsafe_example: &'static str,
    /// SQL doing the same job safely, which the rule does not flag.
    pub safe_example: &'static str,
    /// Where the check lives.
    pub origin: Origin,
    /// The first PostgreSQL version (`server_version_num`) the rule applies to; 0 for all.
    pub min_postgres: u32,
}

/// Every rule, squawk's first, sorted by id within each origin.
pub fn all() -> impl Iterator<Item = &'static RuleInfo> {
    squawk::RULES.iter().chain(plover::RULES.iter())
}

/// The rule with `id`.
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    all().find(|r| r.id == id)
}
