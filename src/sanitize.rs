//! Attacker-controlled text made safe for a terminal.
//!
//! Control characters, ESC, C1, bidi overrides and zero-width characters are evidence, so they are
//! shown escaped (`\x1b`, `\u202e`) rather than dropped; callers that style output get the escaped
//! parts marked so they can be dimmed.

/// True for a character that must never reach the terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || u == 0x7f
        || (0x80..=0x9f).contains(&u)
        || matches!(
            u,
            0x061c | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xfeff
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
    fn truncate_adds_ellipsis_only_when_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
