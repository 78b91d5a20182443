//! Showing how a file changed since it was applied.

use similar::TextDiff;

/// A unified diff from `old` (labelled `old_label`) to `new`, with three lines of context.
pub fn unified_diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_changed_lines() {
        let diff = unified_diff("a\nb\n", "a\nc\n", "applied", "file");
        assert_eq!(diff, "--- applied\n+++ file\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
    }
}
