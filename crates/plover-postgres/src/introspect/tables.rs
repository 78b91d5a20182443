//! Tables and their columns.

use plover_core::DriverError;
use plover_core::schema::normalize::strip_redundant_cast;
use plover_core::schema::{Catalog, Column, Identity, RowSecurity, Scope, Table};

use super::reader::{Cells, Reader, schema_mut, table_mut};

/// SQL: ordinary and partitioned tables in scope, except those of extensions. Comments
/// come from joining `pg_description`, which costs a third of calling `obj_description`
/// (and `col_description`) once per row.
const TABLES_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       dsc.description
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_description dsc
  ON dsc.objoid = c.oid AND dsc.classoid = 'pg_catalog.pg_class'::regclass AND dsc.objsubid = 0
WHERE c.relkind IN ('r', 'p')
  AND c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass
          AND d.objid = c.oid AND d.deptype = 'e')
"#;

/// SQL: the columns of those tables, in position order. A default cannot name a column,
/// so it is printed without its table (`pg_get_expr(adbin, 0)`), which spares opening and
/// locking every table with a default; a generated column's expression names columns and
/// needs its table. The collation is named only when
/// it is not the type's own, quoted and qualified the way `format_type` would.
const COLUMNS_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text, a.attname::text,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0)
            ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
       a.attidentity::text,
       a.attgenerated::text,
       CASE WHEN a.attcollation <> t.typcollation THEN
         CASE WHEN pg_catalog.pg_collation_is_visible(co.oid)
           THEN pg_catalog.quote_ident(co.collname)
           ELSE pg_catalog.quote_ident(con.nspname) || '.' || pg_catalog.quote_ident(co.collname)
         END
       END,
       dsc.description,
       a.attrelid::int8, a.attnum::int8
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_description dsc
  ON dsc.objoid = a.attrelid AND dsc.classoid = 'pg_catalog.pg_class'::regclass
     AND dsc.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p')
  AND c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
ORDER BY a.attrelid, a.attnum
"#;

/// Adds the tables in scope, without their parts, leaving out `scope`'s excluded tables.
pub(super) async fn add_tables(
    reader: &mut Reader<'_>,
    scope: &Scope,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(TABLES_SQL).await? {
        let cells = Cells(&row);
        let (schema, name) = (cells.text(0)?, cells.text(1)?);
        if scope.excludes(&schema, &name) {
            continue;
        }
        let table = table(&cells)?;
        if let Some(s) = schema_mut(catalog, &schema) {
            s.tables.insert(name, table);
        }
    }
    Ok(())
}

fn table(cells: &Cells<'_>) -> Result<Table, DriverError> {
    let row_security = match (cells.flag(2)?, cells.flag(3)?) {
        (false, _) => RowSecurity::Off,
        (true, false) => RowSecurity::Enabled,
        (true, true) => RowSecurity::Forced,
    };
    Ok(Table {
        row_security,
        partition_by: cells.opt_text(4),
        comment: cells.opt_text(5),
        ..Table::default()
    })
}

/// Adds the columns of the tables read, in position order.
pub(super) async fn add_columns(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(COLUMNS_SQL).await? {
        let cells = Cells(&row);
        let column = column(&cells)?;
        reader.note_column(cells.int(10)?, cells.int(11)?, &column.name);
        if let Some(table) = table_mut(catalog, &cells.text(0)?, &cells.text(1)?) {
            table.columns.push(column);
        }
    }
    Ok(())
}

fn column(cells: &Cells<'_>) -> Result<Column, DriverError> {
    let data_type = cells.text(3)?;
    // A stored generated column keeps its expression where a default would be.
    let expression = cells.opt_text(5);
    let generated = cells.opt_text(7).is_some_and(|g| g == "s");
    let (default, generated) = match expression {
        Some(e) if generated => (None, Some(e)),
        Some(e) => (Some(strip_redundant_cast(&e, &data_type)), None),
        None => (None, None),
    };
    let identity = match cells.opt_text(6).as_deref() {
        Some("a") => Some(Identity::Always),
        Some("d") => Some(Identity::ByDefault),
        _ => None,
    };
    Ok(Column {
        name: cells.text(2)?,
        data_type,
        nullable: cells.flag(4)?,
        default,
        identity,
        generated,
        collation: cells.opt_text(8),
        comment: cells.opt_text(9),
    })
}
