//! `ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE` on an existing table.

use std::collections::HashSet;

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, node_range};

/// The rule's id.
pub const ID: &str = "adding-exclusion-constraint";

/// Flags exclusion constraints added to tables the file did not create.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    let tree = context.parse.tree();
    // The exclusion constraints come first: most files have none, and then the tables the
    // file creates need not be collected at all.
    let added: Vec<(ast::AlterTable, ast::AddConstraint)> = tree
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::AlterTable(alter) => Some(alter),
            _ => None,
        })
        .flat_map(|alter| {
            let exclusions = alter.actions().filter_map(|action| match action {
                ast::AlterTableAction::AddConstraint(add)
                    if matches!(
                        add.constraint(),
                        Some(ast::Constraint::ExcludeConstraint(_))
                    ) =>
                {
                    Some(add)
                }
                _ => None,
            });
            exclusions
                .map(move |add| (alter.clone(), add))
                .collect::<Vec<_>>()
        })
        .collect();
    if added.is_empty() {
        return Vec::new();
    }
    let created = created_tables(context);
    added
        .into_iter()
        .filter(|(alter, _)| !created_here(&created, alter))
        .map(|(_, add)| Hit {
            rule: ID,
            range: node_range(add.syntax()),
            message: "adding an exclusion constraint builds its index and checks every row under an ACCESS EXCLUSIVE lock, and it cannot be added NOT VALID".to_owned(),
        })
        .collect()
}

/// The lowercased names of the tables the file creates.
fn created_tables(context: &Context<'_>) -> HashSet<String> {
    context
        .parse
        .tree()
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::CreateTable(create) => create
                .table_name()
                .map(|p| p.syntax().text().to_string().to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A table the same file created is empty: nothing to lock out or to check.
fn created_here(created: &HashSet<String>, alter: &ast::AlterTable) -> bool {
    let table = alter
        .table_relation_name()
        .map(|r| r.syntax().text().to_string().to_ascii_lowercase())
        .unwrap_or_default();
    created.contains(&table)
        || table
            .rsplit_once('.')
            .is_some_and(|(_, name)| created.contains(name))
}
