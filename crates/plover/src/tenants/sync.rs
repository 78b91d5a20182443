//! `tenants sync`: reconciling each tenant's history rows with the files.

use std::sync::Arc;

use async_trait::async_trait;
use plover_core::Driver;
use serde::Serialize;

use super::hooks::TenantObserver;
use super::pool::{Attempt, Ran, TenantJob, fan_out};
use super::{Fleet, FleetHooks, Selection, Tenant, TenantError};

/// What `sync` reconciles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncAction {
    /// Pending migrations whose changes are already there (applied by hand): record them
    /// as applied.
    MarkMissing,
    /// History rows whose files were renamed or deleted: remove them.
    CleanOrphans,
}

/// One tenant's reconciliation.
#[derive(Clone, Debug, Serialize)]
pub struct TenantSync {
    /// The tenant.
    #[serde(flatten)]
    pub tenant: Tenant,
    /// The versions recorded (mark-missing) or removed (clean-orphans), or, in a dry run,
    /// that would be.
    pub versions: Vec<i64>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `tenants sync`.
#[derive(Clone, Debug, Serialize)]
pub struct SyncReport {
    /// What was reconciled.
    pub action: SyncAction,
    /// Whether anything was written (`--apply`).
    pub applied: bool,
    /// Tenants selected.
    pub total: usize,
    /// Tenants with something to reconcile.
    pub changed: usize,
    /// Tenants that failed.
    pub failed: usize,
    /// The tenants with something to reconcile, or that failed.
    pub tenants: Vec<TenantSync>,
}

impl Fleet {
    /// Reconciles history rows with the files: a dry run (`apply == false`) only reports.
    pub async fn sync(
        &self,
        selection: &Selection,
        action: SyncAction,
        apply: bool,
        hooks: Arc<dyn FleetHooks>,
    ) -> Result<SyncReport, TenantError> {
        let statuses = self.status(selection).await?;
        let total = statuses.len();
        let planned: Vec<TenantSync> = statuses
            .into_iter()
            .map(|status| TenantSync {
                versions: match action {
                    SyncAction::MarkMissing => status.pending_versions,
                    SyncAction::CleanOrphans => status.missing_versions,
                },
                error: status.error,
                tenant: status.tenant,
            })
            .filter(|s| !s.versions.is_empty() || s.error.is_some())
            .collect();
        let tenants = if apply {
            let work = planned
                .into_iter()
                .filter(|s| s.error.is_none())
                .map(|s| s.tenant)
                .collect();
            let job = Arc::new(SyncJob {
                fleet: self.clone(),
                action,
                hooks,
            });
            fan_out(self, job, work, self.settings.concurrency, false).await
        } else {
            planned
        };
        Ok(SyncReport {
            action,
            applied: apply,
            total,
            changed: tenants.iter().filter(|t| !t.versions.is_empty()).count(),
            failed: tenants.iter().filter(|t| t.error.is_some()).count(),
            tenants,
        })
    }
}

struct SyncJob {
    fleet: Fleet,
    action: SyncAction,
    hooks: Arc<dyn FleetHooks>,
}

impl SyncJob {
    async fn reconcile(&self, db: &mut dyn Driver, tenant: &Tenant) -> Result<Vec<i64>, String> {
        let migrator = self.fleet.migrator_for(tenant);
        let mut observer = TenantObserver {
            hooks: self.hooks.as_ref(),
            tenant,
        };
        let versions = match self.action {
            SyncAction::MarkMissing => {
                migrator
                    .mark_applied(db, None, &mut observer)
                    .await
                    .map_err(|e| e.to_string())?
                    .recorded
            }
            SyncAction::CleanOrphans => migrator
                .forget_missing(db, &mut observer)
                .await
                .map_err(|e| e.to_string())?,
        };
        Ok(versions.iter().map(|v| v.0).collect())
    }

    fn error(tenant: &Tenant, error: String) -> TenantSync {
        TenantSync {
            tenant: tenant.clone(),
            versions: Vec::new(),
            error: Some(error),
        }
    }
}

#[async_trait]
impl TenantJob for SyncJob {
    type Output = TenantSync;

    async fn run(&self, db: &mut dyn Driver, tenant: &Tenant, _: Attempt) -> Ran<TenantSync> {
        Ran::Done(match self.reconcile(db, tenant).await {
            Ok(versions) => TenantSync {
                tenant: tenant.clone(),
                versions,
                error: None,
            },
            Err(error) => SyncJob::error(tenant, error),
        })
    }

    fn unreachable(&self, tenant: &Tenant, error: String, _: Attempt) -> TenantSync {
        SyncJob::error(tenant, error)
    }

    fn skipped(&self, tenant: &Tenant) -> TenantSync {
        SyncJob::error(tenant, "the run was aborted".to_owned())
    }

    fn failed(&self, output: &TenantSync) -> bool {
        output.error.is_some()
    }
}
