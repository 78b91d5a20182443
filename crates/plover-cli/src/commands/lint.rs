//! `plover lint [PATHS] [--all] [--select R,..] [--ignore R,..] [--format F] [--list-rules]`

use std::path::{Path, PathBuf};

use plover::config::{Settings, UrlSource};
use plover::core::source::script_from;
use plover::core::status::State;
use plover::core::{Migration, Script};
use plover::lint::{
    FileLint, LintSettings, Severity, catalog, lint_scripts, parse_postgres_version,
};
use plover::{Migrator, connect_for_reading};
use serde_json::json;

use super::{CommandFlags, engine_failure};
use crate::args::{Global, LintArgs, LintFormat};
use crate::exit::Exit;
use crate::output::{Failure, Mode, Output};
use crate::render::lint as render;
use crate::settings;

pub async fn run(global: &Global, args: &LintArgs, output: &mut Output) -> Result<Exit, Failure> {
    let format = if output.mode() == Mode::Json {
        LintFormat::Json
    } else {
        args.format
    };
    // `--format json` is `--json` for this command: errors too are then reported as JSON.
    if format == LintFormat::Json {
        output.use_json();
    }
    if args.list_rules {
        render::rules(format, output);
        return Ok(Exit::Success);
    }
    let settings = settings::load(global, CommandFlags::default())?;
    output.hide(settings.database.passwords());
    let mut lint = lint_settings(&settings, args)?;
    let (scripts, server_version, note) = collect(args, &settings).await?;
    if lint.postgres_version.is_none() {
        lint.postgres_version = server_version;
    }
    let options = lint.options(None);
    options
        .enabled()
        .map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    let lints: Vec<FileLint> =
        lint_scripts(&scripts, &options).map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    if let Some(note) = note {
        output.note(note);
    }
    render::findings(&lints, &scripts, format, output);
    let errors = lints
        .iter()
        .flat_map(|l| &l.findings)
        .filter(|f| f.severity == Severity::Error)
        .count();
    Ok(if errors > 0 {
        Exit::Refused
    } else {
        Exit::Success
    })
}

/// `[lint]` from plover.toml with the command line's choices on top.
fn lint_settings(settings: &Settings, args: &LintArgs) -> Result<LintSettings, Failure> {
    let mut lint = settings.options.lint.clone();
    if args.select.is_some() {
        lint.select.clone_from(&args.select);
    }
    lint.ignore.extend(args.ignore.iter().cloned());
    if let Some(version) = &args.postgres_version {
        let version = parse_postgres_version(version)
            .map_err(|m| Failure::new(Exit::Usage, format!("--postgres-version: {m}")))?;
        lint.postgres_version = Some(version);
    }
    for id in lint.select.iter().flatten().chain(&lint.ignore) {
        if catalog::find(id).is_none() {
            return Err(Failure::new(
                Exit::Usage,
                format!("no lint rule is called `{id}`; `plover lint --list-rules` lists them"),
            ));
        }
    }
    Ok(lint)
}

/// The scripts to lint, the server's version when a database told it, and a note for people.
async fn collect(
    args: &LintArgs,
    settings: &Settings,
) -> Result<(Vec<Script>, Option<u32>, Option<String>), Failure> {
    if !args.paths.is_empty() {
        let mut scripts = Vec::new();
        for path in &args.paths {
            scripts.extend(read_path(path, settings)?);
        }
        return Ok((scripts, None, None));
    }
    let migrator = Migrator::from_directory(&settings.migrations_dir, settings.options.clone())
        .map_err(engine_failure)?;
    let all = || {
        migrator
            .migrations()
            .iter()
            .map(|m| m.up.clone())
            .collect::<Vec<_>>()
    };
    if args.all || settings.database_source == UrlSource::EmbeddedDefault {
        return Ok((all(), None, None));
    }
    // Only what the next `up` would run, or what changed since it ran, when the database
    // can say which.
    let Ok(mut db) = connect_for_reading(&settings.database).await else {
        return Ok((
            all(),
            None,
            Some("the database is not reachable: linting every migration".to_owned()),
        ));
    };
    if !db.dialect().lintable {
        return Ok((all(), None, None));
    }
    let status = migrator.status(db.as_mut()).await.map_err(engine_failure)?;
    let wanted = |state: State| matches!(state, State::Pending | State::Modified | State::Partial);
    let scripts = status
        .migrations
        .iter()
        .filter(|m| wanted(m.state))
        .filter_map(|m| {
            migrator
                .migrations()
                .iter()
                .find(|x: &&Migration| x.version == m.version)
        })
        .map(|m| m.up.clone())
        .collect();
    Ok((scripts, Some(db.server_version()), None))
}

/// A directory's migrations, or one file.
fn read_path(path: &Path, settings: &Settings) -> Result<Vec<Script>, Failure> {
    if path.is_dir() {
        let migrator =
            Migrator::from_directory(path, settings.options.clone()).map_err(engine_failure)?;
        return Ok(migrator.migrations().iter().map(|m| m.up.clone()).collect());
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::new(Exit::Usage, format!("cannot read {}: {e}", path.display())))?;
    let shown = PathBuf::from(path).display().to_string();
    let script =
        script_from(shown, &bytes).map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    Ok(vec![script])
}

/// The JSON of `--format json`.
pub fn summary(lints: &[FileLint]) -> serde_json::Value {
    let count = |severity| {
        lints
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.severity == severity)
            .count()
    };
    json!({
        "files": lints,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "infos": count(Severity::Info),
    })
}
