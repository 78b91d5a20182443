//! Plover's own rules, on squawk's syntax tree: one file per rule.

mod adding_exclusion_constraint;
mod ban_cluster;
mod ban_vacuum_full;
mod prefer_jsonb;
mod renaming_enum_value;
mod security_definer_search_path;
mod unbatched_data_change;

use std::ops::Range;

use squawk_syntax::{Parse, SourceFile};

/// A rule's raw report, before severities, recipes and positions are added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The rule's id.
    pub rule: &'static str,
    /// Byte range of the offending SQL.
    pub range: Range<usize>,
    /// What is wrong.
    pub message: String,
}

/// What a rule needs to know.
pub struct Context<'a> {
    /// The parsed file.
    pub parse: &'a Parse<SourceFile>,
    /// The PostgreSQL the migration targets (`server_version_num`).
    pub postgres_version: u32,
}

/// From PostgreSQL 19, squawk's `prefer-repack` covers `VACUUM FULL` and `CLUSTER`.
pub const REPACK_VERSION: u32 = 190_000;

type Check = fn(&Context<'_>) -> Vec<Hit>;

/// Every Plover rule's id and check.
pub const CHECKS: &[(&str, Check)] = &[
    (
        adding_exclusion_constraint::ID,
        adding_exclusion_constraint::check,
    ),
    (ban_cluster::ID, ban_cluster::check),
    (ban_vacuum_full::ID, ban_vacuum_full::check),
    (prefer_jsonb::ID, prefer_jsonb::check),
    (renaming_enum_value::ID, renaming_enum_value::check),
    (
        security_definer_search_path::ID,
        security_definer_search_path::check,
    ),
    (unbatched_data_change::ID, unbatched_data_change::check),
];

/// The range of `node`, from its first significant token (leading comments excluded).
pub fn node_range(node: &squawk_syntax::SyntaxNode) -> Range<usize> {
    let range = node.text_range();
    let start = node
        .children_with_tokens()
        .find(|element| !element.kind().is_trivia())
        .map_or(range.start(), |element| element.text_range().start());
    usize::from(start)..usize::from(range.end())
}
