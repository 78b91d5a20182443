//! Triggers of tables.

use plover_core::DriverError;
use plover_core::schema::{Catalog, Trigger};

use super::reader::{Cells, Reader, table_mut};

/// SQL: the user triggers of the tables in scope; internal ones (behind foreign keys and
/// deferrable constraints) are part of their constraint.
const TRIGGERS_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text, g.tgname::text,
       pg_catalog.pg_get_triggerdef(g.oid, true),
       g.tgenabled <> 'D'
FROM pg_catalog.pg_trigger g
JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
WHERE NOT g.tgisinternal
  AND c.relkind IN ('r', 'p')
  AND c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
"#;

/// Adds the triggers of the tables read.
pub(super) async fn add_triggers(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(TRIGGERS_SQL).await? {
        let cells = Cells(&row);
        let trigger = Trigger {
            definition: cells.text(3)?,
            enabled: cells.flag(4)?,
        };
        if let Some(table) = table_mut(catalog, &cells.text(0)?, &cells.text(1)?) {
            table.triggers.insert(cells.text(2)?, trigger);
        }
    }
    Ok(())
}
