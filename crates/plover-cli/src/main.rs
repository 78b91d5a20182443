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

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let exit = match runtime {
        Ok(runtime) => runtime.block_on(commands::run(cli)),
        Err(_) => exit::Exit::Internal,
    };
    ExitCode::from(exit as u8)
}
