//! `[tenants]` resolved: where tenant migrations live, how tenants are found and named.

use std::path::PathBuf;

use plover_core::tenant::{IdPattern, SchemaTemplate};
use serde::{Deserialize, Serialize};

/// Tenants migrated at once unless `tenants.concurrency` or `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// drizzle-multitenant's tracking table, read when adopting a fleet.
pub const DEFAULT_ADOPT_TABLE: &str = "__drizzle_migrations";

/// How the fleet is run and found.
#[derive(Clone, Debug)]
pub struct TenantSettings {
    /// The tenant migrations directory (not the shared one plain `plover up` applies).
    pub dir: PathBuf,
    /// How an id becomes a schema name.
    pub template: SchemaTemplate,
    /// The characters ids may use.
    pub id_pattern: IdPattern,
    /// Where the list of tenants comes from.
    pub discovery: Discovery,
    /// Tenants migrated at once.
    pub concurrency: usize,
    /// What a failed tenant does to the rest of a run.
    pub on_error: OnError,
    /// The history table in each tenant schema.
    pub history_table: String,
    /// drizzle-multitenant's tracking table in each tenant schema.
    pub adopt_table: String,
}

impl Default for TenantSettings {
    fn default() -> Self {
        TenantSettings {
            dir: PathBuf::from("tenant-migrations"),
            template: SchemaTemplate::default(),
            id_pattern: IdPattern::default(),
            discovery: Discovery::Schemas,
            concurrency: DEFAULT_CONCURRENCY,
            on_error: OnError::Continue,
            history_table: crate::migrator::DEFAULT_HISTORY_TABLE.to_owned(),
            adopt_table: DEFAULT_ADOPT_TABLE.to_owned(),
        }
    }
}

/// Where the list of tenants comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discovery {
    /// Every schema whose name fits the template (`tenant_%`).
    Schemas,
    /// A query whose first column is the tenant id (`SELECT id FROM tenants`).
    Query(String),
    /// A fixed list.
    List(Vec<String>),
}

/// What a failed tenant does to the rest of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnError {
    /// Go on with the other tenants.
    #[default]
    Continue,
    /// Start no other tenant; those not started are reported skipped.
    Abort,
}
