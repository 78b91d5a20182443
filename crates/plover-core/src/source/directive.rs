//! Header directives: `-- plover:no-transaction` in the comments before the first statement.

use crate::sql::lexer::{Syntax, TokenKind, tokenize};

use super::SourceError;

/// How a migration's statements are wrapped in transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransactionMode {
    /// The whole migration and its history row commit together (the default).
    Single,
    /// `-- plover:no-transaction`: statements run one at a time, each committing with its
    /// progress, for statements the server refuses inside a transaction.
    None,
}

/// The directives a script's header sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directives {
    /// How the script runs.
    pub transaction: TransactionMode,
}

const PREFIX: &str = "plover:";

/// Reads the directives of `text` (from `path`, for errors). A `-- plover:` comment after
/// the first statement, or one Plover does not know, is an error: a typo must not silently
/// turn a directive into a comment.
pub fn parse(path: &str, text: &str) -> Result<Directives, SourceError> {
    let mut directives = Directives {
        transaction: TransactionMode::Single,
    };
    // Most files mention no directive at all: no need to lex them here.
    if !text.contains(PREFIX) {
        return Ok(directives);
    }
    let mut in_header = true;
    // Directives are read before the backend is known; PostgreSQL's rules are the stricter.
    for token in tokenize(text, Syntax::POSTGRES) {
        if !token.kind.is_trivia() {
            in_header = false;
            continue;
        }
        if token.kind != TokenKind::LineComment {
            continue;
        }
        let comment = token.text(text)[2..].trim();
        let Some(directive) = comment.strip_prefix(PREFIX) else {
            continue;
        };
        let line = text[..token.start].matches('\n').count() + 1;
        let directive = directive.trim();
        if !in_header {
            return Err(SourceError::MisplacedDirective {
                path: path.to_owned(),
                line,
            });
        }
        match directive {
            "no-transaction" => directives.transaction = TransactionMode::None,
            other => {
                return Err(SourceError::UnknownDirective {
                    path: path.to_owned(),
                    line,
                    directive: other.to_owned(),
                });
            }
        }
    }
    Ok(directives)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_header() {
        let text =
            "-- Adds an index\n-- plover:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n";
        assert_eq!(
            parse("f.sql", text).unwrap().transaction,
            TransactionMode::None
        );
        assert_eq!(
            parse("f.sql", "SELECT 1;").unwrap().transaction,
            TransactionMode::Single
        );
    }

    #[test]
    fn refuses_typos_and_late_directives() {
        let typo = parse("f.sql", "\n--plover:no-transactoin\nSELECT 1;").unwrap_err();
        assert_eq!(
            typo.to_string(),
            "f.sql:2: unknown directive `plover:no-transactoin`; the only directive is `-- plover:no-transaction`"
        );
        let late = parse("f.sql", "SELECT 1;\n-- plover:no-transaction\n").unwrap_err();
        assert!(
            late.to_string()
                .starts_with("f.sql:2: `-- plover:` directives belong in the header")
        );
    }

    #[test]
    fn ignores_the_text_inside_strings() {
        let text = "SELECT '-- plover:oops';";
        assert_eq!(
            parse("f.sql", text).unwrap().transaction,
            TransactionMode::Single
        );
    }
}
