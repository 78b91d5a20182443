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

/// The ids of the `{"event":"tenant",...}` lines a `--json` run printed while working.
fn tenant_events(out: &Outcome) -> BTreeSet<String> {
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
    // of them, the other waiting on the tenant's lock and then finding nothing to do. Some
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
        "index ordering",
        "altered",
        "DROP INDEX {s}.items_name_idx; CREATE INDEX items_name_idx ON {s}.items (name DESC)",
        "items_name_idx",
    ),
    (
        "index operator class",
        "altered",
        "DROP INDEX {s}.items_name_idx; \
         CREATE INDEX items_name_idx ON {s}.items (name text_pattern_ops)",
        "items_name_idx",
    ),
    (
        "index collation",
        "altered",
        "DROP INDEX {s}.items_name_idx; \
         CREATE INDEX items_name_idx ON {s}.items (name COLLATE \"C\")",
        "items_name_idx",
    ),
    (
        "index column",
        "altered",
        "DROP INDEX {s}.items_name_idx; CREATE INDEX items_name_idx ON {s}.items (note)",
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

// ---------------------------------------------------------------------------------------
// 5. Bad input
// ---------------------------------------------------------------------------------------

const INJECTION: &str = "a\"; drop schema public; --";

const ITEMS: &[(&str, &str)] = &[
    (
        "001_items.sql",
        "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);\n",
    ),
    (
        "002_tags.sql",
        "CREATE TABLE tags (id integer PRIMARY KEY);\n",
    ),
];

/// What a refused command must leave as it was: the schemas, and a table in `public`.
async fn untouched(db: &TestDb) -> Vec<String> {
    let mut conn = db.connect().await;
    let mut state = schemas(conn.as_mut()).await;
    let keep = "SELECT count(*) FROM public.keep";
    state.push(format!(
        "public.keep: {}",
        query_i64(conn.as_mut(), keep).await
    ));
    state
}

/// Checks that `out` is a usage error (exit 2) whose message names `id`.
fn refused_naming(out: &Outcome, id: &str, context: &str) {
    assert_eq!(out.code, 2, "{context}: {out:?}");
    assert!(
        out.stderr.contains(id) && out.stderr.contains("tenant id"),
        "{context}: {}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_tenant_ids_are_refused_naming_the_id_and_change_nothing() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let mut conn = db.connect().await;
    conn.execute_script(
        "CREATE TABLE public.keep (id integer); INSERT INTO public.keep VALUES (1);",
    )
    .await
    .unwrap();
    migrated_fleet(&dir, &db, &ids("ok", 1), &[]).await;
    let before = untouched(&db).await;
    // The message shows the id as a quoted string, its `"` escaped.
    let shown = "drop schema public; --";
    let bad = format!("ok00,{INJECTION}");
    let commands: &[&[&str]] = &[
        &["migrate", "--tenant", INJECTION],
        &["migrate", "--tenants", &bad],
        &["create", INJECTION],
        &["drop", INJECTION, "--force"],
        &["status", "--tenant", INJECTION],
        &["seed", "--file", "plover.toml", "--tenant", INJECTION],
        &["drift", "--reference", INJECTION],
    ];
    for args in commands {
        refused_naming(&tenants(&dir, &db, args), shown, &format!("{args:?}"));
        assert_eq!(untouched(&db).await, before, "{args:?}");
    }

    // From the configuration: a listed id, and an id a discovery query returns.
    let escaped = INJECTION.replace('"', "\\\"");
    let listed = project(
        &format!("[tenants]\nids = [\"ok00\", \"{escaped}\"]\n"),
        ITEMS,
    );
    let out = tenants(&listed, &db, &["migrate", "--all"]);
    refused_naming(&out, shown, "tenants.ids");
    assert!(out.stderr.contains("tenants.ids"), "{}", out.stderr);
    let queried = project(
        &format!("[tenants]\nquery = \"SELECT 'ok00' UNION ALL SELECT '{escaped}'\"\n"),
        ITEMS,
    );
    let out = tenants(&queried, &db, &["migrate", "--all"]);
    refused_naming(&out, shown, "tenants.query");
    assert!(out.stderr.contains("tenants.query"), "{}", out.stderr);
    assert_eq!(untouched(&db).await, before);

    // 63 bytes is PostgreSQL's limit for a schema name: `tenant_` and 56 more fit.
    let long = "a".repeat(57);
    let out = tenants(&dir, &db, &["create", &long]);
    refused_naming(&out, &long, "a 64-byte schema name");
    assert!(out.stderr.contains("63"), "{}", out.stderr);
    assert_eq!(untouched(&db).await, before);
    let longest = "a".repeat(56);
    let out = tenants(&dir, &db, &["create", &longest]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(history(conn.as_mut(), &schema(&longest)).await, [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_needs_force_create_refuses_an_existing_tenant_and_migrate_a_missing_one() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let out = tenants(&dir, &db, &["create", "acme"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut conn = db.connect().await;
    conn.execute_script("INSERT INTO tenant_acme.items VALUES (1, 'kept')")
        .await
        .unwrap();
    let rows = "SELECT count(*) FROM tenant_acme.items";

    let out = tenants(&dir, &db, &["drop", "acme"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("--force") && out.stderr.contains("tenant_acme"),
        "{}",
        out.stderr
    );
    assert_eq!(query_i64(conn.as_mut(), rows).await, 1);

    let out = tenants(&dir, &db, &["create", "acme"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
    assert_eq!(query_i64(conn.as_mut(), rows).await, 1);
    assert_eq!(history(conn.as_mut(), "tenant_acme").await, [1, 2]);

    let out = tenants(&dir, &db, &["drop", "acme", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !schemas(conn.as_mut())
            .await
            .contains(&"tenant_acme".to_owned())
    );
    let out = tenants(&dir, &db, &["drop", "acme", "--force"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("has no schema"), "{}", out.stderr);

    // A tenant named by mistake is not created by migrating it.
    let out = tenants(&dir, &db, &["migrate", "--tenant", "acme"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("has no schema") && out.stderr.contains("tenants create acme"),
        "{}",
        out.stderr
    );
    assert!(
        !schemas(conn.as_mut())
            .await
            .contains(&"tenant_acme".to_owned())
    );
}

#[test]
fn a_sqlite_database_and_a_missing_tenants_directory_are_refused() {
    let dir = project("", ITEMS);
    let sqlite = dir.join("app.db");
    let out: Outcome = plover(dir.path())
        .arg("--database")
        .arg(format!("sqlite:{}", sqlite.display()))
        .args(["tenants", "migrate", "--all"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("SQLite") && out.stderr.contains("postgres://"),
        "{}",
        out.stderr
    );
    assert!(!sqlite.exists(), "the SQLite file was created");

    // Refused before any connection: this server does not exist.
    let url = "postgres://nobody@127.0.0.1:9/none";
    let out: Outcome = plover(dir.path())
        .args(["--database", url, "tenants", "--tenants-dir", "nowhere"])
        .args(["migrate", "--all"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("nowhere") && out.stderr.contains("does not exist"),
        "{}",
        out.stderr
    );
    let configured = project("[tenants]\ndir = \"fleet-migrations\"\n", &[]);
    let out: Outcome = plover(configured.path())
        .args(["--database", url, "tenants", "status"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("fleet-migrations"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------
// 6. Canaries, abort, dry run, status, sync, seed, create --seed, discovery
// ---------------------------------------------------------------------------------------

/// Gives tenant `id` (at version 1 of [`ISOLATION`]) a duplicate name, so that version 2
/// fails there; `false` removes it again.
async fn duplicate_names(conn: &mut dyn Driver, id: &str, present: bool) {
    let s = schema(id);
    let sql = if present {
        format!("INSERT INTO {s}.items VALUES (1, 'same'), (2, 'same')")
    } else {
        format!("DELETE FROM {s}.items WHERE id = 2")
    };
    conn.execute_script(&sql).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_canaries_skip_the_rest_and_on_error_abort_skips_what_was_not_started() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(NO_LINT, ISOLATION);
    let ids = ids("n", 10);
    migrated_fleet(&dir, &db, &ids, &["--to", "1"]).await;
    let mut conn = db.connect().await;

    // The second canary fails: the eight others are not started.
    duplicate_names(conn.as_mut(), &ids[1], true).await;
    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--canary", "2"]);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 1, 1, 8], "{report}");
    assert_eq!(report["canary_failed"], true);
    assert_eq!(
        with_outcome(&report, "succeeded"),
        BTreeSet::from([ids[0].clone()])
    );
    assert_eq!(
        with_outcome(&report, "failed"),
        BTreeSet::from([ids[1].clone()])
    );
    for id in &ids[2..] {
        assert_eq!(entry(&report, id)["error"], "a canary tenant failed");
        assert_eq!(history(conn.as_mut(), &schema(id)).await, [1], "{id}");
    }
    assert_eq!(history(conn.as_mut(), &schema(&ids[0])).await, [1, 2, 3]);
    assert_eq!(history(conn.as_mut(), &schema(&ids[1])).await, [1]);

    // One worker, abort on error: the sixth tenant fails, the four after it are skipped.
    duplicate_names(conn.as_mut(), &ids[1], false).await;
    duplicate_names(conn.as_mut(), &ids[5], true).await;
    let args = [
        "--json",
        "migrate",
        "--all",
        "--on-error",
        "abort",
        "--concurrency",
        "1",
    ];
    let out = tenants(&dir, &db, &args);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 5, 1, 4], "{report}");
    assert_eq!(
        with_outcome(&report, "failed"),
        BTreeSet::from([ids[5].clone()])
    );
    let skipped: BTreeSet<String> = ids[6..].iter().cloned().collect();
    assert_eq!(with_outcome(&report, "skipped"), skipped);
    for (i, id) in ids.iter().enumerate() {
        let expected: &[i64] = if i < 5 { &[1, 2, 3] } else { &[1] };
        assert_eq!(history(conn.as_mut(), &schema(id)).await, expected, "{id}");
    }

    // Fixed, the next run finishes the five.
    duplicate_names(conn.as_mut(), &ids[5], false).await;
    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 10, 0, 0]);
    for (i, id) in ids.iter().enumerate() {
        let expected: &[i64] = if i < 5 { &[] } else { &[2, 3] };
        assert_eq!(applied(&report)[id], expected, "{id}");
    }

    // Canaries that pass let the rest run.
    dir.write(
        &format!("{DIR}/004_more.sql"),
        "CREATE TABLE more (id integer);\n",
    );
    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--canary", "2"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [10, 10, 0, 0]);
    assert_eq!(report["canary_failed"], false);
    for id in &ids {
        assert_eq!(applied(&report)[id], [4], "{id}");
    }
}

/// Every relation in the tenant schemas and every history row: what "nothing changed"
/// compares.
async fn fleet_snapshot(conn: &mut dyn Driver) -> Vec<String> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_lists_what_would_run_and_changes_nothing() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(
        "",
        &[
            ITEMS[0],
            ITEMS[1],
            ("003_x.sql", "CREATE TABLE x (id integer);\n"),
        ],
    );
    let ids = ids("r", 3);
    make_schemas(db.connect().await.as_mut(), &ids).await;
    for (id, to) in [(&ids[0], "3"), (&ids[1], "1")] {
        let out = tenants(&dir, &db, &["migrate", "--tenant", id, "--to", to]);
        assert_eq!(out.code, 0, "{out:?}");
    }
    let mut conn = db.connect().await;
    let before = fleet_snapshot(conn.as_mut()).await;
    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [3, 3, 0, 0]);
    assert_eq!(report["dry_run"], true);
    let planned = |id: &str| entry(&report, id)["planned"].clone();
    assert_eq!(
        planned(&ids[0]),
        Json::Null,
        "nothing to do, nothing listed"
    );
    assert_eq!(planned(&ids[1]), serde_json::json!([2, 3]));
    assert_eq!(planned(&ids[2]), serde_json::json!([1, 2, 3]));
    for (id, versions) in applied(&report) {
        assert_eq!(versions, Vec::<i64>::new(), "{id}");
    }
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);

    let out = tenants(&dir, &db, &["migrate", "--all", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains(&format!("{}: would apply 2, 3", ids[1]))
            && said.contains(&format!("{}: would apply 1, 2, 3", ids[2])),
        "{said}"
    );
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);
}

/// `tenants status --json`: each tenant's state.
fn states(dir: &Fixture, db: &TestDb) -> BTreeMap<String, String> {
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

fn all_in(ids: &[String], state: &str) -> BTreeMap<String, String> {
    ids.iter()
        .map(|id| (id.clone(), state.to_owned()))
        .collect()
}

/// `tenants --json migrate --all --lock-timeout TIMEOUT` while another connection holds
/// tenant `id`'s migration lock.
async fn migrate_all_while_locked(dir: &Fixture, db: &TestDb, id: &str, timeout: &str) -> Outcome {
    let table = plover::core::sql::QualifiedName::new(schema(id), "plover_migrations");
    let request = plover::migrator::lock_request(&table, &plover::Options::default());
    let mut holder = db.connect().await;
    assert_eq!(
        holder.try_lock(&request).await.unwrap(),
        plover::core::LockAttempt::Acquired
    );
    let out = tenants(
        dir,
        db,
        &["--json", "migrate", "--all", "--lock-timeout", timeout],
    );
    holder.unlock(&request).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_tells_ok_behind_modified_and_ahead() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let ids = ids("s", 3);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    assert_eq!(states(&dir, &db), all_in(&ids, "ok"));
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 0);

    dir.write(
        &format!("{DIR}/003_x.sql"),
        "CREATE TABLE x (id integer);\n",
    );
    assert_eq!(states(&dir, &db), all_in(&ids, "behind"));
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 7);
    let out = tenants(&dir, &db, &["migrate", "--tenant", &ids[1]]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut expected = all_in(&ids, "behind");
    expected.insert(ids[1].clone(), "ok".to_owned());
    assert_eq!(states(&dir, &db), expected);

    // An applied file edited: every tenant that applied it is modified.
    let original = ITEMS[1].1;
    dir.write(
        &format!("{DIR}/002_tags.sql"),
        &format!("{original}-- edited\n"),
    );
    assert_eq!(states(&dir, &db), all_in(&ids, "modified"));
    let out = tenants(&dir, &db, &["--json", "status"]);
    for t in done(&out)["tenants"].as_array().unwrap() {
        assert_eq!(t["modified_versions"], serde_json::json!([2]), "{t}");
    }
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 5);
    // Migrating refuses in every tenant, naming the file, and changes nothing: even in a
    // tenant whose lock another runner holds (the refusal comes before the lock).
    let mut conn = db.connect().await;
    let before = fleet_snapshot(conn.as_mut()).await;
    let out = migrate_all_while_locked(&dir, &db, &ids[0], "300ms").await;
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [3, 0, 3, 0]);
    for id in &ids {
        let error = entry(&report, id)["error"].as_str().unwrap().to_owned();
        assert!(
            error.contains("002_tags.sql was edited after it was applied"),
            "{error}"
        );
    }
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);

    // An applied file deleted: ahead (the tenant has what no file describes).
    dir.write(&format!("{DIR}/002_tags.sql"), original);
    dir.remove(&format!("{DIR}/003_x.sql"));
    let mut expected = all_in(&ids, "ok");
    expected.insert(ids[1].clone(), "ahead".to_owned());
    assert_eq!(states(&dir, &db), expected);
    let out = tenants(&dir, &db, &["--json", "status", "--tenant", &ids[1]]);
    let report = done(&out);
    assert_eq!(
        report["tenants"][0]["missing_versions"],
        serde_json::json!([3])
    );
    assert_eq!(report["states"]["ahead"], 1);
    assert_eq!(tenants(&dir, &db, &["status", "--check"]).code, 5);
}

/// 120 tenants are read over three connections; a state put into a tenant of each one is
/// found there, and nowhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_read_over_several_connections_finds_each_state_where_it_is() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("[tenants]\nconcurrency = 4\n", ITEMS);
    let ids = ids("p", 120);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    let mut conn = db.connect().await;
    let history = |i: usize| format!("\"{}\".plover_migrations", schema(&ids[i]));
    let zeros = "0".repeat(64);
    let changes = [
        format!("DELETE FROM {} WHERE version = 2", history(3)),
        format!(
            "UPDATE {} SET checksum = '{zeros}' WHERE version = 1",
            history(41)
        ),
        format!("ALTER TABLE {} RENAME COLUMN checksum TO sum", history(77)),
        format!("DROP TABLE {}", history(118)),
        format!(
            "INSERT INTO {} (version, name, checksum, script, status, applied_by) \
             VALUES (9, 'gone', '{zeros}', '', 'applied', 'test')",
            history(119)
        ),
    ];
    for sql in &changes {
        conn.execute_script(sql).await.expect(sql);
    }
    let mut expected = all_in(&ids, "ok");
    for (i, state) in [
        (3, "behind"),
        (41, "modified"),
        (77, "error"),
        (118, "behind"),
        (119, "ahead"),
    ] {
        expected.insert(ids[i].clone(), state.to_owned());
    }
    assert_eq!(states(&dir, &db), expected);
}

/// A file numbered below what a tenant applied is refused in that tenant before its lock:
/// a runner holding the lock does not make the refusal wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_order_file_is_refused_without_waiting_for_the_lock() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project(
        "",
        &[ITEMS[0], ("003_x.sql", "CREATE TABLE x (id integer);\n")],
    );
    let ids = ids("o", 2);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    dir.write(
        &format!("{DIR}/002_y.sql"),
        "CREATE TABLE y (id integer);\n",
    );

    let out = migrate_all_while_locked(&dir, &db, &ids[0], "5s").await;
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [2, 0, 2, 0]);
    for id in &ids {
        let error = entry(&report, id)["error"].as_str().unwrap();
        assert!(error.contains("out of order"), "{id}: {error}");
    }
    let waited = report["tenants"][0]["duration_ms"].as_f64().unwrap();
    assert!(
        waited < 4000.0,
        "the refusal waited for the lock: {waited} ms"
    );
}

/// A file the preflight refuses stops a fleet run only where it is still pending: applied
/// everywhere, it does not keep the fleet from newer files; pending in one new tenant, it
/// refuses the whole run, naming the file, before anything changes; and `create` refuses
/// a tenant that would run it without making its schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_the_preflight_refuses_blocks_the_fleet_only_where_it_is_pending() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let unsafe_index = (
        "002_index.sql",
        "CREATE INDEX items_name_idx ON items (name);\n",
    );
    let dir = project(NO_LINT, &[ITEMS[0], unsafe_index]);
    let ids = ids("f", 3);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    dir.write("plover.toml", "");
    dir.write(
        &format!("{DIR}/003_tags.sql"),
        "CREATE TABLE tags (id integer);\n",
    );

    let mut conn = db.connect().await;
    conn.execute_script("CREATE SCHEMA tenant_f03")
        .await
        .unwrap();
    let before = fleet_snapshot(conn.as_mut()).await;
    let out = tenants(&dir, &db, &["migrate", "--all"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("002_index.sql"), "{out:?}");
    assert_eq!(fleet_snapshot(conn.as_mut()).await, before);

    conn.execute_script("DROP SCHEMA tenant_f03").await.unwrap();
    // A new tenant would have every file pending: `create` refuses before making the schema.
    let out = tenants(&dir, &db, &["create", "f04"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.contains("002_index.sql"), "{out:?}");
    assert!(!schemas(conn.as_mut()).await.contains(&schema("f04")));

    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let expected: BTreeMap<String, Vec<i64>> = ids.iter().map(|id| (id.clone(), vec![3])).collect();
    assert_eq!(applied(&done(&out)), expected);
}

/// `tenants sync --json ARGS`: per tenant, the versions reconciled (or to reconcile).
fn sync(dir: &Fixture, db: &TestDb, args: &[&str]) -> BTreeMap<String, Vec<i64>> {
    let mut all = vec!["--json", "sync"];
    all.extend_from_slice(args);
    let out = tenants(dir, db, &all);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(report["failed"], 0, "{report}");
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| {
            let versions = t["versions"]
                .as_array()
                .expect("versions")
                .iter()
                .map(|v| v.as_i64().expect("version"))
                .collect();
            (t["id"].as_str().expect("id").to_owned(), versions)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_records_changes_made_by_hand_and_cleans_orphaned_rows_only_with_apply() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let ids = ids("y", 3);
    migrated_fleet(&dir, &db, &ids, &[]).await;
    let mut conn = db.connect().await;

    // Version 3 was applied by hand in the first tenant (only): mark it there.
    dir.write(
        &format!("{DIR}/003_extra.sql"),
        "CREATE TABLE extra (id integer);\n",
    );
    conn.execute_script(&format!(
        "CREATE TABLE {}.extra (id integer)",
        schema(&ids[0])
    ))
    .await
    .unwrap();
    let before = fleet_snapshot(conn.as_mut()).await;
    let only = ["--mark-missing", "--tenant", ids[0].as_str()];
    let dry = sync(&dir, &db, &only);
    assert_eq!(dry, BTreeMap::from([(ids[0].clone(), vec![3])]));
    assert_eq!(
        fleet_snapshot(conn.as_mut()).await,
        before,
        "a dry run wrote"
    );
    let mut apply = only.to_vec();
    apply.push("--apply");
    assert_eq!(sync(&dir, &db, &apply), dry);
    assert_eq!(history(conn.as_mut(), &schema(&ids[0])).await, [1, 2, 3]);
    let mut expected = all_in(&ids, "behind");
    expected.insert(ids[0].clone(), "ok".to_owned());
    assert_eq!(states(&dir, &db), expected);
    // The others still run it.
    let out = tenants(&dir, &db, &["--json", "migrate", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(applied(&report)[&ids[0]], Vec::<i64>::new());
    assert_eq!(applied(&report)[&ids[1]], [3]);

    // Version 2's file is deleted: every tenant has an orphaned row.
    dir.remove(&format!("{DIR}/002_tags.sql"));
    assert_eq!(states(&dir, &db), all_in(&ids, "ahead"));
    let before = fleet_snapshot(conn.as_mut()).await;
    let orphans: BTreeMap<String, Vec<i64>> = ids.iter().map(|id| (id.clone(), vec![2])).collect();
    assert_eq!(sync(&dir, &db, &["--clean-orphans"]), orphans);
    assert_eq!(
        fleet_snapshot(conn.as_mut()).await,
        before,
        "a dry run wrote"
    );
    assert_eq!(sync(&dir, &db, &["--clean-orphans", "--apply"]), orphans);
    for id in &ids {
        assert_eq!(history(conn.as_mut(), &schema(id)).await, [1, 3], "{id}");
        assert!(relation_exists(conn.as_mut(), &schema(id), "tags").await);
    }
    assert_eq!(states(&dir, &db), all_in(&ids, "ok"));
    assert_eq!(
        sync(&dir, &db, &["--clean-orphans", "--apply"]),
        BTreeMap::new()
    );
}

/// An idempotent seed: a second run touches nothing.
const SEED: &str =
    "INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two') ON CONFLICT DO NOTHING;\n";

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
    assert!(error.contains("items_pkey"), "{error}");
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

// ---------------------------------------------------------------------------------------
// 7. Adopting a drizzle-multitenant fleet
// ---------------------------------------------------------------------------------------

const DRIZZLE: &[(&str, &str)] = &[
    (
        "0001_users.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);\n",
    ),
    (
        "0002_posts.sql",
        "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer NOT NULL);\n",
    ),
    (
        "0003_comments.sql",
        "CREATE TABLE comments (id integer PRIMARY KEY, body text);\n",
    ),
];

/// A tenant schema as drizzle-multitenant leaves it: the tables of the migrations `tables`
/// (by version; `users` with a row), and its tracking table in one of its formats, listing
/// `rows` (file names without `.sql`, or file contents to hash).
async fn drizzle_tenant(
    conn: &mut dyn Driver,
    id: &str,
    format: &str,
    tables: &[usize],
    rows: &[&str],
) {
    let s = schema(id);
    let mut sql = format!("CREATE SCHEMA {s};\nSET search_path TO {s};\n");
    for version in tables {
        sql.push_str(DRIZZLE[version - 1].1);
    }
    if tables.contains(&1) {
        sql.push_str("INSERT INTO users VALUES (1, 'kept@example.com');\n");
    }
    sql.push_str(match format {
        "name" => "CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, applied_at timestamp DEFAULT now());\n",
        "hash" => "CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at timestamp DEFAULT now());\n",
        _ => "CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);\n",
    });
    sql.push_str("RESET search_path;\n");
    conn.execute_script(&sql).await.unwrap();
    let table = format!("{s}.__drizzle_migrations");
    for row in rows {
        let insert = match format {
            "name" => format!("INSERT INTO {table} (name) VALUES ($1)"),
            // The SHA-256 of the file, computed by PostgreSQL rather than by Plover.
            "hash" => format!(
                "INSERT INTO {table} (hash) VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'))"
            ),
            _ => format!(
                "INSERT INTO {table} (hash, created_at) VALUES \
                 (encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1700000000000)"
            ),
        };
        conn.query(&insert, &[Value::from(*row)]).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_applied_adopts_exactly_what_drizzle_multitenant_recorded() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", DRIZZLE);
    let mut conn = db.connect().await;
    let (users, posts, comments) = (DRIZZLE[0].1, DRIZZLE[1].1, DRIZZLE[2].1);
    // Tenants with the first two migrations applied, in each format; one that had only the
    // first; one that had the first and the third (the second was added later with a lower
    // number); one whose table names a file that does not exist; one without the table.
    let both = ["0001_users", "0002_posts"];
    drizzle_tenant(conn.as_mut(), "dname", "name", &[1, 2], &both).await;
    drizzle_tenant(conn.as_mut(), "dhash", "hash", &[1, 2], &[users, posts]).await;
    drizzle_tenant(conn.as_mut(), "dkit", "kit", &[1, 2], &[users, posts]).await;
    drizzle_tenant(conn.as_mut(), "dolder", "name", &[1], &["0001_users"]).await;
    drizzle_tenant(conn.as_mut(), "dgap", "hash", &[1, 3], &[users, comments]).await;
    let gone = ["0001_users", "0009_gone"];
    drizzle_tenant(conn.as_mut(), "dgone", "name", &[1, 2], &gone).await;
    let no_table = "CREATE SCHEMA tenant_dnone";
    conn.execute_script(no_table).await.unwrap();

    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--mark-applied"]);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [7, 6, 1, 0]);
    let error = entry(&report, "dgone")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("0009_gone"), "{error}");
    let recorded = applied(&report);
    for (id, expected) in [
        ("dname", &[1, 2][..]),
        ("dhash", &[1, 2]),
        ("dkit", &[1, 2]),
        ("dolder", &[1]),
        ("dgap", &[1, 3]),
        ("dgone", &[]),
        ("dnone", &[1, 2, 3]),
    ] {
        assert_eq!(recorded[id], expected, "{id}");
        assert_eq!(history(conn.as_mut(), &schema(id)).await, expected, "{id}");
    }
    // No SQL ran: the rows say so, running 0001 again would have failed on the existing
    // table, and nothing was created or removed.
    for id in ["dname", "dhash", "dkit", "dolder", "dgap"] {
        let s = schema(id);
        let states: Vec<String> = recorded[id]
            .iter()
            .map(|v| format!("{v} baseline"))
            .collect();
        assert_eq!(history_states(conn.as_mut(), &s).await, states, "{s}");
        let has_comments = relation_exists(conn.as_mut(), &s, "comments").await;
        assert_eq!(has_comments, id == "dgap", "{s}");
        let rows = format!("SELECT count(*) FROM {s}.users");
        assert_eq!(query_i64(conn.as_mut(), &rows).await, 1, "{s}");
        let tracked = format!("SELECT count(*) FROM {s}.__drizzle_migrations");
        let expected = if id == "dolder" { 1 } else { 2 };
        assert_eq!(query_i64(conn.as_mut(), &tracked).await, expected, "{s}");
    }
    // The migration drizzle-multitenant never ran there is still to run, not recorded.
    assert!(!relation_exists(conn.as_mut(), "tenant_dgap", "posts").await);
    assert!(!relation_exists(conn.as_mut(), "tenant_dnone", "users").await);

    // A plain run applies only what drizzle-multitenant had not.
    let adopted = "dname,dhash,dkit,dolder";
    let out = tenants(&dir, &db, &["--json", "migrate", "--tenants", adopted]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [4, 4, 0, 0]);
    let ran = applied(&report);
    for (id, expected, states) in [
        ("dname", &[3][..], ["1 baseline", "2 baseline", "3 applied"]),
        ("dhash", &[3], ["1 baseline", "2 baseline", "3 applied"]),
        ("dkit", &[3], ["1 baseline", "2 baseline", "3 applied"]),
        ("dolder", &[2, 3], ["1 baseline", "2 applied", "3 applied"]),
    ] {
        assert_eq!(ran[id], expected, "{id}");
        let s = schema(id);
        assert_eq!(history_states(conn.as_mut(), &s).await, states, "{s}");
        assert!(relation_exists(conn.as_mut(), &s, "comments").await, "{s}");
        assert!(relation_exists(conn.as_mut(), &s, "posts").await, "{s}");
    }
    // The gap is not silently skipped: version 2 is pending below an applied version 3,
    // refused until out-of-order runs are allowed.
    let out = tenants(&dir, &db, &["--json", "migrate", "--tenant", "dgap"]);
    assert_eq!(out.code, 4, "{out:?}");
    let error = entry(&done(&out), "dgap")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("0002_posts.sql") && error.contains("out of order"),
        "{error}"
    );
    dir.write("plover.toml", "[migrations]\nout_of_order = \"allow\"\n");
    let out = tenants(&dir, &db, &["--json", "migrate", "--tenant", "dgap"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(applied(&done(&out))["dgap"], [2]);
    assert!(relation_exists(conn.as_mut(), "tenant_dgap", "posts").await);
    // The tenant whose table names a missing file still fails, and still records nothing.
    let out = tenants(
        &dir,
        &db,
        &["migrate", "--tenant", "dgone", "--mark-applied"],
    );
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(
        history(conn.as_mut(), "tenant_dgone").await,
        Vec::<i64>::new()
    );
}

// ---------------------------------------------------------------------------------------
// A worker's connection between tenants
// ---------------------------------------------------------------------------------------

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
