//! The real binary killed with SIGKILL at random moments during `up`, again and again; after
//! every kill the database must be consistent, and a final `up` must finish the job.
//!
//! `PLOVER_CRASH_KILLS` sets the number of kills per backend (default 50) and
//! `PLOVER_CRASH_SEED` replays a run.

use std::collections::BTreeMap;
use std::time::Duration;

use plover::core::{Driver, Value};
use plover_testkit::{Backend, Fixture, TestDb, query_i64};

use crate::support::{database, run, spawn};

const TRANSACTIONAL_ROWS: i64 = 30_000;
const SLOW_ROW: &str = "SELECT count(*) FROM c";
const INSERTS_PER_STEP_MIGRATION: usize = 6;

/// Versions that run statement by statement; every other version is transactional.
fn is_step_migration(version: usize) -> bool {
    version.is_multiple_of(5)
}

fn recursive(rows: i64) -> String {
    format!("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {rows})")
}

fn fixture(backend: Backend, migrations: usize) -> Fixture {
    let dir = Fixture::new();
    for v in 1..=migrations {
        let sql = if is_step_migration(v) {
            let mut sql = format!("-- plover:no-transaction\nCREATE TABLE nt{v} (n integer);\n");
            for k in 1..=INSERTS_PER_STEP_MIGRATION {
                sql.push_str(&format!(
                    "INSERT INTO nt{v} SELECT {k} FROM ({} {SLOW_ROW}) AS slow;\n",
                    recursive(20_000)
                ));
            }
            if backend == Backend::Postgres {
                sql.push_str(&format!(
                    "CREATE INDEX CONCURRENTLY nt{v}_n ON nt{v} (n);\n"
                ));
            }
            sql
        } else {
            format!(
                "CREATE TABLE t{v} (n integer);\nINSERT INTO t{v} {} SELECT n FROM c;\n",
                recursive(TRANSACTIONAL_ROWS)
            )
        };
        dir.write(&format!("migrations/{v:03}_m{v}.sql"), &sql);
    }
    dir
}

async fn table_exists(conn: &mut dyn Driver, backend: Backend, table: &str) -> bool {
    let sql = match backend {
        Backend::Postgres => {
            "SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = $1"
        }
        Backend::Sqlite => "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
    };
    !conn
        .query(sql, &[Value::from(table)])
        .await
        .unwrap()
        .is_empty()
}

/// A killed client's server backend may still be finishing what the client had already
/// sent (a pipelined transaction commits without its client): wait until it is gone, so
/// that the checks below see one settled state.
async fn settle(conn: &mut dyn Driver, backend: Backend) {
    if backend != Backend::Postgres {
        return;
    }
    let others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    for _ in 0..200 {
        if query_i64(conn, others).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("a killed runner's backend is still busy after 10 s");
}

/// Checks that every migration is applied with its history row, or not at all, and that a
/// half-done statement-by-statement migration has exactly the effects of its recorded
/// statements. Returns how many migrations are fully applied.
async fn check_consistent(db: &TestDb, migrations: usize, seed: u64) -> usize {
    let mut conn = db.connect().await;
    settle(conn.as_mut(), db.backend).await;
    let mut history = BTreeMap::new();
    if table_exists(conn.as_mut(), db.backend, "plover_migrations").await {
        let rows = conn
            .query(
                "SELECT version, status, statements_done FROM plover_migrations",
                &[],
            )
            .await
            .unwrap();
        for row in rows {
            let status = row[1].as_str().unwrap().to_owned();
            history.insert(
                row[0].as_i64().unwrap() as usize,
                (status, row[2].as_i64().unwrap()),
            );
        }
    }
    let context = |v: usize| format!("seed {seed}, version {v}, history {:?}", history.get(&v));
    for v in 1..=migrations {
        let row = history.get(&v);
        if is_step_migration(v) {
            let table = format!("nt{v}");
            let exists = table_exists(conn.as_mut(), db.backend, &table).await;
            let done = row.map_or(0, |(_, d)| *d);
            assert_eq!(exists, done >= 1, "{}", context(v));
            if exists {
                let rows = query_i64(conn.as_mut(), &format!("SELECT count(*) FROM {table}")).await;
                let distinct = query_i64(
                    conn.as_mut(),
                    &format!("SELECT count(DISTINCT n) FROM {table}"),
                )
                .await;
                let expected = (done - 1).clamp(0, INSERTS_PER_STEP_MIGRATION as i64);
                assert_eq!((rows, distinct), (expected, expected), "{}", context(v));
            }
        } else {
            let table = format!("t{v}");
            let exists = table_exists(conn.as_mut(), db.backend, &table).await;
            assert_eq!(exists, row.is_some(), "{}", context(v));
            if exists {
                assert_eq!(
                    query_i64(conn.as_mut(), &format!("SELECT count(*) FROM {table}")).await,
                    TRANSACTIONAL_ROWS,
                    "{}",
                    context(v)
                );
            }
        }
    }
    history
        .values()
        .filter(|(status, _)| status == "applied")
        .count()
}

async fn crash_repeatedly(backend: Backend) {
    let kills: usize = std::env::var("PLOVER_CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("PLOVER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    let migrations = 25;
    let dir = fixture(backend, migrations);
    let Some(mut db) = database(backend).await else {
        return;
    };
    let mut landed = 0;
    let mut attempts = 0;
    while landed < kills {
        attempts += 1;
        assert!(
            attempts < kills * 10,
            "seed {seed}: only {landed} of {kills} kills landed in {attempts} runs"
        );
        let mut child = spawn(dir.path(), &db, &["up", "--quiet"]);
        tokio::time::sleep(Duration::from_millis(rng.u64(5..700))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            landed += 1;
        }
        let status = child.wait().unwrap();
        let applied = check_consistent(&db, migrations, seed).await;
        if status.success() || applied == migrations {
            // Everything got applied before the kill: start over on a fresh database.
            finish(&dir, &db, migrations, seed).await;
            db = database(backend).await.unwrap();
        }
    }
    finish(&dir, &db, migrations, seed).await;
}

/// A final `up` completes the work, and nothing was applied twice.
async fn finish(dir: &Fixture, db: &TestDb, migrations: usize, seed: u64) {
    let outcome = run(dir.path(), db, &["up", "--quiet"]);
    assert_eq!(outcome.code, 0, "seed {seed}: {outcome:?}");
    assert_eq!(
        check_consistent(db, migrations, seed).await,
        migrations,
        "seed {seed}"
    );
    if db.backend == Backend::Postgres {
        let mut conn = db.connect().await;
        let invalid = query_i64(
            conn.as_mut(),
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid",
        )
        .await;
        assert_eq!(invalid, 0, "seed {seed}: an invalid index survived");
        let indexes = query_i64(
            conn.as_mut(),
            "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'nt%_n'",
        )
        .await;
        assert_eq!(indexes, (migrations / 5) as i64, "seed {seed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_up_on_postgres() {
    crash_repeatedly(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_up_on_sqlite() {
    crash_repeatedly(Backend::Sqlite).await;
}
