//! Indexes of tables and materialized views, except those a constraint owns.

use plover_core::schema::{Catalog, Index};
use plover_core::{DriverError, ErrorKind};

use plover_core::sql::Syntax;
use plover_core::sql::lexer::{TokenKind, tokenize};

use super::reader::{Cells, Reader, table_mut, view_mut};

/// SQL: the indexes of the relations in scope that no primary key, unique or exclusion
/// constraint of the same table owns (a foreign key's `conindid` names the referenced
/// table's index, which stays listed there).
///
/// Keys come from the whole definition (see [`keys`]): `pg_get_indexdef(oid, k, true)`
/// prints a key's column or expression without the collation, operator class and
/// ordering that belong to it, and those cannot be rebuilt from the catalogs alone (an
/// expression's own collation is not stored). `INCLUDE` columns have none of those, so
/// they are read one by one.
///
/// Printing a definition costs the server a search of every operator class of the index's
/// method per key (to tell whether the key's is the default), which makes it most of the
/// cost of reading a fleet's indexes. Most keys are a plain column with its type's default
/// operator class, collation and ordering, which `pg_get_indexdef` prints as the quoted
/// column name alone: when every key of an index is one (`simple`, whose conditions are
/// those under which `pg_get_indexdef` adds nothing to the name: no expression, the
/// column's own collation, no ordering options, the default operator class of the column's
/// type itself rather than of a domain's base type, no operator class options), the keys
/// are those names and the definition is not printed. (`indclass`, `indcollation` and
/// `indoption` hold one entry per key column; `indkey` has the `INCLUDE` columns after them.)
///
/// `NULLS_NOT_DISTINCT` is replaced by [`indexes_sql`] (PostgreSQL 15 added the column).
const INDEXES_SQL: &str = r#"
SELECT t.relnamespace::int8, t.relname::text, t.relkind = 'm', x.relname::text, am.amname::text,
       CASE WHEN simple.keys IS NULL THEN pg_catalog.pg_get_indexdef(i.indexrelid, 0, true) END,
       i.indnkeyatts,
       (SELECT pg_catalog.json_agg(pg_catalog.pg_get_indexdef(i.indexrelid, s.k, true) ORDER BY s.k)
        FROM pg_catalog.generate_series(i.indnkeyatts + 1, i.indnatts) AS s(k))::text,
       i.indisunique,
       NULLS_NOT_DISTINCT,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true),
       i.indisvalid,
       simple.keys::text
FROM pg_catalog.pg_class t
JOIN pg_catalog.pg_index i ON i.indrelid = t.oid
JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = x.relam
LEFT JOIN LATERAL (
  SELECT CASE WHEN pg_catalog.bool_and(COALESCE(
                k.attnum > 0
                AND k.coll IN (0, a.attcollation)
                AND k.opt = 0
                AND (SELECT oc.opcdefault AND oc.opcintype = a.atttypid
                     FROM pg_catalog.pg_opclass oc WHERE oc.oid = k.opclass)
                AND (SELECT ty.typtype <> 'd' FROM pg_catalog.pg_type ty WHERE ty.oid = a.atttypid)
                AND (SELECT ia.attoptions IS NULL FROM pg_catalog.pg_attribute ia
                     WHERE ia.attrelid = i.indexrelid AND ia.attnum = k.n), false))
         THEN pg_catalog.json_agg(pg_catalog.quote_ident(a.attname) ORDER BY k.n) END AS keys
  FROM ROWS FROM (pg_catalog.unnest(i.indkey::pg_catalog.int2[]),
                  pg_catalog.unnest(i.indclass::pg_catalog.oid[]),
                  pg_catalog.unnest(i.indcollation::pg_catalog.oid[]),
                  pg_catalog.unnest(i.indoption::pg_catalog.int2[]))
         WITH ORDINALITY AS k(attnum, opclass, coll, opt, n)
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  WHERE k.n <= i.indnkeyatts
) simple ON true
WHERE t.relkind IN ('r', 'p', 'm')
  AND t.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_constraint k
        WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
          AND k.contype IN ('p', 'u', 'x'))
"#;

/// The index query for a server of `version` (`server_version_num`).
fn indexes_sql(version: u32) -> String {
    // SQL assembled from strings: a fixed column or constant, never a value.
    let nulls_not_distinct = if version >= 150_000 {
        "i.indnullsnotdistinct"
    } else {
        "false"
    };
    INDEXES_SQL.replace("NULLS_NOT_DISTINCT", nulls_not_distinct)
}

/// Adds the indexes of the tables and materialized views read.
pub(super) async fn add_indexes(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    let sql = indexes_sql(reader.server_version());
    for row in reader.rows(&sql).await? {
        let cells = Cells(&row);
        let index = index(&cells)?;
        let (schema, relation, name) = (cells.text(0)?, cells.text(1)?, cells.text(3)?);
        let indexes = if cells.flag(2)? {
            view_mut(catalog, &schema, &relation).map(|v| &mut v.indexes)
        } else {
            table_mut(catalog, &schema, &relation).map(|t| &mut t.indexes)
        };
        if let Some(indexes) = indexes {
            indexes.insert(name, index);
        }
    }
    Ok(())
}

fn index(cells: &Cells<'_>) -> Result<Index, DriverError> {
    let keys = match cells.opt_text(5) {
        None => cells.json(12)?,
        Some(definition) => keys(&definition)
            .filter(|keys| i64::try_from(keys.len()).ok() == cells.int(6).ok())
            .ok_or_else(|| {
                DriverError::new(
                    ErrorKind::Query,
                    format!("introspection: cannot read the keys of `{definition}`"),
                )
            })?,
    };
    Ok(Index {
        method: cells.text(4)?,
        keys,
        include: cells.json(7)?,
        unique: cells.flag(8)?,
        nulls_not_distinct: cells.flag(9)?,
        predicate: cells.opt_text(10),
        valid: cells.flag(11)?,
    })
}

/// The key list of `definition` (`CREATE INDEX ... USING method (keys) ...`), each key
/// as PostgreSQL prints it with its collation, operator class and ordering; none when the
/// definition does not read that way.
fn keys(definition: &str) -> Option<Vec<String>> {
    let tokens = tokenize(definition, Syntax::POSTGRES);
    // `USING` is reserved: as a name it would be a quoted identifier, not a word.
    let using = tokens.iter().position(|t| {
        t.kind == TokenKind::Word && t.text(definition).eq_ignore_ascii_case("using")
    })?;
    let open = using
        + tokens[using..]
            .iter()
            .position(|t| t.kind == TokenKind::OpenParen)?;
    let mut keys = Vec::new();
    let mut depth = 0;
    let mut start = tokens[open].end;
    for token in &tokens[open..] {
        match token.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen if depth == 1 => {
                keys.push(definition[start..token.start].trim().to_owned());
                return Some(keys);
            }
            TokenKind::CloseParen => depth -= 1,
            TokenKind::Punct if depth == 1 && token.text(definition) == "," => {
                keys.push(definition[start..token.start].trim().to_owned());
                start = token.end;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(definition: &str, expect: &[&str]) {
        assert_eq!(keys(definition).unwrap(), expect);
    }

    #[test]
    fn keys_are_split_at_top_level_commas() {
        check(
            "CREATE INDEX ti ON t USING btree (a DESC NULLS LAST, lower(c) text_pattern_ops, b) \
             INCLUDE (c) WHERE b > 0",
            &["a DESC NULLS LAST", "lower(c) text_pattern_ops", "b"],
        );
        check(
            "CREATE UNIQUE INDEX \"using (x, y)\" ON \"my, table\" USING gist \
             (\"a,b\" COLLATE \"C\", (coalesce(c, ',')))",
            &["\"a,b\" COLLATE \"C\"", "(coalesce(c, ','))"],
        );
        assert_eq!(keys("CREATE INDEX i ON t USING btree (a"), None);
    }

    #[test]
    fn nulls_not_distinct_is_read_from_postgresql_15() {
        assert!(indexes_sql(150_004).contains("i.indnullsnotdistinct"));
        assert!(!indexes_sql(140_011).contains("indnullsnotdistinct"));
        assert!(!indexes_sql(140_011).contains("NULLS_NOT_DISTINCT"));
    }
}
