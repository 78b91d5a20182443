//! `CLUSTER` rewrites the table under an ACCESS EXCLUSIVE lock.

use squawk_syntax::ast::{self, AstNode};

use super::{Context, Hit, REPACK_VERSION, node_range};

/// The rule's id.
pub const ID: &str = "ban-cluster";

/// Flags `CLUSTER`.
pub fn check(context: &Context<'_>) -> Vec<Hit> {
    if context.postgres_version >= REPACK_VERSION {
        return Vec::new();
    }
    context
        .parse
        .tree()
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::Cluster(cluster) => Some(Hit {
                rule: ID,
                range: node_range(cluster.syntax()),
                message: "`CLUSTER` rewrites the table while holding an ACCESS EXCLUSIVE lock: reads and writes wait until it is done".to_owned(),
            }),
            _ => None,
        })
        .collect()
}
