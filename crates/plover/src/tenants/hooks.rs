//! Hooks a caller passes to fleet commands; workers call them from several tasks at once.

use plover_core::{Event, Version};

use super::{Tenant, TenantResult};

/// Called around each tenant and each migration of a fleet run, in this order per tenant:
/// `before_tenant`, then per migration `before_migration` .. `after_migration`, then
/// `after_tenant`. Every event the tenant's migrator reports also arrives at `on_event`.
/// Different tenants' calls interleave; implementations must be cheap and thread-safe.
pub trait FleetHooks: Send + Sync {
    /// The run has chosen its tenants: `total` of them, `with_work` needing a worker (all of
    /// them when the run reads no status first: each worker then finds out for itself).
    fn selected(&self, _total: usize, _with_work: usize) {}

    /// A worker is starting on `tenant` (once, even when the tenant is put back in the queue
    /// because another runner held it).
    fn before_tenant(&self, _tenant: &Tenant) {}

    /// `tenant` is done, however it ended (skipped tenants too).
    fn after_tenant(&self, _result: &TenantResult) {}

    /// A migration is starting in `tenant`; for a migration applied in its tenant's single
    /// round trip ([`crate::Migrator::up_expecting`]), called when that round trip is back,
    /// just before `after_migration`.
    fn before_migration(&self, _tenant: &Tenant, _version: Version, _name: &str) {}

    /// A migration was applied in `tenant`, in `elapsed_ms`.
    fn after_migration(&self, _tenant: &Tenant, _version: Version, _name: &str, _elapsed_ms: f64) {}

    /// Any event of the tenant's migrator (lock waits, statements, ...).
    fn on_event(&self, _tenant: &Tenant, _event: &Event) {}

    /// `drift` has read `read` of the `total` schemas it compares (called after each
    /// catalog pass, from the pass's task).
    fn schemas_read(&self, _read: usize, _total: usize) {}
}

/// Hooks that do nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHooks;

impl FleetHooks for NoHooks {}

/// Turns one tenant's migrator events into hook calls.
pub(crate) struct TenantObserver<'a> {
    pub hooks: &'a dyn FleetHooks,
    pub tenant: &'a Tenant,
}

impl crate::Observer for TenantObserver<'_> {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::MigrationStarted { version, name, .. } => {
                self.hooks.before_migration(self.tenant, *version, name);
            }
            Event::MigrationApplied {
                version,
                name,
                elapsed_ms,
            } => self
                .hooks
                .after_migration(self.tenant, *version, name, *elapsed_ms),
            _ => {}
        }
        self.hooks.on_event(self.tenant, event);
    }
}
