//! `plover lint` output: for people (each finding with its SQL and recipe), JSON, or GitHub
//! workflow annotations.

use console::style;
use plover::core::Script;
use plover::lint::{FileLint, Finding, LineIndex, Severity, catalog};
use serde_json::json;

use crate::args::LintFormat;
use crate::output::Output;

/// Prints every rule.
pub fn rules(format: LintFormat, output: &Output) {
    let rules: Vec<_> = catalog::all().collect();
    if format == LintFormat::Json {
        output.json(&json!({ "rules": rules }));
        return;
    }
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut lines = vec![format!(
        "{:<width$}  {:<8}  {:<12}  {:<7}  SUMMARY",
        "RULE", "SEVERITY", "TIER", "DEFAULT"
    )];
    for rule in rules {
        let default = if rule.default_on { "on" } else { "opt-in" };
        lines.push(format!(
            "{:<width$}  {:<8}  {:<12}  {:<7}  {}",
            rule.id,
            rule.severity.as_str(),
            rule.tier.as_str(),
            default,
            rule.summary
        ));
    }
    output.line(lines.join("\n"));
}

/// Prints the findings of `lints` (from `scripts`, in the same order).
pub fn findings(lints: &[FileLint], scripts: &[Script], format: LintFormat, output: &Output) {
    match format {
        LintFormat::Json => output.json(&super::super::commands::lint_summary(lints)),
        LintFormat::Github => output.line(github(lints)),
        LintFormat::Human => output.line(human(lints, scripts)),
    }
}

fn human(lints: &[FileLint], scripts: &[Script]) -> String {
    let mut out = Vec::new();
    for (lint, script) in lints.iter().zip(scripts) {
        let index = LineIndex::new(&script.sql);
        for finding in &lint.findings {
            out.push(human_finding(finding, &index));
        }
        for allowed in &lint.allowed {
            out.push(format!(
                "{}:{}: allowed {} ({})",
                lint.path, allowed.line, allowed.rule, allowed.reason
            ));
        }
        let decided = lint
            .decided_by
            .as_ref()
            .map(|d| format!(" (line {}: {})", d.line, d.statement))
            .unwrap_or_default();
        out.push(format!(
            "{}: {}{decided}",
            lint.path,
            style(lint.tier.as_str()).bold()
        ));
    }
    out.push(totals(lints));
    out.join("\n")
}

fn human_finding(finding: &Finding, index: &LineIndex<'_>) -> String {
    let label = match finding.severity {
        Severity::Error => style(format!("error[{}]", finding.rule)).red().bold(),
        Severity::Warning => style(format!("warning[{}]", finding.rule)).yellow().bold(),
        Severity::Info => style(format!("info[{}]", finding.rule)).cyan().bold(),
    };
    let text = index.line_text(finding.line);
    let gutter = " ".repeat(finding.line.to_string().len());
    let first_line_end = finding
        .end
        .min(finding.start + text.len().saturating_sub(finding.column - 1));
    let width = text.get(finding.column - 1..).map_or(1, |rest| {
        rest.chars()
            .count()
            .min(first_line_end.saturating_sub(finding.start).max(1))
    });
    let caret = format!(
        "{}{}",
        " ".repeat(finding.column - 1),
        "^".repeat(width.max(1))
    );
    format!(
        "{label} {}\n{gutter}--> {}:{}:{}\n{gutter} |\n{} | {text}\n{gutter} | {}\n{gutter} = recipe: {}",
        finding.message,
        finding.path,
        finding.line,
        finding.column,
        finding.line,
        style(caret).red(),
        finding.recipe
    )
}

fn totals(lints: &[FileLint]) -> String {
    let count = |severity| {
        lints
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.severity == severity)
            .count()
    };
    let allowed: usize = lints.iter().map(|l| l.allowed.len()).sum();
    let mut line = format!(
        "{}, {} in {}",
        super::count(count(Severity::Error), "error"),
        super::count(count(Severity::Warning), "warning"),
        super::count(lints.len(), "file")
    );
    if allowed > 0 {
        line.push_str(&format!(
            " ({} allowed by the files)",
            super::count(allowed, "finding")
        ));
    }
    line
}

fn github(lints: &[FileLint]) -> String {
    let mut out = Vec::new();
    for finding in lints.iter().flat_map(|l| &l.findings) {
        let level = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push(format!(
            "::{level} file={},line={},col={},title={}::{}",
            property(&finding.path),
            finding.line,
            finding.column,
            property(&format!("plover {}", finding.rule)),
            data(&format!("{}\nRecipe: {}", finding.message, finding.recipe))
        ));
    }
    out.push(totals(lints));
    out.join("\n")
}

/// GitHub's escaping of a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
