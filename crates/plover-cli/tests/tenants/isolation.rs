//! A migration that fails in some tenants leaves exactly those behind until a rerun.

use std::collections::{BTreeMap, BTreeSet};

use plover::core::Driver;
use plover_testkit::Backend;

use crate::support::database;

use super::support::{
    NO_LINT, applied, column_exists, constraint_exists, counts, done, entry, history,
    history_states, ids, log, migrated_fleet, pick, project, relation_exists, schema, seed,
    strings, tenant_events, tenants, with_outcome,
};

/// Version 2 adds a UNIQUE constraint that the data of some tenants violates.
pub(super) const ISOLATION: &[(&str, &str)] = &[
    (
        "001_items.sql",
        "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);\n\
         CREATE TABLE applied_log (version integer NOT NULL);\n\
         INSERT INTO applied_log VALUES (1);\n",
    ),
    (
        "002_unique_names.sql",
        "ALTER TABLE items ADD COLUMN code text;\n\
         ALTER TABLE items ADD CONSTRAINT items_name_key UNIQUE (name);\n\
         INSERT INTO applied_log VALUES (2);\n",
    ),
    (
        "003_tags.sql",
        "CREATE TABLE tags (id integer PRIMARY KEY);\nINSERT INTO applied_log VALUES (3);\n",
    ),
];

/// `version applied_at` of every history row.
async fn applied_times(conn: &mut dyn Driver, schema: &str) -> Vec<String> {
    let sql = format!(
        "SELECT version || ' ' || applied_at::text FROM \"{schema}\".plover_migrations ORDER BY version"
    );
    strings(conn, &sql, &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_failing_in_3_of_50_tenants_leaves_only_them_behind_until_rerun() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = project(NO_LINT, ISOLATION);
    let ids = ids("t", 50);
    migrated_fleet(&dir, &db, &ids, &["--to", "1"]).await;
    let bad: BTreeSet<String> = pick(&mut rng, &ids, 3).into_iter().collect();
    let mut conn = db.connect().await;
    let mut data = String::new();
    for id in &ids {
        let s = schema(id);
        data.push_str(&format!(
            "INSERT INTO {s}.items VALUES (1, 'alpha'), (2, 'beta');\n"
        ));
        if bad.contains(id) {
            data.push_str(&format!("INSERT INTO {s}.items VALUES (3, 'alpha');\n"));
        }
    }
    conn.execute_script(&data).await.unwrap();

    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 4, "seed {seed}: {out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [50, 47, 3, 0], "seed {seed}");
    assert_eq!(with_outcome(&report, "failed"), bad, "seed {seed}");
    let every: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(tenant_events(&out), every, "seed {seed}");
    let first = applied(&report);
    for id in &ids {
        let result = entry(&report, id);
        if bad.contains(id) {
            let error = result["error"].as_str().expect("a failed tenant's error");
            assert!(
                error.contains("002_unique_names.sql") && error.contains("items_name_key"),
                "seed {seed}: {error}"
            );
            assert_eq!(first[id], Vec::<i64>::new(), "seed {seed}: {id}");
        } else {
            assert_eq!(first[id], [2, 3], "seed {seed}: {id}");
        }
    }

    let mut times = BTreeMap::new();
    for id in &ids {
        let s = schema(id);
        let failed = bad.contains(id);
        let expected: &[i64] = if failed { &[1] } else { &[1, 2, 3] };
        let context = format!("seed {seed}: {s}");
        assert_eq!(history(conn.as_mut(), &s).await, expected, "{context}");
        assert_eq!(log(conn.as_mut(), &s).await, expected, "{context}");
        assert_eq!(
            column_exists(conn.as_mut(), &s, "items", "code").await,
            !failed,
            "{context}"
        );
        assert_eq!(
            constraint_exists(conn.as_mut(), &s, "items_name_key").await,
            !failed,
            "{context}"
        );
        assert_eq!(
            relation_exists(conn.as_mut(), &s, "tags").await,
            !failed,
            "{context}"
        );
        if !failed {
            times.insert(id.clone(), applied_times(conn.as_mut(), &s).await);
        }
    }

    // The file is right (47 tenants applied it); the three tenants' data is fixed instead.
    for id in &bad {
        let fix = format!("DELETE FROM {}.items WHERE id = 3", schema(id));
        conn.execute_script(&fix).await.unwrap();
    }
    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "seed {seed}: {out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [50, 50, 0, 0], "seed {seed}");
    assert_eq!(
        tenant_events(&out),
        bad,
        "seed {seed}: only those with work"
    );
    for (id, versions) in applied(&report) {
        let expected: &[i64] = if bad.contains(&id) { &[2, 3] } else { &[] };
        assert_eq!(versions, expected, "seed {seed}: {id}");
    }
    for id in &ids {
        let s = schema(id);
        let context = format!("seed {seed}: {s}");
        assert_eq!(
            history_states(conn.as_mut(), &s).await,
            ["1 applied", "2 applied", "3 applied"],
            "{context}"
        );
        assert_eq!(log(conn.as_mut(), &s).await, [1, 2, 3], "{context}");
        assert!(
            constraint_exists(conn.as_mut(), &s, "items_name_key").await,
            "{context}"
        );
        if let Some(before) = times.get(id) {
            assert_eq!(
                &applied_times(conn.as_mut(), &s).await,
                before,
                "{context}: applied again"
            );
        }
    }
}
