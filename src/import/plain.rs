//! Whether a record's own bytes are already what serde_json writes for the value they parse to,
//! so the import can store them as they are instead of serialising every record again (a tenth of
//! an import's CPU). Decided while the scanner walks the record, from the bytes it sees one by one
//! (everything outside strings, and each escape), so it costs next to nothing.
//!
//! Conservative: anything serde_json might write differently makes the record not plain, and it is
//! serialised as before. That is whitespace between tokens, any number with a fraction, an exponent
//! or more than 18 digits, `-0`, and any escape serde_json does not write itself (`\/`, `\u…`).
//! What is left (compact structure, integers as serde reads and writes them, strings with
//! only `\" \\ \n \r \t \b \f` escapes) is written back byte for byte. The one difference it
//! lets through is a repeated key: serde_json keeps the last value (at the first one's place) and
//! writes the key once, while the stored text keeps both. Every reader parses the text with the
//! same rule, so it reads the same value; PostgreSQL's `jsonb` also keeps the last.

/// The running verdict on one record.
#[derive(Debug)]
pub struct Plain {
    pub yes: bool,
    /// The last byte seen outside strings.
    prev: u8,
    /// Digits in a row outside strings.
    digits: u32,
}

impl Plain {
    pub fn new() -> Plain {
        Plain {
            yes: true,
            prev: 0,
            digits: 0,
        }
    }

    /// A byte outside any string.
    pub fn outside(&mut self, b: u8) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'.' | b'E' | b'+' => self.yes = false,
            // Inside `true` and `false` an `e` follows a letter; in a number, a digit.
            b'e' if self.prev.is_ascii_digit() => self.yes = false,
            b'0' if self.prev == b'-' => self.yes = false,
            _ => {}
        }
        if b.is_ascii_digit() {
            self.digits = self.digits.saturating_add(1);
            // u64 and i64 hold every integer of 18 digits; longer ones may be read as floats.
            if self.digits > 18 {
                self.yes = false;
            }
        } else {
            self.digits = 0;
        }
        self.prev = b;
    }

    /// The byte after a backslash inside a string.
    pub fn escape(&mut self, b: u8) {
        if !matches!(b, b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f') {
            self.yes = false;
        }
    }

    /// A string starts: what came before it is no number's digit.
    pub fn string(&mut self) {
        self.prev = b'"';
        self.digits = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Plain;
    use serde_json::Value;

    /// Walk `text` as the scanner does: bytes outside strings, and each escape.
    fn verdict(text: &str) -> bool {
        let mut p = Plain::new();
        let (mut in_string, mut escaped) = (false, false);
        for &b in text.as_bytes() {
            if in_string {
                if escaped {
                    p.escape(b);
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
            } else if b == b'"' {
                p.string();
                in_string = true;
            } else {
                p.outside(b);
            }
        }
        p.yes
    }

    fn written(text: &str) -> String {
        let v: Value = serde_json::from_str(text).unwrap();
        serde_json::to_string(&v).unwrap()
    }

    #[test]
    fn plain_records_are_what_serde_json_writes() {
        for text in [
            r#"{"id":"a","n":12,"m":-3,"big":123456789012345678,"t":true,"f":false,"z":null}"#,
            r#"{"s":"tab\there \"quoted\" back\\slash \b\f\n\r","u":"é ☃","a":[],"o":{}}"#,
            r#"{"nested":[{"a":[1,2,{"b":"c"}]},[],{}],"e":"1e5 in a string, -0 too"}"#,
        ] {
            assert!(verdict(text), "{text}");
            assert_eq!(written(text), text);
        }
    }

    #[test]
    fn anything_serde_json_writes_otherwise_is_not_plain() {
        for text in [
            r#"{"a": 1}"#,
            "{\"a\":1,\n\"b\":2}",
            r#"{"a":1.50}"#,
            r#"{"a":1.0}"#,
            r#"{"a":1e5}"#,
            r#"{"a":1E5}"#,
            r#"{"a":-0}"#,
            r#"{"a":12345678901234567890}"#,
            r#"{"a":"\/"}"#,
            r#"{"a":"\u0041"}"#,
        ] {
            assert!(!verdict(text), "{text}");
        }
        // Each of those is in fact written differently, except `1.0`, refused only to be safe.
        assert_ne!(written(r#"{"a":1.50}"#), r#"{"a":1.50}"#);
        assert_ne!(written(r#"{"a":"\/"}"#), r#"{"a":"\/"}"#);
        assert_ne!(written(r#"{"a":-0}"#), r#"{"a":-0}"#);
    }
}
