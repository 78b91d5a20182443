//! Tenant fleets: the same migrations in every tenant schema of one PostgreSQL database.
//!
//! A [`Fleet`] finds its tenants (a query, a list, or every schema fitting the template),
//! gives each tenant schema its own history table and migration lock, and fans work out to
//! a bounded pool of workers: tenants migrate in parallel while each stays serial, and two
//! fleet runs at once never apply anything twice. A failure inside one tenant is that
//! tenant's result, never the others' problem.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use plover::tenants::{Fleet, MigrateOptions, NoHooks, Selection, TenantSettings};
//! use plover::{DatabaseUrl, Options};
//!
//! let url = DatabaseUrl::parse("postgres://localhost/app")?;
//! let fleet = Fleet::new(url, TenantSettings::default(), Options::default())?;
//! let report = fleet
//!     .migrate(&Selection::All, &MigrateOptions::default(), Arc::new(NoHooks))
//!     .await?;
//! println!("{} of {} tenants migrated", report.succeeded, report.total);
//! # Ok(()) }
//! ```

mod adopt;
mod discovery;
mod drift;
mod error;
mod hooks;
mod lifecycle;
mod migrate;
mod pool;
mod report;
mod seed;
mod settings;
mod status;
mod sync;

use std::sync::Arc;

use plover_core::Driver;
use serde::Serialize;

pub use drift::{DriftReport, TenantDrift};
pub use error::TenantError;
pub use hooks::{FleetHooks, NoHooks};
pub use lifecycle::{CreateReport, Listing};
pub use report::{FleetReport, MigrateOptions, Outcome, TenantResult};
pub use seed::{SeedReport, TenantSeed};
pub use settings::{DEFAULT_ADOPT_TABLE, DEFAULT_CONCURRENCY, Discovery, OnError, TenantSettings};
pub use status::{TenantState, TenantStatus};
pub use sync::{SyncAction, SyncReport, TenantSync};

/// Pools for applications: one per tenant, its schema on the search path.
pub use plover_postgres::pools::{PoolsConfig, TenantPools};

use crate::database_url::{Backend, DatabaseUrl};
use crate::migrator::{Migrator, Options};

/// One tenant: its id and the schema it lives in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Tenant {
    /// The tenant id.
    pub id: String,
    /// Its schema.
    pub schema: String,
}

/// Which tenants a command works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every discovered tenant.
    All,
    /// These, in this order (checked, not discovered).
    Only(Vec<String>),
}

/// The tenant fleet of one database.
#[derive(Clone, Debug)]
pub struct Fleet {
    url: DatabaseUrl,
    settings: Arc<TenantSettings>,
    migrator: Migrator,
}

impl Fleet {
    /// A fleet in the PostgreSQL database at `url`, its tenant migrations read from
    /// `settings.dir`. `options` are the migrator's (lock timeout, lint, who applies); the
    /// history table's schema is each tenant's own.
    pub fn new(
        url: DatabaseUrl,
        settings: TenantSettings,
        options: Options,
    ) -> Result<Fleet, TenantError> {
        if url.backend() != Backend::Postgres {
            return Err(TenantError::Usage(format!(
                "tenant fleets live in PostgreSQL schemas, and {url} is SQLite; \
                 pass --database postgres://... or set database.url"
            )));
        }
        if !settings.dir.is_dir() {
            return Err(TenantError::Usage(format!(
                "the tenant migrations directory {} does not exist; `plover tenants new NAME` creates it with a first migration, or point tenants.dir (or --tenants-dir) at yours",
                settings.dir.display()
            )));
        }
        let migrator = Migrator::from_directory(&settings.dir, options)
            .map_err(|e| TenantError::Migrations(Box::new(e)))?;
        Ok(Fleet {
            url,
            settings: Arc::new(settings),
            migrator,
        })
    }

    /// The settings.
    pub fn settings(&self) -> &TenantSettings {
        &self.settings
    }

    /// The tenant migrations, in version order.
    pub fn migrations(&self) -> &[plover_core::Migration] {
        self.migrator.migrations()
    }

    /// Tenant `id`, once its id is checked.
    pub fn tenant(&self, id: &str) -> Result<Tenant, TenantError> {
        let schema = self
            .settings
            .template
            .schema_for(id, &self.settings.id_pattern)?;
        Ok(Tenant {
            id: id.to_owned(),
            schema,
        })
    }

    /// A new connection to the fleet's database.
    pub async fn connect(&self) -> Result<Box<dyn Driver>, TenantError> {
        crate::connect(&self.url)
            .await
            .map_err(|source| TenantError::Connect {
                url: self.url.to_string(),
                source: Box::new(source),
            })
    }

    /// The tenants `selection` names: discovered, or checked one by one.
    pub async fn select(
        &self,
        db: &mut dyn Driver,
        selection: &Selection,
    ) -> Result<Vec<Tenant>, TenantError> {
        match selection {
            Selection::All => discovery::discover(db, &self.settings).await,
            Selection::Only(ids) => {
                let mut tenants: Vec<Tenant> = Vec::with_capacity(ids.len());
                for id in ids {
                    let tenant = self.tenant(id)?;
                    if !tenants.contains(&tenant) {
                        tenants.push(tenant);
                    }
                }
                self.require_listed(db, &tenants).await?;
                Ok(tenants)
            }
        }
    }

    /// With tenants listed (`ids`) or queried (`query`), that every one of `named` is one
    /// of them: a mistyped id is refused, never created.
    async fn require_listed(
        &self,
        db: &mut dyn Driver,
        named: &[Tenant],
    ) -> Result<(), TenantError> {
        if matches!(self.settings.discovery, Discovery::Schemas) {
            return Ok(());
        }
        let listed = discovery::discover(db, &self.settings).await?;
        match named.iter().find(|t| !listed.contains(t)) {
            Some(tenant) => Err(TenantError::NotListed {
                id: tenant.id.clone(),
                setting: discovery::source_name(&self.settings),
            }),
            None => Ok(()),
        }
    }

    /// [`Fleet::select`] for a command that changes tenants: with tenants found by their
    /// schemas, a tenant named in `selection` must have its schema already (a mistyped id
    /// is refused rather than created; `tenants create` makes new tenants).
    pub(super) async fn select_to_change(
        &self,
        db: &mut dyn Driver,
        selection: &Selection,
    ) -> Result<Vec<Tenant>, TenantError> {
        let tenants = self.select(db, selection).await?;
        if matches!(selection, Selection::Only(_))
            && matches!(self.settings.discovery, Discovery::Schemas)
        {
            self.require_schemas(db, &tenants).await?;
        }
        Ok(tenants)
    }

    /// The migrator of one tenant: the fleet's migrations, the tenant's history table.
    fn migrator_for(&self, tenant: &Tenant) -> Migrator {
        let mut options = self.migrator.options().clone();
        options.history_schema = Some(tenant.schema.clone());
        options.history_table = self.settings.history_table.clone();
        self.migrator.with_options(options)
    }
}
