//! The backend conformance suite: written once, run against every driver.
//!
//! Each test is an `async fn(&TestDb)`; [`conformance_tests!`](crate::conformance_tests)
//! instantiates all of them as `#[tokio::test]`s for one backend, each in its own fresh
//! database, in parallel.

// Each conformance test's name says what it checks; a doc line would only repeat it.
#![allow(missing_docs)]

pub mod admin;
pub mod apply;
pub mod down;
pub mod expected;
pub mod lock;
pub mod no_transaction;
pub mod refusals;
mod support;

/// Instantiates the whole conformance suite for `$backend` (a [`Backend`](crate::Backend)).
#[macro_export]
macro_rules! conformance_tests {
    ($backend:expr) => {
        $crate::conformance_tests!(@each $backend;
            apply::applies_pending_in_order_and_records_history,
            apply::a_second_run_applies_nothing,
            apply::up_to_a_target_version,
            apply::a_failed_migration_rolls_back_with_its_history_row,
            apply::a_self_wrapped_file_runs_as_one_transaction,
            apply::a_long_migration_is_still_one_transaction,
            apply::every_layout_applies_alike,
            apply::the_history_table_can_live_elsewhere,
            apply::status_shows_every_state,
            no_transaction::statements_commit_one_by_one_and_resume,
            no_transaction::statements_refused_in_a_transaction_are_reported_first,
            no_transaction::session_settings_are_restored_on_resume,
            refusals::an_edited_file_is_refused_with_a_diff,
            refusals::a_missing_file_is_refused,
            refusals::out_of_order_is_refused_unless_allowed,
            refusals::a_half_applied_migration_whose_file_changed_is_refused,
            refusals::transaction_control_inside_a_file_is_refused,
            refusals::accepting_a_half_applied_migration_without_its_failed_statement_completes_it,
            refusals::accepting_a_half_applied_migration_checks_the_statements_that_ran,
            down::down_reverts_newest_first_with_its_history_row,
            down::down_needs_every_down_script_before_it_starts,
            down::down_to_a_version,
            admin::baseline_records_without_running,
            admin::baseline_refuses_a_database_with_history,
            admin::accept_reblesses_an_edited_file,
            admin::accept_retires_a_removed_file,
            admin::verify_checks_checksums_only,
            expected::an_expected_history_is_brought_up_to_date,
            expected::a_history_not_as_expected_changes_nothing,
            expected::baseline_rows_are_expected_like_any_other,
            expected::a_held_lock_changes_nothing,
            expected::a_failed_migration_under_an_expectation_rolls_back,
            expected::another_runner_between_two_migrations_stops_the_rest,
            expected::an_expected_migration_records_its_script_exactly,
            lock::a_held_lock_names_its_holder,
            lock::the_lock_is_released_after_a_failure,
        );
    };
    (@each $backend:expr; $($module:ident :: $test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                if let Some(db) = $crate::TestDb::new($backend).await {
                    $crate::conformance::$module::$test(&db).await;
                }
            }
        )*
    };
}
