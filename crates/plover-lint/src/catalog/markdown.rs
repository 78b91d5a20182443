//! The rules section of docs/lint.md, rendered from the catalog.

use std::fmt::Write;

use super::{Origin, RuleInfo, all};

/// Every rule as Markdown: a summary table, then one section per rule.
pub fn rules_markdown() -> String {
    let mut out = String::new();
    out.push_str("| rule | severity | tier | default | catches |\n|---|---|---|---|---|\n");
    for rule in all() {
        let default = if rule.default_on { "on" } else { "opt-in" };
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} | {} |",
            rule.id,
            rule.id,
            rule.severity.as_str(),
            rule.tier.as_str(),
            default,
            rule.summary.replace('|', "\\|")
        );
    }
    for rule in all() {
        section(&mut out, rule);
    }
    out
}

fn section(out: &mut String, rule: &RuleInfo) {
    let origin = match rule.origin {
        Origin::Squawk => "squawk's rule",
        Origin::Plover => "Plover's rule",
    };
    let default = if rule.default_on {
        "runs by default"
    } else {
        "opt-in (`--select` or `lint.select`)"
    };
    let since = if rule.min_postgres > 0 {
        format!(", from PostgreSQL {}", rule.min_postgres / 10_000)
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "\n### {id}\n\n{summary}\n\n*{severity}, {tier}; {origin}; {default}{since}.*\n\n\
         **Why it hurts.** {why}\n\n**Safe recipe.** {recipe}\n\n\
         Flagged:\n\n```sql\n{unsafe_example}\n```\n\nNot flagged:\n\n```sql\n{safe_example}\n```\n",
        id = rule.id,
        summary = rule.summary,
        severity = rule.severity.as_str(),
        tier = rule.tier.as_str(),
        why = rule.why,
        recipe = rule.recipe,
        unsafe_example = rule.unsafe_example.trim_end(),
        safe_example = rule.safe_example.trim_end(),
    );
}
