//! Tenant ids and the schema names they become.
//!
//! A tenant id ends up inside SQL as a schema name, so it is checked twice: against a
//! pattern of allowed characters, and for the length PostgreSQL allows an identifier. The
//! schema name is still always quoted where it is used.

use std::fmt;

/// PostgreSQL truncates identifiers longer than this many bytes (`NAMEDATALEN - 1`).
pub const MAX_SCHEMA_NAME_BYTES: usize = 63;

/// The placeholder a schema name template replaces with the tenant id.
pub const ID_PLACEHOLDER: &str = "{id}";

/// Why a tenant id or a template was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TenantIdError {
    /// The id is empty.
    #[error("a tenant id cannot be empty")]
    Empty,
    /// The id has a character outside the allowed set.
    #[error(
        "tenant id {id:?} has {found:?} at byte {at}; tenant ids may use only {allowed} \
         (set tenants.id_pattern to allow more)"
    )]
    Character {
        /// The refused id.
        id: String,
        /// The first refused character.
        found: char,
        /// Its byte offset.
        at: usize,
        /// The allowed set, as people read it.
        allowed: String,
    },
    /// The schema name would be longer than PostgreSQL keeps.
    #[error(
        "tenant id {id:?} makes the schema name {schema:?}, {bytes} bytes long; PostgreSQL \
         keeps at most {MAX_SCHEMA_NAME_BYTES}"
    )]
    TooLong {
        /// The refused id.
        id: String,
        /// The schema name it would make.
        schema: String,
        /// Its length in bytes.
        bytes: usize,
    },
    /// The schema name is one PostgreSQL or every database has for itself.
    #[error(
        "tenant id {id:?} makes the schema name {schema:?}, which is not a tenant's: \
         `public`, `information_schema` and names starting `pg_` are PostgreSQL's own"
    )]
    Reserved {
        /// The refused id.
        id: String,
        /// The schema name it would make.
        schema: String,
    },
    /// The template has no `{id}`, or has it more than once.
    #[error("tenants.schema_template {template:?} must contain {ID_PLACEHOLDER} exactly once")]
    Template {
        /// The refused template.
        template: String,
    },
    /// The allowed-characters pattern cannot be read.
    #[error("tenants.id_pattern {pattern:?} is not a character set like \"a-z0-9_-\": {reason}")]
    Pattern {
        /// The refused pattern.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The characters a tenant id may use, written like a regular-expression character class
/// without its brackets: `a-z0-9_-` (ranges and single characters; a `-` first or last is
/// itself). Quotes, whitespace and control characters are never allowed, whatever it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdPattern {
    text: String,
    ranges: Vec<(char, char)>,
}

impl IdPattern {
    /// The default: lower-case letters, digits, `_` and `-`.
    pub const DEFAULT: &'static str = "a-z0-9_-";

    /// Reads a character set such as `a-zA-Z0-9_-`.
    pub fn parse(text: &str) -> Result<IdPattern, TenantIdError> {
        let refuse = |reason: &str| TenantIdError::Pattern {
            pattern: text.to_owned(),
            reason: reason.to_owned(),
        };
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return Err(refuse("it is empty"));
        }
        let mut ranges = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let low = chars[i];
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                let high = chars[i + 2];
                if high < low {
                    return Err(refuse(&format!("the range {low}-{high} is backwards")));
                }
                ranges.push((low, high));
                i += 3;
            } else {
                ranges.push((low, low));
                i += 1;
            }
        }
        Ok(IdPattern {
            text: text.to_owned(),
            ranges,
        })
    }

    fn allows(&self, c: char) -> bool {
        !never_allowed(c)
            && self
                .ranges
                .iter()
                .any(|&(low, high)| (low..=high).contains(&c))
    }
}

impl Default for IdPattern {
    fn default() -> Self {
        IdPattern::parse(IdPattern::DEFAULT).expect("the default pattern parses")
    }
}

impl fmt::Display for IdPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.text)
    }
}

fn never_allowed(c: char) -> bool {
    c == '"' || c == '\'' || c == '\\' || c == ';' || c.is_whitespace() || c.is_control()
}

/// How tenant ids become schema names: `tenant_{id}` makes tenant `acme` live in schema
/// `tenant_acme`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaTemplate {
    prefix: String,
    suffix: String,
}

impl SchemaTemplate {
    /// The default template.
    pub const DEFAULT: &'static str = "tenant_{id}";

    /// Reads a template with `{id}` exactly once.
    pub fn parse(template: &str) -> Result<SchemaTemplate, TenantIdError> {
        let refuse = || TenantIdError::Template {
            template: template.to_owned(),
        };
        let (prefix, suffix) = template.split_once(ID_PLACEHOLDER).ok_or_else(refuse)?;
        if suffix.contains(ID_PLACEHOLDER) {
            return Err(refuse());
        }
        if template.chars().any(never_allowed) {
            return Err(refuse());
        }
        Ok(SchemaTemplate {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        })
    }

    /// The schema name of tenant `id`, once `id` is checked against `pattern`.
    pub fn schema_for(&self, id: &str, pattern: &IdPattern) -> Result<String, TenantIdError> {
        if id.is_empty() {
            return Err(TenantIdError::Empty);
        }
        if let Some((at, found)) = id.char_indices().find(|&(_, c)| !pattern.allows(c)) {
            return Err(TenantIdError::Character {
                id: id.to_owned(),
                found,
                at,
                allowed: pattern.to_string(),
            });
        }
        let schema = format!("{}{id}{}", self.prefix, self.suffix);
        if schema.len() > MAX_SCHEMA_NAME_BYTES {
            return Err(TenantIdError::TooLong {
                id: id.to_owned(),
                bytes: schema.len(),
                schema,
            });
        }
        if is_reserved(&schema) {
            return Err(TenantIdError::Reserved {
                id: id.to_owned(),
                schema,
            });
        }
        Ok(schema)
    }

    /// The tenant id a schema name holds, when it fits the template (and the id is valid).
    pub fn id_of<'a>(&self, schema: &'a str, pattern: &IdPattern) -> Option<&'a str> {
        let id = schema
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())?;
        self.schema_for(id, pattern).ok().map(|_| id)
    }

    /// A SQL `LIKE` pattern matching every schema name this template can make.
    pub fn like_pattern(&self) -> String {
        let escape = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        };
        format!("{}%{}", escape(&self.prefix), escape(&self.suffix))
    }
}

/// Whether `schema` is PostgreSQL's own (`pg_catalog`, `pg_toast`, ... and any name it
/// reserves with `pg_`), the SQL standard's `information_schema`, or the `public` schema
/// every database starts with: with a template like `{id}`, none of them is a tenant.
fn is_reserved(schema: &str) -> bool {
    schema.starts_with("pg_") || schema == "information_schema" || schema == "public"
}

impl Default for SchemaTemplate {
    fn default() -> Self {
        SchemaTemplate::parse(SchemaTemplate::DEFAULT).expect("the default template parses")
    }
}

impl fmt::Display for SchemaTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{ID_PLACEHOLDER}{}", self.prefix, self.suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(id: &str) -> Result<String, TenantIdError> {
        SchemaTemplate::default().schema_for(id, &IdPattern::default())
    }

    #[test]
    fn valid_ids_become_schema_names() {
        assert_eq!(schema("acme").unwrap(), "tenant_acme");
        assert_eq!(schema("a-1_b").unwrap(), "tenant_a-1_b");
    }

    #[test]
    fn injection_is_refused_naming_the_character() {
        let error = schema("a\"; drop schema public; --").unwrap_err();
        assert_eq!(
            error,
            TenantIdError::Character {
                id: "a\"; drop schema public; --".into(),
                found: '"',
                at: 1,
                allowed: "[a-z0-9_-]".into(),
            }
        );
        assert!(error.to_string().contains("tenants.id_pattern"));
    }

    #[test]
    fn quotes_stay_refused_even_when_the_pattern_names_them() {
        let pattern = IdPattern::parse("a-z\"; ").unwrap();
        let template = SchemaTemplate::default();
        assert!(template.schema_for("a\"b", &pattern).is_err());
        assert!(template.schema_for("a b", &pattern).is_err());
        assert!(template.schema_for("a;b", &pattern).is_err());
    }

    #[test]
    fn postgresql_s_own_schemas_are_not_tenants() {
        let bare = SchemaTemplate::parse("{id}").unwrap();
        let pattern = IdPattern::default();
        for id in [
            "public",
            "information_schema",
            "pg_catalog",
            "pg_toast",
            "pg_temp_1",
        ] {
            let error = bare.schema_for(id, &pattern).unwrap_err();
            assert!(
                matches!(error, TenantIdError::Reserved { .. }),
                "{id}: {error}"
            );
            assert_eq!(bare.id_of(id, &pattern), None, "{id}");
        }
        assert_eq!(bare.schema_for("acme", &pattern).unwrap(), "acme");
        assert_eq!(bare.schema_for("public2", &pattern).unwrap(), "public2");
        // Under the default template the same ids are ordinary tenants.
        assert_eq!(schema("public").unwrap(), "tenant_public");
    }

    #[test]
    fn long_ids_and_empty_ids_are_refused() {
        assert_eq!(schema(""), Err(TenantIdError::Empty));
        let id = "a".repeat(56);
        assert_eq!(schema(&id).unwrap().len(), 63);
        let id = "a".repeat(57);
        assert!(matches!(
            schema(&id),
            Err(TenantIdError::TooLong { bytes: 64, .. })
        ));
    }

    #[test]
    fn upper_case_needs_a_pattern_that_allows_it() {
        assert!(schema("Acme").is_err());
        let pattern = IdPattern::parse("a-zA-Z0-9_-").unwrap();
        assert_eq!(
            SchemaTemplate::default()
                .schema_for("Acme", &pattern)
                .unwrap(),
            "tenant_Acme"
        );
    }

    #[test]
    fn templates_need_one_placeholder() {
        assert!(SchemaTemplate::parse("tenant").is_err());
        assert!(SchemaTemplate::parse("{id}_{id}").is_err());
        assert!(SchemaTemplate::parse("t\"{id}").is_err());
        let template = SchemaTemplate::parse("org_{id}_data").unwrap();
        assert_eq!(
            template.schema_for("x", &IdPattern::default()).unwrap(),
            "org_x_data"
        );
        assert_eq!(
            template.id_of("org_x_data", &IdPattern::default()),
            Some("x")
        );
        assert_eq!(template.id_of("org_x", &IdPattern::default()), None);
        assert_eq!(template.like_pattern(), "org\\_%\\_data");
    }

    #[test]
    fn patterns_read_ranges_and_single_characters() {
        let pattern = IdPattern::parse("-a-c.").unwrap();
        assert!(pattern.allows('-') && pattern.allows('b') && pattern.allows('.'));
        assert!(!pattern.allows('d'));
        assert!(IdPattern::parse("z-a").is_err());
        assert!(IdPattern::parse("").is_err());
    }
}
