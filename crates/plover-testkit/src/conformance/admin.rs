//! `baseline`, `accept` and `verify`.

use plover::{Error, Silent, Version};

use super::support::{count, has_table, refusal, states};
use crate::{Fixture, TestDb};

fn pair() -> Fixture {
    Fixture::new()
        .file("001_a.sql", "CREATE TABLE a (x integer);")
        .file("002_b.sql", "CREATE TABLE b (x integer);")
        .file("003_c.sql", "CREATE TABLE c (x integer);")
}

pub async fn baseline_records_without_running(db: &TestDb) {
    let dir = pair();
    let mut conn = db.connect().await;
    // An existing database that already has what 001 and 002 create.
    conn.execute_script("CREATE TABLE a (x integer); CREATE TABLE b (x integer);")
        .await
        .unwrap();
    let report = dir
        .migrator()
        .baseline(conn.as_mut(), Version(2), &mut Silent)
        .await
        .unwrap();
    assert_eq!(report.recorded, [Version(1), Version(2)]);
    let status = dir.migrator().status(conn.as_mut()).await.unwrap();
    assert_eq!(states(&status), ["1:applied", "2:applied", "3:pending"]);
    assert!(status.migrations[0].baseline);
    dir.up(conn.as_mut()).await.unwrap();
    assert!(has_table(conn.as_mut(), "c").await);
}

pub async fn baseline_refuses_a_database_with_history(db: &TestDb) {
    let dir = pair();
    let mut conn = db.connect().await;
    dir.migrator()
        .up(conn.as_mut(), Some(Version(1)), &mut Silent)
        .await
        .unwrap();
    let message = refusal(
        dir.migrator()
            .baseline(conn.as_mut(), Version(2), &mut Silent)
            .await,
    );
    assert!(message.contains("already has 1 row(s)"), "{message}");
    let unknown = refusal(
        pair()
            .migrator()
            .baseline(conn.as_mut(), Version(7), &mut Silent)
            .await,
    );
    assert!(unknown.contains("history table already has"), "{unknown}");
}

pub async fn accept_reblesses_an_edited_file(db: &TestDb) {
    let dir = pair();
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    let before = dir.migrator().migrations()[1].checksum().to_string();
    dir.write(
        "002_b.sql",
        "-- a comment added after the fact\nCREATE TABLE b (x integer);",
    );
    assert!(matches!(
        dir.migrator().verify(conn.as_mut()).await,
        Err(Error::Refused(_))
    ));
    let report = dir
        .migrator()
        .accept(conn.as_mut(), Version(2), "comment only", &mut Silent)
        .await
        .unwrap();
    assert_eq!(report.previous_checksum.as_deref(), Some(before.as_str()));
    let rows = conn
        .query("SELECT previous_checksum, accept_reason, script FROM plover_migrations WHERE version = 2", &[])
        .await
        .unwrap();
    assert_eq!(rows[0][0].as_str(), Some(before.as_str()));
    assert_eq!(rows[0][1].as_str(), Some("comment only"));
    assert!(rows[0][2].as_str().unwrap().starts_with("-- a comment"));
    assert_eq!(
        dir.migrator().verify(conn.as_mut()).await.unwrap().checked,
        3
    );
    let nothing = refusal(
        dir.migrator()
            .accept(conn.as_mut(), Version(2), "again", &mut Silent)
            .await,
    );
    assert!(nothing.contains("nothing to accept"), "{nothing}");
}

pub async fn accept_retires_a_removed_file(db: &TestDb) {
    let dir = pair();
    let mut conn = db.connect().await;
    dir.migrator()
        .up(conn.as_mut(), Some(Version(2)), &mut Silent)
        .await
        .unwrap();
    dir.remove("001_a.sql");
    assert!(matches!(
        dir.up(conn.as_mut()).await,
        Err(Error::Refused(_))
    ));
    dir.migrator()
        .accept(
            conn.as_mut(),
            Version(1),
            "squashed into the schema",
            &mut Silent,
        )
        .await
        .unwrap();
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:retired", "2:applied", "3:pending"]
    );
    dir.up(conn.as_mut()).await.unwrap();
    assert!(has_table(conn.as_mut(), "c").await);
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 3);
}

pub async fn verify_checks_checksums_only(db: &TestDb) {
    let dir = pair();
    let mut conn = db.connect().await;
    dir.migrator()
        .up(conn.as_mut(), Some(Version(1)), &mut Silent)
        .await
        .unwrap();
    assert_eq!(
        dir.migrator().verify(conn.as_mut()).await.unwrap().checked,
        1,
        "pending migrations are fine"
    );
    dir.write("001_a.sql", "CREATE TABLE a (x bigint);");
    let message = refusal(dir.migrator().verify(conn.as_mut()).await);
    assert!(message.contains("001_a.sql was edited"), "{message}");
}
