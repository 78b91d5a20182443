//! Percent-encoding and decoding, for URL parts.

/// Decodes `%XX` escapes; anything else, malformed escapes included, stays as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`, so that
/// `text` can stand as one part of a URL.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_the_rest() {
        assert_eq!(percent_decode("p%40ss%2Fword"), "p@ss/word");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn encodes_what_a_url_part_cannot_hold_and_decodes_back() {
        assert_eq!(percent_encode("app_plover-build.1~"), "app_plover-build.1~");
        assert_eq!(percent_encode("my db/ü?"), "my%20db%2F%C3%BC%3F");
        assert_eq!(percent_decode(&percent_encode("my db/ü?#%")), "my db/ü?#%");
    }
}
