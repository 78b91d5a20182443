//! The one place identifiers and literals are quoted (DESIGN.md, safety rule 5).

use std::fmt;

/// Quotes an identifier for PostgreSQL and SQLite: `my"table` becomes `"my""table"`.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a string literal: `it's` becomes `'it''s'`. Only for SQL that cannot take bind
/// parameters (DDL); values in queries always go through parameters.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A schema-qualified object name, displayed quoted: `"public"."plover_migrations"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    /// The schema (PostgreSQL) or attached database (SQLite).
    pub schema: String,
    /// The object's name inside it.
    pub name: String,
}

impl QualifiedName {
    /// A name in `schema`.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// The same schema, another object name: `plover_migrations` → `plover_lock`.
    pub fn sibling(&self, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: self.schema.clone(),
            name: name.into(),
        }
    }

    /// The unquoted `schema.name`, for messages.
    pub fn plain(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(
            quote_ident(r#"a"; drop schema public; --"#),
            r#""a""; drop schema public; --""#
        );
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(QualifiedName::new("s", "t\"x").to_string(), r#""s"."t""x""#);
    }
}
