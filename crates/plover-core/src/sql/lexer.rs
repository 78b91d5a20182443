//! A lexer that knows where SQL text is code and where it is quoted or commented.
//!
//! It understands what PostgreSQL and SQLite put in migration files: `'strings'` with `''`
//! escapes, `E'escape strings'`, `"quoted identifiers"`, `` `backticks` ``, `$tag$ dollar
//! quotes $tag$`, `-- line comments`, nested `/* block comments */`, positional `$1`
//! parameters, numbers and punctuation. Where PostgreSQL and SQLite read text differently
//! (nested comments, `[bracketed]` identifiers) a [`Syntax`] says which rules apply.
//!
//! It never fails: an unterminated quote or comment runs to the end of the text and is marked
//! as such, so that callers can refuse it instead of silently dropping the rest of a file.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Spaces, tabs and line breaks.
    Whitespace,
    /// `-- ...` up to the end of the line.
    LineComment,
    /// `/* ... */`, possibly nested.
    BlockComment,
    /// A keyword or an unquoted identifier.
    Word,
    /// `"..."` or `` `...` ``.
    QuotedIdent,
    /// `'...'`, `E'...'` and friends.
    String,
    /// `$tag$ ... $tag$` or `$$ ... $$`.
    DollarString,
    /// A number, or a `$1` parameter.
    Number,
    /// `;`
    Semicolon,
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// Any other character.
    Punct,
}

impl TokenKind {
    /// Whitespace and comments carry no meaning for the statement around them.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            Self::Whitespace | Self::LineComment | Self::BlockComment
        )
    }
}

/// The lexical rules that differ between backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syntax {
    /// `/* /* */ */` nests (PostgreSQL), or a comment ends at the first `*/` (SQLite).
    pub nested_comments: bool,
    /// `[name]` quotes an identifier (SQLite) rather than subscripting (PostgreSQL).
    pub bracket_identifiers: bool,
}

impl Syntax {
    /// PostgreSQL's rules.
    pub const POSTGRES: Syntax = Syntax {
        nested_comments: true,
        bracket_identifiers: false,
    };
    /// SQLite's rules.
    pub const SQLITE: Syntax = Syntax {
        nested_comments: false,
        bracket_identifiers: true,
    };
}

/// One token: its kind and its byte range in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset one past its last byte.
    pub end: usize,
    /// `false` for a quote or comment that the text ends before closing.
    pub terminated: bool,
}

impl Token {
    /// The token's text inside `source`.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }
}

/// Splits `source` into tokens under `syntax`, covering every byte exactly once.
pub fn tokenize(source: &str, syntax: Syntax) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut lexer = Lexer {
        bytes: source.as_bytes(),
        pos: 0,
        syntax,
        terminated: true,
    };
    while lexer.pos < lexer.bytes.len() {
        let start = lexer.pos;
        lexer.terminated = true;
        let kind = lexer.next_kind();
        tokens.push(Token {
            kind,
            start,
            end: lexer.pos,
            terminated: lexer.terminated,
        });
    }
    tokens
}

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    syntax: Syntax,
    /// Whether the token being read was closed.
    terminated: bool,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn next_kind(&mut self) -> TokenKind {
        let b = self.bytes[self.pos];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.whitespace(),
            b'-' if self.peek(1) == Some(b'-') => self.line_comment(),
            b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
            b'\'' => self.quoted(b'\'', false, TokenKind::String),
            b'"' => self.quoted(b'"', false, TokenKind::QuotedIdent),
            b'`' => self.quoted(b'`', false, TokenKind::QuotedIdent),
            b'[' if self.syntax.bracket_identifiers => self.bracketed(),
            b'$' => self.dollar(),
            b';' => self.single(TokenKind::Semicolon),
            b'(' => self.single(TokenKind::OpenParen),
            b')' => self.single(TokenKind::CloseParen),
            b'0'..=b'9' => self.number(),
            _ if is_word_start(b) => self.word(),
            _ => self.single_char(),
        }
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    /// One character of punctuation; multi-byte UTF-8 sequences stay whole.
    fn single_char(&mut self) -> TokenKind {
        self.pos += 1;
        while self.pos < self.bytes.len() && (self.bytes[self.pos] & 0xC0) == 0x80 {
            self.pos += 1;
        }
        TokenKind::Punct
    }

    fn whitespace(&mut self) -> TokenKind {
        while matches!(self.peek(0), Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')) {
            self.pos += 1;
        }
        TokenKind::Whitespace
    }

    /// PostgreSQL ends a `--` comment at a line feed or a lone carriage return.
    fn line_comment(&mut self) -> TokenKind {
        while let Some(b) = self.peek(0) {
            if b == b'\n' || b == b'\r' {
                break;
            }
            self.pos += 1;
        }
        TokenKind::LineComment
    }

    /// PostgreSQL nests block comments; SQLite ends them at the first `*/`.
    fn block_comment(&mut self) -> TokenKind {
        self.pos += 2;
        let mut depth = 1;
        while self.pos < self.bytes.len() && depth > 0 {
            if self.syntax.nested_comments
                && self.peek(0) == Some(b'/')
                && self.peek(1) == Some(b'*')
            {
                depth += 1;
                self.pos += 2;
            } else if self.peek(0) == Some(b'*') && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
            } else {
                self.pos += 1;
            }
        }
        self.terminated = depth == 0;
        TokenKind::BlockComment
    }

    /// SQLite's `[quoted identifier]`; there is no escape inside.
    fn bracketed(&mut self) -> TokenKind {
        match self.bytes[self.pos..].iter().position(|&b| b == b']') {
            Some(close) => self.pos += close + 1,
            None => {
                self.pos = self.bytes.len();
                self.terminated = false;
            }
        }
        TokenKind::QuotedIdent
    }

    /// A quoted run where a doubled quote stands for itself; with `backslash`, `\x` escapes too.
    fn quoted(&mut self, quote: u8, backslash: bool, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            if backslash && b == b'\\' {
                self.pos += 2;
            } else if b == quote {
                if self.peek(1) == Some(quote) {
                    self.pos += 2;
                } else {
                    self.pos += 1;
                    return kind;
                }
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.pos.min(self.bytes.len());
        self.terminated = false;
        kind
    }

    fn dollar(&mut self) -> TokenKind {
        if let Some(tag_len) = self.dollar_tag_len() {
            let tag = &self.bytes[self.pos..self.pos + tag_len];
            self.pos += tag_len;
            match find(self.bytes, tag, self.pos) {
                Some(close) => self.pos = close + tag_len,
                None => {
                    self.pos = self.bytes.len();
                    self.terminated = false;
                }
            }
            return TokenKind::DollarString;
        }
        if matches!(self.peek(1), Some(b'0'..=b'9')) {
            self.pos += 1;
            return self.number();
        }
        self.single_char()
    }

    /// The length of `$tag$` starting at the current `$`, if one starts here.
    fn dollar_tag_len(&self) -> Option<usize> {
        let mut i = self.pos + 1;
        if let Some(&first) = self.bytes.get(i)
            && first.is_ascii_digit()
        {
            return None;
        }
        while let Some(&b) = self.bytes.get(i) {
            if b == b'$' {
                return Some(i + 1 - self.pos);
            }
            if !is_word_continue(b) {
                return None;
            }
            i += 1;
        }
        None
    }

    fn number(&mut self) -> TokenKind {
        while matches!(self.peek(0), Some(b'0'..=b'9' | b'.' | b'_')) {
            self.pos += 1;
        }
        TokenKind::Number
    }

    fn word(&mut self) -> TokenKind {
        let start = self.pos;
        while self.peek(0).is_some_and(is_word_continue) {
            self.pos += 1;
        }
        // E'...' and e'...' are PostgreSQL escape strings, where a backslash escapes a quote.
        let escape_prefix = self.pos - start == 1 && matches!(self.bytes[start], b'e' | b'E');
        if self.peek(0) == Some(b'\'') {
            return self.quoted(b'\'', escape_prefix, TokenKind::String);
        }
        TokenKind::Word
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// `$` continues an identifier (`foo$bar`) so that it never opens a dollar quote there.
fn is_word_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, expect: &[(TokenKind, &str)]) {
        check_with(source, Syntax::POSTGRES, expect);
    }

    fn check_with(source: &str, syntax: Syntax, expect: &[(TokenKind, &str)]) {
        let tokens: Vec<(TokenKind, &str)> = tokenize(source, syntax)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, t.text(source)))
            .collect();
        assert_eq!(tokens, expect, "tokens of {source:?}");
    }

    use TokenKind::*;

    #[test]
    fn words_strings_and_punctuation() {
        check(
            "SELECT 'it''s', x FROM t;",
            &[
                (Word, "SELECT"),
                (String, "'it''s'"),
                (Punct, ","),
                (Word, "x"),
                (Word, "FROM"),
                (Word, "t"),
                (Semicolon, ";"),
            ],
        );
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        check(
            r"E'it\'s; ok' ;",
            &[(String, r"E'it\'s; ok'"), (Semicolon, ";")],
        );
        check(r"'c:\' ;", &[(String, r"'c:\'"), (Semicolon, ";")]);
    }

    #[test]
    fn dollar_quotes_with_and_without_tags() {
        check("$$a;b$$;", &[(DollarString, "$$a;b$$"), (Semicolon, ";")]);
        check(
            "$fn$ $$ ; $fn$ x",
            &[(DollarString, "$fn$ $$ ; $fn$"), (Word, "x")],
        );
        check(
            "$1, foo$bar",
            &[(Number, "$1"), (Punct, ","), (Word, "foo$bar")],
        );
    }

    #[test]
    fn nested_block_comments_and_line_comments() {
        check(
            "/* a /* b; */ c; */ x -- y;\nz",
            &[
                (BlockComment, "/* a /* b; */ c; */"),
                (Word, "x"),
                (LineComment, "-- y;"),
                (Word, "z"),
            ],
        );
    }

    #[test]
    fn quoted_identifiers() {
        check(
            r#""a "" ;" `b;`"#,
            &[(QuotedIdent, r#""a "" ;""#), (QuotedIdent, "`b;`")],
        );
    }

    #[test]
    fn unterminated_runs_to_the_end_and_says_so() {
        for source in ["'abc", "/* abc", "$$ abc", "\"abc", "/* a /* b */"] {
            let tokens = tokenize(source, Syntax::POSTGRES);
            assert_eq!(tokens.len(), 1, "{source}");
            assert!(!tokens[0].terminated, "{source}");
        }
        assert!(tokenize("/* a */", Syntax::POSTGRES)[0].terminated);
    }

    #[test]
    fn sqlite_comments_do_not_nest_and_brackets_quote() {
        let source = "/* files in data/*.csv */ x [a;b]";
        check_with(
            source,
            Syntax::SQLITE,
            &[
                (BlockComment, "/* files in data/*.csv */"),
                (Word, "x"),
                (QuotedIdent, "[a;b]"),
            ],
        );
        let postgres = tokenize(source, Syntax::POSTGRES);
        assert!(
            !postgres[0].terminated,
            "PostgreSQL nests the comment and never closes it"
        );
    }

    #[test]
    fn multibyte_punctuation_stays_whole() {
        check("a « b", &[(Word, "a"), (Word, "«"), (Word, "b")]);
        check("a ≠ b", &[(Word, "a"), (Word, "≠"), (Word, "b")]);
    }
}
