//! `plover schema build | dump | diff | drift` through the binary, on both backends.

use plover_testkit::{Backend, Fixture, TestDb};
use serde_json::Value;

use crate::support::on_both_backends;
use crate::support::{database, plover, run};

/// Tables, a view and an index as migrations, for both backends.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "migrations/001_users.sql",
        "CREATE TABLE users (\n  id integer PRIMARY KEY,\n  email text NOT NULL UNIQUE,\n  plan text DEFAULT 'free'\n);\n",
    ),
    (
        "migrations/002_posts.sql",
        "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id), body text);\nCREATE INDEX posts_user ON posts (user_id);\n",
    ),
    (
        "migrations/003_feed.sql",
        "CREATE VIEW feed AS SELECT u.email, p.body FROM users u JOIN posts p ON p.user_id = u.id;\n",
    ),
];

/// The same schema as DDL files, split differently and written in another order.
const DDL: &[(&str, &str)] = &[
    (
        "schema/20_views/feed.sql",
        "-- the feed\nCREATE VIEW feed AS\n  SELECT u.email, p.body\n  FROM users u JOIN posts p ON p.user_id = u.id;\n",
    ),
    (
        "schema/10_tables/posts.sql",
        "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id), body text);\nCREATE INDEX posts_user ON posts (user_id);\n",
    ),
    (
        "schema/10_tables/00_users.sql",
        "CREATE TABLE users (\n  id integer PRIMARY KEY,\n  email text NOT NULL UNIQUE,\n  plan text DEFAULT 'free'\n);\n",
    ),
];

pub(crate) fn project() -> Fixture {
    let fixture = MIGRATIONS
        .iter()
        .chain(DDL)
        .fold(Fixture::new(), |f, (path, sql)| f.file(path, sql));
    fixture
        .file(
            "seeds/users.sql",
            "INSERT INTO users (id, email) VALUES (1, 'a@example.com');\n",
        )
        .file(
            "plover.toml",
            "[schema]\ndirs = [\"schema\"]\nseed_dirs = [\"seeds\"]\n",
        )
}

pub(crate) fn json(stdout: &str) -> Value {
    let last = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no JSON in {stdout:?}"));
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"))
}

/// The changes of a `--json` diff as `action kind name`.
fn changes(stdout: &str) -> Vec<String> {
    json(stdout)["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["action"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
                c["name"].as_str().unwrap()
            )
        })
        .collect()
}

fn default_schema(db: &TestDb) -> &'static str {
    match db.backend {
        Backend::Postgres => "public",
        Backend::Sqlite => "main",
    }
}

async fn ddl_and_migrations_agree_until_a_default_changes(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = project();
    let out = run(
        project.path(),
        &db,
        &["schema", "diff", "migrations", "schema"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("no differences"), "{out:?}");

    project.write(
        "schema/10_tables/00_users.sql",
        &DDL[2].1.replace("'free'", "'trial'"),
    );
    let out = run(
        project.path(),
        &db,
        &["--json", "schema", "diff", "migrations", "schema"],
    );
    assert_eq!(out.code, 9, "{out:?}");
    let column = format!("{}.users.plan", default_schema(&db));
    assert_eq!(changes(&out.stdout), [format!("altered column {column}")]);
    let field = &json(&out.stdout)["changes"][0]["fields"][0];
    assert_eq!(field["field"], "default");
    assert_eq!(field["before"], "'free'");
    assert_eq!(field["after"], "'trial'");
}

async fn build_applies_once_refuses_then_recreates(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = project();
    let out = run(
        project.path(),
        &db,
        &["--json", "schema", "build", "--apply"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    // A SQLite test database is a file that does not exist yet.
    let preparation = json(&out.stdout)["applied"]["preparation"].clone();
    assert!(
        preparation == "empty" || preparation == "created",
        "{preparation}"
    );
    let dumped = run(project.path(), &db, &["--json", "schema", "dump"]);
    let tables = &json(&dumped.stdout)["catalog"]["schemas"][default_schema(&db)]["tables"];
    assert!(
        tables["users"].is_object() && tables["posts"].is_object(),
        "{tables}"
    );

    let out = run(project.path(), &db, &["schema", "build", "--apply"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stderr.contains("is not empty") && out.stderr.contains("--recreate"),
        "{out:?}"
    );

    let out = run(
        project.path(),
        &db,
        &["--json", "schema", "build", "--apply", "--recreate"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(json(&out.stdout)["applied"]["preparation"], "recreated");
    let mut conn = db.connect().await;
    assert_eq!(
        plover_testkit::query_i64(conn.as_mut(), "SELECT count(*) FROM users").await,
        1
    );
}

async fn a_failing_file_is_named_and_nothing_is_applied(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = project().file(
        "schema/30_broken.sql",
        "-- one\n-- two\nCREATE TABLE broken (id integer DEFALT 1);\n",
    );
    let out = run(
        project.path(),
        &db,
        &["--json", "schema", "build", "--apply"],
    );
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("schema/30_broken.sql"), "{out:?}");
    if backend == Backend::Postgres {
        assert!(out.stderr.contains("schema/30_broken.sql:3"), "{out:?}");
    }
    let dumped = run(project.path(), &db, &["--json", "schema", "dump"]);
    assert_eq!(
        json(&dumped.stdout)["catalog"]["schemas"][default_schema(&db)].get("tables"),
        None
    );
}

async fn drift_sees_hand_made_changes_only(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = project();
    assert_eq!(run(project.path(), &db, &["up"]).code, 0);
    project.write(
        "migrations/004_pending.sql",
        "CREATE TABLE later (id integer);\n",
    );
    let out = run(project.path(), &db, &["schema", "drift"]);
    assert_eq!(out.code, 0, "{out:?}");

    let mut conn = db.connect().await;
    conn.execute_script("ALTER TABLE users ADD COLUMN nickname text; DROP INDEX posts_user;")
        .await
        .unwrap();
    let out = run(project.path(), &db, &["--json", "schema", "drift"]);
    assert_eq!(out.code, 9, "{out:?}");
    let schema = default_schema(&db);
    assert_eq!(
        changes(&out.stdout),
        [
            format!("removed index {schema}.posts.posts_user"),
            format!("added column {schema}.users.nickname")
        ]
    );
    assert_eq!(json(&out.stdout)["replayed_to"], 3);
}

/// Two tables, one migration each: a project small enough to apply part of.
fn two_tables() -> Fixture {
    Fixture::new()
        .file("migrations/010_a.sql", "CREATE TABLE a (id integer);\n")
        .file("migrations/020_b.sql", "CREATE TABLE b (id integer);\n")
}

async fn a_pending_migration_below_the_applied_ones_is_not_drift(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = two_tables();
    assert_eq!(run(project.path(), &db, &["up"]).code, 0);
    project.write(
        "migrations/015_c.sql",
        "CREATE TABLE c_pending (id integer);\n",
    );
    let out = run(project.path(), &db, &["--json", "schema", "drift"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(json(&out.stdout)["replayed_to"], 20);
}

async fn a_removed_applied_file_is_noted_and_left_out_of_the_replay(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = two_tables();
    assert_eq!(run(project.path(), &db, &["up"]).code, 0);
    project.remove("migrations/020_b.sql");
    let out = run(project.path(), &db, &["schema", "drift"]);
    assert_eq!(out.code, 9, "{out:?}");
    assert!(
        out.stderr
            .contains("note: applied migration [20] was removed since"),
        "{out:?}"
    );
    let out = run(project.path(), &db, &["--json", "schema", "drift"]);
    assert_eq!(out.code, 9, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["removed"], serde_json::json!([20]));
    assert_eq!(report["edited"], serde_json::json!([]));
    assert_eq!(report["replayed_to"], 10);
    // The replay goes without the removed file: its table is only in the live database.
    let schema = default_schema(&db);
    assert_eq!(changes(&out.stdout), [format!("added table {schema}.b")]);
}

async fn a_mistyped_schema_name_is_refused_by_name(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = two_tables();
    assert_eq!(run(project.path(), &db, &["up"]).code, 0);
    for args in [
        ["schema", "dump", "--schema", "nope"],
        ["schema", "drift", "--schema", "nope"],
    ] {
        let out = run(project.path(), &db, &args);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("there is no schema `nope`"), "{out:?}");
        assert_eq!(out.stdout, "", "{out:?}");
    }
    let out = run(
        project.path(),
        &db,
        &["schema", "dump", "--schema", default_schema(&db)],
    );
    assert_eq!(out.code, 0, "{out:?}");
    if backend == Backend::Postgres {
        let side = format!("{}#schema=nope", db.url.expose());
        let out = run(
            project.path(),
            &db,
            &["schema", "diff", &side, "migrations"],
        );
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("there is no schema `nope`"), "{out:?}");
    }
}

on_both_backends!(
    ddl_and_migrations_agree_until_a_default_changes,
    build_applies_once_refuses_then_recreates,
    a_failing_file_is_named_and_nothing_is_applied,
    drift_sees_hand_made_changes_only,
    a_pending_migration_below_the_applied_ones_is_not_drift,
    a_removed_applied_file_is_noted_and_left_out_of_the_replay,
    a_mistyped_schema_name_is_refused_by_name,
);

/// With `--schema`, the schema's own comment is not compared (PostgreSQL 15 and later
/// comment `public` out of the box): only what is in the schema counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_of_one_schema_ignores_the_schema_comment() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let project = two_tables();
    assert_eq!(run(project.path(), &db, &["up"]).code, 0);
    let one_schema = ["schema", "drift", "--schema", "public"];
    for args in [&["schema", "drift"][..], &one_schema] {
        let out = run(project.path(), &db, args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
    }
    let mut conn = db.connect().await;
    conn.execute_script("COMMENT ON SCHEMA public IS 'written by hand'")
        .await
        .unwrap();
    let out = run(project.path(), &db, &one_schema);
    assert_eq!(out.code, 0, "{out:?}");
}

/// Reading commands refuse a SQLite file that does not exist, or is not a database, naming
/// it, with the exit code of a missing PostgreSQL database; and they create no file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_foreign_sqlite_file_is_refused_by_name() {
    let project = project().file("notes.db", "not a database\n");
    let refused = |args: &[&str], path: &str, why: &str| {
        let out: crate::support::Outcome =
            plover(project.path()).args(args).output().unwrap().into();
        assert_eq!(out.code, 3, "{args:?}: {out:?}");
        assert!(
            out.stderr.contains(path) && out.stderr.contains(why),
            "{args:?}: {out:?}"
        );
    };
    let missing = "does not exist";
    refused(
        &["--database", "sqlite:typo.db", "schema", "drift"],
        "typo.db",
        missing,
    );
    refused(
        &["--database", "sqlite:nodir/typo.db", "schema", "dump"],
        "nodir/typo.db",
        missing,
    );
    refused(
        &["schema", "diff", "sqlite:typo1.db", "sqlite:typo2.db"],
        "typo1.db",
        missing,
    );
    refused(
        &["--database", "sqlite:notes.db", "schema", "dump"],
        "notes.db",
        "file is not a database",
    );
    assert!(!project.join("typo.db").exists() && !project.join("typo1.db").exists());
    assert!(!project.join("nodir").exists());

    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let url = db.url.with_database("plover_no_such_database");
    let out: crate::support::Outcome = plover(project.path())
        .args(["--database", url.expose(), "schema", "dump"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("check the database name in the URL, or create the database first"),
        "what to do is said: {out:?}"
    );
}

/// A `#` in a password is part of the password: the URL is not cut there, and the error
/// (nothing listens on port 1) shows the password masked.
#[test]
fn a_hash_in_a_password_is_never_shown() {
    let project = project();
    let side = "postgres://postgres:sec#ret99@127.0.0.1:1/x";
    let out: crate::support::Outcome = plover(project.path())
        .args(["schema", "diff", side, "schema"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 3, "{out:?}");
    assert!(!out.stderr.contains("ret99"), "{out:?}");
    assert!(!out.stdout.contains("ret99"), "{out:?}");
    assert!(
        out.stderr.contains("postgres://postgres:***@127.0.0.1:1/x"),
        "{out:?}"
    );
}

#[test]
fn the_hash_does_not_depend_on_the_order_files_were_written_in() {
    let forward = DDL
        .iter()
        .fold(Fixture::new(), |f, (path, sql)| f.file(path, sql));
    let backward = DDL
        .iter()
        .rev()
        .fold(Fixture::new(), |f, (path, sql)| f.file(path, sql));
    let hash = |fixture: &Fixture| {
        let out = plover(fixture.path())
            .args(["schema", "build", "--hash"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(hash(&forward), hash(&backward));
    assert_eq!(hash(&forward).trim().len(), 64);

    // An order file changes the order, and so the hash.
    forward.write("order.txt", "schema/20_views/feed.sql\n");
    forward.write("plover.toml", "[schema]\norder_file = \"order.txt\"\n");
    assert_ne!(hash(&forward), hash(&backward));
    let out = plover(forward.path())
        .args(["schema", "build"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let files: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("-- file: "))
        .collect();
    assert_eq!(
        files,
        [
            "schema/20_views/feed.sql",
            "schema/10_tables/00_users.sql",
            "schema/10_tables/posts.sql"
        ]
    );
}

#[test]
fn a_wrong_order_file_entry_names_its_line() {
    let fixture = DDL
        .iter()
        .fold(Fixture::new(), |f, (path, sql)| f.file(path, sql))
        .file(
            "order.txt",
            "# first the views\nschema/20_views/feed.sql\nschema/20_views/fed.sql\n",
        )
        .file(
            "plover.toml",
            "[schema]\norder_file = \"order.txt\"\nexclude = [\"**/posts.sql\"]\n",
        );
    let out = plover(fixture.path())
        .args(["schema", "build"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("order.txt:3: `schema/20_views/fed.sql` is not a .sql file"),
        "{stderr}"
    );
    let out = plover(fixture.path())
        .args(["schema", "build"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("posts.sql"));
}

/// Scratch databases this process's child made and left behind.
async fn scratch_left_by(db: &TestDb, pid: u32) -> i64 {
    let mut conn = db.connect().await;
    let sql = format!(
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'plover\\_scratch\\_{pid}\\_%'"
    );
    plover_testkit::query_i64(conn.as_mut(), &sql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_databases_are_removed_when_a_build_fails_half_way() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let project = project()
        .file(
            "migrations/004_broken.sql",
            "CREATE TABLE broken (id integer REFERENCES nowhere (id));\n",
        )
        .file("schema/30_broken.sql", "SELECT * FROM nowhere;\n");
    for sides in [["migrations", "schema"], ["schema", "migrations"]] {
        let child = plover(project.path())
            .arg("--database")
            .arg(db.url.expose())
            .args(["schema", "diff", sides[0], sides[1]])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{out:?}");
        assert_eq!(scratch_left_by(&db, pid).await, 0);
    }
    // The same holds when the scratch work succeeds.
    project.remove("migrations/004_broken.sql");
    project.remove("schema/30_broken.sql");
    let child = plover(project.path())
        .arg("--database")
        .arg(db.url.expose())
        .args(["schema", "diff", "migrations", "schema"])
        .spawn()
        .unwrap();
    let pid = child.id();
    assert!(child.wait_with_output().unwrap().status.success());
    assert_eq!(scratch_left_by(&db, pid).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenant_schemas_compare_by_content() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let project = project();
    for tenant in ["tenant_a", "tenant_b"] {
        let out = run(
            project.path(),
            &db,
            &["schema", "build", "--apply", "--schema", tenant],
        );
        assert_eq!(out.code, 0, "{out:?}");
    }
    let side = |tenant: &str| format!("{}#schema={tenant}", db.url.expose());
    let out = run(
        project.path(),
        &db,
        &["schema", "diff", &side("tenant_a"), &side("tenant_b")],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(
        project.path(),
        &db,
        &["schema", "diff", "migrations", &side("tenant_b")],
    );
    assert_eq!(out.code, 0, "{out:?}");

    let mut conn = db.connect().await;
    conn.execute_script("ALTER TABLE tenant_b.users ALTER COLUMN email DROP NOT NULL")
        .await
        .unwrap();
    let out = run(
        project.path(),
        &db,
        &[
            "--json",
            "schema",
            "diff",
            &side("tenant_a"),
            &side("tenant_b"),
        ],
    );
    assert_eq!(out.code, 9, "{out:?}");
    assert_eq!(
        changes(&out.stdout),
        ["altered column tenant_b.users.email"]
    );
}
