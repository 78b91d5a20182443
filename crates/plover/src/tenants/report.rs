//! What a fleet run was asked to do, and what it did: per tenant and in total.

use std::time::Instant;

use plover_core::Version;
use serde::Serialize;

use super::{OnError, Tenant};
use crate::migrator::Done;

/// How a fleet run behaves; `None`s take the `[tenants]` settings.
#[derive(Clone, Debug, Default)]
pub struct MigrateOptions {
    /// Tenants migrated at once.
    pub concurrency: Option<usize>,
    /// What a failed tenant does to the rest.
    pub on_error: Option<OnError>,
    /// Migrate this many tenants first, and stop if any of them fails.
    pub canary: Option<usize>,
    /// Only say what would run.
    pub dry_run: bool,
    /// Record pending migrations as applied without running them (adopting a fleet; with a
    /// drizzle-multitenant tracking table, only what it lists).
    pub mark_applied: bool,
    /// Stop at this version.
    pub target: Option<Version>,
}

/// How one tenant ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Up to date at the end (whether or not this run applied anything).
    Succeeded,
    /// Its migration failed or was refused; it is where it was before the failing one.
    Failed,
    /// Not started: the run was aborted, or its canaries failed.
    Skipped,
}

/// One tenant's part of a fleet run.
#[derive(Clone, Debug, Serialize)]
pub struct TenantResult {
    /// The tenant.
    #[serde(flatten)]
    pub tenant: Tenant,
    /// How it ended.
    pub outcome: Outcome,
    /// What this run applied (or, with `--mark-applied`, recorded), in order.
    pub applied: Vec<Done>,
    /// With `--dry-run`: the versions that would run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub planned: Vec<i64>,
    /// Why it failed, or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long this tenant took, in milliseconds.
    pub duration_ms: f64,
}

impl TenantResult {
    pub(super) fn new(tenant: &Tenant, outcome: Outcome) -> Self {
        TenantResult {
            tenant: tenant.clone(),
            outcome,
            applied: Vec::new(),
            planned: Vec::new(),
            error: None,
            duration_ms: 0.0,
        }
    }

    pub(super) fn failed(tenant: &Tenant, error: String) -> Self {
        TenantResult {
            error: Some(error),
            ..TenantResult::new(tenant, Outcome::Failed)
        }
    }

    pub(super) fn skipped(tenant: &Tenant, why: &str) -> Self {
        TenantResult {
            error: Some(why.to_owned()),
            ..TenantResult::new(tenant, Outcome::Skipped)
        }
    }
}

/// A fleet run: `total == succeeded + failed + skipped`, always.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetReport {
    /// Tenants selected.
    pub total: usize,
    /// Up to date at the end.
    pub succeeded: usize,
    /// Failed.
    pub failed: usize,
    /// Not started.
    pub skipped: usize,
    /// Whether nothing was changed (`--dry-run`).
    pub dry_run: bool,
    /// Whether the canaries failed, stopping the run.
    pub canary_failed: bool,
    /// The whole run, in milliseconds.
    pub duration_ms: f64,
    /// Every tenant, in selection order.
    pub tenants: Vec<TenantResult>,
}

impl FleetReport {
    pub(super) fn from_results(tenants: Vec<TenantResult>, started: Instant) -> Self {
        let count = |o: Outcome| tenants.iter().filter(|t| t.outcome == o).count();
        FleetReport {
            total: tenants.len(),
            succeeded: count(Outcome::Succeeded),
            failed: count(Outcome::Failed),
            skipped: count(Outcome::Skipped),
            dry_run: false,
            canary_failed: false,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            tenants,
        }
    }
}
