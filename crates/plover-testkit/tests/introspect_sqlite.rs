//! Introspection of SQLite into the schema model.
