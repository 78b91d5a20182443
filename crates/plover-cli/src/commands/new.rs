//! `plover new NAME`

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use plover::scaffold::{self, VersionStyle};
use serde_json::json;

use crate::args::{Global, NewArgs};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::settings;

pub fn run(global: &Global, args: &NewArgs, output: &Output) -> Result<Exit, Failure> {
    let settings = settings::load(global, settings::CommandFlags::default())?;
    create(&settings.migrations_dir, args, output)
}

/// Writes the new migration's file(s) into `dir` (created when missing).
pub fn create(dir: &Path, args: &NewArgs, output: &Output) -> Result<Exit, Failure> {
    let style = match (args.timestamp, args.sequential) {
        (true, _) => VersionStyle::Timestamp,
        (_, true) => VersionStyle::Sequential,
        _ => VersionStyle::Auto,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let created = scaffold::new_migration(dir, &args.name.join("_"), style, now, args.down)
        .map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    let names: Vec<String> = created.iter().map(|p| p.display().to_string()).collect();
    for name in &names {
        output.line(format!("created {name}"));
    }
    output.json(&json!({ "created": names }));
    Ok(Exit::Success)
}
