//! One file per command; this one dispatches and holds what they share.

mod accept;
mod baseline;
mod down;
mod init;
mod lint;
pub use lint::summary as lint_summary;
mod new;
mod schema;
mod status;
mod tenants;
mod up;
mod verify;

use plover::config::Settings;
use plover::core::Driver;
use plover::{Migrator, connect, connect_for_reading};
use serde_json::json;

use crate::args::{Cli, Command, Global};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::settings;
pub use crate::settings::CommandFlags;

/// Runs the command and reports its outcome; returns the exit code.
pub async fn run(cli: Cli) -> Exit {
    let mut output = Output::new(&cli.global);
    let result = match cli.command {
        Command::Init => init::run(&cli.global, &output),
        Command::New(args) => new::run(&cli.global, &args, &output),
        Command::Status(args) => status::run(&cli.global, &args, &mut output).await,
        Command::Up(args) => up::run(&cli.global, &args, &mut output).await,
        Command::Down(args) => down::run(&cli.global, &args, &mut output).await,
        Command::Baseline(args) => baseline::run(&cli.global, &args, &mut output).await,
        Command::Accept(args) => accept::run(&cli.global, &args, &mut output).await,
        Command::Verify => verify::run(&cli.global, &mut output).await,
        Command::Lint(args) => lint::run(&cli.global, &args, &mut output).await,
        Command::Schema(command) => schema::run(&cli.global, &command, &mut output).await,
        Command::Tenants(args) => tenants::run(&cli.global, &args, &mut output).await,
    };
    match result {
        Ok(exit) => exit,
        Err(failure) => {
            output.failure(&failure);
            failure.exit
        }
    }
}

/// Whether a command changes the database; a read-only one never creates a SQLite file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `status`, `verify` and dry runs.
    Read,
    /// Everything else.
    Write,
}

/// What a database command works with.
pub struct Session {
    pub settings: Settings,
    pub migrator: Migrator,
    pub db: Box<dyn Driver>,
}

/// Loads the settings and the migrations, then connects. Files are read first, so that a
/// mistake in them is reported without waiting for a database.
pub async fn open(
    global: &Global,
    flags: CommandFlags,
    access: Access,
    output: &mut Output,
) -> Result<Session, Failure> {
    let settings = settings::load(global, flags)?;
    output.hide(settings.database.passwords());
    let migrator = Migrator::from_directory(&settings.migrations_dir, settings.options.clone())
        .map_err(engine_failure)?;
    let db = connect_as(&settings, access).await?;
    Ok(Session {
        settings,
        migrator,
        db,
    })
}

/// Connects to the configured database for reading or writing.
pub async fn connect_as(settings: &Settings, access: Access) -> Result<Box<dyn Driver>, Failure> {
    let db = match access {
        Access::Write => connect(&settings.database).await,
        Access::Read => connect_for_reading(&settings.database).await,
    };
    db.map_err(|source| {
        let error = plover::Error::Connect {
            url: settings.database.to_string(),
            source: Box::new(source),
        };
        let mut failure = engine_failure(error);
        failure.message.push_str(&format!(
            "\n  (the URL came from {})",
            settings.database_source
        ));
        failure
    })
}

/// Turns an engine error into what the CLI shows.
pub fn engine_failure(error: plover::Error) -> Failure {
    let exit = Exit::from(&error);
    let details = match &error {
        plover::Error::Refused(refusal) => json!({
            "problems": refusal.problems.iter().map(|p| json!({
                "version": p.version(),
                "message": p.message(),
                "way_out": p.way_out(),
                "diff": match p { plover::core::plan::Problem::Modified { diff, .. } => diff.clone(), _ => None },
            })).collect::<Vec<_>>()
        }),
        plover::Error::MigrationFailed {
            version,
            path,
            line,
            source,
            applied,
        } => json!({
            "version": version,
            "path": path,
            "line": line,
            "sqlstate": source.code,
            "applied": applied,
        }),
        _ => json!({}),
    };
    let message = match &error {
        plover::Error::Refused(refusal) => {
            let count = refusal.problems.len();
            let noun = if count == 1 { "problem" } else { "problems" };
            format!(
                "refused ({count} {noun}); nothing was changed\n{}",
                indent(&refusal.to_string())
            )
        }
        plover::Error::Database { source, .. } if source.kind == plover::core::ErrorKind::Busy => {
            format!("{error}\n  another process is writing to the database; rerun when it is done")
        }
        _ => error.to_string(),
    };
    Failure {
        exit,
        message,
        details,
    }
}

/// Indents every line by two spaces.
pub fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
