//! What `up` refuses, and that a refusal changes nothing.

use plover::core::plan::OutOfOrder;
use plover::{Options, Silent};

use super::support::{count, has_table, refusal, states};
use crate::{Fixture, TestDb};

fn applied_pair() -> Fixture {
    Fixture::new()
        .file("001_a.sql", "CREATE TABLE a (x integer);")
        .file("002_b.sql", "CREATE TABLE b (x integer);")
}

pub async fn an_edited_file_is_refused_with_a_diff(db: &TestDb) {
    let dir = applied_pair();
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    dir.write("002_b.sql", "CREATE TABLE b (x integer, y integer);");
    dir.write("003_c.sql", "CREATE TABLE c (x integer);");
    let message = refusal(dir.up(conn.as_mut()).await);
    assert!(
        message.contains("002_b.sql was edited after it was applied"),
        "{message}"
    );
    assert!(
        message.contains("-CREATE TABLE b (x integer);"),
        "{message}"
    );
    assert!(
        message.contains("+CREATE TABLE b (x integer, y integer);"),
        "{message}"
    );
    assert!(message.contains("plover accept 2 --reason"), "{message}");
    assert!(
        !has_table(conn.as_mut(), "c").await,
        "the pending migration did not run"
    );
    assert_eq!(count(conn.as_mut(), "plover_migrations").await, 2);
}

pub async fn a_missing_file_is_refused(db: &TestDb) {
    let dir = applied_pair();
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    dir.remove("001_a.sql");
    dir.write("003_c.sql", "CREATE TABLE c (x integer);");
    let message = refusal(dir.up(conn.as_mut()).await);
    assert!(
        message.contains("version 1 (a) was applied but its file is gone"),
        "{message}"
    );
    assert!(!has_table(conn.as_mut(), "c").await);
}

pub async fn out_of_order_is_refused_unless_allowed(db: &TestDb) {
    let dir = Fixture::new()
        .file("001_a.sql", "CREATE TABLE a (x integer);")
        .file("003_c.sql", "CREATE TABLE c (x integer);");
    let mut conn = db.connect().await;
    dir.up(conn.as_mut()).await.unwrap();
    dir.write("002_b.sql", "CREATE TABLE b (x integer);");
    let message = refusal(dir.up(conn.as_mut()).await);
    assert!(
        message.contains("002_b.sql is pending but version 3 is already applied (out of order)"),
        "{message}"
    );
    assert!(message.contains("--allow-out-of-order"), "{message}");
    assert!(!has_table(conn.as_mut(), "b").await);
    let allow = Options {
        out_of_order: OutOfOrder::Allow,
        ..Options::default()
    };
    dir.migrator_with(allow)
        .up(conn.as_mut(), None, &mut Silent)
        .await
        .unwrap();
    assert!(has_table(conn.as_mut(), "b").await);
}

pub async fn a_half_applied_migration_whose_file_changed_is_refused(db: &TestDb) {
    let dir = Fixture::new().file(
        "001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s (x integer);\nINSERT INTO gate VALUES (1);\n",
    );
    let mut conn = db.connect().await;
    assert!(dir.up(conn.as_mut()).await.is_err());
    dir.write(
        "001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s (x integer);\nINSERT INTO s VALUES (1);\n",
    );
    let message = refusal(dir.up(conn.as_mut()).await);
    assert!(
        message
            .contains("001_steps.sql stopped after 1 of 2 statements, and the file changed since"),
        "{message}"
    );
    assert!(message.contains("plover accept 1"), "{message}");
    assert_eq!(count(conn.as_mut(), "s").await, 0);
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:modified"]
    );

    // The way out: accept the fixed file, and `up` resumes at the failed statement.
    dir.migrator()
        .accept(
            conn.as_mut(),
            plover::Version(1),
            "fixed the insert",
            &mut Silent,
        )
        .await
        .unwrap();
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:partial"]
    );
    dir.up(conn.as_mut()).await.unwrap();
    assert_eq!(
        count(conn.as_mut(), "s").await,
        1,
        "the first statement did not run again"
    );
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:applied"]
    );
}

pub async fn transaction_control_inside_a_file_is_refused(db: &TestDb) {
    let dir = Fixture::new().file(
        "001_mixed.sql",
        "CREATE TABLE m (x integer);\nCOMMIT;\nCREATE TABLE n (x integer);\n",
    );
    let mut conn = db.connect().await;
    let message = refusal(dir.up(conn.as_mut()).await);
    assert!(
        message.contains("001_mixed.sql:2: `COMMIT` controls the transaction"),
        "{message}"
    );
    assert!(!has_table(conn.as_mut(), "m").await);
}

pub async fn accepting_a_half_applied_migration_without_its_failed_statement_completes_it(
    db: &TestDb,
) {
    let dir = Fixture::new().file(
        "001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s (x integer);\nINSERT INTO s VALUES (1);\nINSERT INTO gate VALUES (1);\n",
    );
    let mut conn = db.connect().await;
    assert!(dir.up(conn.as_mut()).await.is_err());
    dir.write(
        "001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s (x integer);\nINSERT INTO s VALUES (1);\n",
    );
    dir.migrator()
        .accept(
            conn.as_mut(),
            plover::Version(1),
            "the gate is gone",
            &mut Silent,
        )
        .await
        .unwrap();
    dir.up(conn.as_mut()).await.unwrap();
    assert_eq!(
        states(&dir.migrator().status(conn.as_mut()).await.unwrap()),
        ["1:applied"]
    );
    assert_eq!(count(conn.as_mut(), "s").await, 1);

    // Losing the directive, or the statements already done, cannot be accepted.
    let other = Fixture::new().file(
        "001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE s2 (x integer);\nINSERT INTO s2 VALUES (1);\nINSERT INTO gate VALUES (1);\n",
    );
    let options = plover::Options {
        history_table: "h2".into(),
        ..plover::Options::default()
    };
    assert!(
        other
            .migrator_with(options.clone())
            .up(conn.as_mut(), None, &mut Silent)
            .await
            .is_err()
    );
    other.write(
        "001_steps.sql",
        "CREATE TABLE s2 (x integer);\nINSERT INTO s2 VALUES (1);\n",
    );
    let message = refusal(
        other
            .migrator_with(options)
            .accept(conn.as_mut(), plover::Version(1), "x", &mut Silent)
            .await,
    );
    assert!(
        message.contains("lost `-- plover:no-transaction`"),
        "{message}"
    );
}

pub async fn accepting_a_half_applied_migration_checks_the_statements_that_ran(db: &TestDb) {
    let dir = Fixture::new().file(
        "001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE a (x integer);\nINSERT INTO gate VALUES (1);\n",
    );
    let mut conn = db.connect().await;
    assert!(dir.up(conn.as_mut()).await.is_err());
    dir.write(
        "001_steps.sql",
        "-- plover:no-transaction\nCREATE TABLE audit (x integer);\nCREATE TABLE a (x integer);\nSELECT 1;\n",
    );
    let message = refusal(
        dir.migrator()
            .accept(conn.as_mut(), plover::Version(1), "reordered", &mut Silent)
            .await,
    );
    assert!(
        message.contains("statement 1 (line 2) differs from the one that ran"),
        "{message}"
    );
}
