//! Making definitions comparable: what catalog noise the diff must not report.
//!
//! Drivers run every definition they read through these functions, so that two databases
//! holding the same objects produce equal models whatever whitespace, comments or redundant
//! casts their definitions happened to be written or printed with.

use crate::sql::Syntax;
use crate::sql::lexer::{TokenKind, tokenize};

/// `sql` with comments dropped, every run of whitespace made one space, no space just inside
/// parentheses or before a comma, and no trailing semicolon.
pub fn squash_whitespace(sql: &str, syntax: Syntax) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut pending_space = false;
    for token in tokenize(sql, syntax) {
        if token.kind.is_trivia() {
            pending_space = !out.is_empty();
            continue;
        }
        let text = token.text(sql);
        let glued =
            out.ends_with('(') || matches!(token.kind, TokenKind::CloseParen) || text == ",";
        if pending_space && !glued {
            out.push(' ');
        }
        pending_space = false;
        out.push_str(text);
    }
    while out.ends_with(';') {
        out.pop();
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
    }
    out
}

/// A column default without a cast to the column's own type: `'draft'::text` on a `text`
/// column is `'draft'`. PostgreSQL adds such casts depending on how the default was
/// written; they change nothing.
pub fn strip_redundant_cast(default: &str, data_type: &str) -> String {
    // PostgreSQL casts to `character varying` for a `character varying(20)` column.
    let base_type = data_type.split('(').next().unwrap_or(data_type);
    let literal = [data_type, base_type]
        .iter()
        .find_map(|t| default.strip_suffix(t).and_then(|d| d.strip_suffix("::")));
    let Some(literal) = literal else {
        return default.to_owned();
    };
    let tokens = tokenize(literal, Syntax::POSTGRES);
    let is_literal = matches!(
        tokens.as_slice(),
        [token] if matches!(token.kind, TokenKind::String | TokenKind::Number)
    );
    if is_literal {
        literal.to_owned()
    } else {
        default.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_squash(input: &str, expect: &str) {
        assert_eq!(squash_whitespace(input, Syntax::POSTGRES), expect);
    }

    #[test]
    fn squashes_whitespace_and_comments() {
        check_squash(" SELECT  a,\n  b\n FROM t ;", "SELECT a, b FROM t");
        check_squash("SELECT f( a , b ) -- note\nFROM t", "SELECT f(a, b) FROM t");
        check_squash(
            "SELECT 'two  spaces'  FROM t",
            "SELECT 'two  spaces' FROM t",
        );
        check_squash("SELECT a /* x */ FROM t;;", "SELECT a FROM t");
    }

    #[test]
    fn strips_only_casts_of_literals_to_the_column_type() {
        assert_eq!(strip_redundant_cast("'draft'::text", "text"), "'draft'");
        assert_eq!(strip_redundant_cast("0", "integer"), "0");
        assert_eq!(
            strip_redundant_cast("'a'::character varying", "character varying(20)"),
            "'a'"
        );
        assert_eq!(strip_redundant_cast("now()::text", "text"), "now()::text");
        assert_eq!(strip_redundant_cast("'{}'::jsonb", "jsonb"), "'{}'");
    }
}
