//! Concurrency: no deadlocks at 2, 4 and 8 workers, two fleet runs at once apply each
//! migration once per tenant, and they share the tenants instead of waiting for each other.

use std::collections::BTreeMap;

use plover::core::Driver;
use plover_testkit::{Backend, Fixture, TestDb, query_i64};

use crate::support::{Outcome, database, plover};

use super::support::{
    DIR, applied, counts, done, history, ids, log, make_schemas, migrated_fleet, project, schema,
    tenants,
};

const RACE_TENANTS: usize = 24;
/// Tenants of the sharing test: at 0.3 s each, a run alone takes 6 s, so the second run
/// starts well before the first could finish them all.
const SHARED_TENANTS: usize = 20;

/// Migration `version`: a table of its own, a row in the tenant's log and one in a log all
/// tenants share (in `public`).
fn logged_migration(version: usize) -> (String, String) {
    let sql = format!(
        "CREATE TABLE m{version} (id integer);\n\
         INSERT INTO applied_log VALUES ({version});\n\
         INSERT INTO public.fleet_log VALUES (current_schema(), {version});\n"
    );
    (format!("{version:03}_m{version}.sql"), sql)
}

/// Every tenant has applied versions `1..=last` exactly once, in its history, its log and
/// the shared log.
async fn check_logged(conn: &mut dyn Driver, ids: &[String], last: usize, context: &str) {
    let expected: Vec<i64> = (1..=last as i64).collect();
    for id in ids {
        let s = schema(id);
        assert_eq!(history(conn, &s).await, expected, "{context}: {s}");
        assert_eq!(log(conn, &s).await, expected, "{context}: {s}");
    }
    let shared = "SELECT count(*) FROM public.fleet_log";
    let distinct = "SELECT count(*) FROM (SELECT DISTINCT tenant, version FROM public.fleet_log) d";
    let want = (ids.len() * last) as i64;
    assert_eq!(query_i64(conn, shared).await, want, "{context}");
    assert_eq!(query_i64(conn, distinct).await, want, "{context}");
}

/// Two `tenants migrate --all --concurrency CONCURRENCY --json` started at once, both
/// checked to succeed.
fn race(dir: &Fixture, db: &TestDb, concurrency: &str) -> Vec<Outcome> {
    let racers: Vec<_> = (0..2)
        .map(|_| {
            plover(dir.path())
                .arg("--database")
                .arg(db.url.expose())
                .args(["--json", "tenants", "migrate", "--all"])
                .args(["--concurrency", concurrency])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start plover")
        })
        .collect();
    racers
        .into_iter()
        .map(|racer| {
            let out: Outcome = racer.wait_with_output().unwrap().into();
            assert_eq!(out.code, 0, "a racing run failed: {out:?}");
            out
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_runs_at_2_4_8_workers_and_two_at_once_apply_each_migration_once() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(
        "",
        &[(
            "001_log.sql",
            "CREATE TABLE applied_log (version integer NOT NULL);\n\
             INSERT INTO applied_log VALUES (1);\n\
             INSERT INTO public.fleet_log VALUES (current_schema(), 1);\n",
        )],
    );
    let mut conn = db.connect().await;
    conn.execute_script(
        "CREATE TABLE public.fleet_log (tenant text NOT NULL, version integer NOT NULL)",
    )
    .await
    .unwrap();
    let ids = ids("c", RACE_TENANTS);
    migrated_fleet(&dir, &db, &ids, &["--concurrency", "8"]).await;

    // Rounds at each concurrency, each adding a migration; a short lock timeout turns a
    // deadlock or a lock held too long into a failure instead of a wait.
    let mut last = 1;
    for concurrency in ["2", "2", "4", "4", "8", "8"] {
        last += 1;
        let (name, sql) = logged_migration(last);
        dir.write(&format!("{DIR}/{name}"), &sql);
        let args = [
            "--json",
            "--lock-timeout",
            "10s",
            "migrate",
            "--all",
            "--concurrency",
            concurrency,
        ];
        let out = tenants(&dir, &db, &args);
        let context = format!("version {last} at concurrency {concurrency}");
        assert_eq!(out.code, 0, "{context}: {out:?}");
        assert!(
            !out.stderr.contains("deadlock") && !out.stderr.contains("lock"),
            "{context}: {}",
            out.stderr
        );
        let report = done(&out);
        let n = ids.len() as u64;
        assert_eq!(counts(&report), [n, n, 0, 0], "{context}");
        for (id, versions) in applied(&report) {
            assert_eq!(versions, [last as i64], "{context}: {id}");
        }
        check_logged(conn.as_mut(), &ids, last, &context).await;
    }

    // Two fleet runs started at once: every tenant's new migrations applied by exactly one
    // of them, the other finding the tenant busy, or its work done. Some
    // tenants are new, without a history table yet: the two runs race to create it too.
    let new: Vec<usize> = (last + 1..=last + 3).collect();
    for &version in &new {
        let (name, sql) = logged_migration(version);
        dir.write(&format!("{DIR}/{name}"), &sql);
    }
    let fresh = self::ids("f", 8);
    make_schemas(conn.as_mut(), &fresh).await;
    let all: Vec<String> = fresh.iter().chain(&ids).cloned().collect();
    let mut expected: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for id in &all {
        let from = if fresh.contains(id) { 1 } else { last + 1 };
        let versions = (from..=last + new.len()).map(|v| v as i64).collect();
        expected.insert(id.clone(), versions);
    }
    last += new.len();
    let racers = race(&dir, &db, "4");
    let mut by_tenant: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for out in racers {
        let report = done(&out);
        let n = all.len() as u64;
        assert_eq!(counts(&report), [n, n, 0, 0], "{report}");
        for (id, versions) in applied(&report) {
            by_tenant.entry(id).or_default().extend(versions);
        }
    }
    for versions in by_tenant.values_mut() {
        versions.sort_unstable();
    }
    assert_eq!(by_tenant, expected, "applied by the two runs together");
    check_logged(conn.as_mut(), &all, last, "after two runs at once").await;
}

/// Two one-worker runs started together, on tenants whose migration takes a while: the
/// second does not queue behind the first tenant by tenant (it would wait for each tenant
/// the first holds, then find it done) but takes the tenants the first has not, so both
/// apply a share, and each tenant's migration once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_fleet_runs_at_once_share_the_tenants() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(
        "",
        &[(
            "001_log.sql",
            "CREATE TABLE applied_log (version integer NOT NULL);\n",
        )],
    );
    let ids = ids("s", SHARED_TENANTS);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    dir.write(
        &format!("{DIR}/002_slow.sql"),
        "SELECT pg_sleep(0.3);\nINSERT INTO applied_log VALUES (2);\n",
    );

    let mut by_tenant: BTreeMap<String, usize> = BTreeMap::new();
    let mut shares = Vec::new();
    for out in race(&dir, &db, "1") {
        let report = done(&out);
        let n = ids.len() as u64;
        assert_eq!(counts(&report), [n, n, 0, 0], "{report}");
        let mine: Vec<String> = applied(&report)
            .into_iter()
            .filter(|(_, versions)| !versions.is_empty())
            .map(|(id, versions)| {
                assert_eq!(versions, [2], "{id}: {report}");
                id
            })
            .collect();
        shares.push(mine.len());
        for id in mine {
            *by_tenant.entry(id).or_default() += 1;
        }
    }
    // Waiting tenant by tenant, the second run would apply next to nothing.
    assert!(
        shares.iter().all(|&share| share >= 3),
        "each run should apply a share of the {SHARED_TENANTS} tenants: {shares:?}"
    );
    assert_eq!(by_tenant.len(), ids.len(), "{by_tenant:?}");
    assert!(by_tenant.values().all(|&n| n == 1), "{by_tenant:?}");
    let mut conn = db.connect().await;
    for id in &ids {
        assert_eq!(log(conn.as_mut(), &schema(id)).await, [2], "{id}");
    }
}
