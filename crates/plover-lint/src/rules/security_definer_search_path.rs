//! `SECURITY DEFINER` functions without a pinned `search_path`.

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, node_range};

/// The rule's id.
pub const ID: &str = "security-definer-search-path";

/// Flags `CREATE FUNCTION ... SECURITY DEFINER` without `SET search_path`.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    context
        .parse
        .tree()
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::CreateFunction(function) if definer_without_search_path(&function) => Some(Hit {
                rule: ID,
                range: node_range(function.syntax()),
                message: "a SECURITY DEFINER function without `SET search_path` runs with its owner's rights but resolves names through the caller's search_path, which the caller controls".to_owned(),
            }),
            _ => None,
        })
        .collect()
}

fn definer_without_search_path(function: &ast::CreateFunction) -> bool {
    let Some(options) = function.option_list() else {
        return false;
    };
    let mut definer = false;
    let mut pinned = false;
    for option in options.options() {
        match option {
            ast::FuncOption::SecurityDefinerFuncOption(_) => definer = true,
            ast::FuncOption::SetFuncOption(set) => {
                pinned |= set
                    .syntax()
                    .text()
                    .to_string()
                    .to_ascii_lowercase()
                    .contains("search_path");
            }
            _ => {}
        }
    }
    definer && !pinned
}
