//! Reading the index name out of a `CREATE INDEX` statement, to repair what an interrupted
//! `CREATE INDEX CONCURRENTLY` left behind.

use super::lexer::{Syntax, Token, TokenKind, tokenize};

/// The index a `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON [ONLY] table`
/// statement creates, as SQL text (quotes kept), qualified with the table's schema when the
/// table is qualified (PostgreSQL puts an index in its table's schema). `None` when the
/// statement is not such a statement or leaves the name to the server.
pub fn created_index_name(statement: &str) -> Option<String> {
    let tokens: Vec<Token> = tokenize(statement, Syntax::POSTGRES)
        .into_iter()
        .filter(|t| !t.kind.is_trivia())
        .collect();
    if !tokens
        .first()?
        .text(statement)
        .eq_ignore_ascii_case("CREATE")
    {
        return None;
    }
    let mut position = 1;
    for expected in ["UNIQUE", "INDEX", "CONCURRENTLY", "IF", "NOT", "EXISTS"] {
        let word = tokens
            .get(position)
            .map(|t| t.text(statement).to_ascii_uppercase());
        match (expected, word.as_deref()) {
            (_, Some(w)) if w == expected => position += 1,
            ("INDEX", _) => return None,
            _ => {}
        }
    }
    let (name, after_name) = dotted_name(statement, &tokens, position)?;
    if name.eq_ignore_ascii_case("ON") {
        return None;
    }
    let mut at = after_name;
    if !tokens.get(at)?.text(statement).eq_ignore_ascii_case("ON") {
        return None;
    }
    at += 1;
    if tokens.get(at)?.text(statement).eq_ignore_ascii_case("ONLY") {
        at += 1;
    }
    let (table, _) = dotted_name(statement, &tokens, at)?;
    Some(match schema_of(&table) {
        Some(schema) if !name.contains('.') => format!("{schema}.{name}"),
        _ => name,
    })
}

/// The index a `DROP INDEX CONCURRENTLY name` statement drops, when it names exactly one
/// index and has no `IF EXISTS` (with it, running again is harmless anyway).
pub fn dropped_index_name(statement: &str) -> Option<String> {
    let tokens: Vec<Token> = tokenize(statement, Syntax::POSTGRES)
        .into_iter()
        .filter(|t| !t.kind.is_trivia())
        .collect();
    let words: Vec<String> = tokens
        .iter()
        .take(3)
        .map(|t| t.text(statement).to_ascii_uppercase())
        .collect();
    if words != ["DROP", "INDEX", "CONCURRENTLY"] {
        return None;
    }
    let (name, after) = dotted_name(statement, &tokens, 3)?;
    let rest: Vec<String> = tokens[after..]
        .iter()
        .map(|t| t.text(statement).to_ascii_uppercase())
        .collect();
    let clean_end = matches!(
        rest.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        [] | [";"] | ["CASCADE" | "RESTRICT"] | ["CASCADE" | "RESTRICT", ";"]
    );
    (clean_end && !name.eq_ignore_ascii_case("IF")).then_some(name)
}

/// A possibly dotted name starting at `tokens[at]`, and the index of the token after it.
fn dotted_name(statement: &str, tokens: &[Token], mut at: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    loop {
        let token = tokens.get(at)?;
        if !matches!(token.kind, TokenKind::Word | TokenKind::QuotedIdent) {
            return None;
        }
        name.push_str(token.text(statement));
        at += 1;
        match tokens.get(at) {
            Some(dot) if dot.text(statement) == "." => {
                name.push('.');
                at += 1;
            }
            _ => return Some((name, at)),
        }
    }
}

/// The schema part of `schema.table` (quotes kept), found outside quoted identifiers.
fn schema_of(table: &str) -> Option<&str> {
    let mut in_quotes = false;
    for (i, c) in table.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '.' if !in_quotes => return Some(&table[..i]),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(statement: &str, expect: Option<&str>) {
        assert_eq!(
            created_index_name(statement).as_deref(),
            expect,
            "{statement}"
        );
    }

    #[test]
    fn finds_the_index_name() {
        check(
            "CREATE INDEX CONCURRENTLY users_email ON users (email)",
            Some("users_email"),
        );
        check(
            "create unique index concurrently if not exists \"Users Email\" on only app.users (email)",
            Some("app.\"Users Email\""),
        );
        check("CREATE INDEX CONCURRENTLY s.i ON t (x)", Some("s.i"));
        check(
            "CREATE INDEX i ON \"my.schema\".t (x)",
            Some("\"my.schema\".i"),
        );
    }

    #[test]
    fn finds_the_dropped_index() {
        assert_eq!(
            dropped_index_name("DROP INDEX CONCURRENTLY app.i;").as_deref(),
            Some("app.i")
        );
        assert_eq!(
            dropped_index_name("drop index concurrently \"I\" cascade").as_deref(),
            Some("\"I\"")
        );
        assert_eq!(
            dropped_index_name("DROP INDEX CONCURRENTLY IF EXISTS i"),
            None
        );
        assert_eq!(dropped_index_name("DROP INDEX CONCURRENTLY a, b"), None);
        assert_eq!(dropped_index_name("DROP INDEX i"), None);
    }

    #[test]
    fn unnamed_or_other_statements() {
        check("CREATE INDEX CONCURRENTLY ON users (email)", None);
        check("CREATE TABLE t (x int)", None);
        check("DROP INDEX CONCURRENTLY i", None);
    }
}
