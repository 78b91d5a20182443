//! Risk tiers: how much a migration can hurt a running system.

use serde::Serialize;

/// How risky a migration is, from least to most. A migration takes the tier of its riskiest
/// statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskTier {
    /// Only adds: new tables, nullable columns, concurrent indexes, rows.
    Additive,
    /// Changes that can be undone without losing data and take only brief locks.
    Reversible,
    /// Takes a lock that blocks reads or writes for a scan or a rewrite of a table.
    LockRisky,
    /// Breaks code that is still running: renames, dropped columns or constraints it uses.
    Destructive,
    /// Destroys data that no down script can bring back: dropped tables, truncations.
    Irreversible,
}

impl RiskTier {
    /// `additive`, `reversible`, `lock-risky`, `destructive` or `irreversible`.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskTier::Additive => "additive",
            RiskTier::Reversible => "reversible",
            RiskTier::LockRisky => "lock-risky",
            RiskTier::Destructive => "destructive",
            RiskTier::Irreversible => "irreversible",
        }
    }
}
