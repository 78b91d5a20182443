//! Every tenant's history, read in a few queries, and where each tenant stands.

use plover_core::sql::{QualifiedName, quote_ident};
use plover_core::status::{State, status};
use plover_core::{AppliedMigration, Driver, Migration, Value};
use serde::Serialize;

use super::{Fleet, Tenant, TenantError};
use crate::migrator::history::{COLUMNS, History};

/// Tenants whose history tables one query reads, at most.
const CHUNK: usize = 200;

/// Tenants worth a connection of their own when history tables are read in parallel.
const LANE_MIN: usize = 50;

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
    /// Whether a pending version is older than the newest applied one (which `up` refuses
    /// unless out-of-order migrations are allowed).
    #[serde(skip)]
    pub(crate) out_of_order: bool,
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

/// What one tenant's history holds.
enum TenantHistory {
    /// No schema.
    NoSchema,
    /// These rows (none when the table does not exist yet).
    Rows(Vec<AppliedMigration>),
    /// It could not be read.
    Unreadable(String),
}

impl Fleet {
    /// Every tenant's status: one presence query, then the history tables 200 at a
    /// time, the chunks spread over up to `readers` connections (`db` and new ones).
    pub async fn read_statuses(
        &self,
        db: &mut dyn Driver,
        tenants: &[Tenant],
        readers: usize,
    ) -> Result<Vec<TenantStatus>, TenantError> {
        let histories = self.read_histories(db, tenants, readers).await?;
        Ok(tenants
            .iter()
            .zip(histories)
            .map(|(tenant, history)| judge(tenant, history, self.migrations()))
            .collect())
    }

    /// Every tenant's history rows, in `tenants`' order.
    async fn read_histories(
        &self,
        db: &mut dyn Driver,
        tenants: &[Tenant],
        readers: usize,
    ) -> Result<Vec<TenantHistory>, TenantError> {
        let table = &self.settings.history_table;
        let presence = presence(db, tenants, table).await?;
        let mut histories: Vec<TenantHistory> = tenants
            .iter()
            .map(|t| match presence.get(&t.schema) {
                None => TenantHistory::NoSchema,
                Some(_) => TenantHistory::Rows(Vec::new()),
            })
            .collect();
        let with_table: Vec<(usize, Tenant)> = tenants
            .iter()
            .enumerate()
            .filter(|(_, t)| presence.get(&t.schema) == Some(&true))
            .map(|(i, t)| (i, t.clone()))
            .collect();
        let mut lanes = lanes(with_table, readers).into_iter();
        let own = lanes.next().unwrap_or_default();
        let mut others = tokio::task::JoinSet::new();
        for lane in lanes {
            let fleet = self.clone();
            others.spawn(async move {
                let Ok(mut db) = fleet.connect().await else {
                    return Err(lane);
                };
                Ok(read_lane(db.as_mut(), &lane, &fleet.settings.history_table).await)
            });
        }
        let mut read = read_lane(db, &own, table).await;
        while let Some(joined) = others.join_next().await {
            match joined.expect("a history reader panicked") {
                Ok(rows) => read.extend(rows),
                // No second connection to be had: this one reads that lane too.
                Err(lane) => read.extend(read_lane(db, &lane, table).await),
            }
        }
        for (index, history) in read {
            histories[index] = history;
        }
        Ok(histories)
    }
}

/// `tenants` split into lanes of whole chunks, one lane per connection: at most `readers`
/// lanes, none with fewer than [`LANE_MIN`] tenants (a new connection costs more than
/// reading them), and chunks as even as [`CHUNK`] allows.
fn lanes(tenants: Vec<(usize, Tenant)>, readers: usize) -> Vec<Vec<Vec<(usize, Tenant)>>> {
    if tenants.is_empty() {
        return Vec::new();
    }
    let readers = readers.clamp(1, tenants.len().div_ceil(LANE_MIN).max(1));
    let chunks = tenants.len().div_ceil(CHUNK).div_ceil(readers) * readers;
    let size = tenants.len().div_ceil(chunks);
    let mut lanes: Vec<Vec<Vec<(usize, Tenant)>>> = vec![Vec::new(); readers];
    for (n, chunk) in tenants.chunks(size).enumerate() {
        lanes[n % readers].push(chunk.to_vec());
    }
    lanes.retain(|lane| !lane.is_empty());
    lanes
}

/// The history rows of every chunk in `lane`, read on `db`.
async fn read_lane(
    db: &mut dyn Driver,
    lane: &[Vec<(usize, Tenant)>],
    history_table: &str,
) -> Vec<(usize, TenantHistory)> {
    let mut read = Vec::new();
    for chunk in lane {
        read.extend(read_chunk(db, chunk, history_table).await);
    }
    read
}

impl Fleet {
    /// Refuses the first of `tenants` that has no schema. With tenants found by their
    /// schemas, a tenant named on the command line without one is a typo or a tenant not
    /// created yet: migrating it would create it (`tenants create` is the way to).
    pub(super) async fn require_schemas(
        &self,
        db: &mut dyn Driver,
        tenants: &[Tenant],
    ) -> Result<(), TenantError> {
        let present = presence(db, tenants, &self.settings.history_table).await?;
        match tenants.iter().find(|t| !present.contains_key(&t.schema)) {
            Some(tenant) => Err(TenantError::NoSuchTenant {
                id: tenant.id.clone(),
                schema: tenant.schema.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// Whether each of `tenants` that has a schema has the history table, by schema; one query.
pub(super) async fn presence(
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

/// Reads the history tables of `chunk`'s tenants in one query; when that fails, one by one,
/// so a broken table is that tenant's error alone.
async fn read_chunk(
    db: &mut dyn Driver,
    chunk: &[(usize, Tenant)],
    history_table: &str,
) -> Vec<(usize, TenantHistory)> {
    match read_union(db, chunk, history_table).await {
        Ok(read) => read,
        Err(_) if chunk.len() > 1 => {
            let mut read = Vec::with_capacity(chunk.len());
            for one in chunk {
                read.extend(
                    Box::pin(read_chunk(db, std::slice::from_ref(one), history_table)).await,
                );
            }
            read
        }
        Err(message) => vec![(chunk[0].0, TenantHistory::Unreadable(message))],
    }
}

async fn read_union(
    db: &mut dyn Driver,
    chunk: &[(usize, Tenant)],
    history_table: &str,
) -> Result<Vec<(usize, TenantHistory)>, String> {
    let sql = chunk
        .iter()
        .enumerate()
        .map(|(n, (_, tenant))| {
            format!(
                "SELECT {n}::int8, {COLUMNS} FROM {}.{}",
                quote_ident(&tenant.schema),
                quote_ident(history_table)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows = db
        .query(&format!("{sql} ORDER BY 1, 2"), &[])
        .await
        .map_err(|e| e.to_string())?;
    let mut out: Vec<(usize, TenantHistory)> = chunk
        .iter()
        .map(|(index, _)| (*index, TenantHistory::Rows(Vec::new())))
        .collect();
    let dialect = db.dialect();
    for row in rows {
        let n = row.first().and_then(Value::as_i64).unwrap_or(-1);
        let Some((slot, (_, tenant))) = usize::try_from(n)
            .ok()
            .and_then(|n| out.get_mut(n).zip(chunk.get(n)))
        else {
            continue;
        };
        let history = History::at(QualifiedName::new(&tenant.schema, history_table), dialect);
        match (&mut slot.1, history.parse(&row[1..])) {
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
        out_of_order: false,
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
    let newest = applied.iter().map(|a| a.version.0).max();
    result.out_of_order = result.pending_versions.iter().any(|v| Some(*v) < newest);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tenants(n: usize) -> Vec<(usize, Tenant)> {
        (0..n)
            .map(|i| {
                let tenant = Tenant {
                    id: format!("{i:04}"),
                    schema: format!("tenant_{i:04}"),
                };
                (i, tenant)
            })
            .collect()
    }

    fn shape(lanes: &[Vec<Vec<(usize, Tenant)>>]) -> Vec<Vec<usize>> {
        lanes
            .iter()
            .map(|lane| lane.iter().map(Vec::len).collect())
            .collect()
    }

    #[test]
    fn a_large_fleet_is_spread_evenly_over_every_reader() {
        let lanes = lanes(tenants(1000), 4);
        assert_eq!(shape(&lanes), vec![vec![125, 125]; 4]);
        let mut seen: Vec<usize> = lanes.iter().flatten().flatten().map(|(i, _)| *i).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_small_fleet_does_not_open_connections_it_cannot_use() {
        assert_eq!(shape(&lanes(tenants(10), 4)), vec![vec![10]]);
        assert_eq!(
            shape(&lanes(tenants(120), 8)),
            vec![vec![40], vec![40], vec![40]]
        );
        assert!(lanes(Vec::new(), 4).is_empty());
    }

    #[test]
    fn no_query_reads_more_than_a_chunk() {
        let lanes = lanes(tenants(5000), 2);
        assert!(lanes.iter().flatten().all(|chunk| chunk.len() <= CHUNK));
        assert_eq!(lanes.len(), 2);
    }
}
