//! `plover verify`

use serde_json::json;

use super::{Access, CommandFlags, engine_failure, open};
use crate::args::Global;
use crate::exit::Exit;
use crate::output::{Failure, Output};

pub async fn run(global: &Global, output: &mut Output) -> Result<Exit, Failure> {
    let mut session = open(global, CommandFlags::default(), Access::Read, output).await?;
    let report = session
        .migrator
        .verify(session.db.as_mut())
        .await
        .map_err(engine_failure)?;
    output.line(match report.checked {
        1 => "1 applied migration matches its file".to_owned(),
        n => format!("{n} applied migrations match their files"),
    });
    output.json(&json!({ "event": "done", "checked": report.checked }));
    Ok(Exit::Success)
}
