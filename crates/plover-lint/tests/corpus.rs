//! Every rule in the catalog flags its unsafe example and not its safe one (the examples
//! documented in docs/lint.md).

use plover_core::source::{SourceFile, parse_migrations};
use plover_lint::{LintOptions, catalog, lint_script};

/// The rules `sql` breaks when only `rule` runs, on a PostgreSQL the rule applies to.
pub fn rules_hit(sql: &str, rule: &str) -> Vec<&'static str> {
    let files = [SourceFile {
        path: "001_example.sql".into(),
        contents: sql.as_bytes().to_vec(),
    }];
    let migrations = parse_migrations("m", &files).expect("example parses as a migration file");
    let min = catalog::find(rule).map_or(0, |r| r.min_postgres);
    let options = LintOptions {
        select: Some(vec![rule.to_owned()]),
        postgres_version: LintOptions::default().postgres_version.max(min),
        ..LintOptions::default()
    };
    let lint = lint_script(&migrations[0].up, &options).expect("known rule");
    lint.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn every_unsafe_example_is_flagged_by_its_rule() {
    let missed: Vec<&str> = catalog::all()
        .filter(|rule| !rules_hit(rule.unsafe_example, rule.id).contains(&rule.id))
        .map(|rule| rule.id)
        .collect();
    assert!(missed.is_empty(), "unsafe examples not flagged: {missed:?}");
}

#[test]
fn no_safe_example_is_flagged_by_its_rule() {
    let flagged: Vec<&str> = catalog::all()
        .filter(|rule| rules_hit(rule.safe_example, rule.id).contains(&rule.id))
        .map(|rule| rule.id)
        .collect();
    assert!(flagged.is_empty(), "safe examples flagged: {flagged:?}");
}

#[test]
fn the_catalog_is_complete_and_consistent() {
    let mut ids: Vec<&str> = catalog::all().map(|r| r.id).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate rule ids");
    for rule in catalog::all() {
        for text in [
            rule.summary,
            rule.why,
            rule.recipe,
            rule.unsafe_example,
            rule.safe_example,
        ] {
            assert!(!text.trim().is_empty(), "{}: empty text", rule.id);
        }
    }
}
