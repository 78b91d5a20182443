//! How a [`Migrator`](super::Migrator) behaves.

use std::time::Duration;

use plover_core::plan::OutOfOrder;

use crate::lint::LintSettings;

/// Options of a [`Migrator`](super::Migrator).
#[derive(Clone, Debug)]
pub struct Options {
    /// Schema of the history table; the connection's current schema when `None`.
    pub history_schema: Option<String>,
    /// Name of the history table.
    pub history_table: String,
    /// How long to wait for the migration lock.
    pub lock_timeout: Duration,
    /// Whether pending versions below the highest applied one may run.
    pub out_of_order: OutOfOrder,
    /// Recorded in each history row as who applied it.
    pub applied_by: String,
    /// This machine's name, recorded with the lock.
    pub host: String,
    /// How `up` lints before it runs.
    pub lint: LintSettings,
}

/// The history table's default name.
pub const DEFAULT_HISTORY_TABLE: &str = "plover_migrations";

impl Default for Options {
    fn default() -> Self {
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let user = whoami::username().unwrap_or_else(|_| "unknown".to_owned());
        Options {
            history_schema: None,
            history_table: DEFAULT_HISTORY_TABLE.to_owned(),
            lock_timeout: Duration::from_secs(60),
            out_of_order: OutOfOrder::Refuse,
            applied_by: format!("{user}@{host}"),
            host,
            lint: LintSettings::default(),
        }
    }
}
