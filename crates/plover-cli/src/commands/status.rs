//! `plover status [--check]`

use console::style;
use plover::core::status::State;
use plover::migrator::{MigrationStatus, StatusReport};
use serde_json::json;

use super::{Access, CommandFlags, engine_failure, open};
use crate::args::{Global, StatusArgs};
use crate::exit::Exit;
use crate::output::{Failure, Output};

pub async fn run(global: &Global, args: &StatusArgs, output: &mut Output) -> Result<Exit, Failure> {
    let mut session = open(global, CommandFlags::default(), Access::Read, output).await?;
    let report = session
        .migrator
        .status(session.db.as_mut())
        .await
        .map_err(engine_failure)?;
    let source = &session.settings.database_source;
    let mut value = serde_json::to_value(&report).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "database".into(),
            json!(session.settings.database.to_string()),
        );
        object.insert("database_source".into(), json!(source.to_string()));
        object.insert("pending".into(), json!(report.pending()));
        object.insert("problems".into(), json!(report.problems()));
    }
    output.json(&value);
    let lock = report
        .lock_holder
        .as_ref()
        .map_or_else(|| "free".to_owned(), |h| format!("held by {h}"));
    // One write for the whole report: a thousand migrations make a thousand lines.
    output.line(format!(
        "database  {} (from {source})\nhistory   {}\nlock      {lock}\n\n{}",
        session.settings.database,
        report.history_table,
        table(&report)
    ));
    Ok(match (args.check, report.problems(), report.pending()) {
        (false, _, _) | (true, 0, 0) => Exit::Success,
        (true, 0, _) => Exit::Pending,
        (true, _, _) => Exit::Refused,
    })
}

/// The migrations as a table, with a summary line.
fn table(report: &StatusReport) -> String {
    if report.migrations.is_empty() {
        return "no migrations yet: create one with `plover new NAME`".to_owned();
    }
    let width =
        |f: &dyn Fn(&MigrationStatus) -> usize| report.migrations.iter().map(f).max().unwrap_or(0);
    let version_width = width(&|m| m.version.to_string().len()).max("VERSION".len());
    let name_width = width(&|m| m.name.len()).max("NAME".len());
    let mut lines = vec![format!(
        "{:<version_width$}  {:<name_width$}  {:<8}  APPLIED",
        "VERSION", "NAME", "STATE"
    )];
    for m in &report.migrations {
        let state = format!("{:<8}", m.state.as_str());
        let state = match m.state {
            State::Applied | State::Retired => style(state).green(),
            State::Pending if !m.out_of_order => style(state).yellow(),
            _ => style(state).red().bold(),
        };
        lines.push(format!(
            "{:<version_width$}  {:<name_width$}  {state}  {}",
            m.version,
            m.name,
            detail(m)
        ));
    }
    let applied = report
        .migrations
        .iter()
        .filter(|m| m.state == State::Applied)
        .count();
    let mut summary = format!("\n{applied} applied, {} pending", report.pending());
    if report.problems() > 0 {
        summary.push_str(&format!(
            ", {} need attention (`plover verify` shows how)",
            report.problems()
        ));
    }
    lines.push(summary);
    for refusal in &report.refusals {
        lines.push(format!("`plover up` would refuse: {refusal}"));
    }
    lines.join("\n")
}

/// What the last column says about `m`.
fn detail(m: &MigrationStatus) -> String {
    if let (Some(done), Some(total)) = (m.statements_done, m.statements_total) {
        return format!("{done} of {total} statements done; `plover up` resumes it");
    }
    if m.out_of_order {
        return "out of order: below the highest applied version (see `plover up`)".to_owned();
    }
    if let Some(tier) = &m.tier {
        return tier_text(tier);
    }
    let applied_at = m
        .applied_at
        .as_deref()
        .map(whole_seconds)
        .unwrap_or_default();
    if m.baseline {
        format!("{applied_at} (baseline)")
    } else {
        applied_at
    }
}

/// `2026-11-21 22:19:03.123456+00` becomes `2026-11-21 22:19:03+00`.
fn whole_seconds(timestamp: &str) -> String {
    match timestamp.split_once('.') {
        Some((seconds, fraction)) => {
            let zone = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{seconds}{zone}")
        }
        None => timestamp.to_owned(),
    }
}

/// `lock-risky (line 3: CREATE INDEX users_email ON users (email);)`.
pub fn tier_text(tier: &plover::migrator::Tier) -> String {
    match &tier.decided_by {
        Some(d) => format!("{} (line {}: {})", tier.tier.as_str(), d.line, d.statement),
        None => tier.tier.as_str().to_owned(),
    }
}
