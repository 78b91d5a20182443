//! Turning the command line, `plover.toml` and the environment into validated settings: the
//! second of the CLI's two stages.

use std::path::Path;

use plover::OutOfOrder;
use plover::config::{self, CONFIG_FILE, LoadedConfig, Overrides, Settings};
use plover::lint::Override;

use crate::args::Global;
use crate::exit::Exit;
use crate::output::Failure;

/// What a command's own flags change in the settings.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommandFlags {
    /// `up --allow-out-of-order`.
    pub allow_out_of_order: bool,
    /// `up --force`.
    pub force: bool,
}

/// Reads the config file (`--config`, or `plover.toml` when present) and resolves every
/// setting, with the command's own flags applied.
pub fn load(global: &Global, flags: CommandFlags) -> Result<Settings, Failure> {
    let config = match &global.config {
        Some(path) => Some(LoadedConfig::load(path).map_err(config_failure)?),
        None if Path::new(CONFIG_FILE).is_file() => {
            Some(LoadedConfig::load(Path::new(CONFIG_FILE)).map_err(config_failure)?)
        }
        None => None,
    };
    let overrides = Overrides {
        database: global.database.clone(),
        dir: global.dir.clone(),
        lock_timeout: global.lock_timeout,
        out_of_order: flags.allow_out_of_order.then_some(OutOfOrder::Allow),
    };
    let mut settings =
        config::resolve(config.as_ref(), overrides, &|name| std::env::var(name).ok())
            .map_err(config_failure)?;
    if flags.force {
        settings.options.lint.override_errors = Override::Force;
    }
    Ok(settings)
}

fn config_failure(error: config::ConfigError) -> Failure {
    Failure::new(Exit::from(&error), error.to_string())
}
