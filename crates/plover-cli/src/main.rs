//! The `plover` command. `args` reads the command line, `settings` validates it, `commands`
//! run the engine, `output` and `progress` show the results, `exit` maps them to exit codes.

mod args;
mod commands;
mod exit;
mod output;
mod progress;
mod render;
mod settings;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: reading a fleet's catalogs and comparing its
/// schemas allocates millions of small strings, and glibc's malloc spent half of `tenants
/// drift`'s CPU time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return command_line_error(&error),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let exit = match runtime {
        Ok(runtime) => {
            let exit = runtime.block_on(commands::run(cli));
            runtime.block_on(let_connections_close(&runtime));
            exit
        }
        Err(_) => exit::Exit::Internal,
    };
    ExitCode::from(exit as u8)
}

/// Lets the connections the command has dropped say goodbye (PostgreSQL's Terminate, then
/// TLS's close_notify) before the runtime goes: their tasks only run when polled, and a
/// connection cut off without them makes the server log "could not receive data from
/// client: Connection reset by peer" for every Plover run. A few turns of the scheduler
/// suffice (the messages are small); a task that outlives them is cut off as before.
async fn let_connections_close(runtime: &tokio::runtime::Runtime) {
    const TURNS: usize = 16;
    let metrics = runtime.metrics();
    for _ in 0..TURNS {
        if metrics.num_alive_tasks() == 0 {
            return;
        }
        tokio::task::yield_now().await;
    }
}

/// A command line clap refused, or `--help` and `--version` (which clap reports the same
/// way). A refusal is printed with any password it quotes masked (a URL typed where another
/// value belongs), and with `--json` also as the error object every failure prints.
fn command_line_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        error.exit();
    }
    let text = error.render().to_string();
    let text = plover::secrets::redact(&text);
    if std::env::args_os().any(|arg| arg == "--json") {
        // Help shown for a missing subcommand is a refusal too (exit 2), but its text is
        // the help, not a message.
        let first = match error.kind() {
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                "a subcommand is missing; --help lists them"
            }
            _ => text.lines().next().unwrap_or_default(),
        };
        let message = first.strip_prefix("error: ").unwrap_or(first);
        let object = serde_json::json!({
            "event": "error",
            "exit_code": exit::Exit::Usage as i32,
            "kind": exit::Exit::Usage.kind(),
            "message": message,
        });
        println!("{object}");
    }
    eprint!("{text}");
    ExitCode::from(exit::Exit::Usage as u8)
}
