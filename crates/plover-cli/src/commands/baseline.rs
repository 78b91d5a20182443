//! `plover baseline --version V`

use serde_json::json;

use super::{Access, CommandFlags, engine_failure, open};
use crate::args::{BaselineArgs, Global};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::progress::Progress;
use crate::render::count;

pub async fn run(
    global: &Global,
    args: &BaselineArgs,
    output: &mut Output,
) -> Result<Exit, Failure> {
    let mut session = open(global, CommandFlags::default(), Access::Write, output).await?;
    let result = {
        let mut progress = Progress::new(output);
        session
            .migrator
            .baseline(session.db.as_mut(), args.version, &mut progress)
            .await
    };
    let report = result.map_err(engine_failure)?;
    output.line(format!(
        "recorded {} up to version {} as applied, without running them",
        count(report.recorded.len(), "migration"),
        args.version
    ));
    output.json(&json!({ "event": "done", "recorded": report.recorded }));
    Ok(Exit::Success)
}
