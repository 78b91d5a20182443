//! `plover schema build --apply` with files that fail or control the transaction, on both
//! backends; `--quiet` still prints the results asked for.

use plover_testkit::{Backend, Fixture, TestDb};

use crate::schema::project;
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

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(plover_testkit::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(plover_testkit::Backend::Postgres).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_wrapped_file_stays_inside_the_one_transaction,
    transaction_control_half_way_is_refused_before_anything_runs,
);
