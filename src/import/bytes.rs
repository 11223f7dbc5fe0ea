//! Finding the bytes that end a JSON string's run of plain characters, eight at a time. The record
//! scanner spends most of its time inside strings (keys and values are most of a record's bytes),
//! and a byte-at-a-time state machine there cost as much as SQLite's whole insert of the file.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that equals `b`'s (and, above the first such byte, possibly of
/// others: only the lowest set bit is exact, which is all `find_quote_or_backslash` reads).
fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ ONES.wrapping_mul(u64::from(b));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The position of the first `"` or `\` in `s`.
pub fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    let mut words = s.chunks_exact(8);
    let mut at = 0usize;
    for word in &mut words {
        let mut le = [0u8; 8];
        le.copy_from_slice(word);
        let w = u64::from_le_bytes(le);
        let hits = bytes_equal(w, b'"') | bytes_equal(w, b'\\');
        if hits != 0 {
            // Little-endian: the lowest set bit is the first byte in the slice.
            let byte = usize::try_from(hits.trailing_zeros() / 8).unwrap_or(0);
            return Some(at.saturating_add(byte));
        }
        at = at.saturating_add(8);
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|p| at.saturating_add(p))
}

/// How many `\n` bytes `s` holds (a loop the compiler vectorises).
pub fn newlines(s: &[u8]) -> usize {
    s.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_quote_or_backslash_wherever_it_is() {
        for len in 0..40 {
            for at in 0..len {
                for special in [b'"', b'\\'] {
                    let mut s = vec![b'a'; len];
                    s[at] = special;
                    // A later special byte never hides the first.
                    if at + 1 < len {
                        s[len - 1] = b'"';
                    }
                    assert_eq!(find_quote_or_backslash(&s), Some(at), "{len} {at}");
                }
            }
            assert_eq!(find_quote_or_backslash(&vec![b'a'; len]), None);
        }
        // Bytes one off either special byte, and high bytes, are not taken for them.
        let near = [b'!', b'#', b'[', b']', 0x80, 0xa2, 0xdc, 0xff, 0x00, 0x01];
        assert_eq!(find_quote_or_backslash(&near), None);
        assert_eq!(find_quote_or_backslash("é\"".as_bytes()), Some(2));
    }

    #[test]
    fn counts_newlines() {
        assert_eq!(newlines(b""), 0);
        assert_eq!(newlines(b"a\nb\n\nc"), 3);
    }
}
