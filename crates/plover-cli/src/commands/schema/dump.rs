//! `plover schema dump`

use plover::config::Settings;
use plover::schema::dump;
use serde_json::json;

use super::schema_failure;
use crate::args::SchemaDumpArgs;
use crate::exit::Exit;
use crate::output::{Failure, Output};

pub async fn run(
    settings: &Settings,
    args: &SchemaDumpArgs,
    output: &mut Output,
) -> Result<Exit, Failure> {
    let catalog = dump(
        &settings.database,
        args.schema.as_deref(),
        &settings.options,
    )
    .await
    .map_err(schema_failure)?;
    let text = plover::core::schema::render::catalog(&catalog);
    if text.is_empty() {
        output.note("the database has no schema objects");
    } else {
        output.artifact_line(text.trim_end());
    }
    output.json(&json!({ "event": "done", "catalog": catalog }));
    Ok(Exit::Success)
}
