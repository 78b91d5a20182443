//! `tenants list`, `create` and `drop`.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use plover_core::sql::quote_ident;
use plover_core::{Driver, Value};
use serde::Serialize;

use super::migrate::Survey;
use super::seed::SeedScript;
use super::{
    Fleet, FleetHooks, MigrateOptions, Outcome, Selection, Tenant, TenantError, TenantResult,
    TenantStatus,
};

const SCHEMA_EXISTS: &str = "SELECT 1 FROM pg_namespace WHERE nspname = $1";

/// `tenants list`: the discovered tenants with where each stands.
#[derive(Clone, Debug, Serialize)]
pub struct Listing {
    /// How tenants were found: `schemas`, `query` or `list`.
    pub discovery: &'static str,
    /// Every tenant.
    pub tenants: Vec<TenantStatus>,
}

/// `tenants create`: the schema made, the migrations applied, the seed run.
#[derive(Clone, Debug, Serialize)]
pub struct CreateReport {
    /// The migration run in the new schema.
    #[serde(flatten)]
    pub migrated: TenantResult,
    /// Rows the seed file touched, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeded_rows: Option<u64>,
}

impl Fleet {
    /// Every tenant `selection` names, with its status, read in a few queries.
    pub async fn status(&self, selection: &Selection) -> Result<Vec<TenantStatus>, TenantError> {
        let mut db = self.connect().await?;
        let tenants = self.select(db.as_mut(), selection).await?;
        self.read_statuses(db.as_mut(), &tenants, self.settings.concurrency)
            .await
    }

    /// The discovered tenants.
    pub async fn list(&self) -> Result<Listing, TenantError> {
        Ok(Listing {
            discovery: match self.settings.discovery {
                super::Discovery::Schemas => "schemas",
                super::Discovery::Query(_) => "query",
                super::Discovery::List(_) => "list",
            },
            tenants: self.status(&Selection::All).await?,
        })
    }

    /// Creates tenant `id`: its schema, every tenant migration, then the seed file if given.
    /// Refuses, creating nothing, an id that `tenants.ids` or `tenants.query` does not
    /// give, a tenant whose schema exists already and migrations that fail the preflight (as `migrate` would refuse them). When a migration fails, the
    /// schema is left as the failure left it (each migration rolled back as usual) and the
    /// error says so; `migrate --tenant ID` finishes it after a fix.
    pub async fn create(
        &self,
        id: &str,
        seed: Option<&Path>,
        hooks: Arc<dyn FleetHooks>,
    ) -> Result<CreateReport, TenantError> {
        let tenant = self.tenant(id)?;
        let seed_script = seed.map(SeedScript::read).transpose()?;
        let mut db = self.connect().await?;
        // A tenant outside `tenants.ids` or `tenants.query` could be made but never
        // migrated again: `migrate` refuses it and `--all` does not find it.
        self.require_listed(db.as_mut(), std::slice::from_ref(&tenant))
            .await?;
        if schema_exists(db.as_mut(), &tenant.schema).await? {
            return Err(TenantError::AlreadyExists {
                id: tenant.id,
                schema: tenant.schema,
            });
        }
        self.preflight_up_to(db.as_ref(), None)?;
        db.execute_script(&format!("CREATE SCHEMA {}", quote_ident(&tenant.schema)))
            .await
            .map_err(TenantError::database(format!(
                "creating schema {}",
                tenant.schema
            )))?;
        // The files passed the preflight above and the schema is new: straight to its lock.
        let report = self
            .migrate_at_the_lock(
                vec![tenant.clone()],
                &MigrateOptions::default(),
                hooks,
                Instant::now(),
                Survey::new_tenant(&tenant),
            )
            .await;
        let migrated = report.tenants.into_iter().next().expect("one tenant");
        let seeded_rows = match (&seed_script, migrated.outcome) {
            (Some(script), Outcome::Succeeded) => Some(
                seed_in_schema(db.as_mut(), &tenant, script)
                    .await
                    .map_err(|message| TenantError::SeedFailed {
                        id: tenant.id.clone(),
                        path: seed.expect("a seed file").display().to_string(),
                        message,
                    })?,
            ),
            _ => None,
        };
        Ok(CreateReport {
            migrated,
            seeded_rows,
        })
    }

    /// Drops tenant `id`'s schema and everything in it.
    pub async fn drop_tenant(&self, id: &str) -> Result<(), TenantError> {
        let tenant = self.tenant(id)?;
        let mut db = self.connect().await?;
        if !schema_exists(db.as_mut(), &tenant.schema).await? {
            return Err(TenantError::NoSuchTenant {
                id: tenant.id,
                schema: tenant.schema,
            });
        }
        db.execute_script(&format!(
            "DROP SCHEMA {} CASCADE",
            quote_ident(&tenant.schema)
        ))
        .await
        .map_err(TenantError::database(format!(
            "dropping schema {}",
            tenant.schema
        )))
    }
}

/// Whether `schema` exists.
pub(super) async fn schema_exists(db: &mut dyn Driver, schema: &str) -> Result<bool, TenantError> {
    let rows = db
        .query(SCHEMA_EXISTS, &[Value::from(schema)])
        .await
        .map_err(TenantError::database("looking up the tenant schema"))?;
    Ok(!rows.is_empty())
}

/// Seeds `tenant` on `db`, a connection of the caller's, its schema put on the search path.
async fn seed_in_schema(
    db: &mut dyn Driver,
    tenant: &Tenant,
    seed: &SeedScript,
) -> Result<u64, String> {
    db.use_schema(Some(&tenant.schema))
        .await
        .map_err(|e| format!("setting search_path to {}: {e}", tenant.schema))?;
    Fleet::seed_one(db, tenant, seed).await
}
