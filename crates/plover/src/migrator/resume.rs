//! What a no-transaction migration needs when it resumes after a crash: statements that may
//! have finished without their progress being recorded, and session settings to restore.

use plover_core::sql::{Statement, created_index_name, dropped_index_name, matches_pattern};
use plover_core::{Driver, Event, Script, Value, Version};

use crate::{Error, Observer};

/// Whether a statement that runs outside any transaction still has to run.
pub enum Check {
    /// Run it.
    Run,
    /// Its effect is already there: count it as done.
    AlreadyDone,
}

/// Looks at the index a `CREATE INDEX CONCURRENTLY` or `DROP INDEX CONCURRENTLY` works on.
///
/// A failed or interrupted build leaves an INVALID index behind: it is dropped so that the
/// statement can build it again. When `trust_existing` (the run stopped inside this very
/// statement, by a crash rather than an error), a valid index (for a build) or no index (for
/// a drop) means the statement finished before its progress could be recorded: it counts as
/// done instead of failing on "already exists" or "does not exist".
pub async fn check_index(
    db: &mut dyn Driver,
    observer: &mut dyn Observer,
    version: Version,
    statement: &str,
    trust_existing: bool,
) -> Result<Check, Error> {
    let Some(repair) = &db.dialect().index_repair else {
        return Ok(Check::Run);
    };
    let (index, creates) = match (created_index_name(statement), dropped_index_name(statement)) {
        (Some(index), _) => (index, true),
        (None, Some(index)) => (index, false),
        (None, None) => return Ok(Check::Run),
    };
    let context = format!("checking index {index} of version {version}");
    let rows = db
        .query(repair.index_validity, &[Value::from(index.as_str())])
        .await
        .map_err(Error::database(context.clone()))?;
    let valid = rows
        .first()
        .and_then(|r| r.first())
        .and_then(Value::as_bool);
    match (creates, valid) {
        (true, Some(false)) => {
            let drop = repair.drop_index.replace("{index}", &index);
            db.execute_script(&drop)
                .await
                .map_err(Error::database(context))?;
            observer.on_event(&Event::InvalidIndexDropped { version, index });
            Ok(Check::Run)
        }
        (true, Some(true)) if trust_existing => {
            observer.on_event(&Event::IndexAlreadyBuilt { version, index });
            Ok(Check::AlreadyDone)
        }
        (false, None) if trust_existing => {
            observer.on_event(&Event::IndexAlreadyDropped { version, index });
            Ok(Check::AlreadyDone)
        }
        _ => Ok(Check::Run),
    }
}

/// Runs again, outside any transaction, the session settings (`SET ...`, `PRAGMA ...`) among
/// the statements an earlier run did: they belonged to that run's connection.
pub async fn replay_session_settings(
    db: &mut dyn Driver,
    version: Version,
    script: &Script,
    done: &[Statement],
) -> Result<(), Error> {
    let patterns = db.dialect().session_settings;
    for statement in done {
        let text = statement.text(&script.sql);
        if patterns.iter().any(|p| matches_pattern(p, text)) {
            let context = format!(
                "restoring the session setting at {}:{} of version {version}",
                script.path, statement.line
            );
            db.execute_script(text)
                .await
                .map_err(Error::database(context))?;
        }
    }
    Ok(())
}
