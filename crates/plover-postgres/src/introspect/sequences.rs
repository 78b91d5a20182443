//! Sequences, except those behind identity columns.

use plover_core::DriverError;
use plover_core::schema::{Catalog, Scope, Sequence};

use super::reader::{Cells, Reader, schema_mut};

/// SQL: the sequences in scope that neither an extension nor an identity column owns
/// (identity sequences depend on their column with deptype `i`, `OWNED BY` ones with `a`).
/// The owner prints unqualified, as `OWNED BY` requires the same schema; its table's name
/// comes raw too, to leave out the sequences of excluded tables.
const SEQUENCES_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text,
       pg_catalog.format_type(s.seqtypid, NULL),
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       owner.column_path, owner.table_name
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
LEFT JOIN LATERAL (
  SELECT pg_catalog.quote_ident(tc.relname) || '.' || pg_catalog.quote_ident(ta.attname)
           AS column_path,
         tc.relname::text AS table_name
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
  JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
    AND d.deptype = 'a'
  LIMIT 1
) owner ON true
WHERE c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
          AND d.deptype IN ('e', 'i'))
"#;

/// Adds the sequences in scope, leaving out those owned by `scope`'s excluded tables.
pub(super) async fn add_sequences(
    reader: &mut Reader<'_>,
    scope: &Scope,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(SEQUENCES_SQL).await? {
        let cells = Cells(&row);
        let schema = cells.text(0)?;
        if let Some(table) = cells.opt_text(10)
            && scope.excludes(&schema, &table)
        {
            continue;
        }
        let sequence = sequence(&cells)?;
        if let Some(s) = schema_mut(catalog, &schema) {
            s.sequences.insert(cells.text(1)?, sequence);
        }
    }
    Ok(())
}

fn sequence(cells: &Cells<'_>) -> Result<Sequence, DriverError> {
    Ok(Sequence {
        data_type: cells.text(2)?,
        start: cells.int(3)?,
        increment: cells.int(4)?,
        min: cells.int(5)?,
        max: cells.int(6)?,
        cache: cells.int(7)?,
        cycle: cells.flag(8)?,
        owned_by: cells.opt_text(9),
    })
}
