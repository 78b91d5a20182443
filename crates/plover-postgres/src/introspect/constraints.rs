//! Table constraints: primary key, unique, check, exclusion and foreign key.

use plover_core::DriverError;
use plover_core::schema::{Catalog, Constraint, ConstraintKind, Deferral};

use super::reader::{Cells, Reader, table_mut};

/// SQL: the constraints of the tables in scope, with their columns in key order. Not-null
/// constraints (PostgreSQL 18) are the columns' `nullable`; constraint triggers are not
/// modelled. A foreign key to a partitioned table gets one hidden sub-constraint per
/// referenced partition on the same table (`conparentid` pointing at it); those are
/// PostgreSQL's bookkeeping, not the user's, and are left out. A partition's copy of its
/// parent's constraint sits on another table and stays.
const CONSTRAINTS_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text, k.conname::text, k.contype::text,
       (SELECT pg_catalog.json_agg(
                 (SELECT a.attname FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = k.conrelid AND a.attnum = u.attnum)
                 ORDER BY u.ord)
        FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord))::text,
       pg_catalog.pg_get_constraintdef(k.oid),
       k.condeferrable, k.condeferred, k.convalidated
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
WHERE k.contype IN ('p', 'u', 'c', 'x', 'f')
  AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_constraint parent
        WHERE parent.oid = k.conparentid AND parent.conrelid = k.conrelid)
  AND c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
"#;

/// Adds the constraints of the tables read.
pub(super) async fn add_constraints(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(CONSTRAINTS_SQL).await? {
        let cells = Cells(&row);
        let Some(constraint) = constraint(&cells)? else {
            continue;
        };
        if let Some(table) = table_mut(catalog, &cells.text(0)?, &cells.text(1)?) {
            table.constraints.insert(cells.text(2)?, constraint);
        }
    }
    Ok(())
}

fn constraint(cells: &Cells<'_>) -> Result<Option<Constraint>, DriverError> {
    let kind = match cells.text(3)?.as_str() {
        "p" => ConstraintKind::PrimaryKey,
        "u" => ConstraintKind::Unique,
        "c" => ConstraintKind::Check,
        "x" => ConstraintKind::Exclusion,
        "f" => ConstraintKind::ForeignKey,
        _ => return Ok(None),
    };
    let deferral = match (cells.flag(6)?, cells.flag(7)?) {
        (false, _) => Deferral::NotDeferrable,
        (true, false) => Deferral::InitiallyImmediate,
        (true, true) => Deferral::InitiallyDeferred,
    };
    Ok(Some(Constraint {
        kind,
        columns: cells.json(4)?,
        definition: body(&cells.text(5)?).to_owned(),
        deferral,
        validated: cells.flag(8)?,
    }))
}

/// The clauses `pg_get_constraintdef` appends, in the order it appends them; the model
/// keeps them in `deferral` and `validated` instead (model.rs).
const TRAILING_CLAUSES: [&str; 3] = [" DEFERRABLE", " INITIALLY DEFERRED", " NOT VALID"];

/// `definition` without its trailing deferrability and `NOT VALID` clauses.
fn body(definition: &str) -> &str {
    TRAILING_CLAUSES
        .iter()
        .rev()
        .fold(definition, |rest, clause| {
            rest.strip_suffix(clause).unwrap_or(rest)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(definition: &str, expect: &str) {
        assert_eq!(body(definition), expect);
    }

    #[test]
    fn trailing_clauses_are_dropped() {
        check("CHECK ((b > 0))", "CHECK ((b > 0))");
        check("CHECK ((b > 0)) NOT VALID", "CHECK ((b > 0))");
        check("UNIQUE (a) DEFERRABLE", "UNIQUE (a)");
        check(
            "FOREIGN KEY (b) REFERENCES p(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID",
            "FOREIGN KEY (b) REFERENCES p(id) ON DELETE CASCADE",
        );
        check(
            "FOREIGN KEY (b) REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED",
            "FOREIGN KEY (b) REFERENCES p(id)",
        );
    }
}
