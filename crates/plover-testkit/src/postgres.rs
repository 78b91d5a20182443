//! A fresh PostgreSQL database per test, created on the server named by
//! `PLOVER_TEST_PG_URL` (or the local server at 127.0.0.1:5432) and dropped afterwards.

use std::sync::atomic::{AtomicU32, Ordering};

use plover::core::{Driver, Value};
use tokio::sync::OnceCell;

use crate::cluster;

/// The admin URL tests create their databases through, when a server answers.
const LOCAL_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

/// Prefix of every database the kit creates; stale ones from killed runs are dropped.
const PREFIX: &str = "plover_t_";

static ADMIN_URL: OnceCell<Option<String>> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database created for one test and dropped when the value is dropped.
#[derive(Debug)]
pub struct PgDatabase {
    /// URL of the test database.
    pub url: String,
    name: String,
    admin: String,
}

/// The admin URL, found once per process: `PLOVER_TEST_PG_URL` (`throwaway` asks for a
/// private server), else the local server, else a throwaway server from the local binaries.
/// `None` when none can be had.
async fn admin_url() -> Option<String> {
    ADMIN_URL.get_or_init(discover).await.clone()
}

async fn discover() -> Option<String> {
    match std::env::var("PLOVER_TEST_PG_URL") {
        Ok(value) if value == "throwaway" => cluster::start().await,
        Ok(url) => usable(&url).await,
        Err(_) => match usable(LOCAL_DEFAULT).await {
            Some(url) => Some(url),
            None => cluster::start().await,
        },
    }
}

/// `url` when a server answers there.
async fn usable(url: &str) -> Option<String> {
    match plover_postgres::connect(url).await {
        Ok(mut admin) => {
            drop_stale_databases(&mut admin).await;
            Some(url.to_owned())
        }
        Err(error) => {
            eprintln!(
                "no PostgreSQL at {}: {error}",
                plover::database_url::redact(url)
            );
            None
        }
    }
}

/// Databases left by test processes that no longer run.
async fn drop_stale_databases(admin: &mut plover_postgres::PostgresDriver) {
    let sql = format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'");
    let Ok(rows) = admin.query(&sql, &[]).await else {
        return;
    };
    for row in rows {
        let Some(name) = row[0].as_str() else {
            continue;
        };
        let pid = name
            .trim_start_matches(PREFIX)
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = admin
                .execute_script(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

impl PgDatabase {
    /// Creates a fresh database, or returns `None` when no server is available.
    pub async fn create() -> Option<PgDatabase> {
        let admin = admin_url().await?;
        let name = format!(
            "{PREFIX}{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let mut driver = plover_postgres::connect(&admin)
            .await
            .expect("admin connection");
        driver
            .execute_script(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        let url = replace_database(&admin, &name);
        Some(PgDatabase { url, name, admin })
    }
}

/// `admin` with its database name replaced by `name`.
fn replace_database(admin: &str, name: &str) -> String {
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut url = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs outside any runtime (or inside one that must not block): use a thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut driver = plover_postgres::connect(&admin).await.ok()?;
                driver
                    .execute_script(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// Reads one integer from `sql` on `db`.
pub async fn query_i64(db: &mut dyn Driver, sql: &str) -> i64 {
    let rows = db
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.first()
        .and_then(|r| r.first())
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{sql}: no integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            replace_database("postgres://u@h:5432/postgres?sslmode=disable", "t1"),
            "postgres://u@h:5432/t1?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h", "t1"),
            "postgres://u@h/t1"
        );
    }
}
