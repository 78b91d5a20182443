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
}

mod tls;

mod introspect_postgres;
mod introspect_sqlite;
mod tenant_pools;
