//! `status` and `sync`: each tenant's state, refusals, reconciling histories.

use std::collections::BTreeMap;

use plover_testkit::{Backend, Fixture, TestDb};

use crate::support::{Outcome, database};

use super::support::{
    DIR, ITEMS, NO_LINT, applied, counts, done, entry, fleet_snapshot, history, ids,
    migrated_fleet, project, relation_exists, schema, schemas, states, tenants,
};

fn all_in(ids: &[String], state: &str) -> BTreeMap<String, String> {
    ids.iter()
        .map(|id| (id.clone(), state.to_owned()))
        .collect()
}

/// `tenants --json migrate --all --lock-timeout TIMEOUT` while another connection holds
/// tenant `id`'s migration lock.
async fn migrate_all_while_locked(dir: &Fixture, db: &TestDb, id: &str, timeout: &str) -> Outcome {
    let table = plover::core::sql::QualifiedName::new(schema(id), "plover_migrations");
    let request = plover::migrator::lock_request(&table, &plover::Options::default());
    let mut holder = db.connect().await;
    assert_eq!(
        holder.try_lock(&request).await.unwrap(),
        plover::core::LockAttempt::Acquired
    );
    let out = tenants(
        dir,
        db,
        &["--json", "migrate", "--all", "--lock-timeout", timeout],
    );
    holder.unlock(&request).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_tells_ok_behind_modified_and_ahead() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let ids = ids("s", 3);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    assert_eq!(states(&dir, &db), all_in(&ids, "ok"));
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 0);

    dir.write(
        &format!("{DIR}/003_x.sql"),
        "CREATE TABLE x (id integer);\n",
    );
    assert_eq!(states(&dir, &db), all_in(&ids, "behind"));
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 7);
    let out = tenants(&dir, &db, &["migrate", "--tenant", &ids[1]]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut expected = all_in(&ids, "behind");
    expected.insert(ids[1].clone(), "ok".to_owned());
    assert_eq!(states(&dir, &db), expected);

    // An applied file edited: every tenant that applied it is modified.
    let original = ITEMS[1].1;
    dir.write(
        &format!("{DIR}/002_tags.sql"),
        &format!("{original}-- edited\n"),
    );
    assert_eq!(states(&dir, &db), all_in(&ids, "modified"));
    let out = tenants(&dir, &db, &["--json", "status"]);
    for t in done(&out)["tenants"].as_array().unwrap() {
        assert_eq!(t["modified_versions"], serde_json::json!([2]), "{t}");
    }
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 5);
    // Migrating refuses in every tenant, naming the file, and changes nothing: even in a
    // tenant whose lock another runner holds (the refusal comes before the lock).
    let mut conn = db.connect().await;
    let before = fleet_snapshot(conn.as_mut()).await;
    let out = migrate_all_while_locked(&dir, &db, &ids[0], "300ms").await;
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [3, 0, 3, 0]);
    for id in &ids {
        let error = entry(&report, id)["error"].as_str().unwrap().to_owned();
        assert!(
            error.contains("002_tags.sql was edited after it was applied"),
            "{error}"
        );
    }
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);

    // An applied file deleted: ahead (the tenant has what no file describes).
    dir.write(&format!("{DIR}/002_tags.sql"), original);
    dir.remove(&format!("{DIR}/003_x.sql"));
    let mut expected = all_in(&ids, "ok");
    expected.insert(ids[1].clone(), "ahead".to_owned());
    assert_eq!(states(&dir, &db), expected);
    let out = tenants(&dir, &db, &["--json", "status", "--tenant", &ids[1]]);
    let report = done(&out);
    assert_eq!(
        report["tenants"][0]["missing_versions"],
        serde_json::json!([3])
    );
    assert_eq!(report["states"]["ahead"], 1);
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 5);
}

/// 120 tenants are read over three connections; a state put into a tenant of each one is
/// found there, and nowhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_read_over_several_connections_finds_each_state_where_it_is() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("[tenants]\nconcurrency = 4\n", ITEMS);
    let ids = ids("p", 120);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    let mut conn = db.connect().await;
    let history = |i: usize| format!("\"{}\".plover_migrations", schema(&ids[i]));
    let zeros = "0".repeat(64);
    let changes = [
        format!("DELETE FROM {} WHERE version = 2", history(3)),
        format!(
            "UPDATE {} SET checksum = '{zeros}' WHERE version = 1",
            history(41)
        ),
        format!("ALTER TABLE {} RENAME COLUMN checksum TO sum", history(77)),
        format!("DROP TABLE {}", history(118)),
        format!(
            "INSERT INTO {} (version, name, checksum, script, status, applied_by) \
             VALUES (9, 'gone', '{zeros}', '', 'applied', 'test')",
            history(119)
        ),
    ];
    for sql in &changes {
        conn.execute_script(sql).await.expect(sql);
    }
    let mut expected = all_in(&ids, "ok");
    for (i, state) in [
        (3, "behind"),
        (41, "modified"),
        (77, "error"),
        (118, "behind"),
        (119, "ahead"),
    ] {
        expected.insert(ids[i].clone(), state.to_owned());
    }
    assert_eq!(states(&dir, &db), expected);
}

/// A file numbered below what a tenant applied is refused in that tenant before its lock:
/// a runner holding the lock does not make the refusal wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_order_file_is_refused_without_waiting_for_the_lock() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(
        "",
        &[ITEMS[0], ("003_x.sql", "CREATE TABLE x (id integer);\n")],
    );
    let ids = ids("o", 2);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    dir.write(
        &format!("{DIR}/002_y.sql"),
        "CREATE TABLE y (id integer);\n",
    );

    let out = migrate_all_while_locked(&dir, &db, &ids[0], "5s").await;
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [2, 0, 2, 0]);
    for id in &ids {
        let error = entry(&report, id)["error"].as_str().unwrap();
        assert!(error.contains("out of order"), "{id}: {error}");
    }
    let waited = report["tenants"][0]["duration_ms"].as_f64().unwrap();
    assert!(
        waited < 4000.0,
        "the refusal waited for the lock: {waited} ms"
    );
}

/// A file the preflight refuses stops a fleet run only where it is still pending: applied
/// everywhere, it does not keep the fleet from newer files; pending in one new tenant, it
/// refuses the whole run, naming the file, before anything changes; and `create` refuses
/// a tenant that would run it without making its schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_the_preflight_refuses_blocks_the_fleet_only_where_it_is_pending() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let unsafe_index = (
        "002_index.sql",
        "CREATE INDEX items_name_idx ON items (name);\n",
    );
    let dir = project(NO_LINT, &[ITEMS[0], unsafe_index]);
    let ids = ids("f", 3);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    dir.write("plover.toml", "");
    dir.write(
        &format!("{DIR}/003_tags.sql"),
        "CREATE TABLE tags (id integer);\n",
    );

    let mut conn = db.connect().await;
    conn.execute_script("CREATE SCHEMA tenant_f03")
        .await
        .unwrap();
    let before = fleet_snapshot(conn.as_mut()).await;
    let out = tenants(&dir, &db, &["migrate", "--all"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("002_index.sql"), "{out:?}");
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);

    conn.execute_script("DROP SCHEMA tenant_f03").await.unwrap();
    // A new tenant would have every file pending: `create` refuses before making the schema.
    let out = tenants(&dir, &db, &["create", "f04"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.contains("002_index.sql"), "{out:?}");
    assert!(!schemas(conn.as_mut()).await.contains(&schema("f04")));

    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let expected: BTreeMap<String, Vec<i64>> = ids.iter().map(|id| (id.clone(), vec![3])).collect();
    assert_eq!(applied(&done(&out)), expected);
}

/// `tenants sync --json ARGS`: per tenant, the versions reconciled (or to reconcile).
fn sync(dir: &Fixture, db: &TestDb, args: &[&str]) -> BTreeMap<String, Vec<i64>> {
    let mut all = vec!["--json", "sync"];
    all.extend_from_slice(args);
    let out = tenants(dir, db, &all);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(report["failed"], 0, "{report}");
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| {
            let versions = t["versions"]
                .as_array()
                .expect("versions")
                .iter()
                .map(|v| v.as_i64().expect("version"))
                .collect();
            (t["id"].as_str().expect("id").to_owned(), versions)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_records_changes_made_by_hand_and_cleans_orphaned_rows_only_with_apply() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let ids = ids("y", 3);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    let mut conn = db.connect().await;

    // Version 3 was applied by hand in the first tenant (only): mark it there.
    dir.write(
        &format!("{DIR}/003_extra.sql"),
        "CREATE TABLE extra (id integer);\n",
    );
    conn.execute_script(&format!(
        "CREATE TABLE {}.extra (id integer)",
        schema(&ids[0])
    ))
    .await
    .unwrap();
    let before = fleet_snapshot(conn.as_mut()).await;
    let only = ["--mark-missing", "--tenant", ids[0].as_str()];
    let dry = sync(&dir, &db, &only);
    assert_eq!(dry, BTreeMap::from([(ids[0].clone(), vec![3])]));
    assert_eq!(
        fleet_snapshot(conn.as_mut()).await,
        before,
        "a dry run wrote"
    );
    let mut apply = only.to_vec();
    apply.push("--apply");
    assert_eq!(sync(&dir, &db, &apply), dry);
    assert_eq!(history(conn.as_mut(), &schema(&ids[0])).await, [1, 2, 3]);
    let mut expected = all_in(&ids, "behind");
    expected.insert(ids[0].clone(), "ok".to_owned());
    assert_eq!(states(&dir, &db), expected);
    // The others still run it.
    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(applied(&report)[&ids[0]], Vec::<i64>::new());
    assert_eq!(applied(&report)[&ids[1]], [3]);

    // Version 2's file is deleted: every tenant has an orphaned row.
    dir.remove(&format!("{DIR}/002_tags.sql"));
    assert_eq!(states(&dir, &db), all_in(&ids, "ahead"));
    let before = fleet_snapshot(conn.as_mut()).await;
    let orphans: BTreeMap<String, Vec<i64>> = ids.iter().map(|id| (id.clone(), vec![2])).collect();
    assert_eq!(sync(&dir, &db, &["--clean-orphans"]), orphans);
    assert_eq!(
        fleet_snapshot(conn.as_mut()).await,
        before,
        "a dry run wrote"
    );
    assert_eq!(sync(&dir, &db, &["--clean-orphans", "--apply"]), orphans);
    for id in &ids {
        assert_eq!(history(conn.as_mut(), &schema(id)).await, [1, 3], "{id}");
        assert!(relation_exists(conn.as_mut(), &schema(id), "tags").await);
    }
    assert_eq!(states(&dir, &db), all_in(&ids, "ok"));
    assert_eq!(
        sync(&dir, &db, &["--clean-orphans", "--apply"]),
        BTreeMap::new()
    );
}
