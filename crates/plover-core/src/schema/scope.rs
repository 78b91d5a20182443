//! Which part of a database an introspection reads.

use crate::sql::QualifiedName;

/// What to introspect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// The schemas to read; empty reads every schema except the system's own
    /// (`pg_catalog`, `information_schema`, `pg_toast`, temporary schemas).
    ///
    /// When exactly one schema is asked for, the driver reads it with that schema alone on
    /// the search path, so definitions name its objects unqualified: the same DDL applied
    /// in two schemas (two tenants) introspects to equal models.
    pub schemas: Vec<String>,
    /// Tables to leave out, such as Plover's own bookkeeping tables.
    pub exclude_tables: Vec<QualifiedName>,
    /// Print every object schema-qualified, even when one schema is read: how many schemas
    /// read at once (a tenant fleet) and one read alone are made comparable.
    pub qualified: bool,
}

impl Scope {
    /// Every user schema, nothing excluded.
    pub fn all() -> Self {
        Scope::default()
    }

    /// Only `schema`.
    pub fn schema(schema: impl Into<String>) -> Self {
        Scope {
            schemas: vec![schema.into()],
            ..Scope::default()
        }
    }

    /// The same scope without `table`.
    pub fn excluding(mut self, table: QualifiedName) -> Self {
        self.exclude_tables.push(table);
        self
    }

    /// Whether `schema.table` is left out.
    pub fn excludes(&self, schema: &str, table: &str) -> bool {
        self.exclude_tables
            .iter()
            .any(|t| t.schema == schema && t.name == table)
    }
}
