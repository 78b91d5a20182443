//! Migration versions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A migration's version: the number a file name starts with, compared as an integer, so
/// `001`, `1` and `0001` are the same version and `20261121093000` sorts after `999`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(pub i64);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A version that is not a non-negative integer that fits in 63 bits.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a version: expected digits, like 3 or 20261121093000")]
pub struct InvalidVersion(pub String);

impl FromStr for Version {
    type Err = InvalidVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidVersion(text.to_owned()));
        }
        text.parse::<i64>()
            .map(Version)
            .map_err(|_| InvalidVersion(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_digits_only() {
        assert_eq!("001".parse(), Ok(Version(1)));
        assert_eq!("20261121093000".parse(), Ok(Version(20_261_121_093_000)));
        assert!("-1".parse::<Version>().is_err());
        assert!("1a".parse::<Version>().is_err());
        assert!("99999999999999999999".parse::<Version>().is_err());
    }
}
