//! What indexing a signal computes from the signal alone: every text the index looks up, copied
//! end to end, with its hash. Preparing right after parsing, while the signal's JSON is still in
//! cache, costs about a quarter of walking it later (measured by `cargo bench --bench query --
//! --profile-build`); the index then reads only this compact record, never the signal.
use super::eval::flatten_event;
use super::index::{DIGITS, MULTI_COLS};
use super::intern::{fx, hash_id};
use super::value::{push_num_text, Val};
use crate::model::{ArchiveReason, Signal, TriageState};

/// A byte range of one of `PreparedSignal`'s buffers.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Span(u32, u32);

impl Span {
    fn of(from: usize, to: usize) -> Span {
        Span(from as u32, to as u32)
    }
}

/// Kind of an extra attribute value, to rebuild a `Val` from its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Str = 0,
    Num = 1,
    Bool = 2,
}

/// A lookup key (texts, length-prefixed end to end) and the hash the index's table uses for it.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Key {
    span: Span,
    pub hash: u64,
}

/// One signal, ready for `SignalIndex::insert_prepared`. Holds no reference to the signal, so
/// the signal (and its JSON) can be dropped as soon as this is made.
#[derive(Default, Debug)]
pub struct PreparedSignal {
    /// Texts the index keeps as they are: id, message template, assignee parts.
    text: String,
    /// Lookup keys, each a run of length-prefixed texts (`push_text`, `push_extra`).
    keys: Vec<u8>,
    /// Hashes of the attacker IPs, then of the attacker users, one per item of their keys.
    item_hashes: Vec<u64>,
    ips: usize,

    id: Span,
    pub(crate) id_hash: u64,
    pub(crate) ts: i64,
    pub(crate) events: Option<i64>,
    pub(crate) first_seen: i64,
    pub(crate) last_seen: i64,
    pub(crate) severity: u8,
    pub(crate) state: TriageState,
    pub(crate) reason: Option<ArchiveReason>,
    /// uuid, handle, name ("" when absent), and the hash of the three.
    assignee: Option<[Span; 3]>,
    pub(crate) assignee_hash: u64,
    /// The seven single-valued columns, in `SingleCol` order.
    pub(crate) singles: Key,
    /// The message with its digit runs replaced by `DIGITS`.
    tpl: Span,
    pub(crate) tpl_hash: u64,
    /// The digit runs, in order.
    pub(crate) digits: Key,
    /// Services, tags, IPs, users, attack types, by `MultiCol`.
    pub(crate) multi: [Key; MULTI_COLS],
    /// The flattened event's other attributes (`push_extra`), in order.
    pub(crate) extras: Key,
    /// Reused by `fill`: the message's digit runs, a number's text.
    runs: Vec<(u32, u32)>,
    num: String,
}

impl PreparedSignal {
    pub fn new(s: &Signal) -> PreparedSignal {
        let mut p = PreparedSignal::default();
        p.fill(s);
        p
    }

    /// Prepare `s` into this record, reusing its buffers.
    pub fn fill(&mut self, s: &Signal) {
        self.text.clear();
        self.keys.clear();
        self.item_hashes.clear();
        // Sized once, near enough (the flattened event is most of the keys): growing by
        // doubling would be most of the allocations of a load.
        let lists = s.services.len()
            + s.tags.len()
            + s.attacker_ips.len()
            + s.attacker_users.len()
            + s.attack_types.len();
        self.text.reserve(s.id.len() + s.message.len() + 64);
        self.keys.reserve(768 + 24 * lists);
        self.item_hashes
            .reserve(s.attacker_ips.len() + s.attacker_users.len());
        self.id = self.push_str(&s.id);
        self.id_hash = hash_id(&s.id);
        self.ts = s.timestamp.timestamp_millis();
        self.events = s.events_matched;
        self.first_seen = s.first_seen.timestamp_millis();
        self.last_seen = s.last_seen.timestamp_millis();
        self.severity = s.severity.rank();
        self.state = s.triage.state;
        self.reason = s.triage.archive_reason;
        self.assignee = s.triage.assignee.as_ref().map(|a| {
            let parts = [
                a.uuid.as_str(),
                a.handle.as_deref().unwrap_or(""),
                a.name.as_deref().unwrap_or(""),
            ];
            self.assignee_hash = fx(&(parts[0], parts[1], parts[2]));
            parts.map(|x| self.push_str(x))
        });

        let from = self.keys.len();
        for v in singles_of(s) {
            push_text(&mut self.keys, v);
        }
        self.singles = self.key_from(from);

        self.fill_message(&s.message);

        let lists: [&[String]; MULTI_COLS] = [
            &s.services,
            &s.tags,
            &s.attacker_ips,
            &s.attacker_users,
            &s.attack_types,
        ];
        for (c, list) in lists.into_iter().enumerate() {
            let from = self.keys.len();
            for x in list {
                push_text(&mut self.keys, x);
            }
            self.multi[c] = self.key_from(from);
        }
        self.item_hashes
            .extend(s.attacker_ips.iter().map(|x| fx(x.as_str())));
        self.ips = s.attacker_ips.len();
        self.item_hashes
            .extend(s.attacker_users.iter().map(|x| fx(x.as_str())));

        let from = self.keys.len();
        let (key, num) = (&mut self.keys, &mut self.num);
        flatten_event(s.event(), &mut |path, v| {
            num.clear();
            let (kind, text): (Kind, &str) = match v {
                Val::Str(x) => (Kind::Str, x),
                Val::Num(n) => {
                    push_num_text(n, num);
                    (Kind::Num, num)
                }
                Val::Bool(b) => (Kind::Bool, if b { "true" } else { "false" }),
                Val::Time(ms) => {
                    push_num_text(ms as f64, num);
                    (Kind::Num, num)
                }
                Val::Sev(x) => (Kind::Str, x.as_str()),
            };
            push_extra(key, path, kind, text);
        });
        self.extras = self.key_from(from);
    }

    /// The message template and its digit runs (see `split_digits`).
    fn fill_message(&mut self, msg: &str) {
        let from = self.text.len();
        split_digits(msg, &mut self.text, &mut self.runs);
        self.tpl = Span::of(from, self.text.len());
        self.tpl_hash = fx(self.tpl());
        let from = self.keys.len();
        for &(a, b) in &self.runs {
            push_text(
                &mut self.keys,
                msg.get(a as usize..b as usize).unwrap_or(""),
            );
        }
        self.digits = self.key_from(from);
    }

    fn push_str(&mut self, s: &str) -> Span {
        let from = self.text.len();
        self.text.push_str(s);
        Span::of(from, self.text.len())
    }

    /// The key written to `keys` since `from`, hashed as the index's tables hash byte keys.
    fn key_from(&self, from: usize) -> Key {
        let bytes = self.keys.get(from..).unwrap_or(&[]);
        Key {
            span: Span::of(from, self.keys.len()),
            hash: fx(bytes),
        }
    }

    fn str_at(&self, s: Span) -> &str {
        self.text.get(s.0 as usize..s.1 as usize).unwrap_or("")
    }

    pub(crate) fn key(&self, k: Key) -> &[u8] {
        self.keys
            .get(k.span.0 as usize..k.span.1 as usize)
            .unwrap_or(&[])
    }

    pub fn id(&self) -> &str {
        self.str_at(self.id)
    }

    pub(crate) fn tpl(&self) -> &str {
        self.str_at(self.tpl)
    }

    /// uuid, handle and name ("" when absent) of the assignee, if any.
    pub(crate) fn assignee(&self) -> Option<(&str, &str, &str)> {
        self.assignee
            .map(|[u, h, n]| (self.str_at(u), self.str_at(h), self.str_at(n)))
    }

    /// The items of a multi-valued column with their hashes: only the IP and user columns
    /// carry per-item hashes (the others are looked up as whole lists); `None` for the others.
    pub(crate) fn hashed_items(&self, c: usize) -> Option<impl Iterator<Item = (&str, u64)>> {
        use super::index::MultiCol;
        let hashes = if c == MultiCol::Ip as usize {
            self.item_hashes.get(..self.ips)?
        } else if c == MultiCol::User as usize {
            self.item_hashes.get(self.ips..)?
        } else {
            return None;
        };
        Some(texts_of(self.key(self.multi[c])).zip(hashes.iter().copied()))
    }
}

/// The single-valued columns of a signal, in `SingleCol` order.
fn singles_of(s: &Signal) -> [&str; super::index::SINGLE_COLS] {
    [
        s.env.as_deref().unwrap_or(""),
        s.host.as_deref().unwrap_or(""),
        s.source.as_deref().unwrap_or(""),
        &s.rule.id,
        &s.rule.name,
        &s.rule.rule_type,
        &s.title,
    ]
}

/// Append a length-prefixed text to a key.
pub(crate) fn push_text(key: &mut Vec<u8>, s: &str) {
    key.extend_from_slice(&(s.len() as u32).to_le_bytes());
    key.extend_from_slice(s.as_bytes());
}

/// Append one attribute to a flattened-event key: path, kind and text, each length-prefixed so
/// that the key is unambiguous.
fn push_extra(key: &mut Vec<u8>, path: &str, kind: Kind, text: &str) {
    push_text(key, path);
    key.push(kind as u8);
    push_text(key, text);
}

/// Take one length-prefixed text off the front of a key.
fn take<'k>(key: &mut &'k [u8]) -> Option<&'k str> {
    let (len, rest) = key.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    let (s, rest) = rest.split_at_checked(len)?;
    *key = rest;
    std::str::from_utf8(s).ok()
}

/// The texts of a key made by `push_text`, in order.
pub(crate) fn texts_of(key: &[u8]) -> impl Iterator<Item = &str> {
    let mut key = key;
    std::iter::from_fn(move || take(&mut key))
}

/// The attributes of a key made by `push_extra`, in order.
pub(crate) fn extras_of(key: &[u8]) -> impl Iterator<Item = (&str, Kind, &str)> {
    let mut key = key;
    std::iter::from_fn(move || {
        let path = take(&mut key)?;
        let (&k, rest) = key.split_first()?;
        key = rest;
        let kind = match k {
            0 => Kind::Str,
            1 => Kind::Num,
            _ => Kind::Bool,
        };
        Some((path, kind, take(&mut key)?))
    })
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Does any byte of `w` hold an ASCII digit or NUL? (Bytes below 10 after xor with `'0'` are
/// the digits; the classic has-zero-byte test for NUL. Both are exact, not just hints.)
#[inline]
fn digit_or_nul_in(w: u64) -> bool {
    let x = w ^ (u64::from(b'0') * ONES);
    let digit = x.wrapping_sub(10 * ONES) & !x & HIGHS;
    let nul = w.wrapping_sub(ONES) & !w & HIGHS;
    digit | nul != 0
}

/// The first ASCII digit or NUL in `b` at or after `i`, else `b.len()`: eight bytes at a time,
/// as messages are long runs of text between a few numbers.
fn next_digit_or_nul(b: &[u8], mut i: usize) -> usize {
    while let Some(w) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        if digit_or_nul_in(u64::from_le_bytes(word)) {
            break;
        }
        i += 8;
    }
    while i < b.len() && !(b[i].is_ascii_digit() || b[i] == 0) {
        i += 1;
    }
    i
}

/// Cut the digit runs out of a message: the template is appended to `tpl`, the runs' byte ranges
/// replace `runs`. A message that holds the placeholder itself is kept whole. Works on bytes: an
/// ASCII digit is never part of a multi-byte character, so the cuts fall on character boundaries.
pub(crate) fn split_digits(msg: &str, tpl: &mut String, runs: &mut Vec<(u32, u32)>) {
    let tpl_from = tpl.len();
    runs.clear();
    let b = msg.as_bytes();
    let (mut i, mut text_from) = (0, 0);
    loop {
        i = next_digit_or_nul(b, i);
        let Some(&c) = b.get(i) else {
            break;
        };
        if c == 0 {
            tpl.truncate(tpl_from);
            runs.clear();
            tpl.push_str(msg);
            return;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        tpl.push_str(&msg[text_from..start]);
        tpl.push(DIGITS);
        runs.push((start as u32, i as u32));
        text_from = i;
    }
    tpl.push_str(&msg[text_from..]);
}

#[cfg(test)]
mod tests {
    use super::split_digits;

    fn split(msg: &str) -> (String, Vec<&str>) {
        let (mut tpl, mut runs) = (String::new(), Vec::new());
        split_digits(msg, &mut tpl, &mut runs);
        let runs = runs
            .iter()
            .map(|&(a, b)| &msg[a as usize..b as usize])
            .collect();
        (tpl, runs)
    }

    #[test]
    fn digit_runs_are_cut_wherever_they_fall() {
        assert_eq!(split(""), (String::new(), vec![]));
        assert_eq!(
            split("no digits at all here"),
            ("no digits at all here".into(), vec![])
        );
        assert_eq!(split("7"), ("\0".into(), vec!["7"]));
        assert_eq!(
            split("12 attempts from 3 IPs, 1234567890123"),
            (
                "\0 attempts from \0 IPs, \0".into(),
                vec!["12", "3", "1234567890123"]
            )
        );
        // Runs across and at the edges of eight-byte words, after multi-byte characters.
        assert_eq!(
            split("abcdefg12345678hé9ü"),
            ("abcdefg\0hé\0ü".into(), vec!["12345678", "9"])
        );
        assert_eq!(split("abcdefgh9"), ("abcdefgh\0".into(), vec!["9"]));
    }

    #[test]
    fn the_template_is_appended_after_what_is_there() {
        let (mut tpl, mut runs) = ("id-1".to_string(), vec![(0, 1)]);
        split_digits("3 IPs", &mut tpl, &mut runs);
        assert_eq!(
            (tpl.as_str(), runs.as_slice()),
            ("id-1\0 IPs", &[(0, 1)][..])
        );
        split_digits("x\0 9", &mut tpl, &mut runs);
        assert_eq!((tpl.as_str(), runs.len()), ("id-1\0 IPsx\0 9", 0));
    }

    #[test]
    fn a_message_holding_the_placeholder_is_kept_whole() {
        for msg in ["a\0b 12", "12 abcdefghij\0", "abcdefgh\0"] {
            assert_eq!(split(msg), (msg.to_string(), vec![]), "{msg:?}");
        }
    }
}
