//! The backend conformance suite, once per backend.

mod postgres {
    plover_testkit::conformance_tests!(plover_testkit::Backend::Postgres);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_invalid_index_is_rebuilt_on_resume() {
        if let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await {
            plover_testkit::conformance::no_transaction::an_invalid_index_is_rebuilt_on_resume(&db)
                .await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_built_index_at_the_resume_point_counts_as_done() {
        if let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await {
            plover_testkit::conformance::no_transaction::a_built_index_at_the_resume_point_counts_as_done(&db)
                .await;
        }
    }
}

mod postgres_only {
    use plover::core::Value;

    /// A statement's first run is sent unprepared (the server infers the parameter types and
    /// the values go as text); from its second run on it is prepared. Both give the same rows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unprepared_and_prepared_statements_answer_alike() {
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let mut conn = db.connect().await;
        let sql = "SELECT $1::bigint + 1, $2 || 'x', NOT $3::boolean, $4::text IS NULL, \
                   length($5), $6::integer * 2";
        let params = [
            Value::Int(41),
            Value::from("it's"),
            Value::Bool(false),
            Value::Null,
            Value::from("naïve ✓"),
            Value::Int(-21),
        ];
        let expected = vec![vec![
            Value::Int(42),
            Value::from("it'sx"),
            Value::Bool(true),
            Value::Bool(true),
            Value::Int(7),
            Value::Int(-42),
        ]];
        for run in 1..=3 {
            let rows = conn.query(sql, &params).await.unwrap();
            assert_eq!(rows, expected, "run {run}");
        }
        // Values of another kind than the parameter's type are converted by the server, the
        // same on every run.
        let converted = "SELECT $1::integer + 0, NOT $2::boolean, ($3::numeric * 2)::text, \
                         $4::text, $5::oid::bigint";
        let params = [
            Value::from("1234"),
            Value::from("f"),
            Value::Int(5),
            Value::Bool(true),
            Value::Int(4_000_000_000),
        ];
        let expected = vec![vec![
            Value::Int(1234),
            Value::Bool(true),
            Value::from("10"),
            Value::from("t"),
            Value::Int(4_000_000_000),
        ]];
        for run in 1..=3 {
            let rows = conn.query(converted, &params).await.unwrap();
            assert_eq!(rows, expected, "run {run}");
        }
        for run in 1..=2 {
            let error = conn
                .query("SELECT $1::integer", &[Value::from("not a number")])
                .await
                .unwrap_err();
            assert!(
                error.message.contains("invalid input syntax"),
                "run {run}: {error}"
            );
        }
    }

    async fn setting(conn: &mut Box<dyn plover::core::Driver>, name: &str) -> Value {
        let sql = format!("SELECT current_setting('{name}')");
        conn.query(&sql, &[]).await.unwrap()[0][0].clone()
    }

    /// Between two tenants a worker resets the session and moves to the next schema in one
    /// step: settings and role go back, the new search path stays across later resets.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reset_session_into_a_schema_clears_settings_and_sets_the_path() {
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let mut conn = db.connect().await;
        conn.use_schema(Some("first")).await.unwrap();
        conn.execute_script("SET statement_timeout = '7s'")
            .await
            .unwrap();
        conn.reset_session_into(Some("second \"tenant\""))
            .await
            .unwrap();
        assert_eq!(
            setting(&mut conn, "statement_timeout").await,
            Value::from("0")
        );
        let path = Value::from("\"second \"\"tenant\"\"\"");
        assert_eq!(setting(&mut conn, "search_path").await, path);
        conn.execute_script("SET search_path = public")
            .await
            .unwrap();
        conn.reset_session().await.unwrap();
        assert_eq!(setting(&mut conn, "search_path").await, path);
    }

    /// Where `table` was created, if it was.
    async fn schema_of(conn: &mut dyn plover::core::Driver, table: &str) -> Option<String> {
        let sql = "SELECT n.nspname::text FROM pg_class c \
                   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1";
        let rows = conn.query(sql, &[Value::from(table)]).await.unwrap();
        rows.first().and_then(|r| r[0].as_str().map(str::to_owned))
    }

    /// A lock given back with `unlock_soon` is released by the connection's next request, or
    /// when the connection closes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lock_given_back_soon_is_released_by_the_next_request_or_the_close() {
        use plover::core::LockAttempt;
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let table = plover::core::sql::QualifiedName::new("public", "soon");
        let request = plover::migrator::lock_request(&table, &plover::Options::default());
        let (mut first, mut second) = (db.connect().await, db.connect().await);
        assert_eq!(
            first.try_lock(&request).await.unwrap(),
            LockAttempt::Acquired
        );
        first.unlock_soon(&request).await.unwrap();
        let attempt = second.try_lock(&request).await.unwrap();
        assert!(matches!(attempt, LockAttempt::Held(_)), "{attempt:?}");
        first.query("SELECT 1", &[]).await.unwrap();
        assert_eq!(
            second.try_lock(&request).await.unwrap(),
            LockAttempt::Acquired
        );

        second.unlock_soon(&request).await.unwrap();
        drop(second);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while first.try_lock(&request).await.unwrap() != LockAttempt::Acquired {
            assert!(
                std::time::Instant::now() < deadline,
                "still held after the close"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The reset of `reset_session_into` is sent with the next request; a transaction and a
    /// script run after it, in the new schema.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transaction_and_a_script_after_a_reset_run_in_the_new_schema() {
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let mut conn = db.connect().await;
        conn.execute_script("CREATE SCHEMA one; CREATE SCHEMA two")
            .await
            .unwrap();
        conn.use_schema(Some("one")).await.unwrap();
        conn.reset_session_into(Some("two")).await.unwrap();
        let steps = [plover::core::Step::Script(
            "CREATE TABLE made_in_txn (id int)",
        )];
        conn.transaction(&steps).await.unwrap();
        conn.reset_session_into(Some("one")).await.unwrap();
        conn.execute_script("CREATE TABLE made_by_script (id int)")
            .await
            .unwrap();
        assert_eq!(
            schema_of(conn.as_mut(), "made_in_txn").await.as_deref(),
            Some("two")
        );
        assert_eq!(
            schema_of(conn.as_mut(), "made_by_script").await.as_deref(),
            Some("one")
        );
    }

    /// A reset that fails (the session is in a failed transaction) fails the next call, and a
    /// transaction after it never runs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_reset_fails_the_next_call_and_runs_nothing() {
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let mut conn = db.connect().await;
        conn.execute_script("CREATE SCHEMA two").await.unwrap();
        conn.execute_script("BEGIN; SELECT 1 / 0")
            .await
            .unwrap_err();
        conn.reset_session_into(Some("two")).await.unwrap();
        let steps = [plover::core::Step::Script("CREATE TABLE never (id int)")];
        let error = conn.transaction(&steps).await.unwrap_err();
        assert!(error.message.contains("transaction is aborted"), "{error}");
        let mut other = db.connect().await;
        assert_eq!(schema_of(other.as_mut(), "never").await, None);
        conn.reset_session_into(Some("two")).await.unwrap();
        let error = conn.query("SELECT 1", &[]).await.unwrap_err();
        assert!(error.message.contains("transaction is aborted"), "{error}");
    }

    fn guard(sql: &str) -> plover::core::Condition<'_> {
        plover::core::Condition { sql, params: &[] }
    }

    /// A query the server cannot prepare (its table is not there yet) fails in its own
    /// place every time it is sent, not the call it rides in: the second time a statement is
    /// seen it would be prepared.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_query_read_blind_beside_the_lock_fails_alone_every_time() {
        use plover::core::LockAttempt;
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let table = plover::core::sql::QualifiedName::new("public", "not_yet");
        let request = plover::migrator::lock_request(&table, &plover::Options::default());
        let mut conn = db.connect().await;
        for time in 1..=3 {
            let (attempt, read) = conn
                .try_lock_and_query(&request, "SELECT x FROM not_yet", &[])
                .await
                .unwrap_or_else(|e| panic!("time {time}: {e}"));
            assert_eq!(attempt, LockAttempt::Acquired, "time {time}");
            let error = read.unwrap_err();
            assert!(error.message.contains("not_yet"), "time {time}: {error}");
            conn.unlock(&request).await.unwrap();
        }
        conn.execute_script("CREATE TABLE not_yet (x int)")
            .await
            .unwrap();
        let (_, read) = conn
            .try_lock_and_query(&request, "SELECT x FROM not_yet", &[])
            .await
            .unwrap();
        assert_eq!(read.unwrap(), Vec::<Vec<Value>>::new());
    }

    /// A guarded transaction carries the owed session reset inside it: committed, the reset
    /// stands; refused, it was rolled back and is sent again before the next request.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guarded_transaction_carries_the_session_reset() {
        use plover::core::{Guarded, Step};
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let table = plover::core::sql::QualifiedName::new("two", "plover_migrations");
        let request = plover::migrator::lock_request(&table, &plover::Options::default());
        let mut conn = db.connect().await;
        conn.execute_script("CREATE SCHEMA one; CREATE SCHEMA two")
            .await
            .unwrap();
        conn.use_schema(Some("one")).await.unwrap();
        let made = [Step::Script("CREATE TABLE made (id int)")];
        for (condition, outcome) in [
            ("SELECT false", Guarded::NotMet(None)),
            ("SELECT true", Guarded::Committed),
        ] {
            conn.execute_script("SET statement_timeout = '7s'")
                .await
                .unwrap();
            conn.reset_session_into(Some("two")).await.unwrap();
            let guarded = conn.guarded_transaction(&request, guard(condition), &made);
            assert_eq!(guarded.await.unwrap(), outcome, "{condition}");
            let timeout = setting(&mut conn, "statement_timeout").await;
            assert_eq!(timeout, Value::from("0"), "{condition}");
            let path = setting(&mut conn, "search_path").await;
            assert_eq!(path, Value::from("\"two\""), "{condition}");
        }
        assert_eq!(
            schema_of(conn.as_mut(), "made").await.as_deref(),
            Some("two")
        );

        // A condition that cannot be checked is not met, with the reason.
        let guarded = conn.guarded_transaction(&request, guard("SELECT nowhere.x"), &made);
        let Guarded::NotMet(Some(error)) = guarded.await.unwrap() else {
            panic!("an unreadable condition was met")
        };
        assert!(error.message.contains("nowhere"), "{error}");
        // A failed step is an error naming the step, and nothing commits.
        let steps = [
            Step::Script("CREATE TABLE never (id int)"),
            Step::Script("INSERT INTO missing VALUES (1)"),
        ];
        let error = conn
            .guarded_transaction(&request, guard("SELECT true"), &steps)
            .await
            .unwrap_err();
        assert_eq!(error.step, Some(1), "{error}");
        assert_eq!(schema_of(conn.as_mut(), "never").await, None);
    }

    /// The lock is taken for the transaction alone: held elsewhere, nothing runs; after the
    /// commit, it is free. A lock given back soon is released inside the transaction, even
    /// one that is refused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guarded_transaction_holds_its_lock_for_itself() {
        use plover::core::{Guarded, LockAttempt, Step};
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let lock = |name| {
            let table = plover::core::sql::QualifiedName::new("public", name);
            plover::migrator::lock_request(&table, &plover::Options::default())
        };
        let (guarded, earlier) = (lock("guarded"), lock("earlier"));
        let (mut conn, mut other) = (db.connect().await, db.connect().await);
        let steps = [Step::Script("CREATE TABLE made (id int)")];
        assert_eq!(
            other.try_lock(&guarded).await.unwrap(),
            LockAttempt::Acquired
        );
        let outcome = conn.guarded_transaction(&guarded, guard("SELECT true"), &steps);
        assert_eq!(outcome.await.unwrap(), Guarded::LockHeld);
        assert_eq!(schema_of(conn.as_mut(), "made").await, None);
        other.unlock(&guarded).await.unwrap();

        for condition in ["SELECT false", "SELECT true"] {
            assert_eq!(
                conn.try_lock(&earlier).await.unwrap(),
                LockAttempt::Acquired
            );
            conn.unlock_soon(&earlier).await.unwrap();
            conn.guarded_transaction(&guarded, guard(condition), &steps)
                .await
                .unwrap();
            for request in [&earlier, &guarded] {
                let attempt = other.try_lock(request).await.unwrap();
                assert_eq!(attempt, LockAttempt::Acquired, "{condition}");
                other.unlock(request).await.unwrap();
            }
        }
        assert!(schema_of(conn.as_mut(), "made").await.is_some());
    }

    /// Values written into a guarded transaction as literals read back the same when the
    /// database still takes a backslash in a plain literal as an escape.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn guarded_literals_survive_standard_conforming_strings_off() {
        use plover::core::{Guarded, Step};
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let mut setup = db.connect().await;
        let name = setup
            .query("SELECT current_database()::text", &[])
            .await
            .unwrap()[0][0]
            .as_str()
            .unwrap()
            .to_owned();
        setup
            .execute_script(&format!(
                "ALTER DATABASE \"{name}\" SET standard_conforming_strings = off; \
                 CREATE TABLE kept (v text)"
            ))
            .await
            .unwrap();
        let mut conn = db.connect().await;
        let table = plover::core::sql::QualifiedName::new("public", "kept");
        let request = plover::migrator::lock_request(&table, &plover::Options::default());
        let tricky = Value::from("a \\ b ' c \\' d");
        let params = [tricky.clone()];
        let steps = [Step::Statement("INSERT INTO kept VALUES ($1)", &params)];
        let outcome = conn.guarded_transaction(&request, guard("SELECT true"), &steps);
        assert_eq!(outcome.await.unwrap(), Guarded::Committed);
        let rows = conn.query("SELECT v FROM kept", &[]).await.unwrap();
        assert_eq!(rows, [[tricky]]);
    }

    /// The condition must see what was committed before the lock was taken: a transaction
    /// whose snapshot was taken earlier (REPEATABLE READ by default) is refused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guarded_transaction_needs_a_fresh_snapshot_for_its_condition() {
        use plover::core::{Guarded, Step};
        let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await else {
            return;
        };
        let table = plover::core::sql::QualifiedName::new("public", "plover_migrations");
        let request = plover::migrator::lock_request(&table, &plover::Options::default());
        let mut conn = db.connect().await;
        conn.execute_script("SET default_transaction_isolation = 'repeatable read'")
            .await
            .unwrap();
        let steps = [Step::Script("CREATE TABLE made (id int)")];
        let outcome = conn.guarded_transaction(&request, guard("SELECT true"), &steps);
        assert_eq!(outcome.await.unwrap(), Guarded::NotMet(None));
        assert_eq!(schema_of(conn.as_mut(), "made").await, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_existing_index_is_trusted_only_after_a_crash() {
        if let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await {
            plover_testkit::conformance::no_transaction::an_existing_index_is_trusted_only_after_a_crash(&db).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_migration_starts_with_a_clean_session() {
        if let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await {
            plover_testkit::conformance::apply::each_migration_starts_with_a_clean_session(&db)
                .await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_index_at_the_resume_point_counts_as_done() {
        if let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await {
            plover_testkit::conformance::no_transaction::a_dropped_index_at_the_resume_point_counts_as_done(&db).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_history_table_stays_put_when_the_search_path_changes() {
        if let Some(db) = plover_testkit::TestDb::new(plover_testkit::Backend::Postgres).await {
            plover_testkit::conformance::apply::the_history_table_stays_put_when_the_search_path_changes(&db).await;
        }
    }
}

mod sqlite {
    plover_testkit::conformance_tests!(plover_testkit::Backend::Sqlite);

    #[tokio::test]
    async fn a_sqlite_table_rebuild_keeps_foreign_keys_off() {
        let db = plover_testkit::TestDb::new(plover_testkit::Backend::Sqlite)
            .await
            .unwrap();
        plover_testkit::conformance::no_transaction::a_sqlite_table_rebuild_keeps_foreign_keys_off(
            &db,
        )
        .await;
    }

    #[tokio::test]
    async fn a_sqlite_pragma_does_not_reach_the_next_migration() {
        let db = plover_testkit::TestDb::new(plover_testkit::Backend::Sqlite)
            .await
            .unwrap();
        plover_testkit::conformance::apply::a_sqlite_pragma_does_not_reach_the_next_migration(&db)
            .await;
    }
}

mod tls;

mod fleet_hooks;
mod introspect_postgres;
mod introspect_sqlite;
mod tenant_pools;
