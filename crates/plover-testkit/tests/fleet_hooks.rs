//! The fleet library's hooks: what a caller observing a run hears.

use std::sync::{Arc, Mutex};

use plover::Options;
use plover::tenants::{Fleet, FleetHooks, MigrateOptions, Selection, TenantSettings};
use plover_testkit::{Backend, Fixture, TestDb};

/// Remembers every `schemas_read` call.
#[derive(Default)]
struct Reads(Mutex<Vec<(usize, usize)>>);

impl FleetHooks for Reads {
    fn schemas_read(&self, read: usize, total: usize) {
        self.0.lock().unwrap().push((read, total));
    }
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
    let settings = TenantSettings {
        dir: dir.path().join("tenants"),
        ..TenantSettings::default()
    };
    let fleet = Fleet::new(db.url.clone(), settings, Options::default()).unwrap();
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
