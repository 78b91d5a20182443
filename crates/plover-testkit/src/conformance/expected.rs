//! `up_expecting`: what an expected history calls for, applied only while the history is
//! what was expected and the lock is free.

use plover::core::sql::QualifiedName;
use plover::core::{AppliedMigration, AppliedState, Driver, LockAttempt, LockRequest};
use plover::migrator::{Expected, lock_request};
use plover::{Error, Event, Migrator, Options, Silent, Version};

use super::support::{count, has_table, quick_options, recorder, states};
use crate::{Backend, Fixture, TestDb};

fn three() -> Fixture {
    Fixture::new()
        .file("001_a.sql", "CREATE TABLE a (x integer);")
        .file("002_b.sql", "CREATE TABLE b (x integer);")
        .file("003_c.sql", "CREATE TABLE c (x integer);")
}

/// The history rows applying `migrator`'s files up to `upto` leaves, each in `state`.
fn history_of(migrator: &Migrator, upto: i64, state: AppliedState) -> Vec<AppliedMigration> {
    migrator
        .migrations()
        .iter()
        .filter(|m| m.version.0 <= upto)
        .map(|m| AppliedMigration {
            version: m.version,
            name: m.name.clone(),
            checksum: m.checksum(),
            state,
            applied_at: String::new(),
            execution_ms: 0,
            applied_by: String::new(),
            in_flight: None,
        })
        .collect()
}

/// The migration lock of the test database's history table.
fn history_lock(db: &TestDb) -> LockRequest {
    let schema = match db.backend {
        Backend::Postgres => "public",
        Backend::Sqlite => "main",
    };
    let table = QualifiedName::new(schema, "plover_migrations");
    lock_request(&table, &Options::default())
}

/// `dir`'s migrator, and a connection to `db` where its first migration is applied.
async fn at_version_one(db: &TestDb, dir: &Fixture) -> (Migrator, Box<dyn Driver>) {
    let migrator = dir.migrator();
    let mut conn = db.connect().await;
    migrator
        .up(conn.as_mut(), Some(Version(1)), &mut Silent)
        .await
        .unwrap();
    (migrator, conn)
}

fn versions(outcome: &Expected) -> Vec<i64> {
    match outcome {
        Expected::Done(report) => report.migrations.iter().map(|d| d.version.0).collect(),
        other => panic!("expected the run to be done, got {other:?}"),
    }
}

pub async fn an_expected_history_is_brought_up_to_date(db: &TestDb) {
    let dir = three();
    let (migrator, mut conn) = at_version_one(db, &dir).await;
    let expected = history_of(&migrator, 1, AppliedState::Applied);
    let mut events = Vec::new();
    let outcome = migrator
        .up_expecting(conn.as_mut(), &expected, None, &mut recorder(&mut events))
        .await
        .unwrap();
    assert_eq!(versions(&outcome), [2, 3]);
    let status = migrator.status(conn.as_mut()).await.unwrap();
    assert_eq!(states(&status), ["1:applied", "2:applied", "3:applied"]);
    assert!(has_table(conn.as_mut(), "c").await);
    let kinds: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::LockAcquired { .. } => Some("lock".to_owned()),
            Event::Planned { count } => Some(format!("planned {count}")),
            Event::MigrationStarted { version, .. } => Some(format!("start {version}")),
            Event::MigrationApplied { version, .. } => Some(format!("applied {version}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "lock",
            "planned 2",
            "start 2",
            "applied 2",
            "start 3",
            "applied 3"
        ]
    );

    // The same expectation again: the history has moved on, and nothing runs twice.
    let again = migrator
        .up_expecting(conn.as_mut(), &expected, None, &mut Silent)
        .await
        .unwrap();
    assert!(matches!(again, Expected::NotMet), "{again:?}");
    // A history with nothing left to do is not this path's either.
    let all = history_of(&migrator, 3, AppliedState::Applied);
    let done = migrator
        .up_expecting(conn.as_mut(), &all, None, &mut Silent)
        .await
        .unwrap();
    assert!(matches!(done, Expected::NotMet), "{done:?}");
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 3);
}

pub async fn a_history_not_as_expected_changes_nothing(db: &TestDb) {
    let dir = three();
    let (migrator, mut conn) = at_version_one(db, &dir).await;
    // Each expectation differs from the history in one way a plan depends on.
    let mut renamed = history_of(&migrator, 1, AppliedState::Applied);
    renamed[0].name = "a_renamed".into();
    let mut retired = history_of(&migrator, 1, AppliedState::Applied);
    retired[0].state = AppliedState::Retired;
    let mut stopped = history_of(&migrator, 1, AppliedState::Applied);
    stopped[0].in_flight = Some(1);
    let wrong = [
        history_of(&migrator, 2, AppliedState::Applied),
        history_of(&migrator, 1, AppliedState::Baseline),
        renamed,
        retired,
        stopped,
    ];
    for expected in wrong {
        let outcome = migrator
            .up_expecting(conn.as_mut(), &expected, None, &mut Silent)
            .await
            .unwrap();
        assert!(
            matches!(outcome, Expected::NotMet),
            "{expected:?}: {outcome:?}"
        );
        assert!(!has_table(conn.as_mut(), "b").await, "{expected:?}");
        assert_eq!(count(conn.as_mut(), "plover_migrations").await, 1);
    }
    // The connection is as good as before for what comes next.
    let right = history_of(&migrator, 1, AppliedState::Applied);
    let outcome = migrator
        .up_expecting(conn.as_mut(), &right, None, &mut Silent)
        .await
        .unwrap();
    assert_eq!(versions(&outcome), [2, 3]);
}

pub async fn baseline_rows_are_expected_like_any_other(db: &TestDb) {
    let dir = three();
    let migrator = dir.migrator();
    let mut conn = db.connect().await;
    conn.execute_script("CREATE TABLE a (x integer);")
        .await
        .unwrap();
    migrator
        .baseline(conn.as_mut(), Version(1), &mut Silent)
        .await
        .unwrap();
    let expected = history_of(&migrator, 1, AppliedState::Baseline);
    let outcome = migrator
        .up_expecting(conn.as_mut(), &expected, Some(Version(2)), &mut Silent)
        .await
        .unwrap();
    assert_eq!(versions(&outcome), [2]);
    assert!(!has_table(conn.as_mut(), "c").await);
}

pub async fn a_held_lock_changes_nothing(db: &TestDb) {
    let dir = three();
    let (migrator, mut conn) = at_version_one(db, &dir).await;
    let request = history_lock(db);
    let mut holder = db.connect().await;
    assert_eq!(
        holder.try_lock(&request).await.unwrap(),
        LockAttempt::Acquired
    );
    let expected = history_of(&migrator, 1, AppliedState::Applied);
    let outcome = migrator
        .up_expecting(conn.as_mut(), &expected, None, &mut Silent)
        .await
        .unwrap();
    assert!(matches!(outcome, Expected::NotMet), "{outcome:?}");
    assert!(!has_table(conn.as_mut(), "b").await);

    holder.unlock(&request).await.unwrap();
    let outcome = migrator
        .up_expecting(conn.as_mut(), &expected, None, &mut Silent)
        .await
        .unwrap();
    assert_eq!(versions(&outcome), [2, 3]);
}

pub async fn a_failed_migration_under_an_expectation_rolls_back(db: &TestDb) {
    let dir = Fixture::new()
        .file("001_a.sql", "CREATE TABLE a (x integer);")
        .file(
            "002_b.sql",
            "CREATE TABLE b (x integer);\nINSERT INTO nowhere VALUES (1);",
        )
        .file("003_c.sql", "CREATE TABLE c (x integer);");
    let (migrator, mut conn) = at_version_one(db, &dir).await;
    let expected = history_of(&migrator, 1, AppliedState::Applied);
    let error = migrator
        .up_expecting(conn.as_mut(), &expected, None, &mut Silent)
        .await
        .unwrap_err();
    let Error::MigrationFailed {
        version,
        line,
        applied,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((*version, *line, applied.len()), (Version(2), Some(2), 0));
    assert!(!has_table(conn.as_mut(), "b").await);
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 1);
    // The lock went with the transaction: a run on another connection takes it at once.
    let mut other = db.connect().await;
    let other = dir
        .migrator_with(quick_options())
        .up(other.as_mut(), None, &mut Silent)
        .await;
    assert!(
        matches!(other, Err(Error::MigrationFailed { .. })),
        "{other:?}"
    );
}

pub async fn another_runner_between_two_migrations_stops_the_rest(db: &TestDb) {
    let dir = three();
    let (migrator, mut conn) = at_version_one(db, &dir).await;
    let request = history_lock(db);
    let mut holder = db.connect().await;
    // Once migration 2 is back, another runner takes the tenant's lock.
    let mut observer = |event: &Event| {
        if let Event::MigrationApplied { version, .. } = event
            && *version == Version(2)
        {
            let taken = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(holder.try_lock(&request))
            });
            assert_eq!(taken.unwrap(), LockAttempt::Acquired);
        }
    };
    let expected = history_of(&migrator, 1, AppliedState::Applied);
    let outcome = migrator
        .up_expecting(conn.as_mut(), &expected, None, &mut observer)
        .await
        .unwrap();
    let Expected::Partly(report) = outcome else {
        panic!("{outcome:?}")
    };
    let applied: Vec<Version> = report.migrations.iter().map(|d| d.version).collect();
    assert_eq!(applied, [Version(2)]);
    assert!(!has_table(conn.as_mut(), "c").await);
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 2);
}

pub async fn an_expected_migration_records_its_script_exactly(db: &TestDb) {
    let tricky =
        "CREATE TABLE b (x text DEFAULT 'it''s a \\ backslash, $1 and $$ and -- no comment');";
    let dir = Fixture::new()
        .file("001_a.sql", "CREATE TABLE a (x integer);")
        .file("002_b.sql", tricky);
    let (migrator, mut conn) = at_version_one(db, &dir).await;
    let expected = history_of(&migrator, 1, AppliedState::Applied);
    let outcome = migrator
        .up_expecting(conn.as_mut(), &expected, None, &mut Silent)
        .await
        .unwrap();
    assert_eq!(versions(&outcome), [2]);
    let rows = conn
        .query(
            "SELECT script FROM plover_migrations WHERE version = 2",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows[0][0].as_str(), Some(tricky));
    let status = migrator.status(conn.as_mut()).await.unwrap();
    assert_eq!(states(&status), ["1:applied", "2:applied"]);
}
