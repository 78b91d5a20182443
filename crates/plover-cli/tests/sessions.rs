//! PostgreSQL only: every run ends its sessions the way a client should (a Terminate
//! message), so the server counts none of them abandoned and logs no "Connection reset by
//! peer" for them.

use std::time::Duration;

use plover::core::Driver;
use plover_testkit::{Backend, Fixture, query_i64};

use crate::support::{database, run};

/// Sessions to this database that ended, and those the server saw the client vanish from.
const SESSIONS: &str = "SELECT sessions * 1000000 + sessions_abandoned FROM pg_stat_database \
     WHERE datname = current_database()";

/// Other sessions still connected to this database.
const OTHERS: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE datname = current_database() AND pid <> pg_backend_pid()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_end_their_sessions_cleanly() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let mut conn = db.connect().await;
    if query_i64(
        conn.as_mut(),
        "SELECT current_setting('server_version_num')::int",
    )
    .await
        < 140_000
    {
        return; // pg_stat_database counts sessions from PostgreSQL 14.
    }
    let dir = Fixture::new()
        .file("migrations/001_t.sql", "CREATE TABLE t (x bigint);")
        .file("tenant-migrations/001_t.sql", "CREATE TABLE t (x bigint);")
        .file(
            "plover.toml",
            "[tenants]\nids = [\"a\", \"b\", \"c\"]\nschema_template = \"t_{id}\"\n",
        );
    let (before, _) = counts(conn.as_mut()).await;
    let runs: [&[&str]; 5] = [
        &["up"],
        &["status"],
        &["tenants", "create", "a"],
        &["tenants", "migrate", "--all"],
        &["tenants", "drift"],
    ];
    for args in runs {
        let outcome = run(dir.path(), &db, args);
        assert_eq!(outcome.code, 0, "{args:?}: {}", outcome.stderr);
    }
    let (sessions, abandoned) = settled(conn.as_mut(), before).await;
    assert!(sessions >= before.0 + 5, "the runs' sessions were counted");
    assert_eq!(abandoned, before.1, "no session ended without a goodbye");
}

/// (sessions, abandoned) now, and whether other sessions are still connected.
async fn counts(db: &mut dyn Driver) -> ((i64, i64), bool) {
    db.execute_script("SELECT pg_stat_clear_snapshot()")
        .await
        .unwrap();
    let both = query_i64(db, SESSIONS).await;
    let others = query_i64(db, OTHERS).await;
    ((both / 1_000_000, both % 1_000_000), others > 0)
}

/// The counts once the runs' sessions are gone and counted (the server counts a session
/// when its process exits, a moment after the client has gone).
async fn settled(db: &mut dyn Driver, before: (i64, i64)) -> (i64, i64) {
    for _ in 0..100 {
        let (now, others) = counts(db).await;
        if !others && now.0 > before.0 {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the runs' sessions were still connected, or not counted, after 5 s");
}
