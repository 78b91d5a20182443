//! Helpers the conformance tests share.

use plover::core::{Driver, Value};
use plover::migrator::StatusReport;
use plover::{Error, Event, Options};

use crate::query_i64;

/// Whether a table `name` is visible to the connection (on its search path).
pub async fn has_table(db: &mut dyn Driver, name: &str) -> bool {
    let dialect = db.dialect();
    let schema = db
        .query(
            &dialect.bind_style(dialect.history_schema),
            &[Value::from(name)],
        )
        .await
        .expect("schema lookup");
    let schema = schema[0][0].as_str().expect("schema name").to_owned();
    let table = plover::core::sql::QualifiedName::new(schema.clone(), name);
    let sql = dialect.render(dialect.table_exists, &table);
    !db.query(&sql, &[Value::from(schema), Value::from(name)])
        .await
        .expect("table lookup")
        .is_empty()
}

/// `SELECT count(*) FROM table`.
pub async fn count(db: &mut dyn Driver, table: &str) -> i64 {
    query_i64(db, &format!("SELECT count(*) FROM {table}")).await
}

/// The states of `report`, as `version:state` words.
pub fn states(report: &StatusReport) -> Vec<String> {
    report
        .migrations
        .iter()
        .map(|m| format!("{}:{}", m.version, m.state.as_str()))
        .collect()
}

/// Options with a short lock timeout, for tests that expect contention.
pub fn quick_options() -> Options {
    Options {
        lock_timeout: std::time::Duration::from_millis(400),
        ..Options::default()
    }
}

/// Collects events.
pub fn recorder(events: &mut Vec<Event>) -> impl FnMut(&Event) + Send + '_ {
    move |e: &Event| events.push(e.clone())
}

/// The message of a refusal, or a panic naming what came instead.
pub fn refusal(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Refused(refusal)) => refusal.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
