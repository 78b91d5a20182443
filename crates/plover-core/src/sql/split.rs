//! Splitting a script into statements, the way psql and sqlite3 do.
//!
//! A semicolon ends a statement only outside quotes, comments, parentheses and the bodies
//! that contain semicolons of their own: PostgreSQL's `BEGIN ATOMIC ... END` function bodies
//! and SQLite's `CREATE TRIGGER ... BEGIN ... END` bodies (where `CASE ... END` nests).

use super::lexer::{Syntax, Token, TokenKind, tokenize};

/// One statement of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Byte offset of the statement's first significant token in the script.
    pub start: usize,
    /// Byte offset one past its terminating semicolon (or its last token when none).
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
}

impl Statement {
    /// The statement's text, terminating semicolon included.
    pub fn text<'a>(&self, script: &'a str) -> &'a str {
        &script[self.start..self.end]
    }
}

/// A quote or comment that the script ends before closing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unterminated {
    /// Byte offset where it opens.
    pub offset: usize,
    /// What it is: `a /* comment`, `a 'string'`, ...
    pub what: &'static str,
}

/// Splits `script` into its statements under `syntax`; empty statements (`;;`) and trailing
/// comments are dropped.
pub fn split(script: &str, syntax: Syntax) -> Vec<Statement> {
    let tokens = tokenize(script, syntax);
    statements(script, &tokens)
}

/// Like [`split`], but refuses a script whose last quote or comment never closes: running it
/// would silently drop everything after the opening.
pub fn split_checked(script: &str, syntax: Syntax) -> Result<Vec<Statement>, Unterminated> {
    let tokens = tokenize(script, syntax);
    if let Some(last) = tokens.last().filter(|t| !t.terminated) {
        let what = match last.kind {
            TokenKind::BlockComment => "a /* comment */",
            TokenKind::String => "a 'string'",
            TokenKind::QuotedIdent => "a quoted identifier",
            TokenKind::DollarString => "a $$ dollar-quoted string $$",
            _ => "a token",
        };
        return Err(Unterminated {
            offset: last.start,
            what,
        });
    }
    Ok(statements(script, &tokens))
}

fn statements(script: &str, tokens: &[Token]) -> Vec<Statement> {
    let mut splitter = Splitter::new(script);
    for token in tokens {
        splitter.push(*token);
    }
    splitter.finish()
}

/// The uppercased leading words of a statement, skipping comments and punctuation: what
/// classification looks at (`CREATE UNIQUE INDEX CONCURRENTLY ...`). Quoted identifiers
/// count as their unquoted words, so `PRAGMA "foreign_keys"` reads like `PRAGMA foreign_keys`.
pub fn leading_words(statement: &str, limit: usize) -> Vec<String> {
    tokenize(statement, Syntax::POSTGRES)
        .into_iter()
        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
        .take(limit)
        .map(|t| {
            t.text(statement)
                .trim_matches(['"', '`'])
                .to_ascii_uppercase()
        })
        .collect()
}

struct Splitter<'a> {
    script: &'a str,
    statements: Vec<Statement>,
    /// Where the statement being read starts, once a significant token was seen.
    start: Option<usize>,
    /// End of the last significant token.
    last_end: usize,
    paren_depth: usize,
    /// Depth inside `BEGIN ATOMIC` or trigger bodies, where `CASE` opens and `END` closes.
    block_depth: usize,
    /// The words of the current statement outside parentheses, up to where a body opens.
    words: Vec<String>,
    line: usize,
    line_at: usize,
}

/// How many leading words can decide that a statement creates a trigger:
/// `CREATE [TEMP | TEMPORARY] TRIGGER`.
const TRIGGER_WORD_LIMIT: usize = 3;

impl<'a> Splitter<'a> {
    fn new(script: &'a str) -> Self {
        Splitter {
            script,
            statements: Vec::new(),
            start: None,
            last_end: 0,
            paren_depth: 0,
            block_depth: 0,
            words: Vec::new(),
            line: 1,
            line_at: 0,
        }
    }

    fn push(&mut self, token: Token) {
        if token.kind.is_trivia() {
            return;
        }
        if self.start.is_none() {
            self.start = Some(token.start);
        }
        self.last_end = token.end;
        match token.kind {
            TokenKind::OpenParen => self.paren_depth += 1,
            TokenKind::CloseParen => self.paren_depth = self.paren_depth.saturating_sub(1),
            TokenKind::Word if self.paren_depth == 0 => self.word(token.text(self.script)),
            TokenKind::Semicolon if self.paren_depth == 0 && self.block_depth == 0 => {
                self.close(token.end);
            }
            _ => {}
        }
    }

    fn word(&mut self, text: &str) {
        let word = text.to_ascii_uppercase();
        if self.block_depth > 0 {
            match word.as_str() {
                "CASE" => self.block_depth += 1,
                "END" => self.block_depth -= 1,
                _ => {}
            }
            return;
        }
        if self.opens_body(&word) {
            self.block_depth = 1;
        }
        // Only the first words matter, except that the last one is needed for `BEGIN ATOMIC`.
        if self.words.len() > TRIGGER_WORD_LIMIT {
            self.words.truncate(TRIGGER_WORD_LIMIT);
        }
        self.words.push(word);
    }

    /// `BEGIN ATOMIC` (PostgreSQL 14+ SQL-standard bodies) and the `BEGIN` of a SQLite
    /// `CREATE [TEMP] TRIGGER` open a body; a `BEGIN` that starts a statement is a transaction.
    fn opens_body(&self, word: &str) -> bool {
        match word {
            "ATOMIC" => self.words.last().is_some_and(|w| w == "BEGIN"),
            "BEGIN" => self.creates_trigger(),
            _ => false,
        }
    }

    fn creates_trigger(&self) -> bool {
        let words: Vec<&str> = self
            .words
            .iter()
            .take(TRIGGER_WORD_LIMIT)
            .map(String::as_str)
            .collect();
        matches!(
            words.as_slice(),
            ["CREATE", "TRIGGER", ..] | ["CREATE", "TEMP" | "TEMPORARY", "TRIGGER", ..]
        )
    }

    fn close(&mut self, end: usize) {
        if let Some(start) = self.start.take() {
            let is_empty = &self.script[start..end] == ";";
            if !is_empty {
                let line = self.line_of(start);
                self.statements.push(Statement { start, end, line });
            }
        }
        self.words.clear();
        self.paren_depth = 0;
        self.block_depth = 0;
    }

    /// Lines are counted incrementally: statements arrive in order.
    fn line_of(&mut self, offset: usize) -> usize {
        self.line += self.script[self.line_at..offset].matches('\n').count();
        self.line_at = offset;
        self.line
    }

    fn finish(mut self) -> Vec<Statement> {
        let end = self.last_end;
        self.close(end);
        self.statements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(script: &str, expect: &[&str]) {
        let texts: Vec<&str> = split(script, Syntax::POSTGRES)
            .iter()
            .map(|s| s.text(script))
            .collect();
        assert_eq!(texts, expect, "statements of {script:?}");
    }

    #[test]
    fn plain_statements() {
        check(
            "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);",
            &["CREATE TABLE a (x int);", "INSERT INTO a VALUES (1);"],
        );
    }

    #[test]
    fn last_statement_without_semicolon_and_empty_statements() {
        check(
            ";; SELECT 1;;\n SELECT 2 -- done",
            &["SELECT 1;", "SELECT 2"],
        );
        check("-- only a comment\n/* and another */", &[]);
    }

    #[test]
    fn semicolons_inside_quotes_and_comments_do_not_split() {
        check(
            "INSERT INTO t VALUES ('a;b', \"c;d\", E'e\\';f'); /* x; */ SELECT 1;",
            &[
                "INSERT INTO t VALUES ('a;b', \"c;d\", E'e\\';f');",
                "SELECT 1;",
            ],
        );
    }

    #[test]
    fn dollar_quoted_function_bodies() {
        let script = "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$ LANGUAGE plpgsql;\nSELECT f();";
        check(
            script,
            &[
                "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$ LANGUAGE plpgsql;",
                "SELECT f();",
            ],
        );
    }

    #[test]
    fn begin_atomic_bodies_with_case() {
        let script = "CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;\nSELECT 3;";
        check(
            script,
            &[
                "CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;",
                "SELECT 3;",
            ],
        );
    }

    #[test]
    fn sqlite_trigger_bodies() {
        let script = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  DELETE FROM c;\nEND;\nBEGIN;\nCOMMIT;";
        check(
            script,
            &[
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  DELETE FROM c;\nEND;",
                "BEGIN;",
                "COMMIT;",
            ],
        );
    }

    #[test]
    fn columns_named_trigger_and_begin_are_not_a_body() {
        check(
            "CREATE TABLE ev (trigger text, begin int); CREATE INDEX CONCURRENTLY i ON ev (begin);",
            &[
                "CREATE TABLE ev (trigger text, begin int);",
                "CREATE INDEX CONCURRENTLY i ON ev (begin);",
            ],
        );
        check(
            "CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END; SELECT 2;",
            &[
                "CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;",
                "SELECT 2;",
            ],
        );
    }

    #[test]
    fn unterminated_quotes_and_comments_are_refused() {
        let checked = split_checked("SELECT 1;\n/* never closed\nSELECT 2;", Syntax::POSTGRES);
        assert_eq!(
            checked,
            Err(Unterminated {
                offset: 10,
                what: "a /* comment */"
            })
        );
        let sqlite =
            split_checked("/* data/*.csv */ SELECT 1; SELECT [a;b];", Syntax::SQLITE).unwrap();
        assert_eq!(sqlite.len(), 2);
    }

    #[test]
    fn a_column_named_begin_is_not_a_body() {
        check(
            "CREATE TABLE t (begin int); SELECT 1;",
            &["CREATE TABLE t (begin int);", "SELECT 1;"],
        );
    }

    #[test]
    fn rules_with_parenthesised_actions() {
        check(
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1;",
            &[
                "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));",
                "SELECT 1;",
            ],
        );
    }

    #[test]
    fn lines_point_at_the_first_significant_token() {
        let script = "-- header\n\nSELECT 1;\n/* c\n */ SELECT\n2;";
        let lines: Vec<usize> = split(script, Syntax::POSTGRES)
            .iter()
            .map(|s| s.line)
            .collect();
        assert_eq!(lines, [3, 5]);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_comment() {
        check("SELECT 1; -- x\rSELECT 2;", &["SELECT 1;", "SELECT 2;"]);
    }

    #[test]
    fn leading_words_read_quoted_identifiers() {
        assert_eq!(
            leading_words("PRAGMA \"foreign_keys\" = OFF", 3),
            ["PRAGMA", "FOREIGN_KEYS", "OFF"]
        );
    }

    #[test]
    fn leading_words_skip_comments_and_punctuation() {
        assert_eq!(
            leading_words("/* x */ reindex (verbose) table concurrently t", 4),
            ["REINDEX", "VERBOSE", "TABLE", "CONCURRENTLY"]
        );
    }
}
