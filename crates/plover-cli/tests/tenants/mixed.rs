//! A fleet whose tenants stand at different versions. A run expects every tenant's history
//! to be the first tenant's and applies what that calls for in one round trip per
//! migration, checked under each tenant's lock; a tenant that stands elsewhere is read
//! under its lock instead. Either way, each tenant gets exactly what it lacks, once.

use std::collections::BTreeMap;

use plover_testkit::Backend;

use crate::support::database;

use super::support::{
    DIR, applied, counts, done, history, ids, log, migrated_fleet, project, schema, tenants,
};

/// Migration `version`: a row in the tenant's log.
fn logged(version: i64) -> (String, String) {
    let sql = format!("INSERT INTO applied_log VALUES ({version});\n");
    (format!("{DIR}/{version:03}_m{version}.sql"), sql)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_at_different_versions_each_get_what_they_lack() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(
        "",
        &[(
            "001_log.sql",
            "CREATE TABLE applied_log (version integer NOT NULL);\n\
             INSERT INTO applied_log VALUES (1);\n",
        )],
    );
    let ids = ids("m", 10);
    migrated_fleet(&dir, &db, &ids, &["--concurrency", "3"]).await;
    let write = |version| {
        let (name, sql) = logged(version);
        dir.write(&name, &sql);
    };
    let migrate = |args: &[&str]| {
        let mut all = vec!["--json", "migrate"];
        all.extend_from_slice(args);
        let out = tenants(&dir, &db, &all);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        done(&out)
    };
    // m03 and m04 a version ahead of the rest, m05 two; then m00, the first tenant, whose
    // history the run expects of every tenant, is the one behind.
    write(2);
    migrate(&["--tenants", "m03,m04,m05"]);
    write(3);
    migrate(&["--tenant", "m05"]);
    write(4);
    let report = migrate(&["--all", "--concurrency", "3"]);
    assert_eq!(counts(&report), [10, 10, 0, 0], "{report}");
    let mut want: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for id in &ids {
        let from = match id.as_str() {
            "m03" | "m04" => 3,
            "m05" => 4,
            _ => 2,
        };
        want.insert(id.clone(), (from..=4).collect());
    }
    assert_eq!(applied(&report), want);

    // Now the first tenant is the one ahead: the rest differ from what the run expects.
    write(5);
    migrate(&["--tenant", "m00"]);
    write(6);
    let report = migrate(&["--all", "--concurrency", "3"]);
    for (id, versions) in applied(&report) {
        let want: Vec<i64> = if id == "m00" { vec![6] } else { vec![5, 6] };
        assert_eq!(versions, want, "{id}");
    }
    let mut conn = db.connect().await;
    for id in &ids {
        let s = schema(id);
        let all: Vec<i64> = (1..=6).collect();
        assert_eq!(history(conn.as_mut(), &s).await, all, "{s}");
        assert_eq!(log(conn.as_mut(), &s).await, all, "{s}");
    }
}
