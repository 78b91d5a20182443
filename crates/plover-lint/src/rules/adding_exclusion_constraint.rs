//! `ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE` on an existing table.

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, node_range};

/// The rule's id.
pub const ID: &str = "adding-exclusion-constraint";

/// Flags exclusion constraints added to tables the file did not create.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    let tree = context.parse.tree();
    let created: Vec<String> = tree
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::CreateTable(create) => create
                .table_name()
                .map(|p| p.syntax().text().to_string().to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let mut hits = Vec::new();
    for stmt in tree.stmts() {
        let ast::Stmt::AlterTable(alter) = stmt else {
            continue;
        };
        let table = alter
            .table_relation_name()
            .map(|r| r.syntax().text().to_string().to_ascii_lowercase())
            .unwrap_or_default();
        // A table the same file created is empty: nothing to lock out or to check.
        if created
            .iter()
            .any(|c| *c == table || table.ends_with(&format!(".{c}")))
        {
            continue;
        }
        for action in alter.actions() {
            if let ast::AlterTableAction::AddConstraint(add) = action
                && matches!(
                    add.constraint(),
                    Some(ast::Constraint::ExcludeConstraint(_))
                )
            {
                hits.push(Hit {
                        rule: ID,
                        range: node_range(add.syntax()),
                        message: "adding an exclusion constraint builds its index and checks every row under an ACCESS EXCLUSIVE lock, and it cannot be added NOT VALID".to_owned(),
                    });
            }
        }
    }
    hits
}
