//! `VACUUM FULL` rewrites the table under an ACCESS EXCLUSIVE lock.

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, REPACK_VERSION, node_range};

/// The rule's id.
pub const ID: &str = "ban-vacuum-full";

/// Flags `VACUUM FULL` and `VACUUM (FULL)`.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    if context.postgres_version >= REPACK_VERSION {
        return Vec::new();
    }
    context
        .parse
        .tree()
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::Vacuum(vacuum) if says_full(&vacuum) => Some(Hit {
                rule: ID,
                range: node_range(vacuum.syntax()),
                message: "`VACUUM FULL` rewrites the table while holding an ACCESS EXCLUSIVE lock: reads and writes wait until it is done".to_owned(),
            }),
            _ => None,
        })
        .collect()
}

fn says_full(vacuum: &ast::Vacuum) -> bool {
    vacuum.full_token().is_some()
        || vacuum.vacuum_option_list().is_some_and(|options| {
            options
                .syntax()
                .text()
                .to_string()
                .to_ascii_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "full")
        })
}
