//! `plover schema build | dump | diff | drift`, one file each.

mod build;
mod diff;
mod drift;
mod dump;

use plover::config::Settings;
use plover::schema::{CompareOptions, SchemaError};
use plover::{DatabaseUrl, core::schema::Change};
use serde_json::json;

use crate::args::{Global, SchemaCommand};
use crate::exit::Exit;
use crate::output::{Failure, Mode, Output};
use crate::render;
use crate::settings::{self, CommandFlags};

/// Runs one schema command.
pub async fn run(
    global: &Global,
    command: &SchemaCommand,
    output: &mut Output,
) -> Result<Exit, Failure> {
    let settings = settings::load(global, CommandFlags::default())?;
    output.hide(settings.database.passwords());
    match command {
        SchemaCommand::Build(args) => build::run(&settings, args, output).await,
        SchemaCommand::Dump(args) => dump::run(&settings, args, output).await,
        SchemaCommand::Diff(args) => diff::run(&settings, args, output).await,
        SchemaCommand::Drift(args) => drift::run(&settings, args, output).await,
    }
}

/// How comparisons read and build, from the settings and a `--scratch-url` flag.
fn compare_options(
    settings: &Settings,
    scratch_url: Option<&str>,
    output: &mut Output,
) -> Result<CompareOptions, Failure> {
    let scratch_url = match scratch_url {
        Some(url) => Some(
            DatabaseUrl::parse(url)
                .map_err(|e| Failure::new(Exit::Usage, format!("--scratch-url: {e}")))?,
        ),
        None => settings.schema.scratch_url.clone(),
    };
    if let Some(url) = &scratch_url {
        output.hide(url.passwords());
    }
    Ok(CompareOptions {
        scratch_url,
        configured: settings.database.clone(),
        migrator: settings.options.clone(),
    })
}

/// Prints `changes` (grouped for people, one object for machines) and says whether any.
fn report_changes(
    output: &Output,
    changes: &[Change],
    header: &[String],
    extra: serde_json::Value,
) -> Exit {
    if output.mode() == Mode::Human {
        for line in header {
            output.note(line);
        }
        let text = render::schema::changes(changes);
        if !text.is_empty() {
            output.line(text.trim_end());
        }
        output.note(render::schema::summary(changes));
    }
    let mut object = json!({
        "event": "done",
        "differences": changes.len(),
        "changes": changes,
    });
    if let (Some(object), Some(extra)) = (object.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
    output.json(&object);
    if changes.is_empty() {
        Exit::Success
    } else {
        Exit::Differences
    }
}

/// What the CLI shows for a schema command's error.
fn schema_failure(error: SchemaError) -> Failure {
    if let SchemaError::Replay { dir, source } = error {
        let mut failure = super::engine_failure(*source);
        failure.message = format!("replaying {}: {}", dir.display(), failure.message);
        return failure;
    }
    let details = match &error {
        SchemaError::FileFailed { path, line, source } => json!({
            "path": path,
            "line": line,
            "sqlstate": source.code,
        }),
        _ => json!({}),
    };
    Failure {
        exit: Exit::from(&error),
        message: error.to_string(),
        details,
    }
}
