//! `plover accept VERSION --reason TEXT`

use serde_json::json;

use super::{Access, CommandFlags, engine_failure, open};
use crate::args::{AcceptArgs, Global};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::progress::Progress;

pub async fn run(global: &Global, args: &AcceptArgs, output: &mut Output) -> Result<Exit, Failure> {
    if args.reason.trim().is_empty() {
        return Err(Failure::new(
            Exit::Usage,
            "--reason must say why; it is recorded in the history table",
        ));
    }
    let mut session = open(global, CommandFlags::default(), Access::Write, output).await?;
    let result = {
        let mut progress = Progress::new(output);
        session
            .migrator
            .accept(
                session.db.as_mut(),
                args.version,
                &args.reason,
                &mut progress,
            )
            .await
    };
    let report = result.map_err(engine_failure)?;
    match (report.action, &report.previous_checksum, &report.checksum) {
        ("reblessed", Some(previous), Some(now)) => output.line(format!(
            "accepted the edited file of version {}: checksum {} replaces {} (reason recorded)",
            report.version,
            &now[..8],
            &previous[..8]
        )),
        _ => output.line(format!(
            "version {} is now retired: its file is no longer expected (reason recorded)",
            report.version
        )),
    }
    output.json(&json!({ "event": "done", "accepted": report }));
    Ok(Exit::Success)
}
