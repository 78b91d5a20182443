//! `UPDATE` or `DELETE` of a whole table inside a schema migration.

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, node_range};

/// The rule's id.
pub const ID: &str = "unbatched-data-change";

/// Flags `UPDATE` and `DELETE` without `WHERE`.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    let message = |verb: &str| {
        format!(
            "`{verb}` without `WHERE` touches every row in one transaction: row locks on all of them until commit, \
             a burst of WAL, and dead tuples for vacuum"
        )
    };
    context
        .parse
        .tree()
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::Update(update) if update.where_clause_or_current_of().is_none() => {
                Some(Hit {
                    rule: ID,
                    range: node_range(update.syntax()),
                    message: message("UPDATE"),
                })
            }
            ast::Stmt::Delete(delete) if delete.where_clause_or_current_of().is_none() => {
                Some(Hit {
                    rule: ID,
                    range: node_range(delete.syntax()),
                    message: message("DELETE"),
                })
            }
            _ => None,
        })
        .collect()
}
