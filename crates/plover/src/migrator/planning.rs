//! Turning lined-up files and history rows into checked plans: the steps between the core's
//! plans and running them.

use plover_core::body::{self, Body};
use plover_core::diff::unified_diff;
use plover_core::plan::{self, DownTarget, PlannedMigration, Problem, Refusal, Resume, UpPolicy};
use plover_core::status::Entry;
use plover_core::{Driver, Migration, Script};

use super::history::History;
use super::report::{PlannedStep, RunReport};
use crate::Error;

/// Plans `up`, attaching diffs to a refusal.
pub async fn plan_up_from<'m>(
    db: &mut dyn Driver,
    history: &History,
    entries: &[Entry<'m>],
    policy: UpPolicy,
) -> Result<Vec<PlannedMigration<'m>>, Error> {
    match plan::plan_up(entries, policy) {
        Ok(planned) => Ok(planned),
        Err(refusal) => Err(refused_with_diffs(db, history, refusal, entries).await),
    }
}

pub fn down_script(migration: &Migration) -> &Script {
    migration
        .down
        .as_ref()
        .expect("the plan checked every down script")
}

pub async fn plan_down_from<'m>(
    db: &mut dyn Driver,
    history: &History,
    entries: &[Entry<'m>],
    target: DownTarget,
) -> Result<Vec<&'m Migration>, Error> {
    match plan::plan_down(entries, target) {
        Ok(chosen) => Ok(chosen),
        Err(refusal) => Err(refused_with_diffs(db, history, refusal, entries).await),
    }
}

/// Cuts every planned migration into what will run, and checks that each half-applied one
/// still has as many statements as when it stopped, so that resuming skips exactly those done.
pub fn prepare_up<'m>(
    db: &dyn Driver,
    planned: &[PlannedMigration<'m>],
) -> Result<Vec<Body<'m>>, Error> {
    let bodies = prepare_all(db, planned.iter().map(|p| &p.migration.up))?;
    let unresumable = planned.iter().zip(&bodies).filter_map(|(p, body)| {
        body::check_resumable(&p.migration.up, body, db.dialect())
            .err()
            .map(Problem::Script)
    });
    let problems: Vec<Problem> = planned
        .iter()
        .zip(&bodies)
        .filter_map(|(p, body)| {
            let resume = p.resume?;
            let now = body.statements.len();
            (resume.total != now).then(|| Problem::StatementCountChanged {
                version: p.migration.version,
                path: p.migration.up.path.clone(),
                recorded: resume.total,
                now,
            })
        })
        .chain(unresumable)
        .collect();
    if problems.is_empty() {
        Ok(bodies)
    } else {
        Err(Error::Refused(Refusal { problems }))
    }
}

/// Cuts every script into what will run, refusing (with every problem) before anything runs.
pub fn prepare_all<'s>(
    db: &dyn Driver,
    scripts: impl Iterator<Item = &'s Script>,
) -> Result<Vec<Body<'s>>, Error> {
    let (dialect, version) = (db.dialect(), db.server_version());
    let mut bodies = Vec::new();
    let mut problems = Vec::new();
    for script in scripts {
        match body::prepare(script, dialect, version) {
            Ok(body) => bodies.push(body),
            Err(error) => problems.push(Problem::Script(error)),
        }
    }
    if problems.is_empty() {
        Ok(bodies)
    } else {
        Err(Error::Refused(Refusal { problems }))
    }
}

pub fn planned_step(
    migration: &Migration,
    script: &Script,
    body: &Body<'_>,
    resume: Option<Resume>,
) -> PlannedStep {
    PlannedStep {
        version: migration.version,
        name: migration.name.clone(),
        path: script.path.clone(),
        transaction: script.transaction,
        statements: body.statements.len(),
        resume_after: resume.map(|r| r.done),
        self_wrapped: body.self_wrapped,
        tier: None,
        findings: Vec::new(),
    }
}

/// Attaches to each edited-file problem the diff from the applied script to the file.
pub async fn refused_with_diffs(
    db: &mut dyn Driver,
    history: &History,
    mut refusal: Refusal,
    entries: &[Entry<'_>],
) -> Error {
    for problem in &mut refusal.problems {
        if let Problem::Modified {
            version,
            path,
            diff,
            ..
        } = problem
        {
            let current = entries
                .iter()
                .find(|e| e.version == *version)
                .and_then(|e| e.migration);
            if let (Ok(Some(applied)), Some(current)) =
                (history.script(db, *version).await, current)
            {
                *diff = Some(unified_diff(&applied, &current.up.sql, "applied", path));
            }
        }
    }
    Error::Refused(refusal)
}

pub fn with_applied(error: Error, report: &RunReport) -> Error {
    match error {
        Error::MigrationFailed {
            version,
            path,
            line,
            source,
            ..
        } => Error::MigrationFailed {
            version,
            path,
            line,
            source,
            applied: report.migrations.iter().map(|d| d.version).collect(),
        },
        other => other,
    }
}
