//! `plover schema build --apply` when something goes wrong: a failed build changes nothing
//! and leaves nothing behind, on both backends; `--quiet` still prints the results asked for.

use plover::core::Driver;
use plover_testkit::{Backend, Fixture, TestDb, query_i64};

use crate::schema::{json, project};
use crate::support::on_both_backends;
use crate::support::{database, run, snapshot};

// Transaction control in the files.

/// A project of `files` only, with no seeds.
fn ddl_project(files: &[(&str, &str)]) -> Fixture {
    files
        .iter()
        .fold(Fixture::new(), |f, (path, sql)| f.file(path, sql))
        .file("plover.toml", "[schema]\ndirs = [\"schema\"]\n")
}

const WRAPPED: (&str, &str) = (
    "schema/01_a.sql",
    "BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;\n",
);

async fn tables(db: &TestDb) -> String {
    snapshot(db).await.replace('\n', " ").trim().to_owned()
}

async fn a_wrapped_file_stays_inside_the_one_transaction(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    drop(db.connect().await); // An empty database, filled in place.
    let broken = (
        "schema/02_b.sql",
        "BEGIN;\n\nCREATE TABLE b (id bigint DEFALT 1);\nCOMMIT;\n",
    );
    let project = ddl_project(&[WRAPPED, broken]);
    let out = run(project.path(), &db, &["schema", "build", "--apply"]);
    assert_eq!(out.code, 4, "{out:?}");
    if backend == Backend::Postgres {
        assert!(out.stderr.contains("schema/02_b.sql:3: "), "{out:?}");
    }
    assert_eq!(tables(&db).await, "", "table a was rolled back");

    project.write(broken.0, "CREATE TABLE b (id bigint);\n");
    let out = run(project.path(), &db, &["schema", "build", "--apply"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(tables(&db).await, "a b");
}

async fn transaction_control_half_way_is_refused_before_anything_runs(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    drop(db.connect().await);
    let middle = (
        "schema/02_b.sql",
        "CREATE TABLE b (id bigint);\n\nCOMMIT;\nCREATE TABLE c (id bigint);\n",
    );
    let project = ddl_project(&[WRAPPED, middle]);
    let out = run(project.path(), &db, &["schema", "build", "--apply"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stderr
            .contains("schema/02_b.sql:3: `COMMIT` controls the transaction, which Plover owns")
            && out.stderr.contains("nothing was applied"),
        "{out:?}"
    );
    assert_eq!(tables(&db).await, "");
}

/// `SET LOCAL search_path` lasts until the transaction ends; a wrapper's COMMIT, if it ran,
/// would send the files after it to `public`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrapped_file_keeps_the_build_in_its_schema() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let project = ddl_project(&[
        WRAPPED,
        ("schema/02_b.sql", "CREATE TABLE b (id bigint);\n"),
    ]);
    let out = run(
        project.path(),
        &db,
        &["schema", "build", "--apply", "--schema", "tenant_x"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let sql = "SELECT string_agg(table_schema || '.' || table_name, ' ' ORDER BY table_name) \
               FROM information_schema.tables WHERE table_schema IN ('public', 'tenant_x')";
    let rows = db.connect().await.query(sql, &[]).await.unwrap();
    assert_eq!(rows[0][0].as_str(), Some("tenant_x.a tenant_x.b"));
}

// What --quiet prints.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hides_chatter_but_not_the_results_asked_for() {
    let Some(db) = database(Backend::Sqlite).await else {
        return;
    };
    let project = project();
    let quiet = |args: &[&str]| {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        run(project.path(), &db, &all)
    };
    let script = quiet(&["schema", "build"]);
    assert_eq!(script.code, 0, "{script:?}");
    assert!(
        script
            .stdout
            .starts_with("-- plover schema build: 3 files\n")
            && script
                .stdout
                .contains("-- file: schema/10_tables/00_users.sql"),
        "{script:?}"
    );
    let hash = quiet(&["schema", "build", "--hash"]);
    assert_eq!(hash.stdout.trim().len(), 64, "{hash:?}");

    let applied = quiet(&["schema", "build", "--apply"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    assert_eq!(applied.stdout, "", "applying prints no result");
    assert_eq!(applied.stderr, "", "nor chatter");
    let dump = quiet(&["schema", "dump"]);
    assert_eq!(dump.code, 0, "{dump:?}");
    assert!(dump.stdout.contains("users"), "{dump:?}");
    let loud = run(project.path(), &db, &["schema", "dump"]);
    assert_eq!(dump.stdout, loud.stdout, "the same dump as without --quiet");
}

// Failed builds of a database that is created or recreated.

const BROKEN: (&str, &str) = ("schema/30_broken.sql", "CREATE TABLE t (x int DEFALT 1);\n");

/// The database's name (PostgreSQL) or file (SQLite).
fn name_of(db: &TestDb) -> String {
    db.url.database_name().expect("a named test database")
}

/// A connection to the server's `postgres` database, beside the test database.
async fn admin(db: &TestDb) -> Box<dyn Driver> {
    plover::connect(&db.url.with_database("postgres"))
        .await
        .expect("admin connection")
}

/// Whether the database `name` (PostgreSQL) or the file `name` (SQLite) exists.
async fn exists(db: &TestDb, name: &str) -> bool {
    match db.backend {
        Backend::Sqlite => std::path::Path::new(name).exists(),
        Backend::Postgres => {
            let sql = format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'");
            query_i64(admin(db).await.as_mut(), &sql).await == 1
        }
    }
}

/// What a build beside the target is made in (see `schema::beside`).
fn build_name(db: &TestDb) -> String {
    match db.backend {
        Backend::Sqlite => format!("{}.plover-build", name_of(db)),
        Backend::Postgres => format!("{}_plover_build", name_of(db)),
    }
}

/// The identity of the database itself: its oid on PostgreSQL, its bytes on SQLite.
async fn identity(db: &TestDb) -> String {
    match db.backend {
        Backend::Sqlite => format!("{:?}", std::fs::read(name_of(db)).expect("the file")),
        Backend::Postgres => {
            let mut conn = db.connect().await;
            let sql = "SELECT oid::bigint FROM pg_database WHERE datname = current_database()";
            query_i64(conn.as_mut(), sql).await.to_string()
        }
    }
}

async fn users(db: &TestDb) -> i64 {
    query_i64(db.connect().await.as_mut(), "SELECT count(*) FROM users").await
}

async fn a_failed_recreate_leaves_the_database_as_it_was(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let project = project();
    let out = run(project.path(), &db, &["schema", "build", "--apply"]);
    assert_eq!(out.code, 0, "{out:?}");
    db.connect()
        .await
        .execute_script("INSERT INTO users (id, email) VALUES (2, 'b@example.com')")
        .await
        .unwrap();
    let (before, identity_before) = (snapshot(&db).await, identity(&db).await);

    project.write(BROKEN.0, BROKEN.1);
    let out = run(
        project.path(),
        &db,
        &["schema", "build", "--apply", "--recreate"],
    );
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.contains("schema/30_broken.sql") && out.stderr.contains("nothing was applied"),
        "{out:?}"
    );
    assert_eq!(snapshot(&db).await, before);
    assert_eq!(identity(&db).await, identity_before);
    assert_eq!(users(&db).await, 2, "the inserted row survives");
    assert!(!exists(&db, &build_name(&db)).await, "the build is gone");

    // A build left by a run killed part way is replaced, and the recreate goes through.
    project.remove(BROKEN.0);
    leave_a_stale_build(&db).await;
    let out = run(
        project.path(),
        &db,
        &["--json", "schema", "build", "--apply", "--recreate"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(json(&out.stdout)["applied"]["preparation"], "recreated");
    assert_eq!(users(&db).await, 1, "only the seed row");
    assert!(
        !exists(&db, &build_name(&db)).await,
        "the build took its place"
    );
}

/// What a run killed while building would have left.
async fn leave_a_stale_build(db: &TestDb) {
    let build = build_name(db);
    match db.backend {
        Backend::Sqlite => std::fs::write(&build, "not a database").unwrap(),
        Backend::Postgres => {
            let sql = format!("CREATE DATABASE \"{build}\"");
            admin(db).await.execute_script(&sql).await.unwrap();
            let url = db.url.with_database(&build);
            let mut stale = plover::connect(&url).await.unwrap();
            stale
                .execute_script("CREATE TABLE half (x int)")
                .await
                .unwrap();
        }
    }
}

async fn a_failed_build_leaves_no_database_it_created(backend: Backend) {
    let Some(db) = database(backend).await else {
        return;
    };
    let name = name_of(&db);
    if backend == Backend::Postgres {
        let sql = format!("DROP DATABASE \"{name}\" WITH (FORCE)");
        admin(&db).await.execute_script(&sql).await.unwrap();
    }
    assert!(!exists(&db, &name).await);
    let project = project().file(BROKEN.0, BROKEN.1);
    let out = run(project.path(), &db, &["schema", "build", "--apply"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("nothing was applied"), "{out:?}");
    assert!(!exists(&db, &name).await, "the database it created is gone");
    assert!(!exists(&db, &build_name(&db)).await, "and so is the build");

    project.remove(BROKEN.0);
    let out = run(
        project.path(),
        &db,
        &["--json", "schema", "build", "--apply"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(json(&out.stdout)["applied"]["preparation"], "created");
    assert_eq!(users(&db).await, 1);
    assert!(!exists(&db, &build_name(&db)).await);
}

// --schema on SQLite.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_on_sqlite_names_the_flag_given() {
    let Some(db) = database(Backend::Sqlite).await else {
        return;
    };
    let project = project();
    let out = run(
        project.path(),
        &db,
        &["schema", "build", "--apply", "--schema", "foo"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("--schema foo: SQLite databases have no schemas")
            && !out.stderr.contains("#schema="),
        "{out:?}"
    );
    assert!(!exists(&db, &name_of(&db)).await, "nothing was created");
}

on_both_backends!(
    a_wrapped_file_stays_inside_the_one_transaction,
    transaction_control_half_way_is_refused_before_anything_runs,
    a_failed_recreate_leaves_the_database_as_it_was,
    a_failed_build_leaves_no_database_it_created,
);
