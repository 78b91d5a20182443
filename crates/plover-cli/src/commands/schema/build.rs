//! `plover schema build`

use std::time::Instant;

use plover::config::Settings;
use plover::schema::{Preparation, Target, TreeSettings, WhenNotEmpty, build_into, concatenate};
use serde_json::json;

use super::schema_failure;
use crate::args::SchemaBuildArgs;
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::render::count;

pub async fn run(
    settings: &Settings,
    args: &SchemaBuildArgs,
    output: &mut Output,
) -> Result<Exit, Failure> {
    let tree = &settings.schema.tree;
    let ddl = concatenate(tree, "schema.dirs").map_err(schema_failure)?;
    let sha256 = ddl.sha256().to_string();
    let files = ddl.parts().len();
    if let Some(path) = &args.output {
        std::fs::write(path, ddl.text()).map_err(|e| {
            Failure::new(Exit::Usage, format!("cannot write {}: {e}", path.display()))
        })?;
        output.note(format!(
            "wrote {} to {}",
            count(files, "file"),
            path.display()
        ));
    }
    if args.hash {
        output.artifact_line(&sha256);
    }
    // With another result asked for, the script itself is not what the user wants to see.
    if args.output.is_none() && !args.hash && !args.apply {
        output.artifact(ddl.text());
    }
    let mut report = json!({ "event": "done", "files": files, "sha256": sha256 });
    if args.apply {
        let seeds = seed_tree(tree, settings);
        let seeds = concatenate(&seeds, "schema.seed_dirs").map_err(schema_failure)?;
        let target = Target {
            url: settings.database.clone(),
            schema: args.schema.clone(),
        };
        let when = if args.recreate {
            WhenNotEmpty::Recreate
        } else {
            WhenNotEmpty::Refuse
        };
        let started = Instant::now();
        let preparation = build_into(&target, when, &ddl, &seeds)
            .await
            .map_err(schema_failure)?;
        let elapsed = started.elapsed().as_secs_f64();
        output.note(format!(
            "applied {} and {} to {} ({}) in {elapsed:.2}s",
            count(files, "schema file"),
            count(seeds.parts().len(), "seed file"),
            shown_target(&target),
            preparation_word(preparation),
        ));
        report["applied"] = json!({
            "target": shown_target(&target),
            "preparation": preparation,
            "seeds": seeds.parts().len(),
            "seconds": elapsed,
        });
    }
    output.json(&report);
    Ok(Exit::Success)
}

/// The seed directories, read like the schema tree (same base, same exclusions).
fn seed_tree(tree: &TreeSettings, settings: &Settings) -> TreeSettings {
    TreeSettings {
        dirs: settings.schema.seed_dirs.clone(),
        order_file: None,
        ..tree.clone()
    }
}

fn shown_target(target: &Target) -> String {
    match &target.schema {
        Some(schema) => format!("schema {schema} of {}", target.url),
        None => target.url.to_string(),
    }
}

fn preparation_word(preparation: Preparation) -> &'static str {
    match preparation {
        Preparation::Created => "created",
        Preparation::Empty => "it was empty",
        Preparation::Recreated => "dropped and recreated",
    }
}
