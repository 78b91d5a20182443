//! What the runner executes of a script, and what must be refused before anything runs.
//!
//! A file may wrap itself in `BEGIN; ... COMMIT;`, as many hand-written migrations do; the
//! runner already provides that transaction, so the wrapper is recognised and left out
//! rather than executed twice. Transaction control anywhere else, and statements the server
//! refuses inside a transaction, are reported with their file and line.

use crate::migration::Script;
use crate::sql::{
    Statement, Syntax, created_index_name, leading_words, matches_pattern, split_checked,
};
use crate::{Dialect, TransactionMode};

/// The part of a script the runner executes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body<'a> {
    /// The script without its `BEGIN;`/`COMMIT;` wrapper.
    pub sql: &'a str,
    /// Byte offset of `sql` in the script, to turn server error positions into lines.
    pub offset: usize,
    /// The statements of `sql`, with offsets and lines in the whole script.
    pub statements: Vec<Statement>,
    /// Whether the script wrapped itself in `BEGIN; ... COMMIT;`.
    pub self_wrapped: bool,
}

/// A script the runner must not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// `BEGIN`, `COMMIT`, `ROLLBACK` and friends where the runner owns the transaction.
    #[error("{path}:{line}: `{statement}` controls the transaction, which Plover owns: {advice}")]
    TransactionControl {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// The statement's leading words.
        statement: String,
        /// What to do about it.
        advice: &'static str,
    },
    /// A quote or comment that the file ends before closing: everything after it would be
    /// silently ignored.
    #[error(
        "{path}:{line}: {what} opens here and is never closed, so the rest of the file would be ignored"
    )]
    Unterminated {
        /// The file.
        path: String,
        /// The 1-based line where it opens.
        line: usize,
        /// What it is.
        what: &'static str,
    },
    /// A statement Plover cannot run: a psql meta-command, or one the dialect lists.
    #[error("{path}:{line}: {what}")]
    Unsupported {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// What it is and what to do instead.
        what: String,
    },
    /// A statement the server refuses inside a transaction, in a transactional script.
    #[error(
        "{path}:{line}: {pattern} cannot run inside a transaction; add `-- plover:no-transaction` \
         to the file's header (each statement then commits on its own, its progress recorded)"
    )]
    RefusedInTransaction {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// The kind of statement, e.g. `CREATE [UNIQUE] INDEX CONCURRENTLY`.
        pattern: &'static str,
    },
}

const IN_SINGLE: &str =
    "remove it, or split the file (a file wrapped as a whole in BEGIN; ... COMMIT; is fine)";
const IN_NONE: &str =
    "in a `-- plover:no-transaction` migration each statement commits on its own; remove it";

/// Cuts `script` into what the runner executes, refusing what cannot run as written on
/// `dialect` at `server_version`.
pub fn prepare<'a>(
    script: &'a Script,
    dialect: &Dialect,
    server_version: u32,
) -> Result<Body<'a>, BodyError> {
    let body = cut(
        &script.path,
        &script.sql,
        dialect.syntax,
        script.transaction,
    )?;
    for statement in &body.statements {
        check_statement(script, statement, dialect, server_version)?;
    }
    Ok(body)
}

/// Cuts the text of a file that runs as one step of a transaction Plover owns, with no
/// header directives (a `schema build` DDL or seed file), into what is executed: a
/// whole-file `BEGIN; ... COMMIT;` wrapper is left out, and any other transaction control
/// is refused with `path` and the line, before anything runs. Other statements the server
/// cannot run are left for the server to report.
pub fn prepare_in_transaction<'a>(
    path: &str,
    text: &'a str,
    syntax: Syntax,
) -> Result<Body<'a>, BodyError> {
    let body = cut(path, text, syntax, TransactionMode::Single)?;
    for statement in &body.statements {
        refuse_transaction_control(path, text, statement, TransactionMode::Single)?;
    }
    Ok(body)
}

/// Refuses `statement` of the file at `path` when it is transaction control, with the
/// advice that fits a script running in `transaction`.
fn refuse_transaction_control(
    path: &str,
    text: &str,
    statement: &Statement,
    transaction: TransactionMode,
) -> Result<(), BodyError> {
    let Some(words) = transaction_control(statement.text(text)) else {
        return Ok(());
    };
    Err(BodyError::TransactionControl {
        path: path.to_owned(),
        line: statement.line,
        statement: words,
        advice: match transaction {
            TransactionMode::Single => IN_SINGLE,
            TransactionMode::None => IN_NONE,
        },
    })
}

/// Splits `text` into statements and, in a transactional script, leaves out a whole-file
/// wrapper.
fn cut<'a>(
    path: &str,
    text: &'a str,
    syntax: Syntax,
    transaction: TransactionMode,
) -> Result<Body<'a>, BodyError> {
    let mut statements = split_checked(text, syntax).map_err(|u| BodyError::Unterminated {
        path: path.to_owned(),
        line: line_at(text, u.offset),
        what: u.what,
    })?;
    let self_wrapped = transaction == TransactionMode::Single && is_wrapped(text, &statements);
    let (offset, end) = if self_wrapped {
        let (first, last) = (
            statements.remove(0),
            statements.pop().expect("wrapper has two ends"),
        );
        (first.end, last.start)
    } else {
        (0, text.len())
    };
    Ok(Body {
        sql: &text[offset..end],
        offset,
        statements,
        self_wrapped,
    })
}

fn check_statement(
    script: &Script,
    statement: &Statement,
    dialect: &Dialect,
    server_version: u32,
) -> Result<(), BodyError> {
    let text = statement.text(&script.sql);
    let unsupported = |what: String| BodyError::Unsupported {
        path: script.path.clone(),
        line: statement.line,
        what,
    };
    if text.starts_with('\\') {
        let command = text.split_whitespace().next().unwrap_or(text);
        return Err(unsupported(format!(
            "`{command}` is a psql meta-command; Plover runs SQL, not psql scripts: write it as SQL or remove it"
        )));
    }
    if let Some((pattern, why)) = dialect
        .unsupported
        .iter()
        .find(|(p, _)| matches_pattern(p, text))
    {
        return Err(unsupported(format!("{pattern}: {why}")));
    }
    refuse_transaction_control(&script.path, &script.sql, statement, script.transaction)?;
    if script.transaction == TransactionMode::Single
        && let Some(pattern) = dialect.refusal_in_transaction(text, server_version)
    {
        return Err(BodyError::RefusedInTransaction {
            path: script.path.clone(),
            line: statement.line,
            pattern,
        });
    }
    Ok(())
}

/// Refuses what an up script that runs statement by statement could not resume: an
/// unnamed `CREATE INDEX CONCURRENTLY`, whose index a resume after a crash during the build
/// could not find to check, and would build a second time. Down scripts are not resumed.
pub fn check_resumable(
    script: &Script,
    body: &Body<'_>,
    dialect: &Dialect,
) -> Result<(), BodyError> {
    if script.transaction != TransactionMode::None || dialect.index_repair.is_none() {
        return Ok(());
    }
    match body
        .statements
        .iter()
        .find(|s| is_unnamed_concurrent_index(s.text(&script.sql)))
    {
        Some(statement) => Err(BodyError::Unsupported {
            path: script.path.clone(),
            line: statement.line,
            what: "`CREATE INDEX CONCURRENTLY` without an index name: after a crash during the \
                   build Plover could not find the index to check it, and would build a second \
                   one; name the index (`CREATE INDEX CONCURRENTLY orders_customer_idx ON ...`)"
                .to_owned(),
        }),
        None => Ok(()),
    }
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY ON ...`: the server picks the name.
fn is_unnamed_concurrent_index(statement: &str) -> bool {
    let words = leading_words(statement, 5);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        words.as_slice(),
        ["CREATE", "INDEX", "CONCURRENTLY", "ON", ..]
            | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", "ON"]
    ) && created_index_name(statement).is_none()
}

fn is_wrapped(text: &str, statements: &[Statement]) -> bool {
    let (Some(first), Some(last)) = (statements.first(), statements.last()) else {
        return false;
    };
    statements.len() >= 2 && is_plain_begin(first.text(text)) && is_plain_commit(last.text(text))
}

fn is_plain_begin(statement: &str) -> bool {
    let words = leading_words(statement, 4);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        words.as_slice(),
        ["BEGIN"]
            | ["BEGIN", "TRANSACTION" | "WORK"]
            | ["BEGIN", "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE"]
            | [
                "BEGIN",
                "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE",
                "TRANSACTION"
            ]
            | ["START", "TRANSACTION"]
    )
}

fn is_plain_commit(statement: &str) -> bool {
    let words = leading_words(statement, 3);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        words.as_slice(),
        ["COMMIT" | "END"] | ["COMMIT" | "END", "TRANSACTION" | "WORK"]
    )
}

/// The leading words of a transaction-control statement, `None` for anything else.
/// `ROLLBACK [WORK | TRANSACTION] TO SAVEPOINT` stays inside the transaction and is allowed.
/// `PREPARE TRANSACTION` ends the transaction too (even when it fails, and then the
/// statements after it would each commit on their own).
fn transaction_control(statement: &str) -> Option<String> {
    let words = leading_words(statement, 3);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let controls = match words.as_slice() {
        ["BEGIN" | "COMMIT" | "END" | "ABORT", ..] => true,
        ["START" | "PREPARE", "TRANSACTION", ..] => true,
        ["ROLLBACK", "TO", ..] | ["ROLLBACK", "WORK" | "TRANSACTION", "TO"] => false,
        ["ROLLBACK", ..] => true,
        _ => false,
    };
    controls.then(|| words.join(" "))
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::StatementPattern;
    use crate::{Checksum, Placeholder};

    const PG_LIKE: Dialect = Dialect {
        name: "test",
        placeholder: Placeholder::Dollar,
        syntax: crate::sql::Syntax::POSTGRES,
        lintable: true,
        history_schema: "",
        schema_exists: "",
        create_schema: None,
        table_exists: "",
        history_ddl: "",
        history_matches: "",
        elapsed_ms: "0",
        refused_in_transaction: &[StatementPattern {
            pattern: "CREATE [UNIQUE] INDEX CONCURRENTLY",
            allowed_in_transaction_from: None,
        }],
        session_settings: &[],
        bookkeeping_prelude: None,
        unsupported: &[("COPY ... FROM STDIN", "it reads psql's input")],
        index_repair: Some(crate::dialect::IndexRepair {
            index_validity: "",
            drop_index: "",
        }),
    };

    fn script(sql: &str, transaction: TransactionMode) -> Script {
        Script {
            path: "m/1_a.sql".into(),
            sql: sql.into(),
            checksum: Checksum::of(sql),
            transaction,
            allow: Vec::new(),
        }
    }

    fn check(sql: &str, transaction: TransactionMode, expect: Result<(&str, bool), &str>) {
        let script = script(sql, transaction);
        let actual = prepare(&script, &PG_LIKE, 150_000)
            .map(|body| (body.sql, body.self_wrapped))
            .map_err(|e| e.to_string());
        assert_eq!(actual, expect.map_err(str::to_owned), "body of {sql:?}");
    }

    #[test]
    fn a_self_wrapped_file_loses_its_wrapper() {
        check(
            "-- header\nBEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n-- footer\n",
            TransactionMode::Single,
            Ok(("\nCREATE TABLE a (x int);\n", true)),
        );
        check(
            "start transaction; SELECT 1; end;",
            TransactionMode::Single,
            Ok((" SELECT 1; ", true)),
        );
    }

    #[test]
    fn a_plain_file_is_kept_whole() {
        check(
            "SELECT 1;",
            TransactionMode::Single,
            Ok(("SELECT 1;", false)),
        );
    }

    #[test]
    fn transaction_control_in_the_middle_is_refused() {
        check(
            "SELECT 1;\nCOMMIT;\nSELECT 2;",
            TransactionMode::Single,
            Err(
                "m/1_a.sql:2: `COMMIT` controls the transaction, which Plover owns: remove it, or split the file (a file wrapped as a whole in BEGIN; ... COMMIT; is fine)",
            ),
        );
        check(
            "BEGIN;\nSELECT 1;\nROLLBACK;",
            TransactionMode::Single,
            Err(
                "m/1_a.sql:1: `BEGIN` controls the transaction, which Plover owns: remove it, or split the file (a file wrapped as a whole in BEGIN; ... COMMIT; is fine)",
            ),
        );
        check(
            "BEGIN; SAVEPOINT s; ROLLBACK TO SAVEPOINT s; COMMIT;",
            TransactionMode::Single,
            Ok((" SAVEPOINT s; ROLLBACK TO SAVEPOINT s; ", true)),
        );
        check(
            "SAVEPOINT s; ROLLBACK WORK TO SAVEPOINT s; ROLLBACK TRANSACTION TO s;",
            TransactionMode::Single,
            Ok((
                "SAVEPOINT s; ROLLBACK WORK TO SAVEPOINT s; ROLLBACK TRANSACTION TO s;",
                false,
            )),
        );
        check(
            "CREATE TABLE t1 (x int);\nPREPARE TRANSACTION 'px';\nCREATE TABLE t2 (x int);",
            TransactionMode::Single,
            Err(
                "m/1_a.sql:2: `PREPARE TRANSACTION` controls the transaction, which Plover owns: remove it, or split the file (a file wrapped as a whole in BEGIN; ... COMMIT; is fine)",
            ),
        );
        for statement in [
            "ROLLBACK WORK;",
            "ROLLBACK PREPARED 'px';",
            "COMMIT PREPARED 'px';",
        ] {
            assert!(transaction_control(statement).is_some(), "{statement}");
        }
    }

    #[test]
    fn wrappers_are_refused_without_a_transaction() {
        check(
            "-- plover:no-transaction\nBEGIN;\nSELECT 1;\nCOMMIT;",
            TransactionMode::None,
            Err(
                "m/1_a.sql:2: `BEGIN` controls the transaction, which Plover owns: in a `-- plover:no-transaction` migration each statement commits on its own; remove it",
            ),
        );
    }

    #[test]
    fn statements_refused_in_a_transaction_name_the_line_and_the_directive() {
        check(
            "CREATE TABLE t (x int);\n\nCREATE INDEX CONCURRENTLY i ON t (x);",
            TransactionMode::Single,
            Err(
                "m/1_a.sql:3: CREATE [UNIQUE] INDEX CONCURRENTLY cannot run inside a transaction; add `-- plover:no-transaction` to the file's header (each statement then commits on its own, its progress recorded)",
            ),
        );
        check(
            "CREATE INDEX CONCURRENTLY i ON t (x);",
            TransactionMode::None,
            Ok(("CREATE INDEX CONCURRENTLY i ON t (x);", false)),
        );
    }

    #[test]
    fn psql_meta_commands_and_unsupported_statements_are_refused() {
        check(
            "\\set ON_ERROR_STOP on\nSELECT 1;",
            TransactionMode::Single,
            Err(
                "m/1_a.sql:1: `\\set` is a psql meta-command; Plover runs SQL, not psql scripts: write it as SQL or remove it",
            ),
        );
        check(
            "SELECT 1;\nCOPY t FROM stdin;",
            TransactionMode::Single,
            Err("m/1_a.sql:2: COPY ... FROM STDIN: it reads psql's input"),
        );
    }

    #[test]
    fn an_unnamed_concurrent_index_is_refused_where_a_crash_would_build_it_twice() {
        let resumable = |sql: &str| {
            let script = script(sql, TransactionMode::None);
            let body = prepare(&script, &PG_LIKE, 150_000).expect("it runs as written");
            check_resumable(&script, &body, &PG_LIKE).map_err(|e| e.to_string())
        };
        let unnamed = "SET lock_timeout = '2s';\nCREATE UNIQUE INDEX CONCURRENTLY ON t (x);";
        let refused = resumable(unnamed).unwrap_err();
        assert!(
            refused.starts_with("m/1_a.sql:2: `CREATE INDEX CONCURRENTLY` without an index name"),
            "{refused}"
        );
        for named in [
            "CREATE INDEX CONCURRENTLY t_x ON t (x);",
            "CREATE INDEX CONCURRENTLY \"on\" ON t (x);",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);",
        ] {
            assert!(resumable(named).is_ok(), "{named}");
        }
    }

    #[test]
    fn an_unclosed_comment_is_refused() {
        check(
            "SELECT 1;\n/* forgot to close\nCREATE TABLE t (x int);",
            TransactionMode::Single,
            Err(
                "m/1_a.sql:2: a /* comment */ opens here and is never closed, so the rest of the file would be ignored",
            ),
        );
    }

    fn check_in_transaction(sql: &str, expect: Result<(&str, usize), &str>) {
        let actual = prepare_in_transaction("schema/a.sql", sql, crate::sql::Syntax::POSTGRES)
            .map(|body| (body.sql, body.offset))
            .map_err(|e| e.to_string());
        assert_eq!(actual, expect.map_err(str::to_owned), "body of {sql:?}");
    }

    #[test]
    fn files_in_a_transaction_lose_their_wrapper_and_refuse_other_control() {
        check_in_transaction(
            "BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n",
            Ok(("\nCREATE TABLE a (x int);\n", 6)),
        );
        check_in_transaction(
            "CREATE TABLE a (x int);\n",
            Ok(("CREATE TABLE a (x int);\n", 0)),
        );
        check_in_transaction(
            "SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\n",
            Ok(("SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\n", 0)),
        );
        // Only transaction control is this function's business; the server reports the rest.
        check_in_transaction("\\set x 1\n", Ok(("\\set x 1\n", 0)));
        for (sql, line, words) in [
            ("CREATE TABLE a (x int);\nCOMMIT;\n", 2, "COMMIT"),
            ("BEGIN;\nCREATE TABLE a (x int);\n", 1, "BEGIN"),
            ("SELECT 1;\n\nEND;\nSELECT 2;\n", 3, "END"),
            ("BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\n", 1, "BEGIN"),
            ("SELECT 1;\nABORT;\n", 2, "ABORT"),
            (
                "SELECT 1;\nPREPARE TRANSACTION 'p';\n",
                2,
                "PREPARE TRANSACTION",
            ),
        ] {
            let message = format!(
                "schema/a.sql:{line}: `{words}` controls the transaction, which Plover owns: {IN_SINGLE}"
            );
            check_in_transaction(sql, Err(&message));
        }
    }

    #[test]
    fn statements_keep_their_lines_in_the_whole_file() {
        let script = script(
            "BEGIN;\nSELECT 1;\nSELECT 2;\nCOMMIT;",
            TransactionMode::Single,
        );
        let body = prepare(&script, &PG_LIKE, 150_000).unwrap();
        let lines: Vec<usize> = body.statements.iter().map(|s| s.line).collect();
        assert_eq!(lines, [2, 3]);
        assert_eq!(line_at(&script.sql, body.offset + 1), 2);
    }
}
