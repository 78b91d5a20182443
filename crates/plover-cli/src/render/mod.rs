//! Rendering results that are more than a line: lint findings, rule lists, schema changes.

pub mod lint;
pub mod schema;
