//! Enum, domain and composite types.

use std::collections::BTreeMap;

use plover_core::schema::normalize::strip_redundant_cast;
use plover_core::schema::{Catalog, TypeKind, UserType};
use plover_core::{DriverError, ErrorKind};

use super::reader::{Cells, Reader, schema_mut};

/// SQL: the enum, domain and standalone composite types in scope, except those of
/// extensions. The composite type every table and view has, and array types, are left out.
const TYPES_SQL: &str = r#"
SELECT t.typnamespace::int8, t.typname::text, t.typtype::text,
       (SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder)
        FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)::text,
       pg_catalog.format_type(t.typbasetype, t.typtypmod),
       NOT t.typnotnull,
       pg_catalog.pg_get_expr(t.typdefaultbin, 0),
       (SELECT pg_catalog.json_object_agg(k.conname, pg_catalog.pg_get_constraintdef(k.oid))
        FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c')::text,
       (SELECT pg_catalog.json_agg(
                 pg_catalog.json_build_array(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod))
                 ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)::text,
       pg_catalog.obj_description(t.oid, 'pg_type')
FROM pg_catalog.pg_type t
LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND r.relkind = 'c'))
  AND t.typnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_type'::regclass
          AND d.objid = t.oid AND d.deptype = 'e')
"#;

/// Adds the user-defined types in scope.
pub(super) async fn add_types(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(TYPES_SQL).await? {
        let cells = Cells(&row);
        let user_type = UserType {
            kind: kind(&cells)?,
            comment: cells.opt_text(9),
        };
        if let Some(schema) = schema_mut(catalog, &cells.text(0)?) {
            schema.types.insert(cells.text(1)?, user_type);
        }
    }
    Ok(())
}

fn kind(cells: &Cells<'_>) -> Result<TypeKind, DriverError> {
    match cells.text(2)?.as_str() {
        "e" => Ok(TypeKind::Enum {
            labels: cells.json(3)?,
        }),
        "d" => domain(cells),
        "c" => Ok(TypeKind::Composite {
            attributes: cells.json(8)?,
        }),
        other => Err(DriverError::new(
            ErrorKind::Query,
            format!("introspection: unexpected type kind `{other}`"),
        )),
    }
}

fn domain(cells: &Cells<'_>) -> Result<TypeKind, DriverError> {
    let base_type = cells.text(4)?;
    let default = cells
        .opt_text(6)
        .map(|d| strip_redundant_cast(&d, &base_type));
    let checks: BTreeMap<String, String> = cells.json(7)?;
    Ok(TypeKind::Domain {
        base_type,
        nullable: cells.flag(5)?,
        default,
        checks,
    })
}
