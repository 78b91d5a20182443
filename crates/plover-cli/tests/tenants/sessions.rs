//! A worker's connection between tenants: each tenant starts from a clean session.

use plover_testkit::Backend;

use crate::support::database;

use super::support::{ids, migrated_fleet, project, schema, strings, tenants};

/// What the session says about the setting tenants' scripts change.
const SEEN: &str =
    "INSERT INTO seen (setting) SELECT coalesce(current_setting('plover_test.leak', true), '');\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_starts_from_a_clean_session_whatever_the_previous_one_set() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    // The last migration and the seed each leave a session setting behind; one worker
    // serves every tenant in turn, on one connection.
    let dir = project(
        "",
        &[
            ("001_seen.sql", &format!("CREATE TABLE seen (n serial, setting text);\n{SEEN}")),
            (
                "002_set.sql",
                "SET plover_test.leak = 'from the previous tenant';\nCREATE TABLE t2 (id integer);\n",
            ),
        ],
    )
    .file(
        "seed.sql",
        &format!("{SEEN}SET plover_test.leak = 'from the previous seed';\n"),
    );
    let ids = ids("l", 3);
    migrated_fleet(&dir, &db, &ids, &["--concurrency", "1"]).await;
    let out = tenants(
        &dir,
        &db,
        &["seed", "--file", "seed.sql", "--all", "--concurrency", "1"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let mut conn = db.connect().await;
    for id in &ids {
        let sql = format!("SELECT setting FROM {}.seen ORDER BY n", schema(id));
        assert_eq!(strings(conn.as_mut(), &sql, &[]).await, ["", ""], "{id}");
    }
}
