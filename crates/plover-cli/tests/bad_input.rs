//! Every refusal and bad input: a clear message naming the place, the documented exit code,
//! and nothing changed in the database.

use plover_testkit::{Backend, Fixture};

use crate::support::{database, run, snapshot};

/// Runs `args` against a database where `dir`'s migrations were applied, then asserts the
/// exit code, that stderr names every `expected` fragment, and that nothing changed.
async fn refused(
    backend: Backend,
    dir: &Fixture,
    args: &[&str],
    code: i32,
    expected: &[&str],
) -> Option<()> {
    let db = database(backend).await?;
    assert_eq!(run(dir.path(), &db, &["up"]).code, 0, "setting up");
    let before = snapshot(&db).await;
    let outcome = run(dir.path(), &db, args);
    assert_eq!(outcome.code, code, "{outcome:?}");
    for fragment in expected {
        assert!(
            outcome.stderr.contains(fragment),
            "stderr lacks {fragment:?}:\n{}",
            outcome.stderr
        );
    }
    assert_eq!(snapshot(&db).await, before, "the database changed");
    Some(())
}

/// Files of a migrations directory: (name, contents).
type Files = &'static [(&'static str, &'static str)];

#[tokio::test]
async fn unparseable_names_duplicates_orphans_and_mixed_layouts_name_the_files() {
    let cases: [(Files, &[&str]); 5] = [
        (
            &[("add_users.sql", "")],
            &["migrations/add_users.sql: cannot read the file name"],
        ),
        (
            &[("001_a.sql", ""), ("002_b.SQL", "")],
            &["002_b.SQL: migration files end in `.sql`, in lower case"],
        ),
        (
            &[("001_a.sql", ""), ("1_b.sql", "")],
            &[
                "version 1 is used by more than one migration",
                "001_a.sql",
                "1_b.sql",
            ],
        ),
        (
            &[("001_a.sql", ""), ("002_b.down.sql", "")],
            &["002_b.down.sql: a down script without its up script"],
        ),
        (
            &[("001_a.sql", ""), ("002_b.up.sql", "")],
            &["mixes migration layouts", "001_a.sql", "002_b.up.sql"],
        ),
    ];
    for (files, expected) in cases {
        let dir = Fixture::new();
        for (name, sql) in files {
            dir.write(&format!("migrations/{name}"), sql);
        }
        let db = database(Backend::Sqlite).await.unwrap();
        let outcome = run(dir.path(), &db, &["up"]);
        assert_eq!(outcome.code, 2, "{outcome:?}");
        for fragment in expected {
            assert!(
                outcome.stderr.contains(fragment),
                "{fragment:?} in {}",
                outcome.stderr
            );
        }
        assert_eq!(snapshot(&db).await, "", "nothing was created");
    }
}

fn applied_then(extra: &[(&str, &str)]) -> Fixture {
    let dir = Fixture::new()
        .file("migrations/001_a.sql", "CREATE TABLE a (x integer);")
        .file("migrations/003_c.sql", "CREATE TABLE c (x integer);");
    for (name, sql) in extra {
        dir.write(name, sql);
    }
    dir
}

#[tokio::test]
async fn an_edited_file_exits_5_with_a_diff() {
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let dir = applied_then(&[]);
        let Some(db) = database(backend).await else {
            continue;
        };
        assert_eq!(run(dir.path(), &db, &["up"]).code, 0);
        dir.write("migrations/001_a.sql", "CREATE TABLE a (x bigint);");
        dir.write("migrations/004_d.sql", "CREATE TABLE d (x integer);");
        let before = snapshot(&db).await;
        let outcome = run(dir.path(), &db, &["up"]);
        assert_eq!(outcome.code, 5, "{outcome:?}");
        for fragment in [
            "migrations/001_a.sql was edited after it was applied",
            "-CREATE TABLE a (x integer);",
            "+CREATE TABLE a (x bigint);",
            "plover accept 1 --reason",
        ] {
            assert!(
                outcome.stderr.contains(fragment),
                "{fragment:?} in {}",
                outcome.stderr
            );
        }
        assert_eq!(snapshot(&db).await, before);
        assert_eq!(run(dir.path(), &db, &["verify"]).code, 5);
        assert_eq!(run(dir.path(), &db, &["status", "--check"]).code, 5);
    }
}

#[tokio::test]
async fn a_missing_file_exits_5() {
    let dir = applied_then(&[]);
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    assert_eq!(run(dir.path(), &db, &["up"]).code, 0);
    std::fs::remove_file(dir.join("migrations/003_c.sql")).unwrap();
    dir.write("migrations/004_d.sql", "CREATE TABLE d (x integer);");
    let before = snapshot(&db).await;
    let outcome = run(dir.path(), &db, &["up"]);
    assert_eq!(outcome.code, 5, "{outcome:?}");
    assert!(
        outcome
            .stderr
            .contains("version 3 (c) was applied but its file is gone"),
        "{}",
        outcome.stderr
    );
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn out_of_order_exits_5_unless_allowed() {
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let dir = applied_then(&[]);
        let Some(db) = database(backend).await else {
            continue;
        };
        assert_eq!(run(dir.path(), &db, &["up"]).code, 0);
        dir.write("migrations/002_b.sql", "CREATE TABLE b (x integer);");
        let before = snapshot(&db).await;
        let outcome = run(dir.path(), &db, &["up"]);
        assert_eq!(outcome.code, 5);
        assert!(
            outcome
                .stderr
                .contains("migrations/002_b.sql is pending but version 3 is already applied"),
            "{}",
            outcome.stderr
        );
        assert_eq!(snapshot(&db).await, before);
        assert_eq!(
            run(dir.path(), &db, &["status", "--check"]).code,
            5,
            "status --check agrees with up"
        );
        assert_eq!(
            run(dir.path(), &db, &["up", "--allow-out-of-order"]).code,
            0
        );
    }
}

#[tokio::test]
async fn a_half_applied_migration_from_another_file_exits_5() {
    let dir = Fixture::new().file(
        "migrations/001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s (x integer);\nINSERT INTO gate VALUES (1);\n",
    );
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let failed = run(dir.path(), &db, &["up"]);
    assert_eq!(failed.code, 4, "{failed:?}");
    assert!(
        failed.stderr.contains("migrations/001_steps.sql:3:"),
        "{}",
        failed.stderr
    );
    assert!(
        failed
            .stderr
            .contains("the statements before it are committed"),
        "{}",
        failed.stderr
    );
    dir.write(
        "migrations/001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s (x integer);\nSELECT 1;\n",
    );
    refused_again(
        &dir,
        &db,
        &[
            "migrations/001_steps.sql stopped after 1 of 2 statements",
            "plover accept 1",
        ],
    )
    .await;
}

async fn refused_again(dir: &Fixture, db: &plover_testkit::TestDb, expected: &[&str]) {
    let before = snapshot(db).await;
    let outcome = run(dir.path(), db, &["up"]);
    assert_eq!(outcome.code, 5, "{outcome:?}");
    for fragment in expected {
        assert!(
            outcome.stderr.contains(fragment),
            "{fragment:?} in {}",
            outcome.stderr
        );
    }
    assert_eq!(snapshot(db).await, before);
}

#[tokio::test]
async fn a_statement_refused_in_a_transaction_is_reported_before_anything_runs() {
    let dir = Fixture::new()
        .file("migrations/001_t.sql", "CREATE TABLE t (x integer);")
        .file(
            "migrations/002_i.sql",
            "\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n",
        );
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let outcome = run(dir.path(), &db, &["up"]);
    assert_eq!(outcome.code, 5, "{outcome:?}");
    assert!(outcome.stderr.contains("migrations/002_i.sql:2: CREATE [UNIQUE] INDEX CONCURRENTLY cannot run inside a transaction"), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("-- plover:no-transaction"),
        "{}",
        outcome.stderr
    );
    assert_eq!(snapshot(&db).await, "", "nothing ran, not even 001");
}

#[tokio::test]
async fn a_failing_statement_exits_4_naming_file_and_line() {
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let dir = Fixture::new().file(
            "migrations/001_bad.sql",
            "CREATE TABLE ok (x integer);\n\nINSERT INTO missing VALUES (1);\n",
        );
        let Some(db) = database(backend).await else {
            continue;
        };
        let outcome = run(dir.path(), &db, &["up"]);
        assert_eq!(outcome.code, 4, "{outcome:?}");
        assert!(
            outcome.stderr.contains("migrations/001_bad.sql:3:"),
            "{}",
            outcome.stderr
        );
        assert!(
            outcome.stderr.contains("it was rolled back"),
            "{}",
            outcome.stderr
        );
        assert_eq!(
            snapshot(&db).await,
            "plover_migrations\n",
            "only the (empty) history table exists"
        );
    }
}

#[tokio::test]
async fn config_mistakes_name_the_key_and_change_nothing() {
    let db = database(Backend::Sqlite).await.unwrap();
    let dir = Fixture::new()
        .file(
            "plover.toml",
            "[migrations]\ndir = \"migrations\"\nlock_timout = \"5s\"\n",
        )
        .file("migrations/001_a.sql", "CREATE TABLE a (x integer);");
    let outcome = run(dir.path(), &db, &["up"]);
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert!(
        outcome.stderr.contains("plover.toml") && outcome.stderr.contains("line 3"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("unknown field `lock_timout`"),
        "{}",
        outcome.stderr
    );

    dir.write(
        "plover.toml",
        "[database]\nurl = \"${PLOVER_TEST_UNSET_VARIABLE}\"\n",
    );
    let outcome = crate::support::plover(dir.path())
        .arg("up")
        .output()
        .unwrap();
    let outcome = crate::support::Outcome::from(outcome);
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert!(
        outcome
            .stderr
            .contains("`database.url`: environment variable PLOVER_TEST_UNSET_VARIABLE is not set"),
        "{}",
        outcome.stderr
    );
    assert!(!dir.join("plover.db").exists(), "no database was created");
    assert_eq!(snapshot(&db).await, "");
}

#[tokio::test]
async fn unreachable_databases_exit_3_without_the_password() {
    let dir = Fixture::new().file("migrations/001_a.sql", "SELECT 1;");
    let outcome = crate::support::plover(dir.path())
        .args([
            "status",
            "--database",
            "postgres://app:hunter2secret@127.0.0.1:1/app",
        ])
        .output()
        .unwrap();
    let outcome = crate::support::Outcome::from(outcome);
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(
        outcome
            .stderr
            .contains("cannot connect to postgres://app:***@127.0.0.1:1/app"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("Connection refused"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("is PostgreSQL running there?"),
        "the way out: {}",
        outcome.stderr
    );
    assert!(!format!("{}{}", outcome.stdout, outcome.stderr).contains("hunter2secret"));

    let json = crate::support::plover(dir.path())
        .args([
            "status",
            "--json",
            "--database",
            "postgres://app:hunter2secret@127.0.0.1:1/app",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&json.stdout);
    assert!(
        text.contains("\"kind\":\"unreachable\"") && !text.contains("hunter2secret"),
        "{text}"
    );

    let wrong = crate::support::plover(dir.path())
        .args(["status", "--database", "postgress://u:hunter2secret@h/d"])
        .output()
        .unwrap();
    let wrong = crate::support::Outcome::from(wrong);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("did you mean postgres://?")
            && !wrong.stderr.contains("hunter2secret"),
        "{}",
        wrong.stderr
    );
}

#[tokio::test]
async fn a_held_lock_exits_6_naming_the_holder() {
    use plover::core::{Claimant, LockAttempt};
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let dir = Fixture::new().file("migrations/001_a.sql", "CREATE TABLE a (x integer);");
        let Some(db) = database(backend).await else {
            continue;
        };
        let mut holder = db.connect().await;
        let schema = if backend == Backend::Postgres {
            "public"
        } else {
            "main"
        };
        let table = plover::core::sql::QualifiedName::new(schema, "plover_migrations");
        let mut request = plover::migrator::lock_request(&table, &plover::Options::default());
        request.claimant = Claimant {
            host: "deploy-7".into(),
            pid: 31337,
            since_unix: 1_795_299_543,
            token: 7,
        };
        assert_eq!(
            holder.try_lock(&request).await.unwrap(),
            LockAttempt::Acquired
        );
        let outcome = run(dir.path(), &db, &["up", "--lock-timeout", "300ms"]);
        assert_eq!(outcome.code, 6, "{outcome:?}");
        assert!(
            outcome
                .stderr
                .contains("host deploy-7, pid 31337, since 2026-11-21 22:19:03 UTC"),
            "{}",
            outcome.stderr
        );
        let status = run(dir.path(), &db, &["status"]);
        assert!(
            status
                .stdout
                .contains("lock      held by host deploy-7, pid 31337"),
            "{}",
            status.stdout
        );
        assert_eq!(snapshot(&db).await, "");
    }
}

#[tokio::test]
async fn status_check_exit_codes_and_json() {
    let dir = Fixture::new().file("migrations/001_a.sql", "CREATE TABLE a (x integer);");
    let db = database(Backend::Sqlite).await.unwrap();
    assert_eq!(run(dir.path(), &db, &["status", "--check"]).code, 7);
    let json = run(dir.path(), &db, &["status", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON object");
    assert_eq!(value["migrations"][0]["state"], "pending");
    assert_eq!(value["migrations"][0]["version"], 1);
    assert_eq!(value["migrations"][0]["name"], "a");
    assert_eq!(run(dir.path(), &db, &["up", "--quiet"]).stdout, "");
    assert_eq!(run(dir.path(), &db, &["status", "--check"]).code, 0);

    // A command line clap refuses is a JSON error too.
    let refused = run(dir.path(), &db, &["up", "--json", "--to", "soon"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    let value: serde_json::Value = serde_json::from_str(&refused.stdout).expect("one JSON object");
    assert_eq!(value["event"], "error");
    assert_eq!(value["kind"], "usage");
    assert!(
        value["message"]
            .as_str()
            .unwrap()
            .contains("--to <VERSION>"),
        "{value}"
    );
    // A pending script `up` would refuse is a problem for `status --check` too.
    dir.write(
        "migrations/002_b.sql",
        "CREATE TABLE b (x integer);\nCOMMIT;\nCREATE TABLE c (x integer);",
    );
    let status = run(dir.path(), &db, &["status", "--check"]);
    assert_eq!(status.code, 5, "{status:?}");
    assert!(
        status
            .stdout
            .contains("`plover up` would refuse: migrations/002_b.sql:2: `COMMIT`"),
        "{}",
        status.stdout
    );
    let missing = run(dir.path(), &db, &["--json", "tenants"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    let value: serde_json::Value = serde_json::from_str(&missing.stdout).expect("one JSON object");
    assert_eq!(value["kind"], "usage");
    assert!(
        missing.stderr.contains("Usage:"),
        "the help still shows: {missing:?}"
    );
}

#[tokio::test]
async fn down_without_every_down_script_exits_5_and_reverts_nothing() {
    let dir = Fixture::new()
        .file("migrations/001_a.sql", "CREATE TABLE a (x integer);")
        .file("migrations/002_b.sql", "CREATE TABLE b (x integer);")
        .file("migrations/002_b.down.sql", "DROP TABLE b;");
    let expected = ["migrations/001_a.sql has no down script"];
    refused(
        Backend::Sqlite,
        &dir,
        &["down", "--steps", "2"],
        5,
        &expected,
    )
    .await;
}

#[tokio::test]
async fn passwords_never_leak_from_odd_urls_or_config_errors() {
    let dir = Fixture::new().file("migrations/001_a.sql", "SELECT 1;");
    let cases: [(&[&str], &str); 6] = [
        // A URL where clap expects something else: its own error quotes it.
        (&["postgres://u:clapsecret@127.0.0.1:1/db"], "clapsecret"),
        (
            &[
                "up",
                "--json",
                "--to",
                "postgres://u:tosecret@127.0.0.1:1/db",
            ],
            "tosecret",
        ),
        (
            &[
                "status",
                "--database",
                "postgres://postgres:hun/ter2secret@127.0.0.1:1/db",
            ],
            "ter2secret",
        ),
        (
            &[
                "status",
                "--json",
                "--database",
                "postgres://u:a?b@csecret@127.0.0.1:1/db",
            ],
            "csecret",
        ),
        (
            &["status", "--database", "host=db password=hunter2secret"],
            "hunter2secret",
        ),
        (
            &[
                "status",
                "--database",
                "postgres://u:has space\"quotesecret@127.0.0.1:1/db",
            ],
            "quotesecret",
        ),
    ];
    for (args, secret) in cases {
        let outcome = crate::support::Outcome::from(
            crate::support::plover(dir.path())
                .args(args)
                .output()
                .unwrap(),
        );
        assert_ne!(outcome.code, 0);
        let printed = format!("{}{}", outcome.stdout, outcome.stderr);
        assert!(!printed.contains(secret), "{secret} leaked in: {printed}");
    }
    let configs = [
        "[database]\nurl = \"postgres://app:s3cr\\qsecret@db/app\"\n",
        "[database]\nurl = \"postgres://app:opensecret@db/${APP\"\n",
    ];
    for config in configs {
        dir.write("plover.toml", config);
        let outcome = crate::support::Outcome::from(
            crate::support::plover(dir.path())
                .arg("status")
                .output()
                .unwrap(),
        );
        assert_eq!(outcome.code, 2, "{outcome:?}");
        assert!(
            !outcome.stderr.contains("secret"),
            "leaked in: {}",
            outcome.stderr
        );
    }
}

#[tokio::test]
async fn short_or_common_passwords_do_not_garble_the_output() {
    let dir = Fixture::new().file(
        "migrations/20240101123456_a.sql",
        "CREATE TABLE a (x integer);",
    );
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    // The local server trusts everyone, so any password connects.
    for password in ["1234", "postgres", "null"] {
        let url = db
            .url
            .expose()
            .replacen("postgres@", &format!("postgres:{password}@"), 1);
        let outcome = crate::support::Outcome::from(
            crate::support::plover(dir.path())
                .args(["status", "--json", "--database", &url])
                .output()
                .unwrap(),
        );
        let value: serde_json::Value = serde_json::from_str(&outcome.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", outcome.stdout));
        assert_eq!(
            value["migrations"][0]["version"], 20240101123456_i64,
            "{password}"
        );
        assert_eq!(
            value["database"],
            url.replacen(&format!(":{password}@"), ":***@", 1)
        );
        let human = crate::support::Outcome::from(
            crate::support::plover(dir.path())
                .args(["status", "--database", &url])
                .output()
                .unwrap(),
        );
        assert!(
            human
                .stdout
                .starts_with("database  postgres://postgres:***@"),
            "{}",
            human.stdout
        );
    }
}

#[tokio::test]
async fn a_refused_or_empty_up_leaves_no_sqlite_file_behind() {
    let dir = Fixture::new().file("migrations/001_bad.sql", "SELECT 1;\nCOMMIT;\n");
    let refused = crate::support::Outcome::from(
        crate::support::plover(dir.path())
            .arg("up")
            .output()
            .unwrap(),
    );
    assert_eq!(refused.code, 5, "{refused:?}");
    std::fs::remove_file(dir.join("migrations/001_bad.sql")).unwrap();
    let empty = crate::support::Outcome::from(
        crate::support::plover(dir.path())
            .arg("up")
            .output()
            .unwrap(),
    );
    assert_eq!(empty.code, 0, "{empty:?}");
    assert!(
        empty.stdout.contains("nothing to apply"),
        "{}",
        empty.stdout
    );
    assert!(
        !dir.join("plover.db").exists(),
        "no database file was created"
    );
}

/// A connection lost in the middle of a migration (the network dropped it) is not "rolled
/// back, fix it": whether the commit happened is unknown. Exit 8 says so, and `status` then
/// tells the truth (here: not applied). The drop is a TCP proxy between Plover and the
/// server that closes its sockets while the migration runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_lost_during_a_migration_says_the_outcome_is_unknown() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let mut admin = db.connect().await;
    let server = admin
        .query(
            "SELECT host(inet_server_addr()) || ':' || inet_server_port()",
            &[],
        )
        .await
        .unwrap();
    let Some(server) = server[0][0].as_str().map(str::to_owned) else {
        eprintln!("skipped: the test database is reached over a Unix socket, not TCP");
        return;
    };
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let through = proxy.local_addr().unwrap().to_string();
    let relays = tokio::spawn(async move {
        let mut relays = tokio::task::JoinSet::new();
        while let Ok((mut client, _)) = proxy.accept().await {
            let mut upstream = tokio::net::TcpStream::connect(&server).await.unwrap();
            relays.spawn(async move {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    let url = db.url.expose();
    let host = &url[url.find('@').unwrap() + 1..];
    let host = &host[..host.find('/').unwrap()];
    let url = url.replace(host, &through);

    let dir = Fixture::new().file(
        "migrations/001_slow.sql",
        "CREATE TABLE slow (x integer);\nSELECT pg_sleep(30);",
    );
    let child = crate::support::plover(dir.path())
        .args(["--database", &url, "up"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let sleeping = "SELECT count(*) FROM pg_stat_activity \
                    WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' \
                    AND pid <> pg_backend_pid()";
    for _ in 0..200 {
        if plover_testkit::query_i64(admin.as_mut(), sleeping).await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    relays.abort();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.contains("whether it committed is not known"),
        "{stderr}"
    );
    assert!(!stderr.contains("it was rolled back"), "{stderr}");
    // The server notices the lost client only after the sleep; end its session now.
    let orphan = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                  WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' \
                  AND pid <> pg_backend_pid()";
    plover_testkit::query_i64(admin.as_mut(), orphan).await;
    let status = run(dir.path(), &db, &["status", "--check"]);
    assert_eq!(status.code, 7, "still pending: {status:?}");
}

/// An unnamed `CREATE INDEX CONCURRENTLY` is refused in a no-transaction up script, which
/// a crash would resume, but not in a down script, which is never resumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unnamed_concurrent_index_is_refused_only_where_a_resume_could_repeat_it() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = Fixture::new()
        .file("migrations/001_a.sql", "CREATE TABLE t (x integer);")
        .file(
            "migrations/001_a.down.sql",
            "-- plover:no-transaction\nCREATE INDEX CONCURRENTLY ON t (x);\nDROP TABLE t;",
        );
    assert_eq!(run(dir.path(), &db, &["up"]).code, 0);
    let down = run(dir.path(), &db, &["down"]);
    assert_eq!(down.code, 0, "{down:?}");
    dir.write(
        "migrations/002_b.sql",
        "-- plover:no-transaction\nCREATE INDEX CONCURRENTLY ON t (x);",
    );
    let before = snapshot(&db).await;
    let up = run(dir.path(), &db, &["up"]);
    assert_eq!(up.code, 5, "{up:?}");
    assert!(
        up.stderr
            .contains("migrations/002_b.sql:2: `CREATE INDEX CONCURRENTLY` without an index name"),
        "{}",
        up.stderr
    );
    assert_eq!(snapshot(&db).await, before, "nothing ran");
}
