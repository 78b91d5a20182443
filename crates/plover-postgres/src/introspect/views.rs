//! Views and materialized views.

use plover_core::DriverError;
use plover_core::schema::normalize::squash_whitespace;
use plover_core::schema::{Catalog, View};
use plover_core::sql::Syntax;

use super::reader::{Cells, Reader, schema_mut};

/// SQL: the views and materialized views in scope, except those of extensions.
const VIEWS_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text, c.relkind = 'm',
       pg_catalog.pg_get_viewdef(c.oid, true),
       dsc.description
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_description dsc
  ON dsc.objoid = c.oid AND dsc.classoid = 'pg_catalog.pg_class'::regclass AND dsc.objsubid = 0
WHERE c.relkind IN ('v', 'm')
  AND c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass
          AND d.objid = c.oid AND d.deptype = 'e')
"#;

/// Adds the views in scope, without their indexes.
pub(super) async fn add_views(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(VIEWS_SQL).await? {
        let cells = Cells(&row);
        let view = View {
            materialized: cells.flag(2)?,
            // pg_get_viewdef indents with newlines and spaces that depend on the query's
            // shape; squashed, equal queries print equal.
            definition: squash_whitespace(&cells.text(3)?, Syntax::POSTGRES),
            indexes: Default::default(),
            comment: cells.opt_text(4),
        };
        if let Some(schema) = schema_mut(catalog, &cells.text(0)?) {
            schema.views.insert(cells.text(1)?, view);
        }
    }
    Ok(())
}
