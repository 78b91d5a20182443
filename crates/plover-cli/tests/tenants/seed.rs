//! `seed`, `create --seed`, and how tenants are found.

use std::collections::BTreeSet;

use plover_testkit::{Backend, Fixture, TestDb, query_i64};
use serde_json::Value as Json;

use crate::support::database;

use super::support::{
    ITEMS, counts, done, entry, history, ids, migrated_fleet, project, schema, schemas, strings,
    tenants, with_outcome,
};

/// An idempotent seed: a second run touches nothing. Its `SELECT` reads rows and is not
/// counted as touching them.
const SEED: &str = "INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two') ON CONFLICT DO NOTHING;\n\
     SELECT id FROM items;\n";

/// Runs `tenants seed --json --file FILE --all`, checks the exit code and that the counts add
/// up, and returns the report.
fn seed_run(dir: &Fixture, db: &TestDb, file: &str, code: i32) -> Json {
    let out = tenants(dir, db, &["--json", "seed", "--file", file, "--all"]);
    assert_eq!(out.code, code, "{out:?}");
    let report = done(&out);
    counts(&report);
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_run_in_every_tenant_once_and_a_failing_seed_rolls_back_only_its_tenant() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS).file("seed.sql", SEED).file(
        "more.sql",
        "INSERT INTO items (id, name) VALUES (10, 'ten');\n\
         INSERT INTO items (id, name) VALUES (11, 'eleven');\n",
    );
    let ids = ids("e", 5);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    let mut conn = db.connect().await;
    let rows = |id: &str| {
        format!(
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM {}.items",
            schema(id)
        )
    };

    let report = seed_run(&dir, &db, "seed.sql", 0);
    assert_eq!(counts(&report), [5, 5, 0, 0]);
    assert_eq!(report["rows"], 10, "{report}");
    let report = seed_run(&dir, &db, "seed.sql", 0);
    assert_eq!(counts(&report), [5, 5, 0, 0]);
    assert_eq!(report["rows"], 0, "the second run touched rows: {report}");
    for id in &ids {
        assert_eq!(
            strings(conn.as_mut(), &rows(id), &[]).await,
            ["1,2"],
            "{id}"
        );
    }

    // Row 11 is already in one tenant: its seed fails there and row 10 goes with it.
    let broken = &ids[2];
    conn.execute_script(&format!(
        "INSERT INTO {}.items VALUES (11, 'taken')",
        schema(broken)
    ))
    .await
    .unwrap();
    let report = seed_run(&dir, &db, "more.sql", 4);
    assert_eq!(counts(&report), [5, 4, 1, 0]);
    assert_eq!(report["rows"], 8, "{report}");
    assert_eq!(
        with_outcome(&report, "failed"),
        BTreeSet::from([broken.clone()])
    );
    let error = entry(&report, broken)["error"].as_str().unwrap().to_owned();
    assert!(
        error.starts_with("line 2: ") && error.contains("items_pkey"),
        "the failing statement's line leads: {error}"
    );
    for id in &ids {
        let expected = if id == broken { "1,2,11" } else { "1,2,10,11" };
        assert_eq!(
            strings(conn.as_mut(), &rows(id), &[]).await,
            [expected],
            "{id}"
        );
    }

    // A new tenant: created, migrated and seeded in one command.
    let out = tenants(
        &dir,
        &db,
        &["--json", "create", "newco", "--seed", "seed.sql"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(report["seeded_rows"], 2, "{report}");
    assert_eq!(report["created"], "tenant_newco", "{report}");
    assert_eq!(history(conn.as_mut(), "tenant_newco").await, [1, 2]);
    assert_eq!(strings(conn.as_mut(), &rows("newco"), &[]).await, ["1,2"]);
    // A seed that fails at creation: the tenant is made and migrated, the seed rolled back.
    dir.write(
        "bad.sql",
        "INSERT INTO items VALUES (1, 'one');\nINSERT INTO nowhere VALUES (1);\n",
    );
    let out = tenants(&dir, &db, &["create", "badseed", "--seed", "bad.sql"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.contains("bad.sql") && out.stderr.contains("nowhere"),
        "{}",
        out.stderr
    );
    assert_eq!(history(conn.as_mut(), "tenant_badseed").await, [1, 2]);
    let count = "SELECT count(*) FROM tenant_badseed.items";
    assert_eq!(query_i64(conn.as_mut(), count).await, 0);
}

/// A seed runs in the transaction Plover opens per tenant: a whole-file `BEGIN; ... COMMIT;`
/// is fine (its failure names the file's line), a `COMMIT` in the middle, which would keep
/// half the seed, is refused before any tenant is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_wrapped_in_begin_commit_runs_and_one_committing_halfway_is_refused() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS)
        .file(
            "wrapped.sql",
            "BEGIN;\nINSERT INTO items (id, name) VALUES (1, 'one');\n\
             INSERT INTO items (id, name) VALUES (1, 'again');\nCOMMIT;\n",
        )
        .file(
            "halfway.sql",
            "INSERT INTO items (id, name) VALUES (2, 'two');\nCOMMIT;\n\
             INSERT INTO items (id, name) VALUES (3, 'three');\n",
        );
    let ids = ids("w", 2);
    migrated_fleet(&dir, &db, &ids, &[]).await;

    let report = seed_run(&dir, &db, "wrapped.sql", 4);
    let error = entry(&report, &ids[0])["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.starts_with("line 3: ") && error.contains("items_pkey"),
        "{error}"
    );
    let out = tenants(&dir, &db, &["seed", "--file", "halfway.sql", "--all"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stderr
            .contains("halfway.sql:2: `COMMIT` controls the transaction"),
        "{}",
        out.stderr
    );
    let mut conn = db.connect().await;
    for id in &ids {
        let rows = format!("SELECT count(*) FROM {}.items", schema(id));
        assert_eq!(query_i64(conn.as_mut(), &rows).await, 0, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_found_by_a_query_or_by_the_schema_template() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let mut conn = db.connect().await;
    // Schemas that fit the template, and some that do not or hold an invalid id.
    conn.execute_script(
        "CREATE SCHEMA tenant_b; CREATE SCHEMA tenant_a; CREATE SCHEMA \"tenant_Upper\";\n\
         CREATE SCHEMA tenantx; CREATE SCHEMA other; CREATE SCHEMA tenant_;\n\
         CREATE TABLE public.tenants (id text PRIMARY KEY, active boolean NOT NULL);\n\
         INSERT INTO public.tenants VALUES ('q2', true), ('q1', true), ('gone', false);",
    )
    .await
    .unwrap();
    let listing = |dir: &Fixture| {
        let out = tenants(dir, &db, &["--json", "list"]);
        assert_eq!(out.code, 0, "{out:?}");
        let report = done(&out);
        let ids: Vec<String> = report["tenants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        (report["discovery"].as_str().unwrap().to_owned(), ids)
    };

    let by_schema = project("", ITEMS);
    assert_eq!(
        listing(&by_schema),
        ("schemas".to_owned(), vec!["a".to_owned(), "b".to_owned()])
    );
    let out = tenants(&by_schema, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(counts(&done(&out)), [2, 2, 0, 0]);
    for s in ["tenant_Upper", "tenantx", "other", "tenant_"] {
        assert_eq!(history(conn.as_mut(), s).await, Vec::<i64>::new(), "{s}");
    }

    let query = "[tenants]\nquery = \"SELECT id FROM public.tenants WHERE active ORDER BY id\"\n";
    let by_query = project(query, ITEMS);
    assert_eq!(
        listing(&by_query),
        ("query".to_owned(), vec!["q1".to_owned(), "q2".to_owned()])
    );
    let out = tenants(&by_query, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [2, 2, 0, 0]);
    assert_eq!(
        with_outcome(&report, "succeeded"),
        BTreeSet::from(["q1".to_owned(), "q2".to_owned()])
    );
    for id in ["q1", "q2"] {
        assert_eq!(history(conn.as_mut(), &schema(id)).await, [1, 2], "{id}");
    }
    assert!(
        !schemas(conn.as_mut())
            .await
            .contains(&"tenant_gone".to_owned())
    );

    let listed = project("[tenants]\nids = [\"a\", \"l1\"]\n", ITEMS);
    assert_eq!(
        listing(&listed),
        ("list".to_owned(), vec!["a".to_owned(), "l1".to_owned()])
    );
}
