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
        None if report.removed.is_empty() => "no migrations (none is applied)".to_owned(),
        None => "no migrations (no applied one has a file)".to_owned(),
    };
    let mut header = vec![
        format!("--- what {} produce", replayed),
        format!("+++ {}", report.database),
    ];
    header.extend(note(
        &report.edited,
        "edited since; the replay uses edited files as they are now",
    ));
    header.extend(note(
        &report.removed,
        "removed since; the replay leaves removed files out",
    ));
    let extra = json!({
        "database": report.database,
        "replayed_to": report.replayed_to,
        "edited": report.edited,
        "removed": report.removed,
        "edited_or_missing": report.edited_or_missing,
    });
    Ok(report_changes(output, &report.changes, &header, extra))
}

/// `note: applied migrations [2, 3] were WHAT`, when there are any.
fn note(versions: &[i64], what: &str) -> Option<String> {
    let (which, were) = match versions.len() {
        0 => return None,
        1 => ("migration", "was"),
        _ => ("migrations", "were"),
    };
    Some(format!("note: applied {which} {versions:?} {were} {what}"))
}
