//! Plover's migration linter: refuses unsafe PostgreSQL migrations before they run.
//!
//! It parses with squawk's PostgreSQL parser (`squawk-syntax`), runs squawk's rules
//! (`squawk-linter`) and Plover's own on the same tree, honours `-- plover:allow RULE reason`
//! comments, and classifies each migration into a [`RiskTier`]. It is pure: text in, findings
//! out.

#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod catalog;
mod finding;
mod lint;
mod options;
mod position;
mod rules;
mod tier;

pub use catalog::{Origin, RuleInfo};
pub use finding::{Finding, Severity};
pub use lint::{Allowed, Decision, FileLint, lint_script, lint_scripts};
pub use options::{DEFAULT_POSTGRES_VERSION, LintOptions, UnknownRule};
pub use position::LineIndex;
pub use tier::RiskTier;
