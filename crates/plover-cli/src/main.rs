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
