//! A cursor over the meaningful tokens of the SQL text SQLite stores for each object.
//!
//! SQLite keeps `CREATE` statements as they were written, so everything read from them goes
//! through the lexer: comments, quoted identifiers and string literals can never be mistaken
//! for the keywords and parentheses the readers look for.

use std::ops::Range;

use plover_core::schema::normalize::squash_whitespace;
use plover_core::sql::Syntax;
use plover_core::sql::lexer::{Token, TokenKind, tokenize};

/// Stored SQL text and its tokens, without whitespace and comments.
pub(super) struct Sql<'a> {
    text: &'a str,
    tokens: Vec<Token>,
}

impl<'a> Sql<'a> {
    /// Tokenizes `text` under SQLite's rules.
    pub(super) fn new(text: &'a str) -> Self {
        let tokens = tokenize(text, Syntax::SQLITE)
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .collect();
        Sql { text, tokens }
    }

    /// How many tokens there are.
    pub(super) fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The text of token `i`, empty past the end.
    pub(super) fn text(&self, i: usize) -> &'a str {
        self.tokens.get(i).map_or("", |t| t.text(self.text))
    }

    fn kind(&self, i: usize) -> Option<TokenKind> {
        self.tokens.get(i).map(|t| t.kind)
    }

    /// Whether token `i` is the keyword `word` (case-insensitive).
    pub(super) fn is_word(&self, i: usize, word: &str) -> bool {
        self.kind(i) == Some(TokenKind::Word) && self.text(i).eq_ignore_ascii_case(word)
    }

    /// Token `i` as an uppercase keyword, when it is a bare word.
    pub(super) fn keyword(&self, i: usize) -> Option<String> {
        (self.kind(i) == Some(TokenKind::Word)).then(|| self.text(i).to_ascii_uppercase())
    }

    /// Whether token `i` is the punctuation `punct`.
    pub(super) fn is_punct(&self, i: usize, punct: &str) -> bool {
        self.kind(i) == Some(TokenKind::Punct) && self.text(i) == punct
    }

    /// Whether token `i` is a string literal.
    pub(super) fn is_string(&self, i: usize) -> bool {
        self.kind(i) == Some(TokenKind::String)
    }

    /// Whether token `i` opens a parenthesis.
    pub(super) fn is_open(&self, i: usize) -> bool {
        self.kind(i) == Some(TokenKind::OpenParen)
    }

    /// The index of the parenthesis that closes the one opened at `open`.
    pub(super) fn close(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, token) in self.tokens.iter().enumerate().skip(open) {
            match token.kind {
                TokenKind::OpenParen => depth += 1,
                TokenKind::CloseParen if depth <= 1 => return Some(i),
                TokenKind::CloseParen => depth -= 1,
                _ => {}
            }
        }
        None
    }

    /// The first token after `i`, skipping a whole parenthesised group when `i` opens one.
    pub(super) fn skip(&self, i: usize) -> usize {
        if self.is_open(i) {
            self.close(i).map_or(self.len(), |c| c + 1)
        } else {
            i + 1
        }
    }

    /// The first index in `range` at parenthesis depth zero where `found` holds.
    pub(super) fn find(&self, range: Range<usize>, found: impl Fn(usize) -> bool) -> Option<usize> {
        let mut i = range.start;
        while i < range.end.min(self.len()) {
            if found(i) {
                return Some(i);
            }
            i = self.skip(i);
        }
        None
    }

    /// `range` cut at its top-level commas.
    pub(super) fn split_commas(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let mut parts = Vec::new();
        let mut start = range.start;
        while let Some(comma) = self.find(start..range.end, |i| self.is_punct(i, ",")) {
            parts.push(start..comma);
            start = comma + 1;
        }
        if start < range.end {
            parts.push(start..range.end);
        }
        parts
    }

    /// The parenthesised group opened at `open`: the range inside it and the index after it.
    pub(super) fn group(&self, open: usize) -> Option<(Range<usize>, usize)> {
        if !self.is_open(open) {
            return None;
        }
        let close = self.close(open)?;
        Some((open + 1..close, close + 1))
    }

    /// Token `i` as an identifier, unquoted: `"a""b"`, `` `a` ``, `[a]`, `'a'` and `a`.
    pub(super) fn name(&self, i: usize) -> Option<String> {
        let text = self.text(i);
        match self.kind(i)? {
            TokenKind::Word => Some(text.to_owned()),
            TokenKind::QuotedIdent if text.starts_with('[') => Some(
                text.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            ),
            TokenKind::QuotedIdent | TokenKind::String => Some(unquote(text)),
            _ => None,
        }
    }

    /// A possibly schema-qualified name starting at `i` (`main.t`): the name and the index
    /// after it.
    pub(super) fn qualified_name(&self, i: usize) -> Option<(String, usize)> {
        if self.is_punct(i + 1, ".") {
            Some((self.name(i + 2)?, i + 3))
        } else {
            Some((self.name(i)?, i + 1))
        }
    }

    /// The source text the tokens in `range` span, comments between them included.
    pub(super) fn slice(&self, range: Range<usize>) -> &'a str {
        let end = range.end.min(self.len());
        if range.start >= end {
            return "";
        }
        &self.text[self.tokens[range.start].start..self.tokens[end - 1].end]
    }

    /// The text of `range`, comments dropped and whitespace squashed.
    pub(super) fn squash(&self, range: Range<usize>) -> String {
        squash_whitespace(self.slice(range), Syntax::SQLITE)
    }
}

/// `"a""b"` → `a"b`: strips the quote character and undoubles it inside.
fn unquote(text: &str) -> String {
    let Some(quote) = text.chars().next() else {
        return String::new();
    };
    let inner = text
        .strip_prefix(quote)
        .map(|t| t.strip_suffix(quote).unwrap_or(t))
        .unwrap_or(text);
    inner.replace(&format!("{quote}{quote}"), &quote.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_name(sql: &str, expect: &str) {
        assert_eq!(Sql::new(sql).name(0).as_deref(), Some(expect));
    }

    #[test]
    fn unquotes_every_identifier_style() {
        check_name("plain", "plain");
        check_name(r#""a""b""#, r#"a"b"#);
        check_name("`x``y`", "x`y");
        check_name("[my col]", "my col");
        check_name("'f_data'", "f_data");
    }

    #[test]
    fn splits_at_top_level_commas_only() {
        let sql = Sql::new("a, f(b, c) /* , */, 'd,e'");
        let parts: Vec<&str> = sql
            .split_commas(0..sql.len())
            .into_iter()
            .map(|r| sql.slice(r))
            .collect();
        assert_eq!(parts, ["a", "f(b, c)", "'d,e'"]);
    }
}
