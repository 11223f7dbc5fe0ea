//! What a triage change did, in words, for the message line: one phrasing for the local and the
//! remote explorer, with the archive reason whole (issue 17: a bulk archive's message cut the
//! reason to `…false posi…` at 80 columns). These lines stay short enough that the reason, the
//! part an analyst checks, fits on an 80-column message line; details go to `:messages`.
use super::backend::Change;
use super::text::reason_words;
use crate::model::{ArchiveReason, TriageState};

/// `1 signal`, `2 signals`.
pub fn signals(n: usize) -> String {
    plural(n, "signal")
}

/// `1 IP`, `3 users`: a count and its noun.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `Archived (False positive)`, `Under Review`.
pub fn state_words(state: TriageState, reason: Option<ArchiveReason>) -> String {
    match reason.filter(|r| state == TriageState::Archived && *r != ArchiveReason::None) {
        Some(r) => format!("{} ({})", state.label(), reason_words(r)),
        None => state.label().to_string(),
    }
}

/// `2 signals → Archived (False positive)`.
pub fn state_change(n: usize, state: TriageState, reason: Option<ArchiveReason>) -> String {
    format!("{} → {}", signals(n), state_words(state, reason))
}

/// A batch applied signal by signal, some refused: `49 of 50 signals → Archived (False positive);
/// 1 refused (:messages)`. Each refusal, with its reason, is in `:messages`. A line that would not
/// fit 80 columns drops the word `signals` before anything of the reason.
pub fn partly_applied(change: Option<&Change>, done: usize, n: usize, refused: usize) -> String {
    let line = |of: String| match change {
        Some(Change::SetState { state, reason, .. }) => format!(
            "{done} of {of} → {}; {refused} refused (:messages)",
            state_words(*state, *reason)
        ),
        _ => format!("changed {done} of {of}; {refused} refused (:messages)"),
    };
    let long = line(signals(n));
    if long.chars().count() <= FITS {
        long
    } else {
        line(n.to_string())
    }
}

/// What the message line shows of a line whole at 80 columns (it draws one leading space).
const FITS: usize = 78;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_reason_fits_an_80_column_line_whole() {
        let longest = ArchiveReason::ALL
            .iter()
            .map(|r| reason_words(*r))
            .max_by_key(|w| w.chars().count())
            .unwrap_or_default();
        let change = Change::SetState {
            ids: vec![],
            state: TriageState::Archived,
            reason: ArchiveReason::parse(&longest.to_lowercase().replace(' ', "_")),
            comment: None,
            version: None,
        };
        let line = partly_applied(Some(&change), 9_999, 10_000, 1);
        assert!(line.contains(&longest), "{line}");
        assert!(line.chars().count() <= FITS, "{line}");
        let line = partly_applied(Some(&change), 49, 50, 1);
        assert!(line.starts_with("49 of 50 signals → Archived ("), "{line}");
        assert!(line.chars().count() <= FITS, "{line}");
    }
}
