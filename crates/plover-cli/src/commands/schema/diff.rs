//! `plover schema diff`

use plover::config::Settings;
use plover::schema::{Side, compare};
use serde_json::json;

use super::{compare_options, report_changes, schema_failure};
use crate::args::SchemaDiffArgs;
use crate::exit::Exit;
use crate::output::{Failure, Output};

pub async fn run(
    settings: &Settings,
    args: &SchemaDiffArgs,
    output: &mut Output,
) -> Result<Exit, Failure> {
    let source = Side::parse(&args.source).map_err(schema_failure)?;
    let target = Side::parse(&args.target).map_err(schema_failure)?;
    for side in [&source, &target] {
        if let Side::Database { url, .. } = side {
            output.hide(url.passwords());
        }
    }
    let options = compare_options(settings, args.scratch_url.as_deref(), output)?;
    let comparison = compare(&source, &target, &options)
        .await
        .map_err(schema_failure)?;
    let header = [
        format!("--- {}", comparison.source),
        format!("+++ {}", comparison.target),
    ];
    let extra = json!({ "source": comparison.source, "target": comparison.target });
    Ok(report_changes(output, &comparison.changes, &header, extra))
}
