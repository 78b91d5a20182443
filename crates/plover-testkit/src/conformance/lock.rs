//! The migration lock.

use plover::core::sql::QualifiedName;
use plover::core::{Claimant, LockAttempt};
use plover::migrator::lock_request;
use plover::{Error, Options, Silent};

use super::support::quick_options;
use crate::{Backend, Fixture, TestDb};

fn history_table(db: &TestDb) -> QualifiedName {
    let schema = match db.backend {
        Backend::Postgres => "public",
        Backend::Sqlite => "main",
    };
    QualifiedName::new(schema, "plover_migrations")
}

pub async fn a_held_lock_names_its_holder(db: &TestDb) {
    let dir = Fixture::new().file("001_a.sql", "CREATE TABLE a (x integer);");
    let mut holder = db.connect().await;
    let mut request = lock_request(&history_table(db), &Options::default());
    request.claimant = Claimant {
        host: "build-box".into(),
        pid: 4242,
        since_unix: 1_795_299_543,
        token: 7,
    };
    assert_eq!(
        holder.try_lock(&request).await.unwrap(),
        LockAttempt::Acquired
    );

    let mut conn = db.connect().await;
    let error = dir
        .migrator_with(quick_options())
        .up(conn.as_mut(), None, &mut Silent)
        .await
        .unwrap_err();
    let Error::LockTimeout {
        holder: Some(who), ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (who.host.as_deref(), who.pid),
        (Some("build-box"), Some(4242))
    );
    assert_eq!(who.since.as_deref(), Some("2026-11-21 22:19:03 UTC"));
    assert!(
        error.to_string().contains("host build-box, pid 4242"),
        "{error}"
    );
    let status = dir.migrator().status(conn.as_mut()).await.unwrap();
    assert_eq!(status.lock_holder.and_then(|h| h.pid), Some(4242));

    holder.unlock(&request).await.unwrap();
    dir.migrator_with(quick_options())
        .up(conn.as_mut(), None, &mut Silent)
        .await
        .unwrap();
    assert!(
        dir.migrator()
            .status(conn.as_mut())
            .await
            .unwrap()
            .lock_holder
            .is_none()
    );
}

pub async fn the_lock_is_released_after_a_failure(db: &TestDb) {
    let dir = Fixture::new().file("001_bad.sql", "INSERT INTO nowhere VALUES (1);");
    let mut conn = db.connect().await;
    assert!(matches!(
        dir.up(conn.as_mut()).await,
        Err(Error::MigrationFailed { .. })
    ));
    let mut other = db.connect().await;
    dir.write("001_bad.sql", "CREATE TABLE nowhere (x integer);");
    dir.migrator_with(quick_options())
        .up(other.as_mut(), None, &mut Silent)
        .await
        .unwrap();
}
