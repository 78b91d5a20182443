//! Linting whole files: positions, allow comments, dollar-quoted bodies, tiers.

use plover_core::source::{SourceFile, parse_migrations};
use plover_lint::{FileLint, LintOptions, RiskTier, lint_script};

/// Lints with the default rules but `require-lock-timeout`, which most files here would
/// trip and which has a test of its own.
fn lint(sql: &str) -> FileLint {
    lint_with(
        sql,
        LintOptions {
            ignore: vec!["require-lock-timeout".into()],
            ..LintOptions::default()
        },
    )
}

fn lint_with(sql: &str, options: LintOptions) -> FileLint {
    let files = [SourceFile {
        path: "001_file.sql".into(),
        contents: sql.as_bytes().to_vec(),
    }];
    let migrations = parse_migrations("m", &files).expect("file parses");
    lint_script(&migrations[0].up, &options).expect("known rules")
}

fn rules(lint: &FileLint) -> Vec<(&'static str, usize, usize)> {
    lint.findings
        .iter()
        .map(|f| (f.rule, f.line, f.column))
        .collect()
}

#[test]
fn positions_are_right_after_comments_and_in_multi_statement_files() {
    let sql = "-- add an index\n/* a block\n   comment */\nCREATE TABLE t (id bigint);\n\n  CREATE INDEX t_id ON t (id);\nCREATE TABLE u (x bigint);\n    VACUUM FULL t;\n";
    let lint = lint(sql);
    assert_eq!(
        rules(&lint),
        [("ban-vacuum-full", 8, 5)],
        "{:#?}",
        lint.findings
    );
}

#[test]
fn dollar_quoted_bodies_that_mention_unsafe_statements_are_not_flagged() {
    let sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\nBEGIN\n  EXECUTE 'VACUUM FULL t';\n  -- CREATE INDEX i ON t (x); DROP TABLE t;\n  RAISE NOTICE 'ALTER TABLE t DROP COLUMN c';\nEND;\n$body$;\n";
    let lint = lint(sql);
    assert!(lint.findings.is_empty(), "{:#?}", lint.findings);
    assert_eq!(lint.tier, RiskTier::Additive);
}

#[test]
fn allow_comments_move_findings_aside_with_their_reason() {
    let sql = "-- plover:allow ban-vacuum-full maintenance window, table is tiny\nVACUUM FULL t;\n";
    let lint = lint(sql);
    assert!(lint.findings.is_empty(), "{:#?}", lint.findings);
    assert_eq!(lint.allowed[0].rule, "ban-vacuum-full");
    assert_eq!(lint.allowed[0].reason, "maintenance window, table is tiny");
    assert_eq!(
        lint.tier,
        RiskTier::LockRisky,
        "allowing a risk does not lower the tier"
    );
}

#[test]
fn tiers_name_the_statement_that_decided_them() {
    let lint =
        lint("CREATE TABLE a (id bigint);\nDROP TABLE b;\nALTER TABLE a ADD COLUMN c text;\n");
    assert_eq!(lint.tier, RiskTier::Irreversible);
    let decided = lint.decided_by.unwrap();
    assert_eq!(
        (decided.line, decided.statement.as_str()),
        (2, "DROP TABLE b;")
    );
    assert_eq!(
        self::lint("CREATE TABLE a (id bigint);\nALTER TABLE a ADD COLUMN c text;").tier,
        RiskTier::Additive
    );
    // A tie names the first change, not the session setting in front of it.
    let lint = self::lint("SET LOCAL lock_timeout = '5s';\nCREATE TABLE a (id bigint);\n");
    let decided = lint.decided_by.unwrap();
    assert_eq!(
        (decided.line, decided.statement.as_str()),
        (2, "CREATE TABLE a (id bigint);")
    );
    let decided = self::lint("SET lock_timeout = '5s';\n").decided_by.unwrap();
    assert_eq!(decided.line, 1, "a file of settings names its first");
    let lint = self::lint("BEGIN;\nSET ROLE owner;\nCREATE TABLE a (id bigint);\nCOMMIT;\n");
    assert_eq!(
        lint.tier,
        RiskTier::Additive,
        "BEGIN and COMMIT change nothing"
    );
    assert_eq!(lint.decided_by.unwrap().line, 3);
}

#[test]
fn a_lock_timeout_set_first_satisfies_require_lock_timeout() {
    let without = lint_with(
        "CREATE INDEX CONCURRENTLY t_x ON t (x);",
        LintOptions::default(),
    );
    assert!(
        without
            .findings
            .iter()
            .any(|f| f.rule == "require-lock-timeout"),
        "{:#?}",
        without.findings
    );
    let with = lint_with(
        "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN c text;",
        LintOptions::default(),
    );
    assert!(
        with.findings
            .iter()
            .all(|f| f.rule != "require-lock-timeout"),
        "{:#?}",
        with.findings
    );
}

#[test]
fn a_large_file_linted_on_several_threads_finds_what_its_parts_find() {
    let block = |i: usize| {
        format!(
            "ALTER TABLE accounts ADD COLUMN c{i} int;\nCREATE INDEX accounts_c{i} ON accounts (c{i});\nCREATE TABLE t{i} (id serial PRIMARY KEY, name varchar(20), data json);\n"
        )
    };
    let count = |lint: &FileLint| {
        let mut by_rule = std::collections::BTreeMap::new();
        for finding in &lint.findings {
            *by_rule.entry(finding.rule).or_insert(0) += 1;
        }
        by_rule
    };
    let one = count(&lint(&block(0)));
    assert!(one.len() >= 3, "{one:?}");
    let blocks = 3000;
    let big: String = (0..blocks).map(block).collect();
    assert!(
        big.len() > 256 * 1024,
        "large enough to be linted on several threads"
    );
    let lint = lint(&big);
    let many = count(&lint);
    let expected: std::collections::BTreeMap<_, _> =
        one.iter().map(|(r, n)| (*r, n * blocks)).collect();
    assert_eq!(many, expected);
    let starts: Vec<usize> = lint.findings.iter().map(|f| f.start).collect();
    assert!(starts.is_sorted(), "findings in file order");
}

/// A deep statement is linted, not a stack overflow that aborts the process (the test
/// thread's stack is 2 MiB; the parser and the rules recurse once per level).
#[test]
fn deeply_nested_statements_are_linted() {
    let chain = format!("SELECT 1{};\n", " + 1".repeat(100_000));
    let parens = format!("SELECT {}1{};\n", "(".repeat(20_000), ")".repeat(20_000));
    for sql in [chain, parens] {
        let lint = lint(&sql);
        assert!(lint.findings.is_empty(), "{:#?}", lint.findings);
        assert_eq!(lint.tier, RiskTier::Additive);
    }
}
