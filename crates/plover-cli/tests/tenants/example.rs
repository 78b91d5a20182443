//! `examples/tenants`, run through the steps its header lists: the example stays true.

use std::path::Path;

use plover_testkit::{Backend, Fixture};

use crate::support::database;

use super::support::{done, strings, tenants};

/// The example's files, every one, copied into a fresh project directory.
fn example() -> Fixture {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tenants");
    let fixture = Fixture::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap().to_str().unwrap();
            fixture.write(relative, &std::fs::read_to_string(&path).unwrap());
        }
    }
    fixture
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenants_example_creates_seeds_migrates_and_compares_its_tenants() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = example();
    assert!(
        dir.join("tenant-migrations/001_create_projects.sql")
            .exists()
    );
    let ok = |args: &[&str]| {
        let out = tenants(&dir, &db, args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        out
    };
    ok(&["create", "acme", "--seed", "seeds/welcome.sql"]);
    ok(&["create", "globex"]);
    let seeded = |expect: u64| {
        let out = ok(&["--json", "seed", "--file", "seeds/welcome.sql", "--all"]);
        assert_eq!(done(&out)["rows"], expect, "{out:?}");
    };
    seeded(2); // globex's project and task; acme has them from its creation
    seeded(0); // the seed is idempotent
    ok(&["migrate", "--all"]);
    ok(&["status", "--check"]);
    ok(&["drift"]);
    let mut conn = db.connect().await;
    for schema in ["tenant_acme", "tenant_globex"] {
        let sql = format!(
            "SELECT p.name || ': ' || t.title FROM {schema}.projects p JOIN {schema}.tasks t ON t.project_id = p.id"
        );
        assert_eq!(
            strings(conn.as_mut(), &sql, &[]).await,
            ["Welcome: Invite your team"]
        );
    }
}
