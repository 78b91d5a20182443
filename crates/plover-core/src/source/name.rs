//! Migration file and folder names: `<version>_<name>`.

use crate::Version;

/// Splits `001_add_users` into its version and name.
pub fn parse_stem(stem: &str) -> Result<(Version, String), String> {
    let Some((digits, name)) = stem.split_once('_') else {
        return Err("expected <version>_<name>, like 001_add_users".to_owned());
    };
    let version = digits.parse::<Version>().map_err(|e| e.to_string())?;
    if name.is_empty() {
        return Err("the name after the version is empty".to_owned());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "the name may hold letters, digits, `_` and `-`, not {bad:?}"
        ));
    }
    Ok((version, name.to_owned()))
}

/// What a file at the top of a migrations directory is, judged by its name alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRole {
    /// `<v>_<name>.sql`: the native layout's up script.
    NativeUp,
    /// `<v>_<name>.up.sql`: the up/down layout's up script.
    Up,
    /// `<v>_<name>.down.sql`: a down script in either file layout.
    Down,
}

/// Classifies `file_name` (e.g. `001_add_users.down.sql`) and returns its stem, or `None`
/// when it is not an SQL file at all.
pub fn classify_file(file_name: &str) -> Option<(FileRole, &str)> {
    let base = file_name.strip_suffix(".sql")?;
    if let Some(stem) = base.strip_suffix(".up") {
        Some((FileRole::Up, stem))
    } else if let Some(stem) = base.strip_suffix(".down") {
        Some((FileRole::Down, stem))
    } else {
        Some((FileRole::NativeUp, base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(
            parse_stem("001_add_users"),
            Ok((Version(1), "add_users".to_owned()))
        );
        assert_eq!(
            parse_stem("20261121093000_add-users"),
            Ok((Version(20_261_121_093_000), "add-users".to_owned()))
        );
        assert!(
            parse_stem("add_users")
                .unwrap_err()
                .contains("not a version")
        );
        assert!(parse_stem("001").unwrap_err().contains("<version>_<name>"));
        assert!(parse_stem("001_").unwrap_err().contains("empty"));
        assert!(parse_stem("001_add users").unwrap_err().contains("' '"));
    }

    #[test]
    fn roles() {
        assert_eq!(classify_file("1_a.sql"), Some((FileRole::NativeUp, "1_a")));
        assert_eq!(classify_file("1_a.up.sql"), Some((FileRole::Up, "1_a")));
        assert_eq!(classify_file("1_a.down.sql"), Some((FileRole::Down, "1_a")));
        assert_eq!(classify_file("README.md"), None);
    }
}
