//! Table constraints: primary key, unique, check, exclusion and foreign key.

use plover_core::schema::{Catalog, Constraint, ConstraintKind, Deferral};
use plover_core::{DriverError, ErrorKind};

use super::reader::{Cells, Reader, table_mut};

/// SQL: the constraints of the tables in scope, their columns as numbers in key order
/// (named from the columns read). Not-null constraints (PostgreSQL 18) are the columns'
/// `nullable`; constraint triggers are not modelled. A foreign key to a partitioned table
/// gets one hidden sub-constraint per referenced partition on the same table (`conparentid`
/// pointing at it); those are PostgreSQL's bookkeeping, not the user's, and are left out. A
/// partition's copy of its parent's constraint sits on another table and stays.
///
/// The tables are found first and their constraints through the index on `conrelid`: the
/// other way round reads every constraint of the database, whatever the scope.
const CONSTRAINTS_SQL: &str = r#"
SELECT c.relnamespace::int8, c.relname::text, k.conname::text, k.contype::text,
       k.conrelid::int8, k.conkey::text,
       pg_catalog.pg_get_constraintdef(k.oid),
       k.condeferrable, k.condeferred, k.convalidated
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid
WHERE c.relkind IN ('r', 'p')
  AND c.relnamespace = ANY (pg_catalog.string_to_array($1, ',')::oid[])
  AND k.contype IN ('p', 'u', 'c', 'x', 'f')
  AND (k.conparentid = 0 OR NOT EXISTS (
        SELECT FROM pg_catalog.pg_constraint parent
        WHERE parent.oid = k.conparentid AND parent.conrelid = k.conrelid))
"#;

/// Adds the constraints of the tables read.
pub(super) async fn add_constraints(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
) -> Result<(), DriverError> {
    for row in reader.rows(CONSTRAINTS_SQL).await? {
        let cells = Cells(&row);
        let Some(mut constraint) = constraint(&cells)? else {
            continue;
        };
        // A constraint that names no column (`CHECK (true)`) has no numbers at all.
        if let Some(numbers) = cells.opt_text(5) {
            constraint.columns = reader
                .column_names(cells.int(4)?, &numbers)
                .ok_or_else(|| unknown_columns(&cells, &numbers))?;
        }
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
    let deferral = match (cells.flag(7)?, cells.flag(8)?) {
        (false, _) => Deferral::NotDeferrable,
        (true, false) => Deferral::InitiallyImmediate,
        (true, true) => Deferral::InitiallyDeferred,
    };
    Ok(Some(Constraint {
        kind,
        columns: Vec::new(),
        definition: body(&cells.text(6)?).to_owned(),
        deferral,
        validated: cells.flag(9)?,
    }))
}

fn unknown_columns(cells: &Cells<'_>, numbers: &str) -> DriverError {
    let name = cells.opt_text(2).unwrap_or_default();
    DriverError::new(
        ErrorKind::Query,
        format!("introspection: constraint {name:?} names columns {numbers} that were not read"),
    )
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
