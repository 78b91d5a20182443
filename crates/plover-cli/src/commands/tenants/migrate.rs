//! `plover tenants migrate`

use plover::tenants::{Fleet, FleetReport, MigrateOptions, OnError, Outcome};

use super::progress::FleetProgress;
use super::{selection, tenant_failure};
use crate::args::{OnErrorArg, TenantMigrateArgs};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::progress::millis;
use crate::render;

pub async fn run(
    fleet: &Fleet,
    args: &TenantMigrateArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let selection = selection(&args.select, true)?;
    let options = MigrateOptions {
        concurrency: args.concurrency.map(usize::from),
        on_error: args.on_error.map(|o| match o {
            OnErrorArg::Continue => OnError::Continue,
            OnErrorArg::Abort => OnError::Abort,
        }),
        canary: args.canary,
        dry_run: args.dry_run,
        mark_applied: args.mark_applied,
        target: args.to,
    };
    let progress = FleetProgress::new(
        output,
        if args.mark_applied {
            "recorded"
        } else {
            "applied"
        },
    );
    let report = fleet
        .migrate(&selection, &options, progress.clone())
        .await
        .map_err(tenant_failure);
    progress.finish();
    let report = report?;
    output.json(&super::reports::done(&report));
    output.line(summary(&report));
    Ok(if report.failed > 0 || report.canary_failed {
        Exit::MigrationFailed
    } else {
        Exit::Success
    })
}

/// `1000 tenants: 998 succeeded, 2 failed, 0 skipped (3 migrations applied) in 4.1 s`
fn summary(report: &FleetReport) -> String {
    let count = |f: fn(&plover::tenants::TenantResult) -> usize| -> usize {
        report.tenants.iter().map(f).sum()
    };
    let work = if report.dry_run {
        let planned = count(|t| t.planned.len());
        format!(
            "{} would run; nothing was changed",
            render::count(planned, "migration")
        )
    } else {
        format!(
            "{} applied",
            render::count(count(|t| t.applied.len()), "migration")
        )
    };
    let mut text = format!(
        "{}: {} succeeded, {} failed, {} skipped ({work}) in {}",
        render::count(report.total, "tenant"),
        report.succeeded,
        report.failed,
        report.skipped,
        millis(report.duration_ms),
    );
    if report.canary_failed {
        text.push_str("\nthe canary tenants failed; the others were not started");
    }
    let failed: Vec<&str> = report
        .tenants
        .iter()
        .filter(|t| t.outcome == Outcome::Failed)
        .map(|t| t.tenant.id.as_str())
        .collect();
    if !failed.is_empty() {
        text.push_str(&format!(
            "\nfailed: {}\nfix the cause and run `plover tenants migrate` again: it resumes each tenant where it stopped",
            failed.join(", ")
        ));
    }
    text
}
