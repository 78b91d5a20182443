//! Checksums of migration files.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// SHA-256 of a migration's normalised text (see [`normalize`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    /// The checksum of already normalised text.
    pub fn of(normalized: &str) -> Self {
        Checksum(Sha256::digest(normalized.as_bytes()).into())
    }

    /// The first eight hex digits, for messages.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({})", self.short())
    }
}

/// Text that is not 64 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a SHA-256 checksum (64 hex digits)")]
pub struct InvalidChecksum(pub String);

impl FromStr for Checksum {
    type Err = InvalidChecksum;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| InvalidChecksum(text.to_owned()))?;
        Ok(Checksum(bytes))
    }
}

/// The bytes of a file that is not UTF-8.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not valid UTF-8 (byte {offset})")]
pub struct NotUtf8 {
    /// Offset of the first invalid byte.
    pub offset: usize,
}

/// Normalises file contents so that checkouts on different systems checksum alike: the UTF-8
/// byte-order mark is dropped and CRLF line endings become LF.
pub fn normalize(bytes: &[u8]) -> Result<String, NotUtf8> {
    let text = std::str::from_utf8(bytes).map_err(|e| NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(text.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_and_bom_do_not_change_the_checksum() {
        let unix = normalize(b"CREATE TABLE a();\nSELECT 1;\n").unwrap();
        let windows = normalize(b"\xef\xbb\xbfCREATE TABLE a();\r\nSELECT 1;\r\n").unwrap();
        assert_eq!(unix, windows);
        assert_eq!(Checksum::of(&unix), Checksum::of(&windows));
    }

    #[test]
    fn round_trips_through_hex() {
        let sum = Checksum::of("x");
        assert_eq!(sum.to_string().parse::<Checksum>(), Ok(sum));
        assert_eq!(sum.short().len(), 8);
        assert!("zz".parse::<Checksum>().is_err());
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert_eq!(normalize(b"ab\xff"), Err(NotUtf8 { offset: 2 }));
    }
}
