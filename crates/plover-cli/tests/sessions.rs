//! PostgreSQL only: what the server sees of Plover's runs. Every run ends its sessions the
//! way a client should (a Terminate message), so the server counts none of them abandoned
//! and logs no "Connection reset by peer"; and a run that goes as planned makes the server
//! roll nothing back, so it leaves no error in the server's log.

use std::time::Duration;

use plover::core::Driver;
use plover_testkit::{Backend, Fixture, TestDb, query_i64};

use crate::support::{database, run};

/// This database's counters, from `pg_stat_database`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counters {
    /// Sessions that ended.
    sessions: i64,
    /// Sessions the server saw the client vanish from.
    abandoned: i64,
    /// Transactions rolled back, a statement's failure included.
    rollbacks: i64,
}

/// The columns of [`Counters`], in order.
const COUNTERS: [&str; 3] = ["sessions", "sessions_abandoned", "xact_rollback"];

/// Other sessions still connected to this database.
const OTHERS: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE datname = current_database() AND pid <> pg_backend_pid()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_end_their_sessions_cleanly() {
    let Some((db, mut conn)) = counted_database().await else {
        return;
    };
    let dir = Fixture::new()
        .file("migrations/001_t.sql", "CREATE TABLE t (x bigint);")
        .file("tenant-migrations/001_t.sql", "CREATE TABLE t (x bigint);")
        .file("plover.toml", FLEET);
    let before = counters(conn.as_mut()).await;
    let runs: [&[&str]; 5] = [
        &["up"],
        &["status"],
        &["tenants", "create", "a"],
        &["tenants", "migrate", "--all"],
        &["tenants", "drift"],
    ];
    for args in runs {
        succeed(&dir, &db, args);
    }
    let after = settled(conn.as_mut(), before, runs.len() as i64).await;
    assert_eq!(
        after.abandoned, before.abandoned,
        "a session ended without a goodbye"
    );
}

/// New tenants have no history table to read: a run that read it anyway would fail a
/// statement (and log an ERROR) for each of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_tenants_are_migrated_without_a_failed_statement() {
    let Some((db, mut conn)) = counted_database().await else {
        return;
    };
    let dir = Fixture::new()
        .file("tenant-migrations/001_t.sql", "CREATE TABLE t (x bigint);")
        .file("tenant-migrations/002_u.sql", "CREATE TABLE u (x bigint);")
        .file("plover.toml", FLEET);
    let before = counters(conn.as_mut()).await;
    succeed(&dir, &db, &["tenants", "create", "a"]);
    // b, c and d are new; a has everything, and the run expects a's history of them all.
    succeed(&dir, &db, &["tenants", "migrate", "--all"]);
    dir.write("tenant-migrations/003_v.sql", "CREATE TABLE v (x bigint);");
    succeed(&dir, &db, &["tenants", "migrate", "--all"]);
    let after = settled(conn.as_mut(), before, 3).await;
    assert_eq!(
        after.rollbacks, before.rollbacks,
        "statements failed on the server"
    );
    assert_eq!(
        query_i64(conn.as_mut(), "SELECT count(*) FROM t_d.plover_migrations").await,
        3
    );
}

/// The tenants of the tests' fleets.
const FLEET: &str = "[tenants]\nids = [\"a\", \"b\", \"c\", \"d\"]\nschema_template = \"t_{id}\"\n";

/// A fresh database and a connection to it, on a server that counts sessions and counts
/// a session's work before its process leaves `pg_stat_activity` (PostgreSQL 15 and later;
/// 14's statistics collector may lag and lose counts).
async fn counted_database() -> Option<(TestDb, Box<dyn Driver>)> {
    let db = database(Backend::Postgres).await?;
    let mut conn = db.connect().await;
    let version = "SELECT current_setting('server_version_num')::int";
    (query_i64(conn.as_mut(), version).await >= 150_000).then_some((db, conn))
}

fn succeed(dir: &Fixture, db: &TestDb, args: &[&str]) {
    let outcome = run(dir.path(), db, args);
    assert_eq!(outcome.code, 0, "{args:?}: {}", outcome.stderr);
}

async fn counters(db: &mut dyn Driver) -> Counters {
    db.execute_script("SELECT pg_stat_clear_snapshot()")
        .await
        .unwrap();
    let mut values = [0; 3];
    for (value, column) in values.iter_mut().zip(COUNTERS) {
        let sql =
            format!("SELECT {column} FROM pg_stat_database WHERE datname = current_database()");
        *value = query_i64(db, &sql).await;
    }
    let [sessions, abandoned, rollbacks] = values;
    Counters {
        sessions,
        abandoned,
        rollbacks,
    }
}

/// The counters once the runs' sessions (at least `runs` of them) are gone and counted: the
/// server counts a session when its process exits, a moment after the client has gone.
async fn settled(db: &mut dyn Driver, before: Counters, runs: i64) -> Counters {
    for _ in 0..100 {
        let now = counters(db).await;
        if query_i64(db, OTHERS).await == 0 && now.sessions >= before.sessions + runs {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the runs' sessions were still connected, or not counted, after 5 s");
}
