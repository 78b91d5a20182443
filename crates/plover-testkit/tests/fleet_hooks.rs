//! The fleet library's hooks: what a caller observing a run hears.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plover::Options;
use plover::core::Event;
use plover::tenants::{
    Fleet, FleetHooks, FleetReport, MigrateOptions, OnError, Outcome, Selection, Tenant,
    TenantResult, TenantSettings,
};
use plover_testkit::{Backend, Fixture, TestDb, query_i64};

/// Remembers every `schemas_read` call.
#[derive(Default)]
struct Reads(Mutex<Vec<(usize, usize)>>);

impl FleetHooks for Reads {
    fn schemas_read(&self, read: usize, total: usize) {
        self.0.lock().unwrap().push((read, total));
    }
}

/// The fleet of `db` whose tenant migrations are `dir`'s `tenants/` (read now).
fn fleet_of(db: &TestDb, dir: &Fixture) -> Fleet {
    let settings = TenantSettings {
        dir: dir.path().join("tenants"),
        ..TenantSettings::default()
    };
    Fleet::new(db.url.clone(), settings, Options::default()).unwrap()
}

/// `drift` reports its reading pass by pass: every call names the whole count, the counts
/// are distinct, and the last says everything was read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_tells_how_many_schemas_it_has_read() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let dir = Fixture::new();
    dir.write(
        "tenants/001_items.sql",
        "CREATE TABLE items (id integer PRIMARY KEY);\n",
    );
    let fleet = fleet_of(&db, &dir);
    let ids: Vec<String> = (0..300).map(|i| format!("t{i:03}")).collect();
    let mut conn = db.connect().await;
    let schemas: String = ids
        .iter()
        .map(|id| format!("CREATE SCHEMA tenant_{id};"))
        .collect();
    conn.execute_script(&schemas).await.unwrap();
    let options = MigrateOptions::default();
    let report = fleet
        .migrate(
            &Selection::All,
            &options,
            Arc::new(plover::tenants::NoHooks),
        )
        .await
        .unwrap();
    assert_eq!(report.succeeded, ids.len());

    let reads = Arc::new(Reads::default());
    let report = fleet
        .drift(&Selection::All, Some("t000"), reads.clone())
        .await
        .unwrap();
    assert_eq!(report.drifted, 0);
    let mut calls = reads.0.lock().unwrap().clone();
    assert!(
        calls.len() >= 2,
        "300 schemas take more than one pass: {calls:?}"
    );
    assert!(
        calls.iter().all(|&(_, total)| total == ids.len()),
        "{calls:?}"
    );
    calls.sort();
    let count = calls.len();
    calls.dedup();
    assert_eq!(calls.len(), count, "each pass adds to the count");
    assert_eq!(calls.last(), Some(&(ids.len(), ids.len())), "{calls:?}");
}

/// Remembers `before_tenant` and `after_tenant` calls, and lock waits, as "before ID",
/// "after ID" and "waiting ID".
#[derive(Default)]
struct Calls(Mutex<Vec<String>>);

impl Calls {
    fn list(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl FleetHooks for Calls {
    fn before_tenant(&self, tenant: &Tenant) {
        self.0.lock().unwrap().push(format!("before {}", tenant.id));
    }

    fn after_tenant(&self, result: &TenantResult) {
        self.0
            .lock()
            .unwrap()
            .push(format!("after {}", result.tenant.id));
    }

    fn on_event(&self, tenant: &Tenant, event: &Event) {
        if let Event::LockWaiting { .. } = event {
            self.0
                .lock()
                .unwrap()
                .push(format!("waiting {}", tenant.id));
        }
    }
}

/// Polls `done` every 20 ms for up to 30 s.
async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Tenants a, b and c, migrated; then a migration that, in tenant a only, waits for an
/// advisory lock the test holds. A first run is started on tenant a and left waiting there;
/// a second, one worker and `on_error`, on all three, with hooks recording their calls. Once
/// the second run waits for a's lock, the test lets the first go. Checks what each run
/// applied, and gives the second run's hook calls.
async fn beside_a_busy_tenant(on_error: OnError) -> Option<Vec<String>> {
    let db = TestDb::new(Backend::Postgres).await?;
    let dir = Fixture::new();
    dir.write(
        "tenants/001_items.sql",
        "CREATE TABLE items (id integer);\n",
    );
    let mut conn = db.connect().await;
    conn.execute_script("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; CREATE SCHEMA tenant_c")
        .await
        .unwrap();
    let one_worker = MigrateOptions {
        concurrency: Some(1),
        on_error: Some(on_error),
        ..MigrateOptions::default()
    };
    let no_hooks = Arc::new(plover::tenants::NoHooks);
    let fleet = fleet_of(&db, &dir);
    let all = fleet
        .migrate(&Selection::All, &one_worker, no_hooks.clone())
        .await;
    assert_eq!(all.unwrap().succeeded, 3);

    dir.write(
        "tenants/002_wait.sql",
        "SELECT pg_advisory_xact_lock(4242) WHERE current_schema() = 'tenant_a';\n\
         INSERT INTO items VALUES (2);\n",
    );
    let fleet = fleet_of(&db, &dir);
    let mut gate = db.connect().await;
    gate.execute_script("SELECT pg_advisory_lock(4242)")
        .await
        .unwrap();
    let first = tokio::spawn({
        let (fleet, options) = (fleet.clone(), one_worker.clone());
        async move {
            let only_a = Selection::Only(vec!["a".to_owned()]);
            fleet.migrate(&only_a, &options, no_hooks).await.unwrap()
        }
    });
    let waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 \
         AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    wait_until("the first run to wait inside tenant a", async || {
        query_i64(conn.as_mut(), waiting).await == 1
    })
    .await;

    let calls = Arc::new(Calls::default());
    let second = tokio::spawn({
        let (fleet, options, calls) = (fleet.clone(), one_worker.clone(), calls.clone());
        async move {
            fleet
                .migrate(&Selection::All, &options, calls)
                .await
                .unwrap()
        }
    });
    wait_until("the second run to wait for tenant a", async || {
        calls.list().contains(&"waiting a".to_owned())
    })
    .await;
    gate.execute_script("SELECT pg_advisory_unlock(4242)")
        .await
        .unwrap();
    let first = first.await.unwrap();
    assert_eq!(applied(&first.tenants[0]), [2], "the first run migrated a");
    let second = second.await.unwrap();
    assert_eq!(
        applied_by_tenant(&second),
        [
            ("a".into(), vec![]),
            ("b".into(), vec![2]),
            ("c".into(), vec![2])
        ],
        "the second run found a done, and the report keeps the tenants' order"
    );
    Some(calls.list())
}

fn applied(result: &TenantResult) -> Vec<i64> {
    result.applied.iter().map(|d| d.version.0).collect()
}

/// The second run's tenants, with what it applied in each.
fn applied_by_tenant(report: &FleetReport) -> Vec<(String, Vec<i64>)> {
    assert!(
        report
            .tenants
            .iter()
            .all(|r| r.outcome == Outcome::Succeeded)
    );
    report
        .tenants
        .iter()
        .map(|r| (r.tenant.id.clone(), applied(r)))
        .collect()
}

/// A tenant another run is migrating is taken again after the rest instead of waited for,
/// and its hooks still come once each, in order: `before_tenant` when it is first taken,
/// `after_tenant` when it is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_tenant_is_taken_again_after_the_rest_with_its_hooks_once() {
    let Some(calls) = beside_a_busy_tenant(OnError::Continue).await else {
        return;
    };
    assert_eq!(
        calls,
        [
            "before a",
            "before b",
            "after b",
            "before c",
            "after c",
            "waiting a",
            "after a"
        ]
    );
}

/// With `on_error` abort, a run puts off no tenant: it stops at the first failure it meets,
/// and a failure another run met first must not be passed by. It waits for the busy tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_aborts_on_failure_waits_for_a_busy_tenant() {
    let Some(calls) = beside_a_busy_tenant(OnError::Abort).await else {
        return;
    };
    assert_eq!(
        calls,
        [
            "before a",
            "waiting a",
            "after a",
            "before b",
            "after b",
            "before c",
            "after c"
        ]
    );
}
