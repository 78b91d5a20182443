//! `plover tenants status | sync | drift | seed`

use plover::tenants::{Fleet, SyncAction, TenantState, TenantStatus};
use serde_json::json;

use super::progress::FleetProgress;
use super::{selection, tenant_failure};
use crate::args::{TenantDriftArgs, TenantSeedArgs, TenantStatusArgs, TenantSyncArgs};
use crate::exit::Exit;
use crate::output::{Failure, Mode, Output};
use crate::render;

/// `value` with `"event": "done"` in front, for `--json`.
pub(super) fn done(value: impl serde::Serialize) -> serde_json::Value {
    let mut object = json!({ "event": "done" });
    if let (Some(object), Ok(serde_json::Value::Object(fields))) =
        (object.as_object_mut(), serde_json::to_value(value))
    {
        object.extend(fields);
    }
    object
}

pub async fn status(
    fleet: &Fleet,
    args: &TenantStatusArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let selection = selection(&args.select, false)?;
    let tenants = fleet.status(&selection).await.map_err(tenant_failure)?;
    let count = |state: TenantState| tenants.iter().filter(|t| t.state == state).count();
    let counts = json!({
        "ok": count(TenantState::Ok),
        "behind": count(TenantState::Behind),
        "ahead": count(TenantState::Ahead),
        "modified": count(TenantState::Modified),
        "error": count(TenantState::Error),
    });
    output.json(&json!({
        "event": "done",
        "total": tenants.len(),
        "states": counts,
        "migrations": fleet.migrations().len(),
        "tenants": tenants,
    }));
    output.line(format!(
        "{}\n\n{}, {} each: {} ok, {} behind, {} ahead, {} modified, {} error",
        status_table(&tenants),
        render::count(tenants.len(), "tenant"),
        render::count(fleet.migrations().len(), "migration"),
        counts["ok"],
        counts["behind"],
        counts["ahead"],
        counts["modified"],
        counts["error"],
    ));
    let wrong = tenants
        .iter()
        .any(|t| !matches!(t.state, TenantState::Ok | TenantState::Behind));
    let behind = count(TenantState::Behind) > 0;
    Ok(match (args.check, wrong, behind) {
        (false, _, _) | (true, false, false) => Exit::Success,
        (true, true, _) => Exit::Refused,
        (true, false, true) => Exit::Pending,
    })
}

/// The tenants as a table, in one string (a thousand tenants make a thousand lines).
pub fn status_table(tenants: &[TenantStatus]) -> String {
    if tenants.is_empty() {
        return "no tenants found: `plover tenants create ID` makes one; tenants are the schemas \
                named by tenants.schema_template (tenant_{id}), or those tenants.ids or \
                tenants.query name"
            .to_owned();
    }
    let id_width = tenants
        .iter()
        .map(|t| t.tenant.id.len())
        .max()
        .unwrap_or(0)
        .max("TENANT".len());
    let schema_width = tenants
        .iter()
        .map(|t| t.tenant.schema.len())
        .max()
        .unwrap_or(0)
        .max("SCHEMA".len());
    let mut lines = vec![format!(
        "{:<id_width$}  {:<schema_width$}  {:<8}  {:>7}  {:>7}  DETAIL",
        "TENANT", "SCHEMA", "STATE", "APPLIED", "PENDING"
    )];
    for t in tenants {
        let detail = match t.state {
            _ if !t.schema_exists => "no schema yet".to_owned(),
            TenantState::Error => t.error.clone().unwrap_or_default(),
            TenantState::Modified => format!("modified: {}", versions(&t.modified_versions)),
            TenantState::Ahead => format!("files gone: {}", versions(&t.missing_versions)),
            TenantState::Behind | TenantState::Ok => String::new(),
        };
        let line = format!(
            "{:<id_width$}  {:<schema_width$}  {:<8}  {:>7}  {:>7}  {detail}",
            t.tenant.id,
            t.tenant.schema,
            t.state.as_str(),
            t.applied,
            t.pending
        );
        lines.push(line.trim_end().to_owned());
    }
    lines.join("\n")
}

fn versions(list: &[i64]) -> String {
    list.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn sync(fleet: &Fleet, args: &TenantSyncArgs, output: &Output) -> Result<Exit, Failure> {
    let selection = selection(&args.select, false)?;
    let action = if args.mark_missing {
        SyncAction::MarkMissing
    } else {
        SyncAction::CleanOrphans
    };
    let progress = FleetProgress::new(output, "recorded");
    let report = fleet
        .sync(&selection, action, args.apply, progress)
        .await
        .map_err(tenant_failure)?;
    output.json(&done(&report));
    let verb = match (action, args.apply) {
        (SyncAction::MarkMissing, true) => "recorded as applied",
        (SyncAction::MarkMissing, false) => "would be recorded as applied",
        (SyncAction::CleanOrphans, true) => "removed from the history",
        (SyncAction::CleanOrphans, false) => "would be removed from the history",
    };
    let mut lines: Vec<String> = report
        .tenants
        .iter()
        .map(|t| match &t.error {
            Some(error) => format!("  {}: FAILED: {error}", t.tenant.id),
            None => format!("  {}: {} {verb}", t.tenant.id, versions(&t.versions)),
        })
        .collect();
    lines.push(format!(
        "{} of {} {}{}",
        report.changed,
        render::count(report.total, "tenant"),
        if args.apply {
            "reconciled"
        } else {
            "to reconcile"
        },
        if args.apply || report.changed == 0 {
            String::new()
        } else {
            "; nothing was changed: add --apply to write".to_owned()
        }
    ));
    output.line(lines.join("\n"));
    Ok(if report.failed > 0 {
        Exit::Database
    } else {
        Exit::Success
    })
}

pub async fn drift(
    fleet: &Fleet,
    args: &TenantDriftArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let selection = selection(&args.select, false)?;
    let progress = FleetProgress::new(output, "compared");
    let report = fleet
        .drift(&selection, args.reference.as_deref(), progress.clone())
        .await
        .map_err(tenant_failure);
    progress.finish();
    let report = report?;
    output.json(&done(&report));
    if output.mode() == Mode::Human {
        let mut text = String::new();
        for tenant in &report.tenants {
            text.push_str(&format!(
                "tenant {} ({}): {}\n",
                tenant.tenant.id,
                tenant.tenant.schema,
                render::schema::summary(&tenant.changes)
            ));
            text.push_str(&crate::commands::indent(&render::schema::changes(
                &tenant.changes,
            )));
            text.push('\n');
        }
        if !report.missing.is_empty() {
            text.push_str(&format!(
                "no schema (not compared): {}\n",
                report.missing.join(", ")
            ));
        }
        text.push_str(&format!(
            "{} of {} {} from {}",
            report.drifted,
            render::count(report.total, "tenant"),
            if report.drifted == 1 {
                "differs"
            } else {
                "differ"
            },
            report.reference
        ));
        output.line(text);
    }
    Ok(if report.drifted > 0 || !report.missing.is_empty() {
        Exit::Differences
    } else {
        Exit::Success
    })
}

pub async fn seed(fleet: &Fleet, args: &TenantSeedArgs, output: &Output) -> Result<Exit, Failure> {
    let selection = selection(&args.select, true)?;
    let progress = FleetProgress::new(output, "seeded");
    let report = fleet
        .seed(
            &selection,
            &args.file,
            args.concurrency.map(usize::from),
            progress.clone(),
        )
        .await
        .map_err(tenant_failure);
    progress.finish();
    let report = report?;
    output.json(&done(&report));
    let mut lines: Vec<String> = report
        .tenants
        .iter()
        .filter_map(|t| {
            t.error
                .as_ref()
                .map(|e| format!("  {}: FAILED (rolled back): {e}", t.tenant.id))
        })
        .collect();
    lines.push(format!(
        "{}: {} seeded, {} failed, {} skipped; {} touched",
        report.file,
        render::count(report.succeeded, "tenant"),
        report.failed,
        report.skipped,
        render::count(report.rows as usize, "row")
    ));
    output.line(lines.join("\n"));
    Ok(if report.failed > 0 {
        Exit::MigrationFailed
    } else {
        Exit::Success
    })
}
