//! `plover up [--to VERSION] [--dry-run] [--allow-out-of-order]`

use std::time::Instant;

use plover::core::TransactionMode;
use plover::migrator::Plan;
use serde_json::json;

use super::{Access, CommandFlags, Session, connect_as, engine_failure, open};
use crate::args::{Global, UpArgs};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::progress::{Progress, millis};
use crate::render::count;

pub async fn run(global: &Global, args: &UpArgs, output: &mut Output) -> Result<Exit, Failure> {
    // Planned on a read-only connection first: a dry run, a refusal or nothing to do then
    // writes nothing (not even a new SQLite file).
    let mut session = open(
        global,
        CommandFlags {
            allow_out_of_order: args.allow_out_of_order,
            force: args.force,
        },
        Access::Read,
        output,
    )
    .await?;
    let plan = session
        .migrator
        .plan_up(session.db.as_mut(), args.to)
        .await
        .map_err(|e| failure(&session, e))?;
    if args.dry_run {
        print_plan(&plan, "apply", output);
        return Ok(Exit::Success);
    }
    if plan.steps.is_empty() {
        let known = session.migrator.migrations().len();
        output.line(format!(
            "nothing to apply; {} known",
            count(known, "migration")
        ));
        output.json(&json!({ "event": "done", "applied": [], "elapsed_ms": 0.0 }));
        return Ok(Exit::Success);
    }
    session.db = connect_as(&session.settings, Access::Write).await?;
    let started = Instant::now();
    let result = {
        let mut progress = Progress::new(output);
        session
            .migrator
            .up(session.db.as_mut(), args.to, &mut progress)
            .await
    };
    let report = result.map_err(|e| failure(&session, e))?;
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;
    match report.migrations.len() {
        0 => output.line(format!(
            "nothing to apply; {} known",
            count(session.migrator.migrations().len(), "migration")
        )),
        n => output.line(format!(
            "applied {} in {}",
            count(n, "migration"),
            millis(total_ms)
        )),
    }
    output.json(&json!({ "event": "done", "applied": report.migrations, "elapsed_ms": total_ms }));
    Ok(Exit::Success)
}

/// A failed migration's message says what state it left behind.
fn failure(session: &Session, error: plover::Error) -> Failure {
    // Busy and a lost connection exit 6 and 8, but are migration failures all the same.
    let (failed_migration, lost) = match &error {
        plover::Error::MigrationFailed { source, .. } => {
            (true, source.kind == plover::core::ErrorKind::Closed)
        }
        _ => (false, false),
    };
    let mut failure = engine_failure(error);
    if !failed_migration {
        return failure;
    }
    let version = failure.details["version"].as_i64();
    let mode = session
        .migrator
        .migrations()
        .iter()
        .find(|m| Some(m.version.0) == version)
        .map(|m| m.up.transaction);
    let aftermath = match (mode, version) {
        _ if lost => "the connection was lost during the migration, so whether it committed is \
                      not known; `plover status` tells, then `plover up` goes on"
            .to_owned(),
        (Some(TransactionMode::None), Some(version)) => format!(
            "the statements before it are committed and recorded; once the cause is fixed, \
             `plover up` resumes at this statement (if the fix edits the file, record it first \
             with `plover accept {version} --reason \"...\"`)"
        ),
        _ => {
            "it was rolled back: none of it is applied; fix it and run `plover up` again".to_owned()
        }
    };
    failure.message.push_str(&format!("\n  {aftermath}"));
    if let Some(applied) = failure.details["applied"]
        .as_array()
        .filter(|a| !a.is_empty())
    {
        let list: Vec<String> = applied.iter().map(|v| v.to_string()).collect();
        failure.message.push_str(&format!(
            "\n  applied before it in this run: {}",
            list.join(", ")
        ));
    }
    failure
}

/// Prints a dry run's plan.
pub fn print_plan(plan: &Plan, verb: &str, output: &Output) {
    output.json(&serde_json::to_value(plan).unwrap_or_default());
    if plan.steps.is_empty() {
        output.line(format!("nothing to {verb} (dry run)"));
        return;
    }
    output.line(format!(
        "would {verb} {} (dry run; nothing was changed):",
        count(plan.steps.len(), "migration")
    ));
    for step in &plan.steps {
        let how = match step.transaction {
            TransactionMode::Single => "in one transaction",
            TransactionMode::None => "statement by statement, no transaction",
        };
        let resume = step
            .resume_after
            .map(|n| format!(", resuming after statement {n}"))
            .unwrap_or_default();
        output.line(format!(
            "  {} {}  {}  ({}, {how}{resume})",
            step.version,
            step.name,
            step.path,
            count(step.statements, "statement")
        ));
        if let Some(tier) = &step.tier {
            output.line(format!("      risk: {}", super::status::tier_text(tier)));
        }
        for finding in &step.findings {
            output.line(format!(
                "      {}[{}] line {}: {}",
                finding.severity.as_str(),
                finding.rule,
                finding.line,
                finding.message
            ));
        }
    }
}
