//! The CLI's help and its most important error, as users see them.

use plover_testkit::{Backend, Fixture};

use crate::support::{database, plover, run};

fn help(args: &[&str]) -> String {
    let output = plover(std::path::Path::new("."))
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("help", help(&["--help"]));
    insta::assert_snapshot!("up_help", help(&["up", "--help"]));
    insta::assert_snapshot!("status_help", help(&["status", "--help"]));
    insta::assert_snapshot!("tenants_help", help(&["tenants", "--help"]));
    insta::assert_snapshot!(
        "tenants_migrate_help",
        help(&["tenants", "migrate", "--help"])
    );
}

#[tokio::test]
async fn an_edited_file_as_users_see_it() {
    let dir = Fixture::new()
        .file(
            "migrations/001_users.sql",
            "CREATE TABLE users (\n  id integer PRIMARY KEY,\n  email text\n);\n",
        )
        .file(
            "migrations/002_posts.sql",
            "CREATE TABLE posts (id integer);\n",
        );
    let db = database(Backend::Sqlite).await.unwrap();
    assert_eq!(run(dir.path(), &db, &["up"]).code, 0);
    dir.write(
        "migrations/001_users.sql",
        "CREATE TABLE users (\n  id integer PRIMARY KEY,\n  email text NOT NULL\n);\n",
    );
    dir.write("migrations/003_more.sql", "SELECT 1;\n");
    let outcome = run(dir.path(), &db, &["up"]);
    insta::assert_snapshot!("edited_file", outcome.stderr);
}
