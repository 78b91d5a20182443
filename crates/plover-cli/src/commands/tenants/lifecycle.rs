//! `plover tenants list | create | drop`

use plover::tenants::{Fleet, Outcome};
use serde_json::json;

use super::progress::FleetProgress;
use super::reports::status_table;
use super::tenant_failure;
use crate::args::{TenantCreateArgs, TenantDropArgs};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::render::count;

pub async fn list(fleet: &Fleet, output: &Output) -> Result<Exit, Failure> {
    let listing = fleet.list().await.map_err(tenant_failure)?;
    output.json(&json!({
        "event": "done",
        "discovery": listing.discovery,
        "tenants": listing.tenants,
    }));
    output.line(format!(
        "{} (found by {})\n{}",
        count(listing.tenants.len(), "tenant"),
        listing.discovery,
        status_table(&listing.tenants)
    ));
    Ok(Exit::Success)
}

pub async fn create(
    fleet: &Fleet,
    args: &TenantCreateArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let progress = FleetProgress::new(output, "applied");
    let report = fleet
        .create(&args.id, args.seed.as_deref(), progress)
        .await
        .map_err(tenant_failure)?;
    let mut value = super::reports::done(&report);
    value["created"] = json!(report.migrated.tenant.schema);
    output.json(&value);
    let tenant = &report.migrated.tenant;
    if report.migrated.outcome != Outcome::Succeeded {
        return Err(Failure::new(
            Exit::MigrationFailed,
            format!(
                "tenant {} was created (schema {}), but a migration failed: {}\nfix it and run `plover tenants migrate --tenant {}`",
                tenant.id,
                tenant.schema,
                report.migrated.error.as_deref().unwrap_or("unknown error"),
                tenant.id
            ),
        ));
    }
    let seeded = report
        .seeded_rows
        .map(|rows| format!(", seeded ({})", count(rows as usize, "row")))
        .unwrap_or_default();
    output.line(format!(
        "created tenant {} in schema {}: {} applied{seeded}",
        tenant.id,
        tenant.schema,
        count(report.migrated.applied.len(), "migration")
    ));
    Ok(Exit::Success)
}

pub async fn drop(fleet: &Fleet, args: &TenantDropArgs, output: &Output) -> Result<Exit, Failure> {
    let tenant = fleet.tenant(&args.id).map_err(tenant_failure)?;
    if !args.force {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "dropping tenant {} deletes schema {} and all its data; add --force to do it",
                tenant.id, tenant.schema
            ),
        ));
    }
    fleet.drop_tenant(&args.id).await.map_err(tenant_failure)?;
    output.json(&json!({ "event": "done", "dropped": tenant }));
    output.line(format!(
        "dropped tenant {} (schema {})",
        tenant.id, tenant.schema
    ));
    Ok(Exit::Success)
}
