//! `plover lint` and the preflight of `plover up`, through the binary.

use plover_testkit::{Backend, Fixture};

use crate::support::{Outcome, database, plover, run, snapshot};

const RISKY: &str = "CREATE INDEX users_email ON users (email);\n";

fn project() -> Fixture {
    Fixture::new()
        .file("migrations/001_users.sql", "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);\n")
        .file("migrations/002_index.sql", RISKY)
        .file(
            "migrations/003_drop.sql",
            "-- plover:allow ban-drop-column nothing reads it since v42\nSET lock_timeout = '2s';\nALTER TABLE users DROP COLUMN email;\n",
        )
}

fn lint(dir: &Fixture, args: &[&str]) -> Outcome {
    plover(dir.path())
        .arg("lint")
        .args(args)
        .output()
        .unwrap()
        .into()
}

#[test]
fn human_output_shows_the_sql_the_rule_and_the_recipe() {
    let dir = project();
    let outcome = lint(&dir, &["--all", "--ignore", "require-lock-timeout"]);
    assert_eq!(outcome.code, 5, "{outcome:?}");
    insta::assert_snapshot!("lint_human", outcome.stdout);
}

#[test]
fn github_annotations_and_json() {
    let dir = project();
    let github = lint(&dir, &["--all", "--format", "github"]);
    assert!(github.stdout.contains("::error file=migrations/002_index.sql,line=1,col=1,title=plover require-concurrent-index-creation::"), "{}", github.stdout);
    for flag in [&["--json"][..], &["--format", "json"]] {
        let json = lint(&dir, &[&["--all"][..], flag].concat());
        let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON object");
        assert_eq!(value["errors"], 1);
        assert_eq!(value["files"][2]["allowed"][0]["rule"], "ban-drop-column");
        assert_eq!(value["files"][2]["tier"], "destructive");
        let rules = lint(&dir, &[&["--list-rules"][..], flag].concat());
        let value: serde_json::Value =
            serde_json::from_str(&rules.stdout).expect("one JSON object");
        assert!(
            value["rules"].as_array().is_some_and(|r| r.len() > 80),
            "{flag:?}"
        );
    }
}

#[test]
fn exit_codes_and_bad_input() {
    let dir = project();
    assert_eq!(
        lint(&dir, &["migrations/001_users.sql"]).code,
        0,
        "a clean file"
    );
    assert_eq!(
        lint(
            &dir,
            &["migrations/002_index.sql", "--select", "prefer-jsonb"]
        )
        .code,
        0,
        "only the selected rule runs"
    );
    let unknown = lint(&dir, &["--all", "--ignore", "prefer-jsonbb"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("no lint rule is called `prefer-jsonbb`"),
        "{}",
        unknown.stderr
    );
    let version = lint(&dir, &["--all", "--postgres-version", "fifteen"]);
    assert_eq!(version.code, 2);
    assert!(
        version
            .stderr
            .contains("--postgres-version: `fifteen` is not a PostgreSQL version"),
        "{}",
        version.stderr
    );
    let rules = lint(&dir, &["--list-rules"]);
    assert!(
        rules.stdout.contains("ban-vacuum-full")
            && rules.stdout.contains("require-concurrent-index-creation")
    );
    dir.write("plover.toml", "[lint]\nignore = [\"no-such-rule\"]\n");
    let config = lint(&dir, &["--all"]);
    assert_eq!(config.code, 2);
    assert!(
        config
            .stderr
            .contains("`lint.ignore`: no lint rule is called `no-such-rule`"),
        "{}",
        config.stderr
    );
}

#[tokio::test]
async fn lint_without_paths_looks_at_what_the_database_has_not_run() {
    let dir = project();
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    assert_eq!(run(dir.path(), &db, &["up", "--to", "1"]).code, 0);
    dir.write("migrations/001_users.sql", "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, j json);\n");
    let outcome = run(dir.path(), &db, &["lint", "--json"]);
    let value: serde_json::Value =
        serde_json::from_str(&outcome.stdout).unwrap_or_else(|e| panic!("{e}: {outcome:?}"));
    let paths: Vec<&str> = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "migrations/001_users.sql",
            "migrations/002_index.sql",
            "migrations/003_drop.sql"
        ],
        "the edited 001 and the pending ones"
    );
    dir.write(
        "migrations/001_users.sql",
        "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);\n",
    );
    assert_eq!(
        run(dir.path(), &db, &["up", "--to", "2", "--force"]).code,
        0
    );
    let outcome = run(dir.path(), &db, &["lint", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    let paths: Vec<&str> = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["migrations/003_drop.sql"],
        "applied and unchanged migrations are not linted"
    );
}

#[tokio::test]
async fn up_refuses_lint_errors_unless_forced_and_records_the_override() {
    let dir = project();
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    assert_eq!(run(dir.path(), &db, &["up", "--to", "1"]).code, 0);
    let before = snapshot(&db).await;
    let refused = run(dir.path(), &db, &["up"]);
    assert_eq!(refused.code, 5, "{refused:?}");
    assert!(
        refused.stderr.contains(
            "migrations/002_index.sql has 1 lint error: 1:1 require-concurrent-index-creation"
        ),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(snapshot(&db).await, before, "nothing changed");

    let forced = run(dir.path(), &db, &["up", "--force"]);
    assert_eq!(forced.code, 0, "{forced:?}");
    let mut conn = db.connect().await;
    let rows = conn
        .query(
            "SELECT version, lint_override FROM plover_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap();
    let overrides: Vec<Option<&str>> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        overrides,
        [
            None,
            Some("forced: require-concurrent-index-creation"),
            None
        ]
    );
}

#[tokio::test]
async fn down_scripts_can_be_required() {
    let dir = Fixture::new()
        .file("plover.toml", "[lint]\nrequire_reversible = true\n")
        .file("migrations/001_a.sql", "CREATE TABLE a (x bigint);\n");
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let refused = run(dir.path(), &db, &["up"]);
    assert_eq!(refused.code, 5, "{refused:?}");
    assert!(
        refused.stderr.contains(
            "migrations/001_a.sql has no down script, and lint.require_reversible is set"
        ),
        "{}",
        refused.stderr
    );
    dir.write("migrations/001_a.down.sql", "DROP TABLE a;\n");
    assert_eq!(run(dir.path(), &db, &["up"]).code, 0);
}

/// On a host that will not reserve the linter's big stack (here: 700 MB of address space at
/// most), `plover lint` still lints, on the usual stack, instead of panicking.
#[test]
fn linting_goes_on_where_the_big_stack_is_refused() {
    let dir = project();
    let limited = "ulimit -v 700000 && exec \"$0\" lint --all --ignore require-lock-timeout";
    let outcome: Outcome = std::process::Command::new("sh")
        .args(["-c", limited, env!("CARGO_BIN_EXE_plover")])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
        .into();
    assert_eq!(outcome.code, 5, "{outcome:?}");
    assert!(
        outcome.stdout.contains("require-concurrent-index-creation"),
        "{outcome:?}"
    );
}
