//! Functions, procedures, aggregates and window functions.

use plover_core::DriverError;
use plover_core::schema::{Catalog, Function, FunctionKind, Volatility};

use super::reader::{Cells, Reader, schema_mut};

/// SQL: the routines in scope, except those of extensions, keyed `name(identity
/// arguments)`. The body is hashed on the server so it never travels. An aggregate's
/// `prosrc` is a placeholder (`aggregate_dummy`); what it computes is its support
/// functions, state type and initial value, so those are what its hash covers.
///
/// `ROUTINE_BODY` is replaced by [`routines_sql`]: from PostgreSQL 14 a SQL-standard body
/// (`BEGIN ATOMIC ...`) lives in `prosqlbody`, with `prosrc` empty.
const ROUTINES_SQL: &str = r#"
SELECT p.pronamespace::int8,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       p.prokind::text,
       pg_catalog.pg_get_function_arguments(p.oid),
       pg_catalog.pg_get_function_result(p.oid),
       l.lanname::text,
       p.provolatile::text,
       p.prosecdef,
       p.proisstrict,
       pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
         CASE WHEN p.prokind = 'a' THEN (
           SELECT pg_catalog.concat_ws(' ', g.aggkind, g.aggnumdirectargs,
                    g.aggtransfn::regprocedure, g.aggfinalfn::regprocedure,
                    g.aggcombinefn::regprocedure, g.aggserialfn::regprocedure,
                    g.aggdeserialfn::regprocedure, g.aggmtransfn::regprocedure,
                    g.aggminvtransfn::regprocedure, g.aggmfinalfn::regprocedure,
                    g.aggfinalextra, g.aggmfinalextra, g.aggfinalmodify, g.aggmfinalmodify,
                    g.aggsortop::regoperator, pg_catalog.format_type(g.aggtranstype, NULL),
                    g.aggtransspace, pg_catalog.format_type(g.aggmtranstype, NULL),
                    g.aggmtransspace, pg_catalog.quote_nullable(g.agginitval),
                    pg_catalog.quote_nullable(g.aggminitval))
           FROM pg_catalog.pg_aggregate g WHERE g.aggfnoid = p.oid)
         ELSE ROUTINE_BODY END, 'UTF8')), 'hex'),
       dsc.description
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_description dsc
  ON dsc.objoid = p.oid AND dsc.classoid = 'pg_catalog.pg_proc'::regclass AND dsc.objsubid = 0
WHERE p.pronamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_proc'::regclass
          AND d.objid = p.oid AND d.deptype = 'e')
"#;

/// The routine query for a server of `version` (`server_version_num`).
fn routines_sql(version: u32) -> String {
    // SQL assembled from strings: a fixed expression, never a value.
    let body = if version >= 140_000 {
        "CASE WHEN p.prosqlbody IS NULL THEN p.prosrc \
         ELSE pg_catalog.pg_get_function_sqlbody(p.oid) END"
    } else {
        "p.prosrc"
    };
    ROUTINES_SQL.replace("ROUTINE_BODY", body)
}

/// Adds the routines in scope.
pub(super) async fn add_routines(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    let sql = routines_sql(reader.server_version());
    for row in reader.rows(&sql).await? {
        let cells = Cells(&row);
        let function = function(&cells)?;
        if let Some(schema) = schema_mut(catalog, &cells.text(0)?) {
            schema.functions.insert(cells.text(1)?, function);
        }
    }
    Ok(())
}

fn function(cells: &Cells<'_>) -> Result<Function, DriverError> {
    let kind = match cells.text(2)?.as_str() {
        "p" => FunctionKind::Procedure,
        "a" => FunctionKind::Aggregate,
        "w" => FunctionKind::Window,
        _ => FunctionKind::Function,
    };
    let volatility = match cells.text(6)?.as_str() {
        "i" => Volatility::Immutable,
        "s" => Volatility::Stable,
        _ => Volatility::Volatile,
    };
    Ok(Function {
        kind,
        arguments: cells.text(3)?,
        returns: cells.opt_text(4),
        language: cells.text(5)?,
        volatility,
        security_definer: cells.flag(7)?,
        strict: cells.flag(8)?,
        body_sha256: cells.text(9)?,
        comment: cells.opt_text(10),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_standard_bodies_are_read_from_postgresql_14() {
        assert!(routines_sql(140_000).contains("prosqlbody"));
        assert!(!routines_sql(130_015).contains("prosqlbody"));
        assert!(!routines_sql(130_015).contains("ROUTINE_BODY"));
    }
}
