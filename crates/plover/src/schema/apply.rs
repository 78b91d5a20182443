//! Applying concatenated DDL and seed files in one transaction.

use plover_core::{Driver, DriverError, Step};

use super::error::SchemaError;
use super::tree::Concatenation;

/// Runs the `prelude` statements, every file of `ddl`, then every file of `seeds`, in one
/// transaction, each file as one step. A failure rolls it all back and names the file and
/// line.
pub async fn apply(
    db: &mut dyn Driver,
    prelude: &[String],
    ddl: &Concatenation,
    seeds: &Concatenation,
) -> Result<(), SchemaError> {
    let mut steps: Vec<Step<'_>> = prelude.iter().map(|sql| Step::Script(sql)).collect();
    let prelude = steps.len();
    let files = ddl.parts().iter().map(|p| (ddl, p));
    let files: Vec<_> = files
        .chain(seeds.parts().iter().map(|p| (seeds, p)))
        .collect();
    steps.extend(files.iter().map(|(c, p)| Step::Script(c.part_text(p))));
    db.transaction(&steps).await.map_err(|source| {
        let failed = source
            .step
            .and_then(|s| s.checked_sub(prelude))
            .and_then(|s| files.get(s));
        match failed {
            Some((concatenation, part)) => file_failed(concatenation, part, source),
            None => SchemaError::Database {
                context: "cannot apply the schema".to_owned(),
                source: Box::new(source),
            },
        }
    })
}

fn file_failed(
    concatenation: &Concatenation,
    part: &super::tree::Part,
    source: DriverError,
) -> SchemaError {
    let index = concatenation
        .parts()
        .iter()
        .position(|p| p == part)
        .unwrap_or(0);
    let line = source
        .position
        .and_then(|offset| concatenation.locate(index, offset))
        .map(|(_, line)| line);
    SchemaError::FileFailed {
        path: part.path.clone(),
        line,
        source: Box::new(source),
    }
}

/// Statements that put `schema` (created when missing, dropped first when `reset`) alone on
/// the search path of the transaction.
pub fn schema_prelude(schema: &str, reset: bool) -> Vec<String> {
    // Assembled from strings: the schema name goes through the quoting helper.
    let name = plover_core::sql::quote_ident(schema);
    let mut prelude = Vec::new();
    if reset {
        prelude.push(format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
    }
    prelude.push(format!("CREATE SCHEMA IF NOT EXISTS {name}"));
    prelude.push(format!("SET LOCAL search_path TO {name}"));
    prelude
}
