//! Matching statements against keyword patterns such as `CREATE [UNIQUE] INDEX CONCURRENTLY`.
//!
//! Patterns are data (they live in a [`Dialect`](crate::Dialect)), so a backend says which
//! statements it refuses inside a transaction without any code of its own.

use super::split::leading_words;

/// How many leading words a pattern can look at.
const WORD_LIMIT: usize = 24;

/// A statement pattern: words in order, `[WORD]` optional, `...` any run of words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementPattern {
    /// The pattern text, e.g. `REINDEX ... CONCURRENTLY`.
    pub pattern: &'static str,
    /// Servers at or above this version (`server_version_num`) accept the statement in a
    /// transaction after all; `None` when none do.
    pub allowed_in_transaction_from: Option<u32>,
}

impl StatementPattern {
    /// Whether `statement` matches on a server of `server_version`.
    pub fn refuses(&self, statement: &str, server_version: u32) -> bool {
        let allowed = self
            .allowed_in_transaction_from
            .is_some_and(|from| server_version >= from);
        !allowed && matches_pattern(self.pattern, statement)
    }
}

/// Whether the leading words of `statement` match `pattern` (case-insensitive).
pub fn matches_pattern(pattern: &str, statement: &str) -> bool {
    let parts: Vec<&str> = pattern.split_whitespace().collect();
    let words = leading_words(statement, WORD_LIMIT);
    match_parts(&parts, &words)
}

fn match_parts(parts: &[&str], words: &[String]) -> bool {
    let Some((part, rest)) = parts.split_first() else {
        return true;
    };
    if *part == "..." {
        return (0..=words.len()).any(|skip| match_parts(rest, &words[skip..]));
    }
    if let Some(optional) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        let with = words.first().is_some_and(|w| w == optional) && match_parts(rest, &words[1..]);
        return with || match_parts(rest, words);
    }
    words.first().is_some_and(|w| w == part) && match_parts(rest, &words[1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, statement: &str, expect: bool) {
        assert_eq!(
            matches_pattern(pattern, statement),
            expect,
            "{pattern:?} on {statement:?}"
        );
    }

    #[test]
    fn words_optional_words_and_gaps() {
        check(
            "CREATE [UNIQUE] INDEX CONCURRENTLY",
            "create index concurrently i on t (x)",
            true,
        );
        check(
            "CREATE [UNIQUE] INDEX CONCURRENTLY",
            "CREATE UNIQUE INDEX CONCURRENTLY i ON t",
            true,
        );
        check(
            "CREATE [UNIQUE] INDEX CONCURRENTLY",
            "CREATE INDEX i ON t (concurrently)",
            false,
        );
        check(
            "REINDEX ... CONCURRENTLY",
            "REINDEX (VERBOSE) TABLE CONCURRENTLY t",
            true,
        );
        check("REINDEX ... CONCURRENTLY", "REINDEX TABLE t", false);
        check(
            "ALTER TYPE ... ADD VALUE",
            "ALTER TYPE s.mood ADD VALUE 'ok'",
            true,
        );
        check("VACUUM", "/* tidy */ vacuum analyze t", true);
        check("VACUUM", "SELECT 'VACUUM'", false);
    }

    #[test]
    fn versions_that_allow_it() {
        let add_value = StatementPattern {
            pattern: "ALTER TYPE ... ADD VALUE",
            allowed_in_transaction_from: Some(120_000),
        };
        assert!(add_value.refuses("ALTER TYPE t ADD VALUE 'x'", 110_000));
        assert!(!add_value.refuses("ALTER TYPE t ADD VALUE 'x'", 150_000));
    }
}
