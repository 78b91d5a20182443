//! `tenants sync`: reconciling each tenant's history rows with the files.

use std::sync::Arc;

use async_trait::async_trait;
use plover_core::Driver;
use serde::Serialize;

use super::hooks::TenantObserver;
use super::pool::{Attempt, Ran, TenantJob, fan_out};
use super::{Fleet, FleetHooks, Selection, Tenant, TenantError, TenantStatus};

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
    /// A tenant named in `selection` must exist, as for `migrate`; a tenant whose history
    /// cannot be read, or (marking) whose schema does not exist, is reported failed and
    /// left alone.
    pub async fn sync(
        &self,
        selection: &Selection,
        action: SyncAction,
        apply: bool,
        hooks: Arc<dyn FleetHooks>,
    ) -> Result<SyncReport, TenantError> {
        let mut db = self.connect().await?;
        let tenants = self.select_to_change(db.as_mut(), selection).await?;
        let statuses = self
            .read_statuses(db.as_mut(), &tenants, self.settings.concurrency)
            .await?;
        drop(db);
        let total = statuses.len();
        let planned: Vec<TenantSync> = statuses
            .into_iter()
            .filter_map(|status| planned(status, action))
            .collect();
        let tenants = if apply {
            let (work, failed): (Vec<_>, Vec<_>) =
                planned.into_iter().partition(|s| s.error.is_none());
            let job = Arc::new(SyncJob {
                fleet: self.clone(),
                action,
                hooks,
            });
            let work = work.into_iter().map(|s| s.tenant).collect();
            let mut done = fan_out(self, job, work, self.settings.concurrency, false).await;
            done.extend(failed);
            done
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

/// What `action` would change in the tenant of `status`, or why it cannot; `None` when
/// there is nothing to do.
fn planned(status: TenantStatus, action: SyncAction) -> Option<TenantSync> {
    let tenant = status.tenant;
    if !status.schema_exists {
        // Nothing in a schema that is not there was applied by hand, and nothing recorded
        // in it can be orphaned: `migrate` creates and migrates it.
        return None;
    }
    let versions = match action {
        SyncAction::MarkMissing => status.pending_versions,
        SyncAction::CleanOrphans => status.missing_versions,
    };
    (!versions.is_empty() || status.error.is_some()).then_some(TenantSync {
        tenant,
        versions,
        error: status.error,
    })
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
