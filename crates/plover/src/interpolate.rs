//! `${VAR}` and `${VAR:-default}` in configuration values.

/// Replaces `${VAR}` with the variable's value and `${VAR:-default}` with the value or, when
/// unset or empty, the default. `$$` stands for a literal `$`. Errors name the variable.
pub fn interpolate(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            // The value is not quoted back: it may hold a password.
            let end = body
                .find('}')
                .ok_or_else(|| "a `${` without its closing `}`".to_owned())?;
            out.push_str(&expand(&body[..end], env)?);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn expand(expression: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let (name, default) = match expression.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (expression, None),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("`${{{expression}}}` is not a variable reference"));
    }
    match (env(name).filter(|v| !v.is_empty()), default) {
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.to_owned()),
        (None, None) => Err(format!("environment variable {name} is not set")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.internal".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_variables_and_defaults() {
        assert_eq!(
            interpolate("postgres://${HOST}/app", &env),
            Ok("postgres://db.internal/app".into())
        );
        assert_eq!(
            interpolate("${PORT:-5432}/${EMPTY:-x}", &env),
            Ok("5432/x".into())
        );
        assert_eq!(
            interpolate("cost $$5 and $x", &env),
            Ok("cost $5 and $x".into())
        );
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            interpolate("${NOPE}", &env),
            Err("environment variable NOPE is not set".into())
        );
        assert_eq!(
            interpolate("${HOST", &env),
            Err("a `${` without its closing `}`".into())
        );
        assert_eq!(
            interpolate("${a b}", &env),
            Err("`${a b}` is not a variable reference".into())
        );
    }
}
