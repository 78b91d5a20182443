//! Columns of type `json` rather than `jsonb`.

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, node_range};

/// The rule's id.
pub const ID: &str = "prefer-jsonb";

/// Flags `json` column types in `CREATE TABLE`, `ADD COLUMN` and `ALTER COLUMN ... TYPE`.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for stmt in context.parse.tree().stmts() {
        for ty in column_types(&stmt) {
            if is_json(&ty) {
                hits.push(Hit {
                    rule: ID,
                    range: node_range(ty.syntax()),
                    message: "`json` stores text that is parsed on every read, cannot be indexed with GIN and has no equality operator; use `jsonb`".to_owned(),
                });
            }
        }
    }
    hits
}

/// The column types a statement declares.
fn column_types(stmt: &ast::Stmt) -> Vec<ast::Type> {
    match stmt {
        ast::Stmt::CreateTable(create) => create
            .table_arg_list()
            .map(|list| {
                list.args()
                    .filter_map(|arg| match arg {
                        ast::TableArg::Column(column) => column.ty(),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        ast::Stmt::AlterTable(alter) => alter
            .actions()
            .filter_map(|action| match action {
                ast::AlterTableAction::AddColumn(add) => add.ty(),
                ast::AlterTableAction::AlterColumn(column) => match column.option() {
                    Some(ast::AlterColumnOption::SetType(set_type)) => set_type.ty(),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_json(ty: &ast::Type) -> bool {
    match ty {
        ast::Type::ArrayType(array) => array.ty().is_some_and(|inner| is_json(&inner)),
        ast::Type::PathType(path) => path
            .path_ref()
            .and_then(|p| p.segment())
            .is_some_and(|segment| segment.text().eq_ignore_ascii_case("json")),
        _ => false,
    }
}
