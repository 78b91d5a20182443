//! Keeping passwords out of everything Plover prints (DESIGN.md, safety rule 5).
//!
//! URLs are shown with their password masked (`postgres://app:***@db/app`), and any text
//! about to be printed can be scrubbed of passwords in the URLs and `password=` settings it
//! quotes, for messages (parser errors, say) that echo what the user wrote.

use std::borrow::Cow;

use plover_core::percent::percent_decode;

/// What a password is replaced by.
const MASK: &str = "***";

/// The byte ranges of every password in `text`: the password of each `scheme://user:pw@host`
/// URL and the value of each `password=` setting (URL query or libpq key/value string).
pub fn password_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = url_passwords(text);
    spans.extend(setting_passwords(text));
    spans.sort_unstable();
    spans.dedup();
    spans
}

/// In `scheme://user:password@host`, the userinfo ends at the last `@` of the URL: a raw
/// `/`, `?` or `@` in the password must not end it early (which would show the rest). When a
/// query holds an `@` too, more than the password may be masked, never less.
fn url_passwords(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let end = text[start..]
            .find(ends_a_value)
            .map_or(text.len(), |i| start + i);
        // A single quote may belong to the password (`u:'pw'@h`) rather than end the URL:
        // when the URL up to it has no `@`, look again past it.
        let mut found = userinfo_password(&text[start..end]);
        if found.is_none() && text[end..].starts_with('\'') && !text[start..end].contains('@') {
            let wide_end = text[start..]
                .find(|c: char| c != '\'' && ends_a_value(c))
                .map_or(text.len(), |i| start + i);
            found = userinfo_password(&text[start..wide_end]);
        }
        if let Some((colon, at)) = found {
            spans.push((start + colon, start + at));
        }
        from = end;
    }
    spans
}

/// The password's byte range in the part of a URL after `://`: from after the first `:` of
/// the userinfo to its last `@`.
fn userinfo_password(url: &str) -> Option<(usize, usize)> {
    let at = url.rfind('@')?;
    let colon = url[..at].find(':')?;
    Some((colon + 1, at))
}

fn setting_passwords(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find("password=") {
        let start = from + found + "password=".len();
        // Masked already (a URL shown by its `Display`, then `: ` and the error): the
        // colon is the message's. A password cannot hold the space that follows it.
        let end = if text[start..].starts_with(&format!("{MASK}: ")) {
            start + MASK.len()
        } else if text[start..].starts_with('\'') {
            start + quoted_len(&text[start..])
        } else {
            text[start..]
                .find(|c: char| ends_a_value(c) || c == '&')
                .map_or(text.len(), |i| start + i)
        };
        if end > start {
            spans.push((start, end));
        }
        from = end.max(start);
    }
    spans
}

/// The length of the libpq value `'...'` that `value` opens with, quotes included: a
/// backslash escapes the character after it, so `\'` does not end it. To the end of `value`
/// when the closing quote is missing.
fn quoted_len(value: &str) -> usize {
    let mut chars = value.char_indices().skip(1);
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' => return chars.next().map_or(value.len(), |(i, _)| i),
            _ => {}
        }
    }
    value.len()
}

/// Where a URL or setting quoted in a message ends: at white space or a quote (JSON, TOML).
fn ends_a_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>')
}

/// `text` with every password replaced by `***` (borrowed as it is when it has none).
pub fn redact(text: &str) -> Cow<'_, str> {
    let spans = password_spans(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(mask(text, spans))
}

fn mask(text: &str, spans: Vec<(usize, usize)>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(MASK);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// The password spans of one whole URL (or libpq key/value string), read structurally: the
/// userinfo runs to the last `@`, so a password may hold spaces and quotes too.
fn whole_url_spans(url: &str) -> Vec<(usize, usize)> {
    let mut spans = setting_passwords(url);
    if let Some(scheme_end) = url.find("://") {
        let start = scheme_end + 3;
        if let Some((colon, at)) = userinfo_password(&url[start..]) {
            spans.push((start + colon, start + at));
        }
    }
    spans.sort_unstable();
    spans
}

/// One whole URL with its password replaced by `***`, however odd the password.
pub fn redact_url(url: &str) -> String {
    mask(url, whole_url_spans(url))
}

/// The password of `url`, if it has one, as written and percent-decoded: the forms that
/// output must never contain.
pub fn passwords_of(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, end) in whole_url_spans(url) {
        let written = &url[start..end];
        found.push(written.to_owned());
        let decoded = percent_decode(written);
        if decoded != written {
            found.push(decoded);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_url_passwords_even_with_slashes_and_question_marks() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(
            redact("postgres://postgres:hun/ter2@127.0.0.1/db"),
            "postgres://postgres:***@127.0.0.1/db"
        );
        assert_eq!(
            redact("postgres://u:a?b@c@h/d?sslmode=disable"),
            "postgres://u:***@h/d?sslmode=disable"
        );
        assert_eq!(redact("postgres://app@db/app"), "postgres://app@db/app");
    }

    #[test]
    fn masks_password_settings_and_urls_inside_messages() {
        assert_eq!(
            redact("host=h password=hunter2 user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(
            redact("postgresql://u@h/d?password=x1&sslmode=require"),
            "postgresql://u@h/d?password=***&sslmode=require"
        );
        assert_eq!(
            redact("line 2: url = \"postgres://app:s3cr\\qet@db/app\"\nexpected"),
            "line 2: url = \"postgres://app:***@db/app\"\nexpected"
        );
    }

    #[test]
    fn a_masked_password_keeps_what_follows_it() {
        assert_eq!(
            redact("cannot connect to postgres://u@h/d?password=***: refused"),
            "cannot connect to postgres://u@h/d?password=***: refused"
        );
        assert_eq!(redact("password=***x: y"), "password=*** y");
        assert_eq!(redact("password=***:x y"), "password=*** y");
    }

    #[test]
    fn quoted_passwords_are_masked_whole() {
        assert_eq!(
            redact("host=h password='s3 cr3t' user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(
            redact(r"unexpected argument 'host=h password='it\'s x' dbname=d'"),
            "unexpected argument 'host=h password=*** dbname=d'"
        );
        assert_eq!(redact("password='open ended"), "password=***");
        assert_eq!(redact_url("host=h password='a b'"), "host=h password=***");
        assert_eq!(
            redact("cannot connect to postgres://u:'pw'@h/d: refused"),
            "cannot connect to postgres://u:***@h/d: refused"
        );
    }

    #[test]
    fn json_stays_json() {
        let json = r#"{"database":"postgres://app@db/app","applied_by":"root@vm","url":"postgres://u:pw1@h/d"}"#;
        assert_eq!(
            redact(json),
            r#"{"database":"postgres://app@db/app","applied_by":"root@vm","url":"postgres://u:***@h/d"}"#
        );
    }

    #[test]
    fn whole_urls_hide_passwords_with_spaces_and_quotes() {
        assert_eq!(
            redact_url("postgres://app:pa ss\"x@db/app"),
            "postgres://app:***@db/app"
        );
        assert_eq!(
            passwords_of("postgres://app:Sup3r S3cret@db/app"),
            ["Sup3r S3cret"]
        );
    }

    #[test]
    fn passwords_come_written_and_decoded() {
        assert_eq!(passwords_of("postgres://u:p%40ss@h/d"), ["p%40ss", "p@ss"]);
        assert!(passwords_of("sqlite:plover.db").is_empty());
    }
}
