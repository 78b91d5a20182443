//! Applying concatenated DDL and seed files in one transaction.

use plover_core::body::{Body, prepare_in_transaction};
use plover_core::sql::Syntax;
use plover_core::{Driver, DriverError, Step};

use super::error::SchemaError;
use super::tree::{Concatenation, Part};

/// One file of a build, checked and cut to what runs.
struct File<'a> {
    concatenation: &'a Concatenation,
    index: usize,
    body: Body<'a>,
}

/// The DDL files and then the seed files of a build, checked before anything runs.
pub struct Files<'a>(Vec<File<'a>>);

/// Checks every file of `ddl` and then of `seeds`, read with `syntax`: a file may wrap itself
/// in `BEGIN; ... COMMIT;` (the wrapper is left out, since the build owns the transaction),
/// but transaction control anywhere else would end that one transaction half way and is
/// refused, naming the file and line.
pub fn check<'a>(
    ddl: &'a Concatenation,
    seeds: &'a Concatenation,
    syntax: Syntax,
) -> Result<Files<'a>, SchemaError> {
    let mut files = Vec::new();
    for concatenation in [ddl, seeds] {
        for (index, part) in concatenation.parts().iter().enumerate() {
            let text = concatenation.part_text(part);
            let body =
                prepare_in_transaction(&part.path, text, syntax).map_err(SchemaError::Script)?;
            files.push(File {
                concatenation,
                index,
                body,
            });
        }
    }
    Ok(Files(files))
}

/// Runs the `prelude` statements and then every file, in one transaction, each file as one
/// step. A failure rolls it all back and names the file and line.
pub async fn apply(
    db: &mut dyn Driver,
    prelude: &[String],
    files: &Files<'_>,
) -> Result<(), SchemaError> {
    let mut steps: Vec<Step<'_>> = prelude.iter().map(|sql| Step::Script(sql)).collect();
    let prelude = steps.len();
    steps.extend(files.0.iter().map(|f| Step::Script(f.body.sql)));
    db.transaction(&steps).await.map_err(|source| {
        let failed = source
            .step
            .and_then(|s| s.checked_sub(prelude))
            .and_then(|s| files.0.get(s));
        match failed {
            Some(file) => file_failed(file, source),
            None => SchemaError::Database {
                context: "cannot apply the schema".to_owned(),
                source: Box::new(source),
            },
        }
    })
}

fn file_failed(file: &File<'_>, source: DriverError) -> SchemaError {
    let part: &Part = &file.concatenation.parts()[file.index];
    // The server counts from the start of what was sent, which a wrapped file's body is not.
    let line = source
        .position
        .and_then(|offset| {
            file.concatenation
                .locate(file.index, file.body.offset + offset)
        })
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
