//! Schema changes for people: grouped by the table (or other object) they belong to.

use std::fmt::Write;

use console::style;
use plover::core::schema::{Action, Change};

/// The changes grouped by object, each group under the object's name, in the order the
/// diff found them.
pub fn changes(changes: &[Change]) -> String {
    let mut groups: Vec<(&str, Vec<&Change>)> = Vec::new();
    for change in changes {
        let group = change.parent.as_deref().unwrap_or(&change.name);
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, members)) => members.push(change),
            None => groups.push((group, vec![change])),
        }
    }
    let mut out = String::new();
    for (group, members) in groups {
        writeln!(out, "{}", style(group).bold()).unwrap();
        for change in members {
            out.push_str(&change_lines(change));
        }
    }
    out
}

/// One line saying how many differences there are.
pub fn summary(changes: &[Change]) -> String {
    match changes.len() {
        0 => "no differences".to_owned(),
        n => super::count(n, "difference"),
    }
}

fn change_lines(change: &Change) -> String {
    let short = short_name(change);
    let (mark, styled) = match change.action {
        Action::Added => (
            "+",
            style(format!("+ {} {short}", change.kind.as_str())).green(),
        ),
        Action::Removed => (
            "-",
            style(format!("- {} {short}", change.kind.as_str())).red(),
        ),
        Action::Altered => (
            "~",
            style(format!("~ {} {short}", change.kind.as_str())).yellow(),
        ),
        Action::Renamed => (
            ">",
            style(format!("> {} {short}", change.kind.as_str())).cyan(),
        ),
    };
    let _ = mark;
    let mut out = format!("  {styled}\n");
    if let Some(from) = &change.renamed_from {
        writeln!(out, "      renamed from {from}").unwrap();
    }
    for field in &change.fields {
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
        writeln!(
            out,
            "      {}: {} → {}",
            field.field,
            shown(&field.before),
            shown(&field.after)
        )
        .unwrap();
    }
    if let Some(definition) = &change.definition {
        for line in definition.lines() {
            writeln!(out, "      {line}").unwrap();
        }
    }
    out
}

/// The change's name inside its group: a column is `email`, not `public.users.email`.
fn short_name(change: &Change) -> &str {
    match &change.parent {
        Some(parent) => change
            .name
            .strip_prefix(parent.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .unwrap_or(&change.name),
        None => &change.name,
    }
}
