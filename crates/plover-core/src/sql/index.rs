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
    fn unnamed_or_other_statements() {
        check("CREATE INDEX CONCURRENTLY ON users (email)", None);
        check("CREATE TABLE t (x int)", None);
        check("DROP INDEX CONCURRENTLY i", None);
    }
}
