//! Introspection of PostgreSQL into the schema model.
