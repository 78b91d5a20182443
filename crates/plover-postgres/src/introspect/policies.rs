//! Row-level security policies.

use plover_core::DriverError;
use plover_core::schema::{Catalog, Policy};

use super::reader::{Cells, Reader, table_mut};

/// SQL: the policies of the tables in scope. Role oid 0 in `polroles` means everyone.
const POLICIES_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text, p.polname::text,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
       p.polpermissive,
       (SELECT pg_catalog.json_agg(coalesce(r.rolname::text, 'public'))
        FROM pg_catalog.unnest(p.polroles) AS u(role)
        LEFT JOIN pg_catalog.pg_roles r ON r.oid = u.role AND u.role <> 0)::text,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
"#;

/// Adds the policies of the tables read.
pub(super) async fn add_policies(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(POLICIES_SQL).await? {
        let cells = Cells(&row);
        let policy = policy(&cells)?;
        if let Some(table) = table_mut(catalog, &cells.text(0)?, &cells.text(1)?) {
            table.policies.insert(cells.text(2)?, policy);
        }
    }
    Ok(())
}

fn policy(cells: &Cells<'_>) -> Result<Policy, DriverError> {
    let mut roles: Vec<String> = cells.json(5)?;
    roles.sort();
    Ok(Policy {
        command: cells.text(3)?,
        permissive: cells.flag(4)?,
        roles,
        using: cells.opt_text(6),
        with_check: cells.opt_text(7),
    })
}
