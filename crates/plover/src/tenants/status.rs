//! Every tenant's history, read in a few queries, and where each tenant stands.

use plover_core::sql::{QualifiedName, quote_ident};
use plover_core::status::{State, status};
use plover_core::{AppliedMigration, Driver, Migration, Value};
use serde::Serialize;

use super::{Tenant, TenantError};
use crate::migrator::history::{COLUMNS, History};

/// Tenants whose history tables one query reads.
const CHUNK: usize = 200;

/// Which of the schemas exist, and whether each has the history table.
const PRESENCE: &str = "SELECT n.nspname::text, EXISTS (SELECT 1 FROM pg_class c \
     WHERE c.relnamespace = n.oid AND c.relname = $2 AND c.relkind IN ('r', 'p')) \
     FROM pg_namespace n WHERE n.nspname IN (SELECT jsonb_array_elements_text($1::text::jsonb))";

/// Where one tenant stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TenantState {
    /// Every migration applied, every file as it was applied.
    Ok,
    /// Migrations to apply.
    Behind,
    /// Applied migrations whose files are gone (a newer release ran here, or files were
    /// renamed): `sync --clean-orphans` reconciles.
    Ahead,
    /// Applied files edited since, or a half-applied no-transaction migration.
    Modified,
    /// The history could not be read.
    Error,
}

impl TenantState {
    /// The state's name, as `status` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            TenantState::Ok => "ok",
            TenantState::Behind => "behind",
            TenantState::Ahead => "ahead",
            TenantState::Modified => "modified",
            TenantState::Error => "error",
        }
    }
}

/// One tenant's status.
#[derive(Clone, Debug, Serialize)]
pub struct TenantStatus {
    /// The tenant.
    #[serde(flatten)]
    pub tenant: Tenant,
    /// Whether its schema exists.
    pub schema_exists: bool,
    /// Migrations recorded as applied.
    pub applied: usize,
    /// Migrations still to apply.
    pub pending: usize,
    /// Their versions.
    pub pending_versions: Vec<i64>,
    /// Applied versions whose file was edited, or that stopped part way.
    pub modified_versions: Vec<i64>,
    /// Applied versions whose file is gone.
    pub missing_versions: Vec<i64>,
    /// Where it stands.
    pub state: TenantState,
    /// Why the history could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TenantStatus {
    /// Whether `migrate` has anything to do here (or to refuse).
    pub fn needs_work(&self) -> bool {
        self.state != TenantState::Ok
    }
}

/// Every tenant's status, from one presence query and one query per [`CHUNK`] tenants.
pub async fn read_statuses(
    db: &mut dyn Driver,
    tenants: &[Tenant],
    history_table: &str,
    migrations: &[Migration],
) -> Result<Vec<TenantStatus>, TenantError> {
    let histories = read_histories(db, tenants, history_table).await?;
    Ok(tenants
        .iter()
        .zip(histories)
        .map(|(tenant, history)| judge(tenant, history, migrations))
        .collect())
}

/// What one tenant's history holds.
pub(crate) enum TenantHistory {
    /// No schema.
    NoSchema,
    /// These rows (none when the table does not exist yet).
    Rows(Vec<AppliedMigration>),
    /// It could not be read.
    Unreadable(String),
}

/// Every tenant's history rows, in `tenants`' order.
pub(crate) async fn read_histories(
    db: &mut dyn Driver,
    tenants: &[Tenant],
    history_table: &str,
) -> Result<Vec<TenantHistory>, TenantError> {
    let presence = presence(db, tenants, history_table).await?;
    let mut histories: Vec<TenantHistory> = tenants
        .iter()
        .map(|t| match presence.get(&t.schema) {
            None => TenantHistory::NoSchema,
            Some(_) => TenantHistory::Rows(Vec::new()),
        })
        .collect();
    let with_table: Vec<usize> = (0..tenants.len())
        .filter(|&i| presence.get(&tenants[i].schema) == Some(&true))
        .collect();
    for chunk in with_table.chunks(CHUNK) {
        read_chunk(db, tenants, chunk, history_table, &mut histories).await;
    }
    Ok(histories)
}

async fn presence(
    db: &mut dyn Driver,
    tenants: &[Tenant],
    history_table: &str,
) -> Result<std::collections::HashMap<String, bool>, TenantError> {
    let schemas: Vec<&str> = tenants.iter().map(|t| t.schema.as_str()).collect();
    let list = serde_json::to_string(&schemas).expect("strings serialise");
    let rows = db
        .query(PRESENCE, &[Value::Text(list), Value::from(history_table)])
        .await
        .map_err(TenantError::database("looking up the tenant schemas"))?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let schema = row.first()?.as_str()?.to_owned();
            Some((schema, row.get(1)?.as_bool().unwrap_or(false)))
        })
        .collect())
}

/// Reads the history tables of the tenants at `indexes` in one query; when that fails, one
/// by one, so a broken table is that tenant's error alone.
async fn read_chunk(
    db: &mut dyn Driver,
    tenants: &[Tenant],
    indexes: &[usize],
    history_table: &str,
    histories: &mut [TenantHistory],
) {
    match read_union(db, tenants, indexes, history_table).await {
        Ok(rows) => {
            for (index, rows) in rows {
                histories[index] = rows;
            }
        }
        Err(_) if indexes.len() > 1 => {
            for &index in indexes {
                Box::pin(read_chunk(db, tenants, &[index], history_table, histories)).await;
            }
        }
        Err(message) => histories[indexes[0]] = TenantHistory::Unreadable(message),
    }
}

async fn read_union(
    db: &mut dyn Driver,
    tenants: &[Tenant],
    indexes: &[usize],
    history_table: &str,
) -> Result<Vec<(usize, TenantHistory)>, String> {
    let sql = indexes
        .iter()
        .map(|&i| {
            format!(
                "SELECT {i}::int8, {COLUMNS} FROM {}.{}",
                quote_ident(&tenants[i].schema),
                quote_ident(history_table)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows = db
        .query(&format!("{sql} ORDER BY 1, 2"), &[])
        .await
        .map_err(|e| e.to_string())?;
    let mut out: Vec<(usize, TenantHistory)> = indexes
        .iter()
        .map(|&i| (i, TenantHistory::Rows(Vec::new())))
        .collect();
    let dialect = db.dialect();
    for row in rows {
        let index = row.first().and_then(Value::as_i64).unwrap_or(-1) as usize;
        // `indexes` is ascending, and `out` follows it.
        let Ok(position) = indexes.binary_search(&index) else {
            continue;
        };
        let slot = &mut out[position];
        let history = History::at(
            QualifiedName::new(&tenants[index].schema, history_table),
            dialect,
        );
        let parsed = history.parse(&row[1..]);
        match (&mut slot.1, parsed) {
            (TenantHistory::Rows(rows), Ok(applied)) => rows.push(applied),
            (slot, Err(e)) => *slot = TenantHistory::Unreadable(e.to_string()),
            _ => {}
        }
    }
    Ok(out)
}

/// Where a tenant stands, from its history and the files.
fn judge(tenant: &Tenant, history: TenantHistory, migrations: &[Migration]) -> TenantStatus {
    let mut result = TenantStatus {
        tenant: tenant.clone(),
        schema_exists: !matches!(history, TenantHistory::NoSchema),
        applied: 0,
        pending: 0,
        pending_versions: Vec::new(),
        modified_versions: Vec::new(),
        missing_versions: Vec::new(),
        state: TenantState::Ok,
        error: None,
    };
    let applied = match history {
        TenantHistory::NoSchema => Vec::new(),
        TenantHistory::Rows(rows) => rows,
        TenantHistory::Unreadable(message) => {
            result.state = TenantState::Error;
            result.error = Some(message);
            return result;
        }
    };
    for entry in status(migrations, &applied) {
        let version = entry.version.0;
        match entry.state {
            State::Pending => result.pending_versions.push(version),
            State::Modified | State::Partial => result.modified_versions.push(version),
            State::Missing => result.missing_versions.push(version),
            State::Applied | State::Retired => {}
        }
        if entry.applied.is_some() {
            result.applied += 1;
        }
    }
    result.pending = result.pending_versions.len();
    result.state = if !result.modified_versions.is_empty() {
        TenantState::Modified
    } else if !result.missing_versions.is_empty() {
        TenantState::Ahead
    } else if result.pending > 0 {
        TenantState::Behind
    } else {
        TenantState::Ok
    };
    result
}
