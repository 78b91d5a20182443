//! Helpers: the project, the binary, its reports, and reading the database.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use plover::core::{Driver, Value};
use plover_testkit::{Fixture, TestDb, query_i64};
use serde_json::Value as Json;

use crate::support::{Outcome, run};

/// The tenant migrations directory, the default `tenants.dir`.
pub(super) const DIR: &str = "tenant-migrations";

/// For fleets whose migrations the linter would refuse (a UNIQUE constraint on a full table,
/// a type change): the preflight is not what those tests are about.
pub(super) const NO_LINT: &str = "[lint]\npreflight = false\n";

/// A project directory: `plover.toml` holding `toml`, and the tenant migrations.
pub(super) fn project(toml: &str, migrations: &[(&str, &str)]) -> Fixture {
    let fixture = Fixture::new().file("plover.toml", toml);
    std::fs::create_dir_all(fixture.join(DIR)).expect("create the tenant migrations directory");
    for (name, sql) in migrations {
        fixture.write(&format!("{DIR}/{name}"), sql);
    }
    fixture
}

/// Runs `plover tenants ARGS` in the project against `db`.
pub(super) fn tenants(dir: &Fixture, db: &TestDb, args: &[&str]) -> Outcome {
    let mut all = vec!["tenants"];
    all.extend_from_slice(args);
    run(dir.path(), db, &all)
}

/// The `{"event":"done",...}` object a `--json` run ends with.
pub(super) fn done(out: &Outcome) -> Json {
    let last = out
        .stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no JSON output: {out:?}"));
    let value: Json = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"));
    assert_eq!(value["event"], "done", "{out:?}");
    value
}

/// `[total, succeeded, failed, skipped]` of a fleet report, checked to add up and to match
/// the tenants it lists.
pub(super) fn counts(report: &Json) -> [u64; 4] {
    let n = |key: &str| {
        report[key]
            .as_u64()
            .unwrap_or_else(|| panic!("no {key} in {report}"))
    };
    let counts = [n("total"), n("succeeded"), n("failed"), n("skipped")];
    assert_eq!(
        counts[0],
        counts[1] + counts[2] + counts[3],
        "total = succeeded + failed + skipped: {report}"
    );
    let listed = report["tenants"].as_array().expect("tenants");
    assert_eq!(listed.len() as u64, counts[0], "{report}");
    for (outcome, count) in [("succeeded", 1), ("failed", 2), ("skipped", 3)] {
        let with = listed.iter().filter(|t| t["outcome"] == outcome).count();
        assert_eq!(with as u64, counts[count], "{outcome} in {report}");
    }
    counts
}

/// The ids of the report's tenants with `outcome`.
pub(super) fn with_outcome(report: &Json, outcome: &str) -> BTreeSet<String> {
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .filter(|t| t["outcome"] == outcome)
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Per tenant id, the versions the report says were applied (or recorded).
pub(super) fn applied(report: &Json) -> BTreeMap<String, Vec<i64>> {
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| {
            let versions = t["applied"]
                .as_array()
                .expect("applied")
                .iter()
                .map(|d| d["version"].as_i64().expect("version"))
                .collect();
            (t["id"].as_str().expect("id").to_owned(), versions)
        })
        .collect()
}

/// The entry of tenant `id` in a report.
pub(super) fn entry<'a>(report: &'a Json, id: &str) -> &'a Json {
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no tenant {id} in {report}"))
}

/// The ids of the `{"event":"tenant",...}` lines a `--json` run printed while working.
pub(super) fn tenant_events(out: &Outcome) -> BTreeSet<String> {
    let lines: Vec<Json> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v: &Json| v["event"] == "tenant")
        .collect();
    let ids: BTreeSet<String> = lines
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids.len(),
        lines.len(),
        "a tenant reported twice: {}",
        out.stdout
    );
    ids
}

/// `count` tenant ids `{prefix}00`, `{prefix}01`, ... (sorted as the schemas are).
pub(super) fn ids(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:02}")).collect()
}

pub(super) fn schema(id: &str) -> String {
    format!("tenant_{id}")
}

/// The seed of a test's random choices: `PLOVER_TENANTS_SEED`, or a fresh one.
pub(super) fn seed() -> u64 {
    std::env::var("PLOVER_TENANTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

/// `count` different items of `items`, chosen by `rng`.
pub(super) fn pick(rng: &mut fastrand::Rng, items: &[String], count: usize) -> Vec<String> {
    let mut items = items.to_vec();
    rng.shuffle(&mut items);
    items.truncate(count);
    items
}

// ---------------------------------------------------------------------------------------
// Helpers: reading the database
// ---------------------------------------------------------------------------------------

pub(super) fn text(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
    }
}

/// The first column of every row, as text.
pub(super) async fn strings(conn: &mut dyn Driver, sql: &str, params: &[Value]) -> Vec<String> {
    conn.query(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| text(&row[0]))
        .collect()
}

/// The first column of every row, as integers.
async fn ints(conn: &mut dyn Driver, sql: &str) -> Vec<i64> {
    conn.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            row[0]
                .as_i64()
                .unwrap_or_else(|| panic!("{sql}: not an integer"))
        })
        .collect()
}

/// Whether `schema` has a table, view, index or sequence called `name`.
pub(super) async fn relation_exists(conn: &mut dyn Driver, schema: &str, name: &str) -> bool {
    let sql = "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = $1 AND c.relname = $2";
    !strings(conn, sql, &[Value::from(schema), Value::from(name)])
        .await
        .is_empty()
}

pub(super) async fn column_exists(
    conn: &mut dyn Driver,
    schema: &str,
    table: &str,
    column: &str,
) -> bool {
    let sql = "SELECT 1 FROM information_schema.columns \
               WHERE table_schema = $1 AND table_name = $2 AND column_name = $3";
    let params = [Value::from(schema), Value::from(table), Value::from(column)];
    !strings(conn, sql, &params).await.is_empty()
}

pub(super) async fn constraint_exists(conn: &mut dyn Driver, schema: &str, name: &str) -> bool {
    let sql = "SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
               WHERE n.nspname = $1 AND c.conname = $2";
    !strings(conn, sql, &[Value::from(schema), Value::from(name)])
        .await
        .is_empty()
}

/// Whether index `name` of `schema` exists and is valid (a killed CONCURRENTLY build leaves
/// an invalid one).
pub(super) async fn valid_index(conn: &mut dyn Driver, schema: &str, name: &str) -> bool {
    let sql = "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2";
    strings(conn, sql, &[Value::from(schema), Value::from(name)]).await == ["true"]
}

/// The versions in the tenant's history table, in order (none when it has no table).
pub(super) async fn history(conn: &mut dyn Driver, schema: &str) -> Vec<i64> {
    if !relation_exists(conn, schema, "plover_migrations").await {
        return Vec::new();
    }
    ints(
        conn,
        &format!("SELECT version FROM \"{schema}\".plover_migrations ORDER BY version"),
    )
    .await
}

/// `version status` of each history row, in order.
pub(super) async fn history_states(conn: &mut dyn Driver, schema: &str) -> Vec<String> {
    let sql = format!(
        "SELECT version || ' ' || status FROM \"{schema}\".plover_migrations ORDER BY version"
    );
    strings(conn, &sql, &[]).await
}

/// The rows of the tenant's `applied_log`, which the test migrations insert into: one row
/// per migration run, so a migration applied twice shows as a duplicate.
pub(super) async fn log(conn: &mut dyn Driver, schema: &str) -> Vec<i64> {
    if !relation_exists(conn, schema, "applied_log").await {
        return Vec::new();
    }
    ints(
        conn,
        &format!("SELECT version FROM \"{schema}\".applied_log ORDER BY version"),
    )
    .await
}

/// Every schema that is not PostgreSQL's own.
pub(super) async fn schemas(conn: &mut dyn Driver) -> Vec<String> {
    let sql = "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
               AND nspname <> 'information_schema' ORDER BY 1";
    strings(conn, sql, &[]).await
}

/// Creates the (empty) schemas of `ids`, as a fleet's tenants are before their migrations.
pub(super) async fn make_schemas(conn: &mut dyn Driver, ids: &[String]) {
    let sql: String = ids
        .iter()
        .map(|id| format!("CREATE SCHEMA \"{}\";\n", schema(id)))
        .collect();
    conn.execute_script(&sql).await.expect("create schemas");
}

/// A fleet of `ids` migrated by `tenants migrate --all`, checked to succeed everywhere.
pub(super) async fn migrated_fleet(
    dir: &Fixture,
    db: &TestDb,
    ids: &[String],
    extra: &[&str],
) -> Json {
    make_schemas(db.connect().await.as_mut(), ids).await;
    let mut args = vec!["--json", "migrate", "--all"];
    args.extend_from_slice(extra);
    let out = tenants(dir, db, &args);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    let n = ids.len() as u64;
    assert_eq!(counts(&report), [n, n, 0, 0], "{report}");
    report
}

/// Waits until no other session works in the test database: a killed client's backend may
/// still be finishing what it had already sent.
pub(super) async fn settle(conn: &mut dyn Driver) {
    let others = "SELECT count(*) FROM pg_stat_activity \
                  WHERE datname = current_database() AND pid <> pg_backend_pid()";
    for _ in 0..400 {
        if query_i64(conn, others).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("a killed runner's backend is still busy after 10 s");
}

/// Two tenant migrations: a table of items, then a table of tags.
pub(super) const ITEMS: &[(&str, &str)] = &[
    (
        "001_items.sql",
        "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);\n",
    ),
    (
        "002_tags.sql",
        "CREATE TABLE tags (id integer PRIMARY KEY);\n",
    ),
];

/// Every relation in the tenant schemas and every history row: what "nothing changed"
/// compares.
pub(super) async fn fleet_snapshot(conn: &mut dyn Driver) -> Vec<String> {
    let relations = "SELECT n.nspname || '.' || c.relname FROM pg_class c \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname LIKE 'tenant\\_%' ORDER BY 1";
    let mut snapshot = strings(conn, relations, &[]).await;
    for s in schemas(conn).await {
        if s.starts_with("tenant_") && relation_exists(conn, &s, "plover_migrations").await {
            let sql = format!(
                "SELECT version || ' ' || status || ' ' || checksum || ' ' || applied_at::text \
                 FROM \"{s}\".plover_migrations ORDER BY version"
            );
            snapshot.extend(strings(conn, &sql, &[]).await);
        }
    }
    snapshot
}

/// `tenants status --json`: each tenant's state.
pub(super) fn states(dir: &Fixture, db: &TestDb) -> BTreeMap<String, String> {
    let out = tenants(dir, db, &["--json", "status"]);
    assert_eq!(out.code, 0, "{out:?}");
    done(&out)["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| {
            let id = t["id"].as_str().expect("id").to_owned();
            (id, t["state"].as_str().expect("state").to_owned())
        })
        .collect()
}
