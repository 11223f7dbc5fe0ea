//! Free text holding digits (`"from 3 IP"`), on messages.
//!
//! The index keeps a message as a template (digit runs cut out, `\0` in their place) and the list
//! of its runs, so such a phrase cannot be matched on templates alone, and rebuilding every
//! distinct message costs too much at a million signals. Instead the phrase's own runs become
//! placeholders too: that form is searched in each template, and each place found says which
//! of the row's runs the phrase's runs fall on. In a message, a phrase run followed and preceded
//! by other text must equal the message's run; a leading one must end it, a trailing one begin
//! it, and a phrase that is all digits lie within it. Those tests run once per distinct run
//! value, then once per distinct run list; a row costs two table lookups.
use super::index::{SignalIndex, DIGITS};
use super::value::TextMatcher;

/// Candidate places are kept as a bitmask over the index of the message run they start at;
/// templates with a place further in are checked message by message.
const MASK_RUNS: usize = 64;

/// How a phrase's digit run must relate to the message run it falls on.
#[derive(Clone, Copy)]
enum Fit {
    Equal,
    /// The phrase starts with this run: the message run ends with it.
    Suffix,
    /// The phrase ends with this run: the message run starts with it.
    Prefix,
    /// The phrase is this run: it lies anywhere in the message run.
    Within,
}

impl Fit {
    fn test(self, run: &str, msg_run: &str) -> bool {
        match self {
            Fit::Equal => msg_run == run,
            Fit::Suffix => msg_run.ends_with(run),
            Fit::Prefix => msg_run.starts_with(run),
            Fit::Within => msg_run.contains(run),
        }
    }
}

/// Can `message_rows` answer this (lower-cased, unanchored) phrase? It needs a digit and no
/// placeholder character.
pub(crate) fn applies(phrase: &str) -> bool {
    phrase.bytes().any(|b| b.is_ascii_digit()) && !phrase.contains(DIGITS)
}

/// The rows (a bitmap over all rows) whose message contains `phrase`, the lower-cased literal of
/// `m`, case-insensitively as `m.matches` would on the whole message. `applies(phrase)` holds.
pub(crate) fn message_rows(ix: &SignalIndex, m: &TextMatcher, phrase: &str) -> Vec<u64> {
    // The phrase as a template, and its runs.
    let mut shape = String::with_capacity(phrase.len());
    let mut runs: Vec<(&str, Fit)> = Vec::new();
    let b = phrase.as_bytes();
    let (mut i, mut text_from) = (0, 0);
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let fit = match (start == 0, i == b.len()) {
            (true, true) => Fit::Within,
            (true, false) => Fit::Suffix,
            (false, true) => Fit::Prefix,
            (false, false) => Fit::Equal,
        };
        shape.push_str(&phrase[text_from..start]);
        shape.push(DIGITS);
        runs.push((&phrase[start..i], fit));
        text_from = i;
    }
    shape.push_str(&phrase[text_from..]);
    let shape = shape.as_bytes();

    // Per template: the answer for rows without runs (their template is their message), the
    // run indexes the phrase's first run can fall on, and whether one is beyond the mask.
    let templates = ix.msg_tpl_dict.items();
    let mut whole = Vec::with_capacity(templates.len());
    let mut places = Vec::with_capacity(templates.len());
    let mut far = Vec::with_capacity(templates.len());
    for t in templates {
        whole.push(m.matches(t));
        let lower = t.to_lowercase();
        let lb = lower.as_bytes();
        let (mut mask, mut beyond, mut before) = (0u64, false, 0usize);
        for p in 0..lb.len() {
            // A phrase byte sequence starts with a character's first byte, so a match found at
            // a byte offset is a match at a character boundary.
            if lb[p..].starts_with(shape) {
                if before < MASK_RUNS {
                    mask |= 1 << before;
                } else {
                    beyond = true;
                }
            }
            if lb[p] == 0 {
                before += 1;
            }
        }
        places.push(mask);
        far.push(beyond);
    }

    // Per distinct run value, per phrase run: does it fit?
    let digits = &ix.msg_digits;
    let fits: Vec<Vec<bool>> = runs
        .iter()
        .map(|&(run, fit)| {
            digits
                .dict
                .items()
                .iter()
                .map(|d| fit.test(run, d))
                .collect()
        })
        .collect();
    // Per distinct run list: the starting run indexes where every phrase run fits; and whether
    // the list is empty (the message was not cut).
    let lists = digits.lists.items();
    let mut starts = Vec::with_capacity(lists.len());
    let mut uncut = Vec::with_capacity(lists.len());
    for l in lists {
        let mut mask = 0u64;
        for j in 0..l.len().min(MASK_RUNS) {
            let all = fits.iter().enumerate().all(|(k, ok)| {
                l.get(j + k)
                    .is_some_and(|&d| ok.get(d as usize).copied().unwrap_or(false))
            });
            if all {
                mask |= 1 << j;
            }
        }
        starts.push(mask);
        uncut.push(l.is_empty());
    }

    let n = ix.rows();
    let mut out = vec![0u64; n.div_ceil(64)];
    for (r, (&t, &l)) in ix.msg_tpl.iter().zip(&digits.rows).enumerate() {
        let (t, l) = (t as usize, l as usize);
        let hit = if uncut.get(l).copied().unwrap_or(true) {
            whole.get(t).copied().unwrap_or(false)
        } else if far.get(t).copied().unwrap_or(false) {
            m.matches(&ix.message(r as u32))
        } else {
            places.get(t).copied().unwrap_or(0) & starts.get(l).copied().unwrap_or(0) != 0
        };
        if hit {
            out[r >> 6] |= 1 << (r & 63);
        }
    }
    out
}
