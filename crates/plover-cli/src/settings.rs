//! Turning the command line, `plover.toml` and the environment into validated settings: the
//! second of the CLI's two stages.

use std::path::Path;

use plover::OutOfOrder;
use plover::config::{self, CONFIG_FILE, LoadedConfig, Overrides, Settings};

use crate::args::Global;
use crate::exit::Exit;
use crate::output::Failure;

/// Reads the config file (`--config`, or `plover.toml` when present) and resolves every
/// setting. `allow_out_of_order` is `up --allow-out-of-order`.
pub fn load(global: &Global, allow_out_of_order: bool) -> Result<Settings, Failure> {
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
        out_of_order: allow_out_of_order.then_some(OutOfOrder::Allow),
    };
    config::resolve(config.as_ref(), overrides, &|name| std::env::var(name).ok())
        .map_err(config_failure)
}

fn config_failure(error: config::ConfigError) -> Failure {
    Failure::new(Exit::from(&error), error.to_string())
}
