//! Applying migrations.

use plover::core::TransactionMode;
use plover::{Error, Options, Silent, Version};

use super::support::{count, has_table, states};
use crate::{Fixture, TestDb};

fn three() -> Fixture {
    Fixture::new()
        .file("001_users.sql", "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);")
        .file("002_posts.sql", "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer);\nCREATE INDEX posts_user ON posts (user_id);")
        .file("003_seed.sql", "INSERT INTO users VALUES (1, 'a@example.com');\nINSERT INTO posts VALUES (1, 1);")
}

pub async fn applies_pending_in_order_and_records_history(db: &TestDb) {
    let dir = three();
    let mut conn = db.connect().await;
    let report = dir.up(conn.as_mut()).await.unwrap();
    let versions: Vec<i64> = report.migrations.iter().map(|m| m.version.0).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(count(conn.as_mut(), "posts").await, 1);
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 3);
    let rows = conn
        .query("SELECT version, name, checksum, status, applied_by, script FROM plover_migrations ORDER BY version", &[])
        .await
        .unwrap();
    let migrator = dir.migrator();
    for (row, migration) in rows.iter().zip(migrator.migrations()) {
        assert_eq!(row[0].as_i64(), Some(migration.version.0));
        assert_eq!(row[1].as_str(), Some(migration.name.as_str()));
        assert_eq!(
            row[2].as_str(),
            Some(migration.checksum().to_string().as_str())
        );
        assert_eq!(row[3].as_str(), Some("applied"));
        assert!(row[4].as_str().unwrap().contains('@'));
        assert_eq!(row[5].as_str(), Some(migration.up.sql.as_str()));
    }
}

pub async fn a_second_run_applies_nothing(db: &TestDb) {
    let dir = three();
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    let again = dir.up(conn.as_mut()).await.unwrap();
    assert!(again.migrations.is_empty());
    assert_eq!(count(conn.as_mut(), "users").await, 1);
}

pub async fn up_to_a_target_version(db: &TestDb) {
    let dir = three();
    let mut conn = db.connect().await;
    dir.migrator()
        .up(conn.as_mut(), Some(Version(2)), &mut Silent)
        .await
        .unwrap();
    let status = dir.migrator().status(conn.as_mut()).await.unwrap();
    assert_eq!(states(&status), ["1:applied", "2:applied", "3:pending"]);
    let unknown = dir
        .migrator()
        .up(conn.as_mut(), Some(Version(9)), &mut Silent)
        .await;
    assert!(super::support::refusal(unknown).contains("no migration has version 9"));
}

pub async fn a_failed_migration_rolls_back_with_its_history_row(db: &TestDb) {
    let dir = Fixture::new()
        .file("001_ok.sql", "CREATE TABLE ok (id integer);")
        .file(
            "002_bad.sql",
            "CREATE TABLE half (id integer);\n\nINSERT INTO missing_table VALUES (1);\n",
        );
    let mut conn = db.connect().await;
    let error = dir.up(conn.as_mut()).await.unwrap_err();
    let Error::MigrationFailed {
        version,
        path,
        line,
        applied,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*version, *line, applied.as_slice()),
        (Version(2), Some(3), &[Version(1)][..])
    );
    assert!(path.ends_with("002_bad.sql"), "{path}");
    assert!(has_table(conn.as_mut(), "ok").await);
    assert!(
        !has_table(conn.as_mut(), "half").await,
        "the failed migration's first statement was rolled back"
    );
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 1);
}

pub async fn a_self_wrapped_file_runs_as_one_transaction(db: &TestDb) {
    let dir = Fixture::new().file(
        "001_wrapped.sql",
        "-- written by hand\nBEGIN;\nCREATE TABLE w (id integer);\nINSERT INTO w VALUES (1);\nCOMMIT;\n",
    );
    let mut conn = db.connect().await;
    let plan = dir.migrator().plan_up(conn.as_mut(), None).await.unwrap();
    assert!(plan.steps[0].self_wrapped);
    dir.up(conn.as_mut()).await.unwrap();
    assert_eq!(count(conn.as_mut(), "w").await, 1);

    let failing = Fixture::new().file(
        "001_wrapped.sql",
        "BEGIN;\nCREATE TABLE w2 (id integer);\nINSERT INTO nowhere VALUES (1);\nCOMMIT;\n",
    );
    let options = Options {
        history_table: "other_history".into(),
        ..Options::default()
    };
    let error = failing
        .migrator_with(options)
        .up(conn.as_mut(), None, &mut Silent)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::MigrationFailed { line: Some(3), .. }),
        "{error:?}"
    );
    assert!(
        !has_table(conn.as_mut(), "w2").await,
        "nothing of a failed wrapped file stays"
    );
}

pub async fn every_layout_applies_alike(db: &TestDb) {
    let layouts = [
        Fixture::new()
            .file("1_a.sql", "CREATE TABLE la (x integer);")
            .file("1_a.down.sql", "DROP TABLE la;"),
        Fixture::new()
            .file("1_a.up.sql", "CREATE TABLE lb (x integer);")
            .file("1_a.down.sql", "DROP TABLE lb;"),
        Fixture::new()
            .file("1_a/up.sql", "CREATE TABLE lc (x integer);")
            .file("1_a/down.sql", "DROP TABLE lc;"),
    ];
    let mut conn = db.connect().await;
    for (i, dir) in layouts.iter().enumerate() {
        let options = Options {
            history_table: format!("history_{i}"),
            ..Options::default()
        };
        let migrator = dir.migrator_with(options);
        assert_eq!(
            migrator.migrations()[0].up.transaction,
            TransactionMode::Single
        );
        migrator.up(conn.as_mut(), None, &mut Silent).await.unwrap();
        migrator
            .down(conn.as_mut(), plover::DownTarget::Steps(1), &mut Silent)
            .await
            .unwrap();
        migrator.up(conn.as_mut(), None, &mut Silent).await.unwrap();
    }
    for table in ["la", "lb", "lc"] {
        assert!(has_table(conn.as_mut(), table).await, "{table}");
    }
}

pub async fn the_history_table_can_live_elsewhere(db: &TestDb) {
    let dir = three();
    let mut conn = db.connect().await;
    let schema = match db.backend {
        crate::Backend::Postgres => Some("ops".to_owned()),
        crate::Backend::Sqlite => Some("main".to_owned()),
    };
    let options = Options {
        history_schema: schema.clone(),
        history_table: "applied".into(),
        ..Options::default()
    };
    dir.migrator_with(options.clone())
        .up(conn.as_mut(), None, &mut Silent)
        .await
        .unwrap();
    let table = format!("{}.applied", schema.unwrap());
    assert_eq!(count(conn.as_mut(), &table).await, 3);
    assert!(!has_table(conn.as_mut(), "plover_migrations").await);
    let status = dir
        .migrator_with(options)
        .status(conn.as_mut())
        .await
        .unwrap();
    assert_eq!(status.history_table, table);
}

pub async fn status_shows_every_state(db: &TestDb) {
    let dir = three().file(
        "004_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s (x integer);\nINSERT INTO gate VALUES (1);",
    );
    let mut conn = db.connect().await;
    let empty = dir.migrator().status(conn.as_mut()).await.unwrap();
    assert_eq!(
        states(&empty),
        ["1:pending", "2:pending", "3:pending", "4:pending"]
    );
    assert!(dir.up(conn.as_mut()).await.is_err());
    dir.write("002_posts.sql", "CREATE TABLE posts (id bigint);");
    dir.remove("003_seed.sql");
    dir.write("005_new.sql", "SELECT 1;");
    let status = dir.migrator().status(conn.as_mut()).await.unwrap();
    assert_eq!(
        states(&status),
        [
            "1:applied",
            "2:modified",
            "3:missing",
            "4:partial",
            "5:pending"
        ]
    );
    assert_eq!((status.pending(), status.problems()), (2, 2));
    let partial = &status.migrations[3];
    assert_eq!(
        (partial.statements_done, partial.statements_total),
        (Some(1), Some(2))
    );
    assert!(status.lock_holder.is_none());
}

/// Hundreds of statements in one migration still commit, or fail, as one.
pub async fn a_long_migration_is_still_one_transaction(db: &TestDb) {
    let mut sql = String::from("CREATE TABLE many (n integer);\n");
    for n in 0..300 {
        sql.push_str(&format!("INSERT INTO many VALUES ({n});\n"));
    }
    let failing = Fixture::new().file(
        "001_many.sql",
        &format!("{sql}INSERT INTO nowhere VALUES (1);\n"),
    );
    let mut conn = db.connect().await;
    let error = failing.up(conn.as_mut()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::MigrationFailed {
                line: Some(302),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        !has_table(conn.as_mut(), "many").await,
        "nothing of the failed migration stays"
    );
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 0);

    let passing = Fixture::new().file("001_many.sql", &sql);
    passing.up(conn.as_mut()).await.unwrap();
    assert_eq!(count(conn.as_mut(), "many").await, 300);
}

/// PostgreSQL only: a migration that creates a schema earlier on the search path (here the
/// `"$user"` schema) must not move the history table, or everything would run again.
pub async fn the_history_table_stays_put_when_the_search_path_changes(db: &TestDb) {
    let dir = Fixture::new()
        .file(
            "001_user_schema.sql",
            "DO $$ BEGIN EXECUTE format('CREATE SCHEMA %I', current_user); END $$;",
        )
        .file(
            "002_counter.sql",
            "CREATE TABLE public.counter (n integer);\nINSERT INTO public.counter VALUES (1);",
        );
    let mut conn = db.connect().await;
    dir.migrator()
        .up(conn.as_mut(), Some(Version(1)), &mut Silent)
        .await
        .unwrap();
    dir.up(conn.as_mut()).await.unwrap();
    dir.up(conn.as_mut()).await.unwrap();
    assert_eq!(
        count(conn.as_mut(), "public.counter").await,
        1,
        "nothing ran twice"
    );
    assert_eq!(count(conn.as_mut(), "public.plover_migrations").await, 2);
    let status = dir.migrator().status(conn.as_mut()).await.unwrap();
    assert_eq!(status.history_table, "public.plover_migrations");
}

/// PostgreSQL only: a `SET` in one migration does not leak into the next (which would then
/// behave differently after a crash and a resume), and a `SET ROLE` cannot stop the history
/// writes, those of a no-transaction migration's statements included.
pub async fn each_migration_starts_with_a_clean_session(db: &TestDb) {
    let role = format!("plover_role_{}", std::process::id());
    let dir = Fixture::new()
        .file("001_schema.sql", &format!("CREATE SCHEMA side;\nDROP ROLE IF EXISTS {role};\nCREATE ROLE {role};\nCREATE TABLE public.role_owned (x integer);\nALTER TABLE public.role_owned OWNER TO {role};\nGRANT CREATE ON SCHEMA public TO {role};\nSET search_path = side, public;\nCREATE TABLE in_side (x integer);"))
        .file("002_table.sql", "CREATE TABLE where_am_i (x integer);")
        .file("003_role.sql", &format!("SET ROLE {role};\nSELECT 1;"))
        .file("004_after.sql", "CREATE TABLE after_role (x integer);")
        .file(
            "005_index.sql",
            &format!("-- plover:no-transaction\nSET ROLE {role};\nCREATE INDEX CONCURRENTLY role_owned_x ON public.role_owned (x);"),
        );
    let mut conn = db.connect().await;
    let result = dir.up(conn.as_mut()).await;
    let _ = conn
        .execute_script(&format!(
            "RESET ROLE; DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}"
        ))
        .await;
    result.unwrap();
    assert_eq!(count(conn.as_mut(), "side.in_side").await, 0);
    assert_eq!(
        count(conn.as_mut(), "public.where_am_i").await,
        0,
        "002 ran with the default search_path"
    );
    assert_eq!(
        count(conn.as_mut(), "public.after_role").await,
        0,
        "004 ran as the connection's user"
    );
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 5);
}

/// SQLite only: a `PRAGMA` one migration sets does not reach the next, as it would not after
/// a crash and a resume: the connection is opened afresh between them.
pub async fn a_sqlite_pragma_does_not_reach_the_next_migration(db: &TestDb) {
    let dir = Fixture::new()
        .file(
            "001_check.sql",
            "CREATE TABLE positive (x integer CHECK (x > 0));\nPRAGMA ignore_check_constraints = ON;",
        )
        .file("002_insert.sql", "INSERT INTO positive VALUES (-1);");
    let mut conn = db.connect().await;
    let error = dir.up(conn.as_mut()).await.unwrap_err();
    assert!(
        matches!(&error, Error::MigrationFailed { version, .. } if *version == Version(2)),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("CHECK constraint failed"),
        "{error}"
    );
    assert_eq!(count(conn.as_mut(), "positive").await, 0);
}
