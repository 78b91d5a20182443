//! `baseline` and `accept`: recording decisions in the history without running migrations.

use plover_core::plan::{self, AcceptAction};
use plover_core::status::{Entry, State, status};
use plover_core::{AppliedState, Driver, Migration, Step, Value, Version};

use super::history::{History, NewRow};
use super::{AcceptReport, BaselineReport, Migrator, lock};
use crate::{Error, Observer};

impl Migrator {
    /// Records every migration up to `version` as applied without running it, to adopt a
    /// database whose schema already has them. Only a database without history qualifies.
    pub async fn baseline(
        &self,
        db: &mut dyn Driver,
        version: Version,
        observer: &mut dyn Observer,
    ) -> Result<BaselineReport, Error> {
        let history = History::locate(db, &self.options).await?;
        let request = lock::request(&history.table, &self.options);
        lock::acquire(db, &request, self.options.lock_timeout, observer).await?;
        let result = self
            .record_locked(db, &history, |entries| {
                plan::plan_baseline(entries, version).map_err(Error::Refused)
            })
            .await;
        lock::release(db, &request, result).await
    }

    /// Records every pending migration up to `version` as applied without running it: for
    /// migrations someone applied by hand, or a fleet adopted from another tool. Applied
    /// migrations stay as they are.
    pub async fn mark_applied(
        &self,
        db: &mut dyn Driver,
        version: Option<Version>,
        observer: &mut dyn Observer,
    ) -> Result<BaselineReport, Error> {
        let history = History::locate(db, &self.options).await?;
        let request = lock::request(&history.table, &self.options);
        lock::acquire(db, &request, self.options.lock_timeout, observer).await?;
        let result = self
            .record_locked(db, &history, |entries| {
                Ok(entries
                    .iter()
                    .filter(|e| e.state == State::Pending)
                    .filter(|e| version.is_none_or(|v| e.version <= v))
                    .filter_map(|e| e.migration)
                    .collect())
            })
            .await;
        lock::release(db, &request, result).await
    }

    /// Removes the history rows of applied migrations whose files are gone (renamed or
    /// deleted), so the history matches the files again. Returns the versions removed.
    pub async fn forget_missing(
        &self,
        db: &mut dyn Driver,
        observer: &mut dyn Observer,
    ) -> Result<Vec<Version>, Error> {
        let history = History::locate(db, &self.options).await?;
        let request = lock::request(&history.table, &self.options);
        lock::acquire(db, &request, self.options.lock_timeout, observer).await?;
        let result = self.forget_missing_locked(db, &history).await;
        lock::release(db, &request, result).await
    }

    async fn forget_missing_locked(
        &self,
        db: &mut dyn Driver,
        history: &History,
    ) -> Result<Vec<Version>, Error> {
        let applied = history.list(db).await?;
        let missing: Vec<Version> = status(&self.migrations, &applied)
            .iter()
            .filter(|e| e.state == State::Missing)
            .map(|e| e.version)
            .collect();
        let delete = history.delete();
        let params: Vec<[Value; 1]> = missing.iter().map(|v| [Value::Int(v.0)]).collect();
        let steps: Vec<Step<'_>> = params.iter().map(|p| Step::Statement(&delete, p)).collect();
        if !steps.is_empty() {
            db.transaction(&steps)
                .await
                .map_err(Error::database(format!(
                    "removing orphan rows from {}",
                    history.table.plain()
                )))?;
        }
        Ok(missing)
    }

    /// Inserts baseline rows for the migrations `choose` picks, in one transaction.
    async fn record_locked(
        &self,
        db: &mut dyn Driver,
        history: &History,
        choose: impl for<'e> FnOnce(&[Entry<'e>]) -> Result<Vec<&'e Migration>, Error>,
    ) -> Result<BaselineReport, Error> {
        let applied = history.list(db).await?;
        let entries = status(&self.migrations, &applied);
        let chosen = choose(&entries)?;
        if chosen.is_empty() {
            return Ok(BaselineReport::default());
        }
        history.ensure(db).await?;
        let inserts: Vec<(String, Vec<Value>)> = chosen
            .iter()
            .map(|m| {
                history.insert(&NewRow {
                    version: m.version,
                    name: &m.name,
                    checksum: m.checksum().to_string(),
                    script: &m.up.sql,
                    state: AppliedState::Baseline,
                    statements: 0,
                    applied_by: &self.options.applied_by,
                    lint_override: None,
                })
            })
            .collect();
        let steps: Vec<Step<'_>> = inserts
            .iter()
            .map(|(sql, params)| Step::Statement(sql, params))
            .collect();
        db.transaction(&steps)
            .await
            .map_err(Error::database(format!(
                "recording the baseline in {}",
                history.table.plain()
            )))?;
        Ok(BaselineReport {
            recorded: chosen.iter().map(|m| m.version).collect(),
        })
    }

    /// Records a decision about a migration whose file no longer matches the history: an
    /// edited file becomes the applied one (its old checksum kept), a removed file is no
    /// longer expected. `reason` is stored with the row.
    pub async fn accept(
        &self,
        db: &mut dyn Driver,
        version: Version,
        reason: &str,
        observer: &mut dyn Observer,
    ) -> Result<AcceptReport, Error> {
        let history = History::locate(db, &self.options).await?;
        let request = lock::request(&history.table, &self.options);
        lock::acquire(db, &request, self.options.lock_timeout, observer).await?;
        let result = self.accept_locked(db, &history, version, reason).await;
        lock::release(db, &request, result).await
    }

    async fn accept_locked(
        &self,
        db: &mut dyn Driver,
        history: &History,
        version: Version,
        reason: &str,
    ) -> Result<AcceptReport, Error> {
        let applied = history.list(db).await?;
        let entries = status(&self.migrations, &applied);
        let syntax = db.dialect().syntax;
        let count = |m: &plover_core::Migration| plover_core::sql::split(&m.up.sql, syntax).len();
        let action = plan::plan_accept(&entries, version, &count).map_err(Error::Refused)?;
        if let (AcceptAction::Rebless { migration, .. }, Some(done)) =
            (action, partial_done(&applied, version))
        {
            let ran = history.script(db, version).await?.unwrap_or_default();
            check_same_start(migration, &ran, done, syntax)?;
        }
        let by = self.options.applied_by.as_str();
        let (sql, params, report) = match action {
            AcceptAction::Rebless {
                migration,
                previous,
                statements,
            } => {
                let row = NewRow {
                    version,
                    name: &migration.name,
                    checksum: migration.checksum().to_string(),
                    script: &migration.up.sql,
                    state: AppliedState::Applied,
                    statements,
                    applied_by: by,
                    lint_override: None,
                };
                let (sql, params) = history.rebless(&row, reason);
                let report = AcceptReport {
                    version,
                    action: "reblessed",
                    previous_checksum: Some(previous.to_string()),
                    checksum: Some(migration.checksum().to_string()),
                };
                (sql, params, report)
            }
            AcceptAction::Retire { version } => {
                let (sql, params) = history.retire(version, reason, by);
                (
                    sql,
                    params,
                    AcceptReport {
                        version,
                        action: "retired",
                        previous_checksum: None,
                        checksum: None,
                    },
                )
            }
        };
        db.transaction(&[Step::Statement(&sql, &params)])
            .await
            .map_err(Error::database(format!(
                "recording the acceptance in {}",
                history.table.plain()
            )))?;
        Ok(report)
    }
}

/// Statements done, when `version` is half-applied.
fn partial_done(applied: &[plover_core::AppliedMigration], version: Version) -> Option<usize> {
    applied
        .iter()
        .find(|a| a.version == version)
        .and_then(|a| match a.state {
            AppliedState::Partial { done, .. } => Some(done),
            _ => None,
        })
}

/// A half-applied migration resumes after its first `done` statements, so the accepted file
/// must start with exactly the statements that ran.
fn check_same_start(
    migration: &plover_core::Migration,
    ran: &str,
    done: usize,
    syntax: plover_core::sql::Syntax,
) -> Result<(), Error> {
    let now = &migration.up.sql;
    let (old, new) = (
        plover_core::sql::split(ran, syntax),
        plover_core::sql::split(now, syntax),
    );
    let differs = (0..done).find(|&i| match (old.get(i), new.get(i)) {
        (Some(a), Some(b)) => a.text(ran).trim() != b.text(now).trim(),
        _ => true,
    });
    let Some(i) = differs else { return Ok(()) };
    let line = new
        .get(i)
        .map_or_else(|| "its end".to_owned(), |s| format!("line {}", s.line));
    let reason = format!(
        "statement {} ({line}) differs from the one that ran, and resuming would skip it",
        i + 1
    );
    Err(Error::Refused(
        plover_core::plan::Problem::CannotResumeWith {
            version: migration.version,
            path: migration.up.path.clone(),
            reason,
        }
        .into(),
    ))
}
