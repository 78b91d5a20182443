use super::*;
use crate::source::{SourceFile, parse_migrations};
use crate::status::status;
use crate::{AppliedMigration, AppliedState, Checksum, Migration, Version};

fn migrations(specs: &[(&str, &str)]) -> Vec<Migration> {
    let files: Vec<SourceFile> = specs
        .iter()
        .map(|(p, sql)| SourceFile {
            path: (*p).into(),
            contents: sql.as_bytes().to_vec(),
        })
        .collect();
    parse_migrations("m", &files).unwrap()
}

fn row(version: i64, sql: &str, state: AppliedState) -> AppliedMigration {
    AppliedMigration {
        version: Version(version),
        name: format!("n{version}"),
        checksum: Checksum::of(sql),
        state,
        applied_at: "2026-11-21".into(),
        execution_ms: 1,
        applied_by: "me@here".into(),
        in_flight: None,
    }
}

fn render(result: Result<Vec<String>, Refusal>) -> String {
    match result {
        Ok(lines) => lines.join("\n"),
        Err(refusal) => refusal
            .problems
            .iter()
            .map(Problem::message)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn check_up(files: &[(&str, &str)], applied: &[AppliedMigration], policy: UpPolicy, expect: &str) {
    let available = migrations(files);
    let entries = status(&available, applied);
    let plan = plan_up(&entries, policy).map(|p| {
        p.iter()
            .map(|m| format!("{} after {:?}", m.migration.version, m.resume))
            .collect()
    });
    assert_eq!(render(plan), expect);
}

const A: (&str, &str) = ("1_a.sql", "SELECT 1;");
const B: (&str, &str) = ("2_b.sql", "SELECT 2;");
const C: (&str, &str) = ("3_c.sql", "-- plover:no-transaction\nSELECT 3;\nSELECT 33;");

#[test]
fn pending_migrations_in_order() {
    check_up(
        &[C, A, B],
        &[row(1, A.1, AppliedState::Applied)],
        UpPolicy::default(),
        "2 after None\n3 after None",
    );
}

#[test]
fn up_to_a_target() {
    let policy = UpPolicy {
        target: Some(Version(2)),
        ..UpPolicy::default()
    };
    check_up(&[A, B, C], &[], policy, "1 after None\n2 after None");
    let unknown = UpPolicy {
        target: Some(Version(9)),
        ..UpPolicy::default()
    };
    check_up(&[A], &[], unknown, "no migration has version 9");
}

#[test]
fn a_partial_migration_resumes() {
    let applied = [row(3, C.1, AppliedState::Partial { done: 1, total: 2 })];
    check_up(
        &[C],
        &applied,
        UpPolicy::default(),
        "3 after Some(Resume { done: 1, total: 2, crashed_inside: false })",
    );
}

#[test]
fn edited_missing_and_out_of_order_are_all_refused() {
    let applied = [
        row(2, "SELECT 'old';", AppliedState::Applied),
        row(3, C.1, AppliedState::Applied),
        row(4, "x", AppliedState::Applied),
    ];
    check_up(
        &[A, B, C],
        &applied,
        UpPolicy::default(),
        "m/1_a.sql is pending but version 4 is already applied (out of order)\n\
         m/2_b.sql was edited after it was applied (checksum 5f9c246c recorded, 8e7003d6 now)\n\
         version 4 (n4) was applied but its file is gone",
    );
}

#[test]
fn out_of_order_can_be_allowed() {
    let policy = UpPolicy {
        out_of_order: OutOfOrder::Allow,
        ..UpPolicy::default()
    };
    check_up(
        &[A, B],
        &[row(2, B.1, AppliedState::Applied)],
        policy,
        "1 after None",
    );
}

#[test]
fn a_partial_migration_whose_file_changed_is_refused() {
    let applied = [row(
        3,
        "SELECT 'other';",
        AppliedState::Partial { done: 1, total: 2 },
    )];
    check_up(
        &[C],
        &applied,
        UpPolicy::default(),
        "m/3_c.sql stopped after 1 of 2 statements, and the file changed since",
    );
}

#[test]
fn retired_rows_do_not_block() {
    check_up(
        &[B],
        &[row(1, A.1, AppliedState::Retired)],
        UpPolicy::default(),
        "2 after None",
    );
}

fn check_down(
    files: &[(&str, &str)],
    applied: &[AppliedMigration],
    target: DownTarget,
    expect: &str,
) {
    let available = migrations(files);
    let entries = status(&available, applied);
    let plan =
        plan_down(&entries, target).map(|p| p.iter().map(|m| m.version.to_string()).collect());
    assert_eq!(render(plan), expect);
}

const A_DOWN: (&str, &str) = ("1_a.down.sql", "SELECT -1;");
const B_DOWN: (&str, &str) = ("2_b.down.sql", "SELECT -2;");

#[test]
fn down_reverts_newest_first() {
    let applied = [
        row(1, A.1, AppliedState::Applied),
        row(2, B.1, AppliedState::Applied),
    ];
    check_down(&[A, A_DOWN, B, B_DOWN], &applied, DownTarget::Steps(1), "2");
    check_down(
        &[A, A_DOWN, B, B_DOWN],
        &applied,
        DownTarget::To(Version(0)),
        "2\n1",
    );
}

#[test]
fn down_needs_every_down_script_first() {
    let applied = [
        row(1, A.1, AppliedState::Applied),
        row(2, B.1, AppliedState::Applied),
    ];
    check_down(
        &[A, B, B_DOWN],
        &applied,
        DownTarget::Steps(2),
        "m/1_a.sql has no down script",
    );
}

#[test]
fn down_refuses_partial_and_missing() {
    let applied = [
        row(2, B.1, AppliedState::Applied),
        row(3, C.1, AppliedState::Partial { done: 1, total: 2 }),
    ];
    check_down(
        &[B, B_DOWN, C],
        &applied,
        DownTarget::Steps(1),
        "m/3_c.sql is partially applied, so it cannot be reverted yet",
    );
    check_down(
        &[A, A_DOWN],
        &[
            row(1, A.1, AppliedState::Applied),
            row(2, B.1, AppliedState::Applied),
        ],
        DownTarget::Steps(1),
        "version 2 (n2) was applied but its file is gone",
    );
}

#[test]
fn baseline_only_on_an_empty_history() {
    let available = migrations(&[A, B, C]);
    let entries = status(&available, &[]);
    let chosen: Vec<Version> = plan_baseline(&entries, Version(2))
        .unwrap()
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(chosen, [Version(1), Version(2)]);
    assert!(plan_baseline(&entries, Version(7)).is_err());
    let applied = [row(1, A.1, AppliedState::Applied)];
    let entries = status(&available, &applied);
    assert_eq!(
        plan_baseline(&entries, Version(2)).unwrap_err().problems,
        [Problem::HistoryNotEmpty { rows: 1 }]
    );
}

#[test]
fn accept_reblesses_edits_and_retires_missing_files() {
    let count = |m: &Migration| crate::sql::split(&m.up.sql, crate::sql::Syntax::POSTGRES).len();
    let available = migrations(&[A, B]);
    let applied = [
        row(1, A.1, AppliedState::Applied),
        row(2, "SELECT 'old';", AppliedState::Applied),
        row(3, "gone", AppliedState::Applied),
    ];
    let entries = status(&available, &applied);
    assert!(matches!(
        plan_accept(&entries, Version(2), &count),
        Ok(AcceptAction::Rebless { .. })
    ));
    assert_eq!(
        plan_accept(&entries, Version(3), &count),
        Ok(AcceptAction::Retire {
            version: Version(3)
        })
    );
    assert_eq!(
        plan_accept(&entries, Version(1), &count)
            .unwrap_err()
            .problems,
        [Problem::NothingToAccept {
            version: Version(1)
        }]
    );
    assert_eq!(
        plan_accept(&entries, Version(9), &count)
            .unwrap_err()
            .problems,
        [Problem::NotApplied {
            version: Version(9)
        }]
    );
    assert_eq!(verify(&entries).unwrap_err().problems.len(), 2);
}

#[test]
fn problems_print_their_way_out() {
    let problem = Problem::OutOfOrder {
        version: Version(1),
        path: "m/1_a.sql".into(),
        highest_applied: Version(4),
    };
    assert_eq!(
        problem.to_string(),
        "m/1_a.sql is pending but version 4 is already applied (out of order)\n  \
         way out: renumber the file above the highest applied version, or apply it anyway with `--allow-out-of-order` on `plover up` or `plover tenants migrate`"
    );
}

#[test]
fn accepting_a_half_applied_migration_needs_a_resumable_file() {
    let count = |m: &Migration| crate::sql::split(&m.up.sql, crate::sql::Syntax::POSTGRES).len();
    let partial = [row(
        3,
        "SELECT 'old';",
        AppliedState::Partial { done: 2, total: 2 },
    )];
    let shorter = migrations(&[("3_c.sql", "-- plover:no-transaction\nSELECT 3;")]);
    let entries = status(&shorter, &partial);
    let problem = plan_accept(&entries, Version(3), &count)
        .unwrap_err()
        .problems
        .remove(0);
    assert_eq!(
        problem.message(),
        "m/3_c.sql cannot resume where it stopped: it has 1 statement(s), but 2 already ran"
    );
    let transactional = migrations(&[("3_c.sql", "SELECT 3;\nSELECT 33;\nSELECT 333;")]);
    let entries = status(&transactional, &partial);
    let problem = plan_accept(&entries, Version(3), &count)
        .unwrap_err()
        .problems
        .remove(0);
    assert!(
        problem
            .message()
            .contains("lost `-- plover:no-transaction`"),
        "{}",
        problem.message()
    );
    let resumable = migrations(&[C]);
    let entries = status(&resumable, &partial);
    assert!(matches!(
        plan_accept(&entries, Version(3), &count),
        Ok(AcceptAction::Rebless { statements: 2, .. })
    ));
}
