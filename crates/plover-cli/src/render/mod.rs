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

#[cfg(test)]
mod tests {
    #[test]
    fn counts_take_the_plural_unless_one() {
        for (n, expect) in [
            (0, "0 tenants"),
            (1, "1 tenant"),
            (2, "2 tenants"),
            (1000, "1000 tenants"),
        ] {
            assert_eq!(super::count(n, "tenant"), expect);
        }
    }
}
