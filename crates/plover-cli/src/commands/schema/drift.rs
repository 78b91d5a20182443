//! `plover schema drift`

use plover::config::Settings;
use plover::schema::drift;
use serde_json::json;

use super::{compare_options, report_changes, schema_failure};
use crate::args::SchemaDriftArgs;
use crate::exit::Exit;
use crate::output::{Failure, Output};

pub async fn run(
    settings: &Settings,
    args: &SchemaDriftArgs,
    output: &mut Output,
) -> Result<Exit, Failure> {
    let options = compare_options(settings, args.scratch_url.as_deref(), output)?;
    let report = drift(
        &settings.database,
        args.schema.as_deref(),
        &settings.migrations_dir,
        &options,
    )
    .await
    .map_err(schema_failure)?;
    let replayed = match report.replayed_to {
        Some(version) => format!("migrations up to {version}"),
        None => "no migrations (none is applied)".to_owned(),
    };
    let mut header = vec![
        format!("--- what {} produce", replayed),
        format!("+++ {}", report.database),
    ];
    if !report.edited_or_missing.is_empty() {
        let (which, were) = match report.edited_or_missing.len() {
            1 => ("migration", "was"),
            _ => ("migrations", "were"),
        };
        header.push(format!(
            "note: applied {which} {:?} {were} edited or removed since; the replay used the files as they are now",
            report.edited_or_missing
        ));
    }
    let extra = json!({
        "database": report.database,
        "replayed_to": report.replayed_to,
        "edited_or_missing": report.edited_or_missing,
    });
    Ok(report_changes(output, &report.changes, &header, extra))
}
