//! One table of the model: its columns and indexes from the pragmas, completed from the
//! stored SQL, and its constraints (see [`constraint`](super::constraint)).

use std::collections::BTreeMap;

use plover_core::schema::normalize::squash_whitespace;
use plover_core::schema::render::ident;
use plover_core::schema::{Column, Index, Table};
use plover_core::sql::Syntax;

use super::constraint::{self, Parents, Sources};
use super::create_table::{TableDdl, collation};
use super::pragma::{ColumnRow, IndexRow, KeyRow};
use super::statement::parse_index;

/// The table in `sources`; `index_sql` holds the `CREATE INDEX` text of each index by name.
pub(super) fn table(
    sources: &Sources<'_>,
    parents: &Parents<'_>,
    index_sql: &BTreeMap<&str, &str>,
) -> Table {
    let columns = sources
        .columns
        .iter()
        // Hidden columns of a virtual table belong to its module, not to its definition.
        .filter(|c| c.hidden != 1)
        .map(|c| column(c, sources.ddl))
        .collect();
    let indexes = sources
        .indexes
        .iter()
        // Indexes behind PRIMARY KEY and UNIQUE are part of their constraints.
        .filter(|i| i.origin == "c")
        .map(|i| {
            let sql = index_sql.get(i.name.as_str()).copied().unwrap_or("");
            (i.name.clone(), index(i, sql, sources.ddl))
        })
        .collect();
    Table {
        columns,
        constraints: constraint::constraints(sources, parents),
        indexes,
        ..Table::default()
    }
}

fn column(row: &ColumnRow, ddl: &TableDdl) -> Column {
    let written = ddl.column(&row.name);
    let generated = (row.hidden >= 2).then(|| {
        written
            .and_then(|w| w.generated.clone())
            .unwrap_or_else(|| row.data_type.clone())
    });
    Column {
        name: row.name.clone(),
        data_type: data_type(&row.data_type),
        nullable: !row.not_null,
        default: row
            .default
            .as_deref()
            .map(|d| squash_whitespace(d, Syntax::SQLITE)),
        identity: None,
        generated,
        collation: written.and_then(|w| w.collation.clone()),
        comment: None,
    }
}

/// A declared type made comparable: SQLite keeps it as written, so `INTEGER`, `integer` and
/// `VARCHAR ( 20 )` are lowercased and spaced one way (`varchar(20)`, `decimal(10,2)`, as
/// PostgreSQL prints types).
fn data_type(declared: &str) -> String {
    squash_whitespace(&declared.to_lowercase(), Syntax::SQLITE)
        .replace(", ", ",")
        .replace(" (", "(")
}

/// An index created with `CREATE INDEX`, whose stored text is `sql`.
fn index(row: &IndexRow, sql: &str, ddl: &TableDdl) -> Index {
    let written = parse_index(sql);
    let keys = row
        .keys
        .iter()
        .filter(|k| k.key)
        .enumerate()
        .map(|(i, k)| key(k, written.keys.get(i), ddl))
        .collect();
    Index {
        method: "btree".to_owned(),
        keys,
        include: Vec::new(),
        unique: row.unique,
        nulls_not_distinct: false,
        predicate: written.predicate,
        valid: true,
    }
}

/// One index key: the column (or the expression as written), then its collation when
/// not the column's own, then `DESC`.
fn key(k: &KeyRow, written: Option<&String>, ddl: &TableDdl) -> String {
    let name = k.name.as_deref().unwrap_or_default();
    let mut out = match k.cid {
        -2 => written.cloned().unwrap_or_default(),
        -1 => "rowid".to_owned(),
        _ => ident(name),
    };
    let own = if k.cid >= 0 {
        ddl.column(name).and_then(|c| c.collation.clone())
    } else {
        None
    };
    let used = k.collation.as_deref().and_then(collation);
    if used != own {
        out.push_str(" COLLATE ");
        out.push_str(used.as_deref().unwrap_or("BINARY"));
    }
    if k.desc {
        out.push_str(" DESC");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_types_one_way() {
        for (declared, expect) in [
            ("INTEGER", "integer"),
            ("VARCHAR ( 20 )", "varchar(20)"),
            ("Decimal(10, 2)", "decimal(10,2)"),
            ("UNSIGNED  BIG\tINT", "unsigned big int"),
            ("", ""),
        ] {
            assert_eq!(data_type(declared), expect, "{declared:?}");
        }
    }
}
