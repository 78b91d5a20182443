//! Eight `plover up` processes started at once against one database: each migration is
//! applied exactly once and every process succeeds.

use plover_testkit::{Backend, Fixture, query_i64};

use crate::support::{database, spawn};

const RUNNERS: usize = 8;
const MIGRATIONS: usize = 15;

async fn race(backend: Backend) {
    let dir = Fixture::new().file(
        "migrations/001_log.sql",
        "CREATE TABLE applied_log (version integer);",
    );
    for v in 2..=MIGRATIONS {
        // Not idempotent: a second run of any of these fails on CREATE TABLE.
        dir.write(
            &format!("migrations/{v:03}_m.sql"),
            &format!("CREATE TABLE c{v} (x integer);\nINSERT INTO applied_log VALUES ({v});\n"),
        );
    }
    let Some(db) = database(backend).await else {
        return;
    };
    let children: Vec<_> = (0..RUNNERS)
        .map(|_| spawn(dir.path(), &db, &["up", "--quiet"]))
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a runner failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut conn = db.connect().await;
    assert_eq!(
        query_i64(conn.as_mut(), "SELECT count(*) FROM applied_log").await,
        (MIGRATIONS - 1) as i64
    );
    assert_eq!(
        query_i64(
            conn.as_mut(),
            "SELECT count(DISTINCT version) FROM applied_log"
        )
        .await,
        (MIGRATIONS - 1) as i64
    );
    assert_eq!(
        query_i64(conn.as_mut(), "SELECT count(*) FROM plover_migrations").await,
        MIGRATIONS as i64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_runners_at_once_on_postgres() {
    race(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_runners_at_once_on_sqlite() {
    race(Backend::Sqlite).await;
}
