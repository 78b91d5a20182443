//! Reverting migrations.

use plover::{DownTarget, Event, Silent, Version};

use super::support::{count, has_table, recorder, refusal, states};
use crate::{Fixture, TestDb};

fn reversible() -> Fixture {
    Fixture::new()
        .file("001_a.sql", "CREATE TABLE a (x integer);")
        .file("001_a.down.sql", "DROP TABLE a;")
        .file("002_b.sql", "CREATE TABLE b (x integer);")
        .file("002_b.down.sql", "DROP TABLE b;")
        .file("003_c.sql", "CREATE TABLE c (x integer);")
        .file("003_c.down.sql", "DROP TABLE c;")
}

pub async fn down_reverts_newest_first_with_its_history_row(db: &TestDb) {
    let dir = reversible();
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    let mut events = Vec::new();
    let report = dir
        .migrator()
        .down(
            conn.as_mut(),
            DownTarget::Steps(2),
            &mut recorder(&mut events),
        )
        .await
        .unwrap();
    let versions: Vec<i64> = report.migrations.iter().map(|m| m.version.0).collect();
    assert_eq!(versions, [3, 2]);
    assert!(matches!(events.first(), Some(Event::LockAcquired { .. })));
    assert!(has_table(conn.as_mut(), "a").await);
    assert!(!has_table(conn.as_mut(), "b").await && !has_table(conn.as_mut(), "c").await);
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 1);
    dir.up(conn.as_mut()).await.unwrap();
    assert!(
        has_table(conn.as_mut(), "c").await,
        "reverted migrations apply again"
    );
}

pub async fn down_needs_every_down_script_before_it_starts(db: &TestDb) {
    let dir = reversible();
    dir.remove("002_b.down.sql");
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    let message = refusal(
        dir.migrator()
            .down(conn.as_mut(), DownTarget::Steps(2), &mut Silent)
            .await,
    );
    assert!(
        message.contains("002_b.sql has no down script"),
        "{message}"
    );
    assert!(
        has_table(conn.as_mut(), "c").await,
        "nothing was reverted, not even 3"
    );
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 3);
}

pub async fn down_to_a_version(db: &TestDb) {
    let dir = reversible();
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    let plan = dir
        .migrator()
        .plan_down(conn.as_mut(), DownTarget::To(Version(1)))
        .await
        .unwrap();
    let planned: Vec<i64> = plan.steps.iter().map(|s| s.version.0).collect();
    assert_eq!(planned, [3, 2]);
    dir.migrator()
        .down(conn.as_mut(), DownTarget::To(Version(1)), &mut Silent)
        .await
        .unwrap();
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:applied", "2:pending", "3:pending"]
    );
    dir.migrator()
        .down(conn.as_mut(), DownTarget::To(Version(0)), &mut Silent)
        .await
        .unwrap();
    assert!(!has_table(conn.as_mut(), "a").await);
}
