//! SIGKILL at random moments during a fleet run, then a rerun: every tenant fully migrated,
//! nothing applied twice.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use plover::core::Driver;
use plover_testkit::{Backend, TestDb, query_i64};

use crate::support::{database, run, spawn};

use super::support::{
    column_exists, counts, done, ids, log, make_schemas, project, relation_exists, schema, seed,
    settle, tenants, text, valid_index,
};

/// Each migration logs itself; version 3 runs statement by statement, two of them
/// CREATE INDEX CONCURRENTLY, and logs after each (3, then 31).
const CRASH: &[(&str, &str)] = &[
    (
        "001_items.sql",
        "CREATE TABLE applied_log (version integer NOT NULL);\n\
         CREATE TABLE items (id integer NOT NULL, n integer NOT NULL);\n\
         INSERT INTO applied_log VALUES (1);\n",
    ),
    (
        "002_fill.sql",
        "INSERT INTO items SELECT g, g % 97 FROM generate_series(1, 5000) AS g;\n\
         INSERT INTO applied_log VALUES (2);\n",
    ),
    (
        "003_indexes.sql",
        "-- plover:no-transaction\n\
         CREATE INDEX CONCURRENTLY items_n ON items (n);\n\
         INSERT INTO applied_log VALUES (3);\n\
         CREATE INDEX CONCURRENTLY items_id ON items (id);\n\
         INSERT INTO applied_log VALUES (31);\n",
    ),
    (
        "004_label.sql",
        "ALTER TABLE items ADD COLUMN label text;\n\
         UPDATE items SET label = n::text;\n\
         INSERT INTO applied_log VALUES (4);\n",
    ),
];

const CRASH_TENANTS: usize = 10;

/// Checks that one tenant is consistent after a kill: every transactional migration applied
/// with its history row or not at all, the no-transaction one exactly as far as its recorded
/// statements, nothing logged twice. Returns whether the tenant is fully migrated.
async fn check_crashed_tenant(conn: &mut dyn Driver, schema: &str, context: &str) -> bool {
    let mut rows = BTreeMap::new();
    if relation_exists(conn, schema, "plover_migrations").await {
        let sql =
            format!("SELECT version, status, statements_done FROM \"{schema}\".plover_migrations");
        for row in conn.query(&sql, &[]).await.unwrap() {
            let status = text(&row[1]);
            rows.insert(row[0].as_i64().unwrap(), (status, row[2].as_i64().unwrap()));
        }
    }
    let log = log(conn, schema).await;
    let context = format!("{context}, {schema}: history {rows:?}, log {log:?}");
    let unique: BTreeSet<i64> = log.iter().copied().collect();
    assert_eq!(unique.len(), log.len(), "{context}: logged twice");
    for version in [1, 2, 4] {
        let applied = rows.get(&version).is_some_and(|(s, _)| s == "applied");
        assert_eq!(rows.contains_key(&version), applied, "{context}");
        assert_eq!(unique.contains(&version), applied, "{context}");
    }
    let done = rows.get(&3).map_or(0, |(_, done)| *done);
    assert_eq!(unique.contains(&3), done >= 2, "{context}");
    assert_eq!(unique.contains(&31), done >= 4, "{context}");
    if done >= 1 {
        assert!(valid_index(conn, schema, "items_n").await, "{context}");
    }
    if done >= 3 {
        assert!(valid_index(conn, schema, "items_id").await, "{context}");
    }
    if rows.get(&3).is_some_and(|(s, _)| s == "applied") {
        assert_eq!(done, 4, "{context}");
    }
    let complete = rows.len() == 4 && rows.values().all(|(s, _)| s == "applied");
    if complete {
        assert_eq!(log, [1, 2, 3, 4, 31], "{context}");
        assert!(
            column_exists(conn, schema, "items", "label").await,
            "{context}"
        );
        let rows = query_i64(conn, &format!("SELECT count(*) FROM \"{schema}\".items")).await;
        assert_eq!(rows, 5_000, "{context}");
    }
    complete
}

/// Checks every tenant; returns how many are fully migrated.
async fn check_crashed_fleet(db: &TestDb, ids: &[String], context: &str) -> usize {
    let mut conn = db.connect().await;
    settle(conn.as_mut()).await;
    let mut complete = 0;
    for id in ids {
        if check_crashed_tenant(conn.as_mut(), &schema(id), context).await {
            complete += 1;
        }
    }
    complete
}

/// Drops the tenants' schemas and makes them again, empty.
async fn reset_fleet(db: &TestDb, ids: &[String]) {
    let mut conn = db.connect().await;
    let sql: String = ids
        .iter()
        .map(|id| format!("DROP SCHEMA \"{}\" CASCADE;\n", schema(id)))
        .collect();
    conn.execute_script(&sql).await.unwrap();
    make_schemas(conn.as_mut(), ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_fleet_run_then_a_rerun_migrates_every_tenant_once() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let kills: usize = std::env::var("PLOVER_TENANTS_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(15);
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = project("", CRASH);
    let ids = ids("k", CRASH_TENANTS);
    let migrate = ["tenants", "migrate", "--all", "--concurrency", "4"];

    // One uninterrupted run tells how long a run takes here.
    make_schemas(db.connect().await.as_mut(), &ids).await;
    let started = Instant::now();
    let out = run(dir.path(), &db, &migrate);
    let typical = started.elapsed();
    assert_eq!(out.code, 0, "{out:?}");
    let context = format!("seed {seed}, uninterrupted");
    assert_eq!(check_crashed_fleet(&db, &ids, &context).await, ids.len());
    reset_fleet(&db, &ids).await;

    let mut landed = 0;
    let mut attempts = 0;
    while landed < kills {
        attempts += 1;
        assert!(
            attempts < kills * 10,
            "seed {seed}: only {landed} of {kills} kills landed in {attempts} runs"
        );
        let mut child = spawn(dir.path(), &db, &migrate);
        let delay = rng.u64(0..=typical.as_millis() as u64);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            landed += 1;
        }
        let output = child.wait_with_output().unwrap();
        let context = format!("seed {seed}, kill {landed} after {delay} ms");
        let complete = check_crashed_fleet(&db, &ids, &context).await;
        if output.status.success() || complete == ids.len() {
            // The run finished before the kill: start again from empty tenants.
            assert_eq!(complete, ids.len(), "{context}: exited 0 unfinished");
            reset_fleet(&db, &ids).await;
        }
    }

    let out = run(
        dir.path(),
        &db,
        &[
            "--json",
            "tenants",
            "migrate",
            "--all",
            "--concurrency",
            "4",
        ],
    );
    assert_eq!(out.code, 0, "seed {seed}: {out:?}");
    let n = ids.len() as u64;
    assert_eq!(counts(&done(&out)), [n, n, 0, 0], "seed {seed}");
    let context = format!("seed {seed}, after the rerun");
    assert_eq!(check_crashed_fleet(&db, &ids, &context).await, ids.len());
    let mut conn = db.connect().await;
    let invalid = query_i64(
        conn.as_mut(),
        "SELECT count(*) FROM pg_index WHERE NOT indisvalid",
    )
    .await;
    assert_eq!(invalid, 0, "seed {seed}: an invalid index survived");
    let status = tenants(&dir, &db, &["status", "--check"]);
    assert_eq!(status.code, 0, "seed {seed}: {status:?}");
}
