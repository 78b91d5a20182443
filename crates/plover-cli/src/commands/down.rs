//! `plover down [--to VERSION | --steps N] [--dry-run]`

use std::time::Instant;

use plover::DownTarget;
use serde_json::json;

use super::up::print_plan;
use super::{Access, CommandFlags, connect_as, engine_failure, open};
use crate::args::{DownArgs, Global};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::progress::{Progress, millis};
use crate::render::count;

pub async fn run(global: &Global, args: &DownArgs, output: &mut Output) -> Result<Exit, Failure> {
    let target = match (args.to, args.steps) {
        (Some(version), _) => DownTarget::To(version),
        (None, steps) => DownTarget::Steps(steps.unwrap_or(1)),
    };
    // As for `up`: planned on a read-only connection, written only when there is work.
    let mut session = open(global, CommandFlags::default(), Access::Read, output).await?;
    let plan = session
        .migrator
        .plan_down(session.db.as_mut(), target)
        .await
        .map_err(engine_failure)?;
    if args.dry_run {
        print_plan(&plan, "revert", output);
        return Ok(Exit::Success);
    }
    if plan.steps.is_empty() {
        output.line("nothing to revert");
        output.json(&json!({ "event": "done", "reverted": [], "elapsed_ms": 0.0 }));
        return Ok(Exit::Success);
    }
    session.db = connect_as(&session.settings, Access::Write).await?;
    let started = Instant::now();
    let result = {
        let mut progress = Progress::new(output);
        session
            .migrator
            .down(session.db.as_mut(), target, &mut progress)
            .await
    };
    let report = result.map_err(engine_failure)?;
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;
    match report.migrations.len() {
        0 => output.line("nothing to revert"),
        n => output.line(format!(
            "reverted {} in {}",
            count(n, "migration"),
            millis(total_ms)
        )),
    }
    output.json(&json!({ "event": "done", "reverted": report.migrations, "elapsed_ms": total_ms }));
    Ok(Exit::Success)
}
