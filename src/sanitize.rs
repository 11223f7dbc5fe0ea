//! Attacker-controlled text made safe for whatever reads it next: a terminal, a table, a CSV file,
//! a JSON consumer, the clipboard. One notion of "unsafe" (`is_unsafe`) serves them all.
//!
//! Control characters, ESC, C1, bidi overrides, zero-width characters and the Unicode line and
//! paragraph separators are evidence, so they are shown escaped (`\x1b`, `\u202e`) rather than
//! dropped; callers that style output get the escaped parts marked so they can be dimmed.

/// True for a character that must never reach the terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || u == 0x7f
        || (0x80..=0x9f).contains(&u)
        || matches!(
            u,
            0x061c
                | 0x200b..=0x200f
                | 0x2028..=0x2029
                | 0x202a..=0x202e
                | 0x2060..=0x2064
                | 0x2066..=0x2069
                | 0xfeff
        )
}

fn escape_char(c: char) -> String {
    let u = c as u32;
    if u < 0x100 {
        format!("\\x{u:02x}")
    } else {
        format!("\\u{u:04x}")
    }
}

/// The text with every unsafe character replaced by its escape.
pub fn clean(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for the clipboard (OSC 52): what is pasted into a shell must be what was shown, so a
/// newline or ESC in a value is copied as its visible escape, never as itself.
pub fn clipboard(s: &str) -> String {
    clean(s)
}

/// One CSV cell: escaped like terminal text (a cell never holds a raw control character, so no
/// line of the file does), a leading `'` on cells a spreadsheet would run as a formula, then RFC
/// 4180 quoting.
pub fn csv_cell(s: &str) -> String {
    let s = clean(s);
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    };
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// JSON text with every unsafe character written as a `\uXXXX` escape. serde_json escapes C0
/// controls but writes DEL, C1, bidi controls and U+2028/9 raw, which a terminal showing the
/// output (or a JavaScript consumer) acts on. Those characters can only occur inside JSON
/// strings (the structure is ASCII), so rewriting them anywhere in the text is exact.
pub fn json_text(s: &str) -> String {
    // C0 controls are left alone: serde_json escapes every one inside strings, so a raw one in
    // its output is the whitespace between tokens of pretty JSON.
    let rewrite = |c: char| is_unsafe(c) && c as u32 >= 0x7f;
    if !s.chars().any(rewrite) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if rewrite(c) {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A value as compact JSON text, sanitised (`json_text`).
pub fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    serde_json::to_string(v).map(|s| json_text(&s))
}

/// A value as pretty JSON text, sanitised (`json_text`).
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(v).map(|s| json_text(&s))
}

/// Every line of a text export made safe: unsafe characters other than the line breaks between
/// lines (and tabs, which the formats use as separators) are escaped.
pub fn text_lines(s: &str) -> String {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if is_unsafe(c) && c != '\n' && c != '\t' {
                escape_char(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The text split into runs, each flagged `true` when it is an escape standing for an unsafe character.
pub fn segments(s: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for c in s.chars() {
        if is_unsafe(c) {
            out.push((escape_char(c), true));
        } else {
            match out.last_mut() {
                Some((run, false)) => run.push(c),
                _ => out.push((c.to_string(), false)),
            }
        }
    }
    out
}

/// Cut to at most `max` characters, ending with an ellipsis when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_esc_bel_c1_and_bidi() {
        let s = "a\u{1b}]0;pwned\u{7}b\u{1b}[2J\u{202e}c\u{85}d\u{200b}";
        assert_eq!(
            clean(s),
            "a\\x1b]0;pwned\\x07b\\x1b[2J\\u202ec\\x85d\\u200b"
        );
        assert!(!clean(s).chars().any(is_unsafe));
    }

    #[test]
    fn plain_text_passes_and_segments_mark_escapes() {
        assert_eq!(clean("héllo wörld"), "héllo wörld");
        let seg = segments("x\ny");
        assert_eq!(
            seg,
            vec![
                ("x".into(), false),
                ("\\x0a".into(), true),
                ("y".into(), false)
            ]
        );
    }

    #[test]
    fn line_separators_are_escaped_for_the_terminal() {
        assert_eq!(clean("a\u{2028}b\u{2029}c"), "a\\u2028b\\u2029c");
    }

    #[test]
    fn json_text_escapes_what_serde_leaves_raw_and_stays_valid_json() {
        let v = serde_json::json!({"r": "a\u{1b}[2J\u{85}\u{202e}\u{2028}\u{7f}\n"});
        for s in [to_json(&v).unwrap(), to_json_pretty(&v).unwrap()] {
            let raw_in_strings = s.lines().any(|l| l.chars().any(is_unsafe));
            assert!(!raw_in_strings, "{s:?}");
            let back: serde_json::Value = serde_json::from_str(&s).unwrap();
            assert_eq!(back, v, "escaping changes the text, not the value");
        }
        let s = to_json(&v).unwrap();
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v, "escaping changes the text, not the value");
    }

    #[test]
    fn csv_cells_carry_no_control_characters_and_no_formulas() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("a\u{1b}]0;x\u{7}\u{0}"), "a\\x1b]0;x\\x07\\x00");
        assert_eq!(csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
    }

    #[test]
    fn truncate_adds_ellipsis_only_when_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
