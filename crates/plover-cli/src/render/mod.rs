//! Rendering results that are more than a line: lint findings and rule lists.

pub mod lint;
