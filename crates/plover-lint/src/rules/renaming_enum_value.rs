//! `ALTER TYPE ... RENAME VALUE`: running code still writes the old value.

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, node_range};

/// The rule's id.
pub const ID: &str = "renaming-enum-value";

/// Flags `ALTER TYPE ... RENAME VALUE`.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    context
        .parse
        .tree()
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::AlterType(alter) if matches!(alter.action(), Some(ast::AlterTypeAction::RenameValue(_))) => Some(Hit {
                rule: ID,
                range: node_range(alter.syntax()),
                message: "renaming an enum value breaks every running client that still writes or compares the old value".to_owned(),
            }),
            _ => None,
        })
        .collect()
}
