//! Header directives in the comments before the first statement: `-- plover:no-transaction`
//! and `-- plover:allow RULE reason`.

use std::borrow::Cow;

use crate::body::line_at;
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
    /// Lint rules the file may break, each with its reason.
    pub allow: Vec<Allow>,
}

/// `-- plover:allow RULE reason`: the file knowingly breaks a lint rule.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Allow {
    /// The rule's id.
    pub rule: String,
    /// Why, as written.
    pub reason: String,
    /// The 1-based line of the comment.
    pub line: usize,
}

const PREFIX: &str = "plover:";

/// Reads the directives of `text` (from `path`, for errors). A `-- plover:` comment after
/// the first statement, or one Plover does not know, is an error: a typo must not silently
/// turn a directive into a comment.
pub fn parse(path: &str, text: &str) -> Result<Directives, SourceError> {
    let mut directives = Directives {
        transaction: TransactionMode::Single,
        allow: Vec::new(),
    };
    // Most files mention no directive at all: no need to lex them here.
    let mentions = |w: &[u8]| w.eq_ignore_ascii_case(PREFIX.as_bytes());
    if !text.as_bytes().windows(PREFIX.len()).any(mentions) {
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
        let Some(directive) = directive_in(comment) else {
            continue;
        };
        let line = line_at(text, token.start);
        let directive = directive.trim();
        if !in_header {
            return Err(SourceError::MisplacedDirective {
                path: path.to_owned(),
                line,
            });
        }
        match directive.split_once(char::is_whitespace) {
            _ if directive == "no-transaction" => directives.transaction = TransactionMode::None,
            Some(("allow", rest)) => directives.allow.push(allow(path, line, rest)?),
            _ if directive == "allow" => directives.allow.push(allow(path, line, "")?),
            _ => {
                let other = directive;
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

/// The directive a comment holds: what follows `plover:`. With the prefix in other letter
/// cases, only a name written straight after the colon is read, as a directive in any case
/// (`-- PLOVER:no-transaction`, and `-- PLOVER:no-transactoin` as the typo it is); after
/// a space it is prose (`-- Plover: allow list kept below`).
fn directive_in(comment: &str) -> Option<Cow<'_, str>> {
    if let Some(rest) = comment.strip_prefix(PREFIX) {
        return Some(Cow::Borrowed(rest));
    }
    let rest = comment
        .get(..PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(PREFIX))
        .map(|_| &comment[PREFIX.len()..])
        .filter(|rest| rest.starts_with(|c: char| !c.is_whitespace()))?;
    let (name, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let known = ["no-transaction", "allow"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(name));
    Some(Cow::Owned(format!("{} {tail}", known.unwrap_or(name))))
}

fn allow(path: &str, line: usize, rest: &str) -> Result<Allow, SourceError> {
    let (rule, reason) = rest
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((rest.trim(), ""));
    if rule.is_empty() || reason.trim().is_empty() {
        return Err(SourceError::AllowWithoutReason {
            path: path.to_owned(),
            line,
        });
    }
    Ok(Allow {
        rule: rule.to_owned(),
        reason: reason.trim().to_owned(),
        line,
    })
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
    fn a_directive_in_capitals_is_still_one_and_prose_stays_prose() {
        let text = "-- PLOVER:NO-TRANSACTION\nCREATE INDEX CONCURRENTLY i ON t (x);\n";
        assert_eq!(
            parse("f.sql", text).unwrap().transaction,
            TransactionMode::None
        );
        let text = "-- Plover:allow ban-drop-column the app stopped reading it\nSELECT 1;";
        assert_eq!(parse("f.sql", text).unwrap().allow.len(), 1);
        let prose = "-- Plover: see the runbook\nSELECT 1;\n-- Plover: allow list kept below\n";
        assert_eq!(
            parse("f.sql", prose).unwrap().transaction,
            TransactionMode::Single
        );
    }

    #[test]
    fn refuses_typos_and_late_directives() {
        let typo = parse("f.sql", "\n--plover:no-transactoin\nSELECT 1;").unwrap_err();
        assert_eq!(
            typo.to_string(),
            "f.sql:2: unknown directive `plover:no-transactoin`; the directives are `-- plover:no-transaction` and `-- plover:allow RULE reason`"
        );
        let typo = parse("f.sql", "-- PLOVER:no-transactoin\nSELECT 1;").unwrap_err();
        assert!(
            typo.to_string()
                .starts_with("f.sql:1: unknown directive `plover:no-transactoin`"),
            "{typo}"
        );
        let late = parse("f.sql", "SELECT 1;\n-- plover:no-transaction\n").unwrap_err();
        assert!(
            late.to_string()
                .starts_with("f.sql:2: `-- plover:` directives belong in the header")
        );
    }

    #[test]
    fn allows_need_a_rule_and_a_reason() {
        let text = "-- plover:allow ban-drop-column the app stopped reading it in v42\nALTER TABLE t DROP COLUMN c;";
        let allow = &parse("f.sql", text).unwrap().allow[0];
        assert_eq!(
            (allow.rule.as_str(), allow.reason.as_str(), allow.line),
            ("ban-drop-column", "the app stopped reading it in v42", 1)
        );
        let missing = parse("f.sql", "-- plover:allow ban-drop-column\nSELECT 1;").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "f.sql:1: `-- plover:allow` needs a rule and a reason: `-- plover:allow RULE why it is safe here`"
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
