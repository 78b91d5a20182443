//! `-- plover:no-transaction` migrations: statement by statement, resumable.

use plover::core::Driver;
use plover::{Error, Event, Silent};

use super::support::{count, has_table, recorder, refusal, states};
use crate::{Backend, Fixture, TestDb, query_i64};

const STEPS: &str = "-- plover:no-transaction\n\
    CREATE TABLE log (n integer);\n\
    INSERT INTO log VALUES (1);\n\
    INSERT INTO log VALUES (2);\n\
    INSERT INTO gate VALUES (3);\n\
    INSERT INTO log VALUES (4);\n";

pub async fn statements_commit_one_by_one_and_resume(db: &TestDb) {
    let dir = Fixture::new().file("001_steps.sql", STEPS);
    let mut conn = db.connect().await;
    let error = dir.up(conn.as_mut()).await.unwrap_err();
    assert!(
        matches!(error, Error::MigrationFailed { line: Some(5), .. }),
        "{error:?}"
    );
    assert_eq!(
        count(conn.as_mut(), "log").await,
        2,
        "statements before the failure stay committed"
    );
    let done = query_i64(
        conn.as_mut(),
        "SELECT statements_done FROM plover_migrations WHERE version = 1",
    )
    .await;
    assert_eq!(done, 3);
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:partial"]
    );

    conn.execute_script("CREATE TABLE gate (n integer)")
        .await
        .unwrap();
    let mut events = Vec::new();
    dir.migrator()
        .up(conn.as_mut(), None, &mut recorder(&mut events))
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::MigrationStarted {
                resume_after: 3,
                ..
            }
        )),
        "{events:?}"
    );
    let statements: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            Event::StatementApplied { statement, .. } => Some(*statement),
            _ => None,
        })
        .collect();
    assert_eq!(statements, [4, 5], "only the remaining statements ran");
    assert_eq!(count(conn.as_mut(), "log").await, 3, "nothing ran twice");
    assert_eq!(count(conn.as_mut(), "gate").await, 1);
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:applied"]
    );
}

/// The statement each backend refuses inside a transaction.
fn refused_statement(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Postgres => (
            "CREATE INDEX CONCURRENTLY t_x ON t (x);",
            "CREATE [UNIQUE] INDEX CONCURRENTLY",
        ),
        Backend::Sqlite => ("VACUUM;", "VACUUM"),
    }
}

pub async fn statements_refused_in_a_transaction_are_reported_first(db: &TestDb) {
    let (statement, pattern) = refused_statement(db.backend);
    let dir = Fixture::new()
        .file("001_table.sql", "CREATE TABLE t (x integer);")
        .file(
            "002_index.sql",
            &format!("-- adds an index\nINSERT INTO t VALUES (1);\n{statement}\n"),
        );
    let mut conn = db.connect().await;
    let message = refusal(dir.up(conn.as_mut()).await);
    assert!(
        message.contains(&format!(
            "002_index.sql:3: {pattern} cannot run inside a transaction"
        )),
        "{message}"
    );
    assert!(
        message.contains("add `-- plover:no-transaction`"),
        "{message}"
    );
    assert!(
        !has_table(conn.as_mut(), "t").await,
        "nothing ran, not even the earlier migration"
    );
    assert!(
        !has_table(conn.as_mut(), "plover_migrations").await,
        "not even the history table"
    );

    dir.write(
        "002_index.sql",
        &format!("-- plover:no-transaction\nINSERT INTO t VALUES (1);\n{statement}\n"),
    );
    dir.up(conn.as_mut()).await.unwrap();
    assert_eq!(count(conn.as_mut(), "t").await, 1);
}

/// PostgreSQL only: a failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index, which the
/// next run drops and builds again.
pub async fn an_invalid_index_is_rebuilt_on_resume(db: &TestDb) {
    let dir = Fixture::new()
        .file(
            "001_dup.sql",
            "CREATE TABLE dup (x integer);\nINSERT INTO dup VALUES (1), (1);",
        )
        .file(
            "002_unique.sql",
            "-- plover:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY dup_x ON dup (x);\n",
        );
    let mut conn = db.connect().await;
    let error = dir.up(conn.as_mut()).await.unwrap_err();
    assert!(
        matches!(error, Error::MigrationFailed { line: Some(2), .. }),
        "{error:?}"
    );
    let invalid =
        "SELECT count(*) FROM pg_index WHERE indexrelid = 'dup_x'::regclass AND NOT indisvalid";
    assert_eq!(
        query_i64(conn.as_mut(), invalid).await,
        1,
        "the failed build left an invalid index"
    );

    conn.execute_script("DELETE FROM dup; INSERT INTO dup VALUES (1), (2)")
        .await
        .unwrap();
    let mut events = Vec::new();
    dir.migrator()
        .up(conn.as_mut(), None, &mut recorder(&mut events))
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::InvalidIndexDropped { index, .. } if index == "dup_x")),
        "{events:?}"
    );
    let valid = "SELECT count(*) FROM pg_index WHERE indexrelid = 'dup_x'::regclass AND indisvalid";
    assert_eq!(query_i64(conn.as_mut(), valid).await, 1);
}

/// PostgreSQL only: a crash after `CREATE INDEX CONCURRENTLY` finished but before its
/// progress was recorded must not build (or fail on) the index again.
pub async fn a_built_index_at_the_resume_point_counts_as_done(db: &TestDb) {
    let dir = Fixture::new()
        .file("001_t.sql", "CREATE TABLE t (x integer);")
        .file("002_index.sql", "-- plover:no-transaction\nCREATE INDEX CONCURRENTLY t_x ON t (x);\nINSERT INTO t VALUES (7);\n");
    let mut conn = db.connect().await;
    let events = resume_after_crash(
        conn.as_mut(),
        &dir,
        "CREATE INDEX CONCURRENTLY t_x ON t (x)",
    )
    .await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::IndexAlreadyBuilt { .. })),
        "{events:?}"
    );
    assert_eq!(count(conn.as_mut(), "t").await, 1);
}

pub async fn session_settings_are_restored_on_resume(db: &TestDb) {
    let (setting, read_back, expected) = match db.backend {
        Backend::Postgres => (
            "SET lock_timeout = '1234ms';",
            "SELECT current_setting('lock_timeout')",
            "1234ms",
        ),
        Backend::Sqlite => (
            "PRAGMA foreign_keys = OFF;",
            "SELECT CAST(foreign_keys AS TEXT) FROM pragma_foreign_keys",
            "0",
        ),
    };
    let dir = Fixture::new().file(
        "001_steps.sql",
        &format!(
            "-- plover:no-transaction\n{setting}\nCREATE TABLE seen (value text);\nINSERT INTO gate VALUES (1);\nINSERT INTO seen {read_back};\n"
        ),
    );
    let mut conn = db.connect().await;
    assert!(dir.up(conn.as_mut()).await.is_err());
    conn.execute_script("CREATE TABLE gate (n integer)")
        .await
        .unwrap();
    let mut fresh = db.connect().await;
    dir.up(fresh.as_mut()).await.unwrap();
    let rows = fresh.query("SELECT value FROM seen", &[]).await.unwrap();
    assert_eq!(
        rows[0][0].as_str(),
        Some(expected),
        "the setting was restored before resuming"
    );
}

/// SQLite only: its own table-rebuild recipe turns foreign keys off, which a transaction
/// silently ignores (deleting the children through ON DELETE CASCADE). Plover refuses it in a
/// transactional file and runs it outside any transaction in a no-transaction one.
pub async fn a_sqlite_table_rebuild_keeps_foreign_keys_off(db: &TestDb) {
    let rebuild = "PRAGMA foreign_keys = OFF;\n\
        CREATE TABLE parent_new (id integer PRIMARY KEY, name text, extra text);\n\
        INSERT INTO parent_new (id, name) SELECT id, name FROM parent;\n\
        DROP TABLE parent;\n\
        ALTER TABLE parent_new RENAME TO parent;\n\
        PRAGMA foreign_keys = ON;\n";
    let dir = Fixture::new()
        .file(
            "001_tables.sql",
            "CREATE TABLE parent (id integer PRIMARY KEY, name text);\n\
             CREATE TABLE child (id integer, parent_id integer REFERENCES parent (id) ON DELETE CASCADE);\n\
             INSERT INTO parent VALUES (1, 'p');\nINSERT INTO child VALUES (1, 1);",
        )
        .file("002_rebuild.sql", rebuild);
    let mut conn = db.connect().await;
    let message = refusal(dir.up(conn.as_mut()).await);
    assert!(
        message.contains(
            "002_rebuild.sql:1: PRAGMA [MAIN] FOREIGN_KEYS cannot run inside a transaction"
        ),
        "{message}"
    );
    dir.write(
        "002_rebuild.sql",
        &format!("-- plover:no-transaction\n{rebuild}"),
    );
    dir.up(conn.as_mut()).await.unwrap();
    assert_eq!(
        count(conn.as_mut(), "child").await,
        1,
        "the children survived the rebuild"
    );
}

/// PostgreSQL only: a crash after `DROP INDEX CONCURRENTLY` finished but before its progress
/// was recorded must not fail on the index being gone.
pub async fn a_dropped_index_at_the_resume_point_counts_as_done(db: &TestDb) {
    let dir = Fixture::new()
        .file(
            "001_t.sql",
            "CREATE TABLE t (x integer);\nCREATE INDEX t_x ON t (x);",
        )
        .file(
            "002_drop.sql",
            "-- plover:no-transaction\nDROP INDEX CONCURRENTLY t_x;\nINSERT INTO t VALUES (7);\n",
        );
    let mut conn = db.connect().await;
    let events = resume_after_crash(conn.as_mut(), &dir, "DROP INDEX CONCURRENTLY t_x").await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::IndexAlreadyDropped { .. })),
        "{events:?}"
    );
    assert_eq!(count(conn.as_mut(), "t").await, 1);
}

/// Applies version 1 of `dir`, then leaves what a crash right after `first_statement` of
/// version 2 leaves (the statement's work done, its progress not recorded), and resumes:
/// the resumed run's events.
async fn resume_after_crash(
    conn: &mut dyn Driver,
    dir: &Fixture,
    first_statement: &str,
) -> Vec<Event> {
    let migrator = dir.migrator();
    migrator
        .up(conn, Some(plover::Version(1)), &mut Silent)
        .await
        .unwrap();
    conn.execute_script(first_statement).await.unwrap();
    let checksum = migrator.migrations()[1].checksum().to_string();
    record_interrupted_start(conn, &checksum).await;
    let mut events = Vec::new();
    migrator
        .up(conn, None, &mut recorder(&mut events))
        .await
        .unwrap();
    events
}

/// What a crash right after the first statement of version 2 (two statements, checksum
/// `checksum`, the first run outside any transaction) leaves when its progress was not
/// recorded yet: a row saying 0 done, with that statement marked as started.
async fn record_interrupted_start(conn: &mut dyn Driver, checksum: &str) {
    conn.execute_script(&format!(
        "INSERT INTO plover_migrations (version, name, checksum, script, status, statements_done, statements_total, applied_by) \
         VALUES (2, 'interrupted', '{checksum}', '', 'partial', 0, 2, 'test')"
    ))
    .await
    .unwrap();
    // The runner marks a statement it runs outside any transaction before starting it; a
    // mark that survives says the crash came inside it.
    conn.execute_script(&format!(
        "UPDATE plover_migrations SET in_flight = 1 WHERE version = 2 AND checksum = '{checksum}'"
    ))
    .await
    .unwrap();
}

/// PostgreSQL only: an index of the same name that exists because the statement failed (here
/// on another table) is not taken for the index the statement builds.
pub async fn an_existing_index_is_trusted_only_after_a_crash(db: &TestDb) {
    let dir = Fixture::new()
        .file("001_tables.sql", "CREATE TABLE users (email text);\nCREATE TABLE other (x integer);\nCREATE INDEX users_email ON other (x);")
        .file("002_index.sql", "-- plover:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email);\n");
    let mut conn = db.connect().await;
    for run in 1..=2 {
        let error = dir.up(conn.as_mut()).await.unwrap_err();
        assert!(
            matches!(error, Error::MigrationFailed { line: Some(2), .. }),
            "run {run}: {error:?}"
        );
    }
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:applied", "2:partial"]
    );
}
