//! `plover tenants ...` through the real binary against a real PostgreSQL: a failure stays in
//! its tenants, SIGKILL at random moments then a rerun, concurrent fleet runs, drift, bad
//! input, the other commands, and adopting a drizzle-multitenant fleet.
//!
//! Random choices (which tenants fail or drift, when the runner is killed) come from one seed
//! per test, printed in every assertion message; `PLOVER_TENANTS_SEED` replays a run and
//! `PLOVER_TENANTS_KILLS` sets the number of kills of the crash test (default 15).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use plover::core::{Driver, Value};
use plover_testkit::{Backend, Fixture, TestDb, query_i64};
use serde_json::Value as Json;

use crate::support::{Outcome, database, plover, run, spawn};

/// The tenant migrations directory, the default `tenants.dir`.
const DIR: &str = "tenant-migrations";

/// For fleets whose migrations the linter would refuse (a UNIQUE constraint on a full table,
/// a type change): the preflight is not what those tests are about.
const NO_LINT: &str = "[lint]\npreflight = false\n";

// ---------------------------------------------------------------------------------------
// Helpers: the project, the binary, its reports
// ---------------------------------------------------------------------------------------

/// A project directory: `plover.toml` holding `toml`, and the tenant migrations.
fn project(toml: &str, migrations: &[(&str, &str)]) -> Fixture {
    let fixture = Fixture::new().file("plover.toml", toml);
    std::fs::create_dir_all(fixture.join(DIR)).expect("create the tenant migrations directory");
    for (name, sql) in migrations {
        fixture.write(&format!("{DIR}/{name}"), sql);
    }
    fixture
}

/// Runs `plover tenants ARGS` in the project against `db`.
fn tenants(dir: &Fixture, db: &TestDb, args: &[&str]) -> Outcome {
    let mut all = vec!["tenants"];
    all.extend_from_slice(args);
    run(dir.path(), db, &all)
}

/// The `{"event":"done",...}` object a `--json` run ends with.
fn done(out: &Outcome) -> Json {
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
fn counts(report: &Json) -> [u64; 4] {
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
fn with_outcome(report: &Json, outcome: &str) -> BTreeSet<String> {
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .filter(|t| t["outcome"] == outcome)
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Per tenant id, the versions the report says were applied (or recorded).
fn applied(report: &Json) -> BTreeMap<String, Vec<i64>> {
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
fn entry<'a>(report: &'a Json, id: &str) -> &'a Json {
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no tenant {id} in {report}"))
}

/// `count` tenant ids `{prefix}00`, `{prefix}01`, ... (sorted as the schemas are).
fn ids(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:02}")).collect()
}

fn schema(id: &str) -> String {
    format!("tenant_{id}")
}

/// The seed of a test's random choices: `PLOVER_TENANTS_SEED`, or a fresh one.
fn seed() -> u64 {
    std::env::var("PLOVER_TENANTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

/// `count` different items of `items`, chosen by `rng`.
fn pick(rng: &mut fastrand::Rng, items: &[String], count: usize) -> Vec<String> {
    let mut items = items.to_vec();
    rng.shuffle(&mut items);
    items.truncate(count);
    items
}

// ---------------------------------------------------------------------------------------
// Helpers: reading the database
// ---------------------------------------------------------------------------------------

fn text(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
    }
}

/// The first column of every row, as text.
async fn strings(conn: &mut dyn Driver, sql: &str, params: &[Value]) -> Vec<String> {
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
async fn relation_exists(conn: &mut dyn Driver, schema: &str, name: &str) -> bool {
    let sql = "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = $1 AND c.relname = $2";
    !strings(conn, sql, &[Value::from(schema), Value::from(name)])
        .await
        .is_empty()
}

async fn column_exists(conn: &mut dyn Driver, schema: &str, table: &str, column: &str) -> bool {
    let sql = "SELECT 1 FROM information_schema.columns \
               WHERE table_schema = $1 AND table_name = $2 AND column_name = $3";
    let params = [Value::from(schema), Value::from(table), Value::from(column)];
    !strings(conn, sql, &params).await.is_empty()
}

async fn constraint_exists(conn: &mut dyn Driver, schema: &str, name: &str) -> bool {
    let sql = "SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
               WHERE n.nspname = $1 AND c.conname = $2";
    !strings(conn, sql, &[Value::from(schema), Value::from(name)])
        .await
        .is_empty()
}

/// Whether index `name` of `schema` exists and is valid (a killed CONCURRENTLY build leaves
/// an invalid one).
async fn valid_index(conn: &mut dyn Driver, schema: &str, name: &str) -> bool {
    let sql = "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2";
    strings(conn, sql, &[Value::from(schema), Value::from(name)]).await == ["true"]
}

/// The versions in the tenant's history table, in order (none when it has no table).
async fn history(conn: &mut dyn Driver, schema: &str) -> Vec<i64> {
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
async fn history_states(conn: &mut dyn Driver, schema: &str) -> Vec<String> {
    let sql = format!(
        "SELECT version || ' ' || status FROM \"{schema}\".plover_migrations ORDER BY version"
    );
    strings(conn, &sql, &[]).await
}

/// The rows of the tenant's `applied_log`, which the test migrations insert into: one row
/// per migration run, so a migration applied twice shows as a duplicate.
async fn log(conn: &mut dyn Driver, schema: &str) -> Vec<i64> {
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
async fn schemas(conn: &mut dyn Driver) -> Vec<String> {
    let sql = "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
               AND nspname <> 'information_schema' ORDER BY 1";
    strings(conn, sql, &[]).await
}

/// Creates the (empty) schemas of `ids`, as a fleet's tenants are before their migrations.
async fn make_schemas(conn: &mut dyn Driver, ids: &[String]) {
    let sql: String = ids
        .iter()
        .map(|id| format!("CREATE SCHEMA \"{}\";\n", schema(id)))
        .collect();
    conn.execute_script(&sql).await.expect("create schemas");
}

/// A fleet of `ids` migrated by `tenants migrate --all`, checked to succeed everywhere.
async fn migrated_fleet(dir: &Fixture, db: &TestDb, ids: &[String], extra: &[&str]) -> Json {
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
async fn settle(conn: &mut dyn Driver) {
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

// ---------------------------------------------------------------------------------------
// 1. A failure stays in its tenants
// ---------------------------------------------------------------------------------------

/// Version 2 adds a UNIQUE constraint that the data of some tenants violates.
const ISOLATION: &[(&str, &str)] = &[
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

// ---------------------------------------------------------------------------------------
// 2. SIGKILL at random moments, then a rerun
// ---------------------------------------------------------------------------------------

/// Each migration logs itself; version 3 runs statement by statement, two of them
/// CREATE INDEX CONCURRENTLY, and logs after each (3, then 31).
const CRASH: &[(&str, &str)] = &[
    (
        "001_items.sql",
        "CREATE TABLE applied_log (version integer NOT NULL);\n\
         CREATE TABLE items (id integer NOT NULL, n integer NOT NULL);\n\
         INSERT INTO applied_log VALUES (1);\n",
    ),
    (
        "002_fill.sql",
        "INSERT INTO items SELECT g, g % 97 FROM generate_series(1, 5000) AS g;\n\
         INSERT INTO applied_log VALUES (2);\n",
    ),
    (
        "003_indexes.sql",
        "-- plover:no-transaction\n\
         CREATE INDEX CONCURRENTLY items_n ON items (n);\n\
         INSERT INTO applied_log VALUES (3);\n\
         CREATE INDEX CONCURRENTLY items_id ON items (id);\n\
         INSERT INTO applied_log VALUES (31);\n",
    ),
    (
        "004_label.sql",
        "ALTER TABLE items ADD COLUMN label text;\n\
         UPDATE items SET label = n::text;\n\
         INSERT INTO applied_log VALUES (4);\n",
    ),
];

const CRASH_TENANTS: usize = 10;

/// Checks that one tenant is consistent after a kill: every transactional migration applied
/// with its history row or not at all, the no-transaction one exactly as far as its recorded
/// statements, nothing logged twice. Returns whether the tenant is fully migrated.
async fn check_crashed_tenant(conn: &mut dyn Driver, schema: &str, context: &str) -> bool {
    let mut rows = BTreeMap::new();
    if relation_exists(conn, schema, "plover_migrations").await {
        let sql =
            format!("SELECT version, status, statements_done FROM \"{schema}\".plover_migrations");
        for row in conn.query(&sql, &[]).await.unwrap() {
            let status = text(&row[1]);
            rows.insert(row[0].as_i64().unwrap(), (status, row[2].as_i64().unwrap()));
        }
    }
    let log = log(conn, schema).await;
    let context = format!("{context}, {schema}: history {rows:?}, log {log:?}");
    let unique: BTreeSet<i64> = log.iter().copied().collect();
    assert_eq!(unique.len(), log.len(), "{context}: logged twice");
    for version in [1, 2, 4] {
        let applied = rows.get(&version).is_some_and(|(s, _)| s == "applied");
        assert_eq!(rows.contains_key(&version), applied, "{context}");
        assert_eq!(unique.contains(&version), applied, "{context}");
    }
    let done = rows.get(&3).map_or(0, |(_, done)| *done);
    assert_eq!(unique.contains(&3), done >= 2, "{context}");
    assert_eq!(unique.contains(&31), done >= 4, "{context}");
    if done >= 1 {
        assert!(valid_index(conn, schema, "items_n").await, "{context}");
    }
    if done >= 3 {
        assert!(valid_index(conn, schema, "items_id").await, "{context}");
    }
    if rows.get(&3).is_some_and(|(s, _)| s == "applied") {
        assert_eq!(done, 4, "{context}");
    }
    let complete = rows.len() == 4 && rows.values().all(|(s, _)| s == "applied");
    if complete {
        assert_eq!(log, [1, 2, 3, 4, 31], "{context}");
        assert!(
            column_exists(conn, schema, "items", "label").await,
            "{context}"
        );
        let rows = query_i64(conn, &format!("SELECT count(*) FROM \"{schema}\".items")).await;
        assert_eq!(rows, 5_000, "{context}");
    }
    complete
}

/// Checks every tenant; returns how many are fully migrated.
async fn check_crashed_fleet(db: &TestDb, ids: &[String], context: &str) -> usize {
    let mut conn = db.connect().await;
    settle(conn.as_mut()).await;
    let mut complete = 0;
    for id in ids {
        if check_crashed_tenant(conn.as_mut(), &schema(id), context).await {
            complete += 1;
        }
    }
    complete
}

/// Drops the tenants' schemas and makes them again, empty.
async fn reset_fleet(db: &TestDb, ids: &[String]) {
    let mut conn = db.connect().await;
    let sql: String = ids
        .iter()
        .map(|id| format!("DROP SCHEMA \"{}\" CASCADE;\n", schema(id)))
        .collect();
    conn.execute_script(&sql).await.unwrap();
    make_schemas(conn.as_mut(), ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_fleet_run_then_a_rerun_migrates_every_tenant_once() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let kills: usize = std::env::var("PLOVER_TENANTS_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(15);
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = project("", CRASH);
    let ids = ids("k", CRASH_TENANTS);
    let migrate = ["tenants", "migrate", "--all", "--concurrency", "4"];

    // One uninterrupted run tells how long a run takes here.
    make_schemas(db.connect().await.as_mut(), &ids).await;
    let started = Instant::now();
    let out = run(dir.path(), &db, &migrate);
    let typical = started.elapsed();
    assert_eq!(out.code, 0, "{out:?}");
    let context = format!("seed {seed}, uninterrupted");
    assert_eq!(check_crashed_fleet(&db, &ids, &context).await, ids.len());
    reset_fleet(&db, &ids).await;

    let mut landed = 0;
    let mut attempts = 0;
    while landed < kills {
        attempts += 1;
        assert!(
            attempts < kills * 10,
            "seed {seed}: only {landed} of {kills} kills landed in {attempts} runs"
        );
        let mut child = spawn(dir.path(), &db, &migrate);
        let delay = rng.u64(0..=typical.as_millis() as u64);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            landed += 1;
        }
        let output = child.wait_with_output().unwrap();
        let context = format!("seed {seed}, kill {landed} after {delay} ms");
        let complete = check_crashed_fleet(&db, &ids, &context).await;
        if output.status.success() || complete == ids.len() {
            // The run finished before the kill: start again from empty tenants.
            assert_eq!(complete, ids.len(), "{context}: exited 0 unfinished");
            reset_fleet(&db, &ids).await;
        }
    }

    let out = run(
        dir.path(),
        &db,
        &[
            "--json",
            "tenants",
            "migrate",
            "--all",
            "--concurrency",
            "4",
        ],
    );
    assert_eq!(out.code, 0, "seed {seed}: {out:?}");
    let n = ids.len() as u64;
    assert_eq!(counts(&done(&out)), [n, n, 0, 0], "seed {seed}");
    let context = format!("seed {seed}, after the rerun");
    assert_eq!(check_crashed_fleet(&db, &ids, &context).await, ids.len());
    let mut conn = db.connect().await;
    let invalid = query_i64(
        conn.as_mut(),
        "SELECT count(*) FROM pg_index WHERE NOT indisvalid",
    )
    .await;
    assert_eq!(invalid, 0, "seed {seed}: an invalid index survived");
    let status = tenants(&dir, &db, &["status", "--check"]);
    assert_eq!(status.code, 0, "seed {seed}: {status:?}");
}

// ---------------------------------------------------------------------------------------
// 3. Concurrency: no deadlocks at 2, 4, 8 workers; two fleet runs at once
// ---------------------------------------------------------------------------------------

const RACE_TENANTS: usize = 24;

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
    // of them, the other waiting on the tenant's lock and then finding nothing to do.
    let new: Vec<usize> = (last + 1..=last + 3).collect();
    for &version in &new {
        let (name, sql) = logged_migration(version);
        dir.write(&format!("{DIR}/{name}"), &sql);
    }
    last += new.len();
    let racers: Vec<_> = (0..2)
        .map(|_| {
            plover(dir.path())
                .arg("--database")
                .arg(db.url.expose())
                .args([
                    "--json",
                    "tenants",
                    "migrate",
                    "--all",
                    "--concurrency",
                    "4",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start plover")
        })
        .collect();
    let mut by_tenant: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for racer in racers {
        let out: Outcome = racer.wait_with_output().unwrap().into();
        assert_eq!(out.code, 0, "a racing run failed: {out:?}");
        let report = done(&out);
        let n = ids.len() as u64;
        assert_eq!(counts(&report), [n, n, 0, 0], "{report}");
        for (id, versions) in applied(&report) {
            by_tenant.entry(id).or_default().extend(versions);
        }
    }
    let expected: Vec<i64> = new.iter().map(|&v| v as i64).collect();
    for (id, mut versions) in by_tenant {
        versions.sort_unstable();
        assert_eq!(versions, expected, "{id}: applied by the two runs together");
    }
    check_logged(conn.as_mut(), &ids, last, "after two runs at once").await;
}

// ---------------------------------------------------------------------------------------
// 4. Drift
// ---------------------------------------------------------------------------------------

/// One tenant schema with an object of every kind drift is looked for in.
const DRIFT: &[(&str, &str)] = &[(
    "001_schema.sql",
    "CREATE TYPE item_status AS ENUM ('new', 'done');\n\
     CREATE TABLE owners (id integer PRIMARY KEY);\n\
     CREATE TABLE items (\n\
       id integer PRIMARY KEY,\n\
       name text NOT NULL,\n\
       qty integer DEFAULT 0,\n\
       price numeric,\n\
       note text,\n\
       owner_id integer,\n\
       status item_status NOT NULL DEFAULT 'new'\n\
     );\n\
     CREATE INDEX items_name_idx ON items (name);\n\
     CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n\
     BEGIN NEW.qty := coalesce(NEW.qty, 0); RETURN NEW; END $$;\n\
     CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION touch();\n\
     CREATE VIEW item_names AS SELECT id, name FROM items;\n\
     ALTER TABLE items ENABLE ROW LEVEL SECURITY;\n\
     CREATE POLICY items_all ON items USING (true);\n",
)];

/// Each kind of drift: the change's action, what is done by hand in one tenant (`{s}` is its
/// schema), and what the name of the one change reported for it must contain.
const DRIFT_KINDS: &[(&str, &str, &str, &str)] = &[
    (
        "added column",
        "added",
        "ALTER TABLE {s}.items ADD COLUMN extra integer",
        "items.extra",
    ),
    (
        "dropped column",
        "removed",
        "ALTER TABLE {s}.items DROP COLUMN note",
        "items.note",
    ),
    (
        "type change",
        "altered",
        "ALTER TABLE {s}.items ALTER COLUMN qty TYPE bigint",
        "items.qty",
    ),
    (
        "nullability",
        "altered",
        "ALTER TABLE {s}.items ALTER COLUMN price SET NOT NULL",
        "items.price",
    ),
    (
        "default",
        "altered",
        "ALTER TABLE {s}.items ALTER COLUMN status SET DEFAULT 'done'",
        "items.status",
    ),
    (
        "index added",
        "added",
        "CREATE INDEX items_note_idx ON {s}.items (note)",
        "items_note_idx",
    ),
    (
        "index dropped",
        "removed",
        "DROP INDEX {s}.items_name_idx",
        "items_name_idx",
    ),
    (
        "unique constraint",
        "added",
        "ALTER TABLE {s}.items ADD CONSTRAINT items_note_key UNIQUE (note)",
        "items_note_key",
    ),
    (
        "check constraint",
        "added",
        "ALTER TABLE {s}.items ADD CONSTRAINT items_price_check CHECK (price >= 0)",
        "items_price_check",
    ),
    (
        "foreign key",
        "added",
        "ALTER TABLE {s}.items ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id) REFERENCES {s}.owners (id)",
        "items_owner_fk",
    ),
    (
        "function body",
        "altered",
        "CREATE OR REPLACE FUNCTION {s}.touch() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN NEW.qty := coalesce(NEW.qty, 1); RETURN NEW; END $$",
        "touch",
    ),
    (
        "trigger",
        "removed",
        "DROP TRIGGER items_touch ON {s}.items",
        "items_touch",
    ),
    (
        "view definition",
        "altered",
        "CREATE OR REPLACE VIEW {s}.item_names AS SELECT id, name FROM {s}.items WHERE id > 0",
        "item_names",
    ),
    (
        "RLS policy",
        "altered",
        "ALTER POLICY items_all ON {s}.items USING (id > 0)",
        "items_all",
    ),
    (
        "enum value",
        "altered",
        "ALTER TYPE {s}.item_status ADD VALUE 'archived'",
        "item_status",
    ),
];

/// Runs `tenants drift --json ARGS` and returns, per drifted tenant, its changes as
/// `action name`, after checking the exit code and the counts.
fn drifted(
    dir: &Fixture,
    db: &TestDb,
    args: &[&str],
    total: usize,
) -> BTreeMap<String, Vec<String>> {
    let mut all = vec!["--json", "drift"];
    all.extend_from_slice(args);
    let out = tenants(dir, db, &all);
    let report = done(&out);
    let listed = report["tenants"].as_array().expect("tenants");
    assert_eq!(report["total"], total, "{report}");
    assert_eq!(report["drifted"], listed.len(), "{report}");
    let expected_code = if listed.is_empty() { 0 } else { 9 };
    assert_eq!(out.code, expected_code, "{out:?}");
    listed
        .iter()
        .map(|t| {
            let names = t["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c["action"].as_str().unwrap(),
                        c["name"].as_str().unwrap()
                    )
                })
                .collect();
            (t["id"].as_str().expect("id").to_owned(), names)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_finds_exactly_the_tenants_changed_by_hand_naming_each_object() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = project(NO_LINT, DRIFT);
    let ids = ids("d", 100);
    migrated_fleet(&dir, &db, &ids, &[]).await;

    // An identical fleet: against the migrations and against a tenant.
    assert_eq!(drifted(&dir, &db, &[], 100), BTreeMap::new());
    assert_eq!(
        drifted(&dir, &db, &["--reference", &ids[0]], 100),
        BTreeMap::new()
    );

    let chosen = pick(&mut rng, &ids, DRIFT_KINDS.len() + 1);
    let (clean, targets) = chosen.split_last().expect("tenants");
    let mut conn = db.connect().await;
    let mut expected = BTreeMap::new();
    for ((kind, action, sql, object), id) in DRIFT_KINDS.iter().zip(targets) {
        let sql = sql.replace("{s}", &schema(id));
        conn.execute_script(&sql)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {sql}: {e}"));
        expected.insert(id.clone(), (*kind, *action, *object));
    }
    for args in [vec![], vec!["--reference", clean.as_str()]] {
        let found = drifted(&dir, &db, &args, 100);
        let context = format!("seed {seed}, drift {args:?}");
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{context}: {found:#?}"
        );
        for (id, changes) in &found {
            let (kind, action, object) = expected[id];
            let [change] = changes.as_slice() else {
                panic!("{context}: {kind} in {id} reported as {changes:?}");
            };
            let (reported, name) = change.split_once(' ').expect("action name");
            assert!(
                reported == action && name.contains(object),
                "{context}: {kind} in {id} reported as {change}"
            );
        }
    }
}
