//! Canaries, `--on-error abort`, dry runs, and `tenants new`.

use std::collections::BTreeSet;

use plover::core::Driver;
use plover_testkit::{Backend, Fixture};
use serde_json::Value as Json;

use crate::support::{Outcome, database, plover};

use super::isolation::ISOLATION;
use super::support::{
    DIR, ITEMS, NO_LINT, applied, counts, done, entry, fleet_snapshot, history, ids, make_schemas,
    migrated_fleet, project, schema, tenants, with_outcome,
};

/// Gives tenant `id` (at version 1 of [`ISOLATION`]) a duplicate name, so that version 2
/// fails there; `false` removes it again.
async fn duplicate_names(conn: &mut dyn Driver, id: &str, present: bool) {
    let s = schema(id);
    let sql = if present {
        format!("INSERT INTO {s}.items VALUES (1, 'same'), (2, 'same')")
    } else {
        format!("DELETE FROM {s}.items WHERE id = 2")
    };
    conn.execute_script(&sql).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_canaries_skip_the_rest_and_on_error_abort_skips_what_was_not_started() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(NO_LINT, ISOLATION);
    let ids = ids("n", 10);
    migrated_fleet(&dir, &db, &ids, &["--to", "1"]).await;
    let mut conn = db.connect().await;

    // The second canary fails: the eight others are not started.
    duplicate_names(conn.as_mut(), &ids[1], true).await;
    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--canary", "2"]);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 1, 1, 8], "{report}");
    assert_eq!(report["canary_failed"], true);
    assert_eq!(
        with_outcome(&report, "succeeded"),
        BTreeSet::from([ids[0].clone()])
    );
    assert_eq!(
        with_outcome(&report, "failed"),
        BTreeSet::from([ids[1].clone()])
    );
    for id in &ids[2..] {
        assert_eq!(entry(&report, id)["error"], "a canary tenant failed");
        assert_eq!(history(conn.as_mut(), &schema(id)).await, [1], "{id}");
    }
    assert_eq!(history(conn.as_mut(), &schema(&ids[0])).await, [1, 2, 3]);
    assert_eq!(history(conn.as_mut(), &schema(&ids[1])).await, [1]);

    // One worker, abort on error: the sixth tenant fails, the four after it are skipped.
    duplicate_names(conn.as_mut(), &ids[1], false).await;
    duplicate_names(conn.as_mut(), &ids[5], true).await;
    let args = [
        "--json",
        "migrate",
        "--all",
        "--on-error",
        "abort",
        "--concurrency",
        "1",
    ];
    let out = tenants(&dir, &db, &args);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 5, 1, 4], "{report}");
    assert_eq!(
        with_outcome(&report, "failed"),
        BTreeSet::from([ids[5].clone()])
    );
    let skipped: BTreeSet<String> = ids[6..].iter().cloned().collect();
    assert_eq!(with_outcome(&report, "skipped"), skipped);
    for (i, id) in ids.iter().enumerate() {
        let expected: &[i64] = if i < 5 { &[1, 2, 3] } else { &[1] };
        assert_eq!(history(conn.as_mut(), &schema(id)).await, expected, "{id}");
    }

    // Fixed, the next run finishes the five.
    duplicate_names(conn.as_mut(), &ids[5], false).await;
    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 10, 0, 0]);
    for (i, id) in ids.iter().enumerate() {
        let expected: &[i64] = if i < 5 { &[] } else { &[2, 3] };
        assert_eq!(applied(&report)[id], expected, "{id}");
    }

    // Canaries that pass let the rest run.
    dir.write(
        &format!("{DIR}/004_more.sql"),
        "CREATE TABLE more (id integer);\n",
    );
    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--canary", "2"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 10, 0, 0]);
    assert_eq!(report["canary_failed"], false);
    for id in &ids {
        assert_eq!(applied(&report)[id], [4], "{id}");
    }
}

/// `--canary N` takes the first N tenants with work, not the first N tenants: here the
/// first two are up to date, so the third is the canary, and when it fails the fourth is
/// skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canaries_are_the_first_tenants_with_work() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(NO_LINT, ISOLATION);
    let ids = ids("k", 4);
    migrated_fleet(&dir, &db, &ids, &["--to", "1"]).await;
    let up_to_date = format!("{},{}", ids[0], ids[1]);
    let out = tenants(&dir, &db, &["migrate", "--tenants", &up_to_date]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut conn = db.connect().await;
    duplicate_names(conn.as_mut(), &ids[2], true).await;

    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--canary", "1"]);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(report["canary_failed"], true, "{report}");
    assert_eq!(counts(&report), [4, 2, 1, 1], "{report}");
    assert_eq!(
        with_outcome(&report, "failed"),
        BTreeSet::from([ids[2].clone()])
    );
    assert_eq!(entry(&report, &ids[3])["error"], "a canary tenant failed");
    assert_eq!(history(conn.as_mut(), &schema(&ids[3])).await, [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_lists_what_would_run_and_changes_nothing() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(
        "",
        &[
            ITEMS[0],
            ITEMS[1],
            ("003_x.sql", "CREATE TABLE x (id integer);\n"),
        ],
    );
    let ids = ids("r", 3);
    make_schemas(db.connect().await.as_mut(), &ids).await;
    for (id, to) in [(&ids[0], "3"), (&ids[1], "1")] {
        let out = tenants(&dir, &db, &["migrate", "--tenant", id, "--to", to]);
        assert_eq!(out.code, 0, "{out:?}");
    }
    let mut conn = db.connect().await;
    let before = fleet_snapshot(conn.as_mut()).await;
    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [3, 3, 0, 0]);
    assert_eq!(report["dry_run"], true);
    let planned = |id: &str| entry(&report, id)["planned"].clone();
    assert_eq!(
        planned(&ids[0]),
        Json::Null,
        "nothing to do, nothing listed"
    );
    assert_eq!(planned(&ids[1]), serde_json::json!([2, 3]));
    assert_eq!(planned(&ids[2]), serde_json::json!([1, 2, 3]));
    for (id, versions) in applied(&report) {
        assert_eq!(versions, Vec::<i64>::new(), "{id}");
    }
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);

    let out = tenants(&dir, &db, &["migrate", "--all", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains(&format!("{}: would apply 2, 3", ids[1]))
            && said.contains(&format!("{}: would apply 1, 2, 3", ids[2])),
        "{said}"
    );
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);
}

#[test]
fn new_writes_into_the_tenant_migrations_directory_and_makes_it_when_missing() {
    // No database is needed, and none is asked for: this server does not exist.
    let url = "postgres://nobody@127.0.0.1:9/none";
    let dir = Fixture::new().file("plover.toml", "[tenants]\ndir = \"fleet\"\n");
    let new = |args: &[&str]| -> Outcome {
        plover(dir.path())
            .args(["--database", url, "tenants"])
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let out = new(&["new", "create", "items"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("fleet/001_create_items.sql"), "{out:?}");
    let out = new(&["new", "--down", "add_tags"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = new(&["--tenants-dir", "other", "new", "--json", "first"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        serde_json::from_str::<Json>(out.stdout.trim()).unwrap(),
        serde_json::json!({ "created": ["other/001_first.sql"] })
    );
    let out = new(&["new", "bad name!"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("bad_name!"), "{out:?}");

    let files = |sub: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        files("fleet"),
        [
            "001_create_items.sql",
            "002_add_tags.down.sql",
            "002_add_tags.sql"
        ]
    );
    assert_eq!(files("other"), ["001_first.sql"]);
    assert!(
        !dir.join("migrations").exists(),
        "the shared directory was touched"
    );
}
