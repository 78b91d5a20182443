//! Adopting a fleet another tool migrated: drizzle-multitenant's per-tenant tracking table
//! read, and what it lists recorded in Plover's history without running any SQL.
//!
//! drizzle-multitenant writes one of three formats: `name` (`id`, `name`, `applied_at`:
//! the file name without `.sql`), `hash` (`id`, `hash`, `created_at`: the SHA-256 of the
//! file) and `drizzle-kit` (the same with `created_at` in epoch milliseconds).

use std::path::Path;

use plover_core::sql::{QualifiedName, quote_ident};
use plover_core::{Driver, Migration, Value, Version};

use super::Tenant;
use super::hooks::TenantObserver;
use crate::migrator::{Done, Migrator};

const COLUMNS: &str = "SELECT column_name::text FROM information_schema.columns \
     WHERE table_schema = $1 AND table_name = $2";

/// Records the tenant's pending migrations as applied. With the tracking table present,
/// exactly those it lists (up to `target`), and every row it has must match a file: a
/// migration it does not list was never run there, and stays pending. Without the table,
/// every pending migration (up to `target`).
pub(crate) async fn mark_applied(
    db: &mut dyn Driver,
    migrator: &Migrator,
    tenant: &Tenant,
    adopt_table: &str,
    target: Option<Version>,
    observer: &mut TenantObserver<'_>,
) -> Result<Vec<Done>, String> {
    // Recording would create the schema with a history table and nothing else in it.
    if !super::lifecycle::schema_exists(db, &tenant.schema)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(format!(
            "schema {} does not exist, so there is nothing to record as applied; \
             `plover tenants migrate --tenant {}` creates and migrates it",
            tenant.schema, tenant.id
        ));
    }
    let report = match tracked(db, tenant, adopt_table).await? {
        None => migrator.mark_applied(db, target, observer).await,
        Some(entries) => {
            let table = QualifiedName::new(&tenant.schema, adopt_table).plain();
            let listed = listed(migrator.migrations(), &entries, &table)?;
            // A migrator of the listed files only: what it finds pending is what to record.
            Migrator::new(listed, migrator.options().clone())
                .mark_applied(db, target, observer)
                .await
        }
    }
    .map_err(|e| e.to_string())?;
    Ok(report
        .recorded
        .iter()
        .filter_map(|v| migrator.migrations().iter().find(|m| m.version == *v))
        .map(|m| Done {
            version: m.version,
            name: m.name.clone(),
            elapsed_ms: 0.0,
        })
        .collect())
}

/// One row of the tracking table: a file name or a file's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tracked {
    Name(String),
    Hash(String),
}

/// The rows of the tracking table in the tenant's schema; `None` when it has none.
async fn tracked(
    db: &mut dyn Driver,
    tenant: &Tenant,
    table: &str,
) -> Result<Option<Vec<Tracked>>, String> {
    let columns: Vec<String> = db
        .query(
            COLUMNS,
            &[Value::from(tenant.schema.as_str()), Value::from(table)],
        )
        .await
        .map_err(|e| format!("reading the columns of {table}: {e}"))?
        .iter()
        .filter_map(|r| r.first().and_then(Value::as_str).map(str::to_owned))
        .collect();
    let column = if columns.iter().any(|c| c == "name") {
        "name"
    } else if columns.iter().any(|c| c == "hash") {
        "hash"
    } else if columns.is_empty() {
        return Ok(None);
    } else {
        return Err(format!(
            "{}.{table} has neither a name nor a hash column; it is not a drizzle-multitenant tracking table (set tenants.adopt_table)",
            tenant.schema
        ));
    };
    let sql = format!(
        "SELECT {column}::text FROM {}.{} ORDER BY id",
        quote_ident(&tenant.schema),
        quote_ident(table)
    );
    let rows = db
        .query(&sql, &[])
        .await
        .map_err(|e| format!("reading {}.{table}: {e}", tenant.schema))?;
    Ok(Some(
        rows.iter()
            .filter_map(|r| r.first().and_then(Value::as_str))
            .map(|v| match column {
                "name" => Tracked::Name(v.to_owned()),
                _ => Tracked::Hash(v.to_ascii_lowercase()),
            })
            .collect(),
    ))
}

/// The migrations the tracking table lists, in version order; a row no file matches is an
/// error.
fn listed(
    migrations: &[Migration],
    entries: &[Tracked],
    table: &str,
) -> Result<Vec<Migration>, String> {
    let mut listed: Vec<Migration> = Vec::with_capacity(entries.len());
    for entry in entries {
        let found = migrations.iter().find(|m| match entry {
            Tracked::Name(name) => file_stem(&m.up.path) == *name,
            Tracked::Hash(hash) => m.checksum().to_string() == *hash,
        });
        let Some(migration) = found else {
            let what = match entry {
                Tracked::Name(name) => format!("the migration {name:?}"),
                Tracked::Hash(hash) => format!("a migration with hash {hash}"),
            };
            return Err(format!(
                "{table} records {what}, which no file in the tenant migrations directory matches; restore the file or remove the row"
            ));
        };
        if !listed.iter().any(|m| m.version == migration.version) {
            listed.push(migration.clone());
        }
    }
    listed.sort_by_key(|m| m.version);
    Ok(listed)
}

/// The name drizzle-multitenant records for a file: `0001_add_users` for
/// `0001_add_users.sql`, `.up.sql`, or a `0001_add_users/up.sql` folder.
fn file_stem(path: &str) -> String {
    let path = Path::new(path);
    let file = path
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default();
    if file == "up.sql" {
        return path
            .parent()
            .and_then(Path::file_name)
            .and_then(|f| f.to_str())
            .unwrap_or_default()
            .to_owned();
    }
    file.strip_suffix(".up.sql")
        .or_else(|| file.strip_suffix(".sql"))
        .unwrap_or(file)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_stems_are_what_drizzle_records() {
        assert_eq!(file_stem("m/0001_add_users.sql"), "0001_add_users");
        assert_eq!(file_stem("m/0001_add_users.up.sql"), "0001_add_users");
        assert_eq!(file_stem("m/0001_add_users/up.sql"), "0001_add_users");
    }
}
