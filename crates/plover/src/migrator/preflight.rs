//! The preflight of `up`: pending migrations are linted before anything runs; errors refuse
//! the run unless overridden (and the override is recorded), warnings are reported.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use plover_core::plan::{PlannedMigration, Problem, Refusal};
use plover_core::{Driver, Event, Version};

use crate::lint::{
    FileLint, LintSettings, Override, Preflight, Reversibility, Severity, lint_script,
};
use crate::{Error, Observer};

/// What the preflight found, per migration.
#[derive(Default)]
pub struct Lints {
    /// The lint of each fresh pending migration (PostgreSQL only).
    pub files: BTreeMap<Version, Arc<FileLint>>,
}

/// Lints already made, by migration and the PostgreSQL version linted for: a fleet lints each
/// file once, not once per tenant. Shared by the migrators of one set of files with the same
/// lint settings.
#[derive(Debug, Default)]
pub struct LintCache(Mutex<HashMap<(Version, u32), Arc<FileLint>>>);

/// Rules overridden per migration, recorded in its history row.
pub type Overrides = BTreeMap<Version, String>;

/// Lints the migrations `planned` will start fresh (a resumed one was checked when it started).
pub fn lint(
    db: &dyn Driver,
    planned: &[PlannedMigration<'_>],
    settings: &LintSettings,
    cache: &LintCache,
) -> Result<Lints, Error> {
    if !db.dialect().lintable {
        return Ok(Lints::default());
    }
    let options = settings.options(Some(db.server_version()));
    let mut files = BTreeMap::new();
    for step in planned.iter().filter(|p| p.resume.is_none()) {
        let version = step.migration.version;
        let mut cached = cache.0.lock().expect("lint cache");
        let lint = match cached.entry((version, options.postgres_version)) {
            Entry::Occupied(entry) => Arc::clone(entry.get()),
            Entry::Vacant(entry) => {
                Arc::clone(entry.insert(Arc::new(lint_script(&step.migration.up, &options)?)))
            }
        };
        files.insert(version, lint);
    }
    Ok(Lints { files })
}

/// Refuses on errors and missing down scripts (unless overridden); returns the overrides to
/// record.
pub fn check(
    planned: &[PlannedMigration<'_>],
    lints: &Lints,
    settings: &LintSettings,
) -> Result<Overrides, Error> {
    let mut problems = Vec::new();
    let mut overrides = Overrides::new();
    if settings.preflight == Preflight::Off {
        return Ok(overrides);
    }
    for step in planned {
        let migration = step.migration;
        if settings.reversibility == Reversibility::Required
            && migration.down.is_none()
            && step.resume.is_none()
        {
            problems.push(Problem::NotReversible {
                version: migration.version,
                path: migration.up.path.clone(),
            });
        }
        let Some(lint) = lints.files.get(&migration.version) else {
            continue;
        };
        let errors: Vec<_> = lint
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            continue;
        }
        match settings.override_errors {
            Override::Force => {
                let rules: Vec<&str> = errors.iter().map(|f| f.rule).collect();
                overrides.insert(migration.version, format!("forced: {}", rules.join(", ")));
            }
            Override::Refuse => problems.push(Problem::LintErrors {
                version: migration.version,
                path: migration.up.path.clone(),
                findings: errors
                    .iter()
                    .map(|f| format!("{}:{} {}: {}", f.line, f.column, f.rule, f.message))
                    .collect(),
            }),
        }
    }
    if problems.is_empty() {
        Ok(overrides)
    } else {
        Err(Error::Refused(Refusal { problems }))
    }
}

/// Reports the findings that do not stop the run.
pub fn report(lints: &Lints, settings: &LintSettings, observer: &mut dyn Observer) {
    if settings.preflight == Preflight::Off {
        return;
    }
    for (version, lint) in &lints.files {
        for finding in lint
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
        {
            observer.on_event(&Event::LintFinding {
                version: *version,
                path: finding.path.clone(),
                line: finding.line,
                rule: finding.rule.to_owned(),
                severity: finding.severity.as_str().to_owned(),
                message: finding.message.clone(),
            });
        }
    }
}
