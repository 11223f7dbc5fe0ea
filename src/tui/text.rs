//! The one display type for attacker-controlled text.
//!
//! A `SafeText` is built once, where a string enters the explorer; it holds the escaped form (from
//! `sanitize::segments`) and where the escapes are, so that the renderer can dim them. Nothing else
//! in the UI ever sees the raw string, so nothing can pass an ESC or a bidi override to the terminal.
use crate::sanitize;
use ratatui::style::Style;
use ratatui::text::Span;
use std::sync::Arc;
use unicode_width::UnicodeWidthChar;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SafeText {
    text: Arc<str>,
    /// Byte ranges of `text` that are escapes standing for unsafe characters; empty for most text.
    escapes: Option<Arc<[(u32, u32)]>>,
}

impl SafeText {
    pub fn new(raw: &str) -> SafeText {
        if !raw.chars().any(sanitize::is_unsafe) {
            return SafeText {
                text: Arc::from(raw),
                escapes: None,
            };
        }
        let mut text = String::with_capacity(raw.len() + 8);
        let mut ranges = Vec::new();
        for (part, escaped) in sanitize::segments(raw) {
            let start = text.len() as u32;
            text.push_str(&part);
            if escaped {
                ranges.push((start, text.len() as u32));
            }
        }
        SafeText {
            text: Arc::from(text.as_str()),
            escapes: Some(Arc::from(ranges)),
        }
    }

    /// Text the program itself produced (labels, numbers), trusted but still checked.
    pub fn from_arc(raw: Arc<str>) -> SafeText {
        if raw.chars().any(sanitize::is_unsafe) {
            return SafeText::new(&raw);
        }
        SafeText {
            text: raw,
            escapes: None,
        }
    }

    /// The escaped text, safe to print.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn has_escapes(&self) -> bool {
        self.escapes.is_some()
    }

    /// Display width in terminal cells.
    pub fn width(&self) -> usize {
        self.text.chars().map(|c| c.width().unwrap_or(0)).sum()
    }

    /// Spans for at most `max` cells, escapes in `dim`, an ellipsis when cut.
    pub fn spans(&self, max: usize, style: Style, dim: Style) -> Vec<Span<'static>> {
        let cut = self.width() > max;
        let budget = if cut { max.saturating_sub(1) } else { max };
        let mut out = Vec::new();
        let mut used = 0usize;
        let mut pos = 0usize;
        let ranges: &[(u32, u32)] = self.escapes.as_deref().unwrap_or(&[]);
        let mut pieces: Vec<(usize, usize, bool)> = Vec::new();
        for &(s, e) in ranges {
            let (s, e) = (s as usize, e as usize);
            if s > pos {
                pieces.push((pos, s, false));
            }
            pieces.push((s, e, true));
            pos = e;
        }
        if pos < self.text.len() {
            pieces.push((pos, self.text.len(), false));
        }
        'outer: for (s, e, escaped) in pieces {
            let mut piece = String::new();
            for c in self.text[s..e].chars() {
                let w = c.width().unwrap_or(0);
                if used + w > budget {
                    if !piece.is_empty() {
                        out.push(Span::styled(piece, if escaped { dim } else { style }));
                    }
                    break 'outer;
                }
                used += w;
                piece.push(c);
            }
            if !piece.is_empty() {
                out.push(Span::styled(piece, if escaped { dim } else { style }));
            }
        }
        if cut && max > 0 {
            out.push(Span::styled("…", style));
        }
        out
    }
}

impl std::fmt::Display for SafeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<&str> for SafeText {
    fn from(s: &str) -> SafeText {
        SafeText::new(s)
    }
}

impl From<String> for SafeText {
    fn from(s: String) -> SafeText {
        SafeText::new(&s)
    }
}

/// Plain text cut to `max` cells with an ellipsis.
pub fn fit(s: &str, max: usize) -> String {
    let w: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if w <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > max {
            break;
        }
        used += cw;
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// An archive reason in words, as the seed's page shows it: `false_positive` → `False positive`.
pub fn reason_words(r: crate::model::ArchiveReason) -> String {
    let s = r.as_str().replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;

    #[test]
    fn escapes_are_marked_and_nothing_unsafe_remains() {
        let t = SafeText::new("ua\u{1b}]0;pwned\u{7}\u{202e}x");
        assert_eq!(t.as_str(), "ua\\x1b]0;pwned\\x07\\u202ex");
        assert!(!t.as_str().chars().any(sanitize::is_unsafe));
        let dim = Style::default().add_modifier(Modifier::DIM);
        let spans = t.spans(100, Style::default(), dim);
        let dimmed: Vec<&str> = spans
            .iter()
            .filter(|s| s.style == dim)
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(dimmed, vec!["\\x1b", "\\x07", "\\u202e"]);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let t = SafeText::new("abcdefghij");
        let spans = t.spans(5, Style::default(), Style::default());
        let s: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(s, "abcd…");
        assert_eq!(fit("abcdefghij", 5), "abcd…");
        assert_eq!(fit("abc", 5), "abc");
    }
}
