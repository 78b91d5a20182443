//! Applying a directory with `plover up` gives the same `pg_dump --schema-only` as applying
//! the same files in order with psql.

use std::process::Command;

use plover_testkit::{Backend, Fixture};

use crate::support::{database, run};

const FILES: &[(&str, &str)] = &[
    (
        "001_types.sql",
        "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE DOMAIN positive AS integer CHECK (VALUE > 0);\n",
    ),
    (
        "002_tables.sql",
        "CREATE TABLE users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL UNIQUE,\n  feeling mood DEFAULT 'ok',\n  visits positive\n);\n\
         CREATE TABLE posts (id serial PRIMARY KEY, user_id bigint REFERENCES users (id) ON DELETE CASCADE, body text CHECK (body <> ''));\n\
         COMMENT ON TABLE users IS 'people; with a semicolon -- and not a comment';\n",
    ),
    (
        "003_functions.sql",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n  -- a comment; with a semicolon\n  NEW.body := NEW.body || $x$;$x$;\n  RETURN NEW;\nEND;\n$body$;\n\
         CREATE TRIGGER posts_touch BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION touch();\n\
         CREATE FUNCTION double(x integer) RETURNS integer LANGUAGE sql BEGIN ATOMIC\n  SELECT CASE WHEN x IS NULL THEN 0 ELSE x * 2 END;\nEND;\n",
    ),
    (
        "004_wrapped.sql",
        "-- written by hand, wrapped in its own transaction\nBEGIN;\nCREATE VIEW active_users AS SELECT id, email FROM users WHERE visits > 1;\n/* nested /* comment; */ still a comment */\nCOMMIT;\n",
    ),
    (
        "005_concurrently.sql",
        "-- plover:no-transaction\nCREATE INDEX CONCURRENTLY posts_user ON posts (user_id);\nALTER TYPE mood ADD VALUE 'happy';\n",
    ),
    (
        "006_data.sql",
        "INSERT INTO users (email, visits) VALUES ('a;b@example.com', 2), (E'o\\'neil@example.com', 3);\nINSERT INTO posts (user_id, body) VALUES (1, 'hello -- not a comment');\n",
    ),
];

fn dump(url: &str) -> String {
    let output = Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-table=plover_migrations",
            "-d",
            url,
        ])
        .output()
        .expect("pg_dump is installed");
    assert!(
        output.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Recent pg_dump versions fence the dump with a random \restrict key per run.
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn plover_up_matches_psql_file_by_file() {
    let dir = Fixture::new();
    for (name, sql) in FILES {
        dir.write(&format!("migrations/{name}"), sql);
    }
    let Some(with_plover) = database(Backend::Postgres).await else {
        return;
    };
    let with_psql = database(Backend::Postgres).await.unwrap();
    // Some files break lint rules (a domain with a constraint, a plain index on an existing
    // table): this test is about what runs, so the preflight is overridden, and recorded.
    let outcome = run(dir.path(), &with_plover, &["up", "--force"]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome
            .stderr
            .contains("error[ban-create-domain-with-constraint]"),
        "{}",
        outcome.stderr
    );
    let mut conn = with_plover.connect().await;
    let forced = conn
        .query(
            "SELECT lint_override FROM plover_migrations WHERE version = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        forced[0][0].as_str(),
        Some("forced: ban-create-domain-with-constraint")
    );
    for (name, _) in FILES {
        let status = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                with_psql.url.expose(),
                "-f",
            ])
            .arg(dir.join(&format!("migrations/{name}")))
            .status()
            .expect("psql is installed");
        assert!(status.success(), "psql failed on {name}");
    }
    let (ours, theirs) = (dump(with_plover.url.expose()), dump(with_psql.url.expose()));
    assert!(
        ours.contains("CREATE FUNCTION public.double"),
        "the dump is real:\n{ours}"
    );
    assert_eq!(ours, theirs);
}
