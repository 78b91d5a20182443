//! Rendering results that are more than a line: lint findings, rule lists, schema changes.

pub mod lint;
pub mod schema;

/// `1 migration`, `3 migrations`: a count and its noun, plural when it is not one.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
