//! The explorer's in-memory index of its store: one compact record per signal, column by column
//! (interned strings as `u32`, enums as `u8`), so that a million signals fit in a few hundred MB
//! and every keystroke re-filters and re-counts without the disk.
//!
//! Rows are numbered in insertion order and never move; a removed signal leaves a dead row. `order`
//! keeps the live rows newest first, which is the order of results and of the time-range window.
//! Event attributes that are not typed fields are kept per row as interned `(path, value)` pairs,
//! so that any `@path` query is answered from memory too (see `eval::flatten_event`).
use super::eval::flatten_event;
use super::intern::{hash_id, Dict, FxBuild, NONE};
use super::value::{num_text, Val};
use crate::model::{ArchiveReason, Severity, Signal, TriageState};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub use super::search::{Facet, SearchResult};

/// Marks a removed row in the `state` column.
pub(crate) const DEAD: u8 = u8::MAX;

/// A multi-valued column: each row's values are a slice of `pool`.
#[derive(Default, Debug)]
pub(crate) struct Multi {
    off: Vec<u32>,
    len: Vec<u16>,
    pool: Vec<u32>,
    /// Pool slots no row points at any more (after updates that grew a row's list).
    garbage: usize,
    pub dict: Dict<Box<str>>,
}

impl Multi {
    pub fn get(&self, row: u32) -> &[u32] {
        let r = row as usize;
        let o = self.off[r] as usize;
        &self.pool[o..o + self.len[r] as usize]
    }

    /// Values of the row, deduplicated, at most `u16::MAX`.
    fn set(&mut self, row: u32, values: &[u32]) {
        let r = row as usize;
        let n = values.len().min(u16::MAX as usize);
        let values = &values[..n];
        if r == self.off.len() {
            self.off.push(self.pool.len() as u32);
            self.len.push(n as u16);
            self.pool.extend_from_slice(values);
            return;
        }
        let (o, old) = (self.off[r] as usize, self.len[r] as usize);
        if n <= old {
            self.pool[o..o + n].copy_from_slice(values);
            self.garbage += old - n;
        } else {
            self.off[r] = self.pool.len() as u32;
            self.pool.extend_from_slice(values);
            self.garbage += old;
        }
        self.len[r] = n as u16;
        if self.garbage > 1 << 16 && self.garbage * 2 > self.pool.len() {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let mut pool = Vec::with_capacity(self.pool.len() - self.garbage);
        for r in 0..self.off.len() {
            let o = self.off[r] as usize;
            self.off[r] = pool.len() as u32;
            pool.extend_from_slice(&self.pool[o..o + self.len[r] as usize]);
        }
        self.pool = pool;
        self.garbage = 0;
    }

    pub(crate) fn dict_str(&self, i: u32) -> &str {
        self.dict.str_of(i)
    }

    fn intern_all<'a>(&mut self, items: impl Iterator<Item = &'a str>, buf: &mut Vec<u32>) {
        buf.clear();
        for s in items {
            if s.is_empty() {
                continue;
            }
            let i = self.dict.intern_str(s);
            if !buf.contains(&i) {
                buf.push(i);
            }
        }
    }

    fn memory_bytes(&self) -> usize {
        self.off.capacity() * 4
            + self.len.capacity() * 2
            + self.pool.capacity() * 4
            + self.dict.memory_bytes(|s| s.len())
    }
}

/// The placeholder for a digit run in a message template.
pub(crate) const DIGITS: char = '\0';

/// Cut the digit runs out of a message. A message that holds the placeholder itself is kept whole.
pub(crate) fn split_digits<'a>(msg: &'a str, tpl: &mut String, digits: &mut Vec<&'a str>) {
    tpl.clear();
    digits.clear();
    if msg.contains(DIGITS) {
        tpl.push_str(msg);
        return;
    }
    let mut run: Option<usize> = None;
    for (i, c) in msg.char_indices() {
        match (c.is_ascii_digit(), run) {
            (true, None) => run = Some(i),
            (true, Some(_)) => {}
            (false, Some(st)) => {
                digits.push(&msg[st..i]);
                tpl.push(DIGITS);
                tpl.push(c);
                run = None;
            }
            (false, None) => tpl.push(c),
        }
    }
    if let Some(st) = run {
        digits.push(&msg[st..]);
        tpl.push(DIGITS);
    }
}

impl SignalIndex {
    /// A row's message, put back together from its template and digit runs.
    pub fn message(&self, row: u32) -> String {
        let r = row as usize;
        let Some(&t) = self.msg_tpl.get(r) else {
            return String::new();
        };
        let tpl = self.msg_tpl_dict.str_of(t);
        let mut digits = self.msg_digits.get(row).iter();
        let mut out = String::with_capacity(tpl.len() + 8);
        for c in tpl.chars() {
            match (c == DIGITS).then(|| digits.next()).flatten() {
                Some(&d) => out.push_str(self.msg_digits.dict_str(d)),
                None => out.push(c),
            }
        }
        out
    }
}

/// Kind of an extra attribute value, to rebuild a `Val` from its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Str,
    Num,
    Bool,
}

/// An event attribute not held as a typed column: `(path number, kind, text)`.
pub(crate) type Extra = (u32, Kind, Box<str>);

pub(crate) fn extra_val(e: &Extra) -> Val<'_> {
    match e.1 {
        Kind::Str => Val::Str(&e.2),
        Kind::Num => Val::Num(e.2.parse().unwrap_or(f64::NAN)),
        Kind::Bool => Val::Bool(&*e.2 == "true"),
    }
}

/// What the explorer draws for one row of the list, straight from the index.
#[derive(Clone, Debug, PartialEq)]
pub struct RowView<'a> {
    pub id: &'a str,
    pub timestamp: DateTime<Utc>,
    pub severity: Severity,
    pub title: &'a str,
    pub service: &'a str,
    /// The first attacker IP, else the first attacker user.
    pub attacker: Option<&'a str>,
    /// How many attacker IPs and users in all.
    pub attackers: usize,
    pub state: TriageState,
    /// The assignee's name, else handle, else uuid.
    pub assignee: Option<&'a str>,
}

/// The assignee as interned: (uuid, handle, name), empty when absent.
pub(crate) type AssigneeKey = (Box<str>, Box<str>, Box<str>);

#[derive(Default)]
pub struct SignalIndex {
    id_arena: String,
    id_pos: Vec<(u32, u32)>,
    /// Hash of the id → row; ids whose hash collides with another live id go in `id_collide`.
    id_hash: HashMap<u64, u32, std::hash::BuildHasherDefault<IdentityHasher>>,
    id_collide: HashMap<Box<str>, u32, FxBuild>,

    pub(crate) ts: Vec<i64>,
    pub(crate) sev: Vec<u8>,
    pub(crate) state: Vec<u8>,
    pub(crate) reason: Vec<u8>,
    pub(crate) assignee: Vec<u32>,
    pub(crate) assignees: Dict<AssigneeKey>,
    pub(crate) events: Vec<i64>,
    pub(crate) first_seen: Vec<i64>,
    pub(crate) last_seen: Vec<i64>,

    /// Single-valued interned columns, by `SingleCol`.
    pub(crate) single: [Vec<u32>; SINGLE_COLS],
    pub(crate) single_dict: [Dict<Box<str>>; SINGLE_COLS],
    /// Multi-valued columns, by `MultiCol`.
    pub(crate) multi: [Multi; MULTI_COLS],
    /// Messages with their digit runs cut out (`\0` in their place): messages repeat a template
    /// with counts filled in, so the templates intern well and the digit runs go in `msg_digits`.
    pub(crate) msg_tpl: Vec<u32>,
    pub(crate) msg_tpl_dict: Dict<Box<str>>,
    pub(crate) msg_digits: Multi,
    pub(crate) paths: Dict<Box<str>>,
    pub(crate) extra_dict: Dict<Extra>,
    pub(crate) extra: Multi,

    /// Live rows, newest first (ties: older row first).
    pub(crate) order: Vec<u32>,
    live: usize,
}

/// The id table's keys are already hashes.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) const SINGLE_COLS: usize = 7;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SingleCol {
    Env = 0,
    Host,
    Source,
    RuleId,
    RuleName,
    RuleType,
    Title,
}

pub(crate) const MULTI_COLS: usize = 5;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MultiCol {
    Service = 0,
    Tag,
    Ip,
    User,
    AttackType,
}

const NO_REASON: u8 = u8::MAX;
pub(crate) const NO_NUMBER: i64 = i64::MIN;

fn state_code(s: TriageState) -> u8 {
    TriageState::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
}

pub(crate) fn state_of(code: u8) -> TriageState {
    TriageState::ALL
        .get(code as usize)
        .copied()
        .unwrap_or_default()
}

fn reason_code(r: Option<ArchiveReason>) -> u8 {
    r.and_then(|r| ArchiveReason::ALL.iter().position(|x| *x == r))
        .map_or(NO_REASON, |p| p as u8)
}

pub(crate) fn severity_of(code: u8) -> Severity {
    Severity::ALL
        .get(code as usize)
        .copied()
        .unwrap_or(Severity::Info)
}

impl SignalIndex {
    pub fn new() -> SignalIndex {
        SignalIndex::default()
    }

    /// Index many signals at once: rows are appended and sorted once at the end.
    pub fn build<I: IntoIterator<Item = Signal>>(signals: I) -> SignalIndex {
        let mut ix = SignalIndex::new();
        let mut buf = Vec::new();
        for s in signals {
            match ix.row_of(&s.id) {
                Some(r) => ix.write_row(r, &s, &mut buf),
                None => {
                    let r = ix.push_id(&s.id);
                    ix.write_row(r, &s, &mut buf);
                    ix.live += 1;
                }
            }
        }
        ix.order = (0..ix.ts.len() as u32)
            .filter(|&r| ix.state[r as usize] != DEAD)
            .collect();
        let ts = &ix.ts;
        ix.order
            .sort_by(|&a, &b| ts[b as usize].cmp(&ts[a as usize]).then(a.cmp(&b)));
        ix
    }

    /// Index one signal, replacing the row of the same id if there is one (a live update, a
    /// triage change).
    pub fn insert_or_update(&mut self, s: &Signal) -> u32 {
        let mut buf = Vec::new();
        match self.row_of(&s.id) {
            Some(r) => {
                self.unlink(r);
                self.write_row(r, s, &mut buf);
                self.link(r);
                r
            }
            None => {
                let r = self.push_id(&s.id);
                self.write_row(r, s, &mut buf);
                self.link(r);
                self.live += 1;
                r
            }
        }
    }

    /// Drop a signal; its row stays allocated but dead. Returns whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(r) = self.row_of(id) else {
            return false;
        };
        self.unlink(r);
        self.state[r as usize] = DEAD;
        if self.id_collide.remove(id).is_none() {
            self.id_hash.remove(&hash_id(id));
        }
        self.live -= 1;
        true
    }

    /// Live signals.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Rows allocated, dead ones included: the bound of row numbers.
    pub fn rows(&self) -> usize {
        self.ts.len()
    }

    pub fn id_of(&self, row: u32) -> &str {
        self.id_pos
            .get(row as usize)
            .and_then(|&(o, l)| self.id_arena.get(o as usize..(o + l) as usize))
            .unwrap_or("")
    }

    pub fn row_of(&self, id: &str) -> Option<u32> {
        if let Some(&r) = self.id_collide.get(id) {
            return Some(r);
        }
        let &r = self.id_hash.get(&hash_id(id))?;
        (self.id_of(r) == id && self.state[r as usize] != DEAD).then_some(r)
    }

    /// The fields the list shows, for a live row.
    pub fn row(&self, row: u32) -> Option<RowView<'_>> {
        let r = row as usize;
        if r >= self.ts.len() || self.state[r] == DEAD {
            return None;
        }
        let ips = self.multi[MultiCol::Ip as usize].get(row);
        let users = self.multi[MultiCol::User as usize].get(row);
        let attacker = ips
            .first()
            .map(|&i| self.multi[MultiCol::Ip as usize].dict.str_of(i))
            .or_else(|| {
                users
                    .first()
                    .map(|&i| self.multi[MultiCol::User as usize].dict.str_of(i))
            });
        let service = self.multi[MultiCol::Service as usize]
            .get(row)
            .first()
            .map_or("", |&i| {
                self.multi[MultiCol::Service as usize].dict.str_of(i)
            });
        let assignee = self.assignees.get(self.assignee[r]).map(|(u, h, n)| {
            [n, h, u]
                .into_iter()
                .find(|s| !s.is_empty())
                .map_or("", |s| &**s)
        });
        Some(RowView {
            id: self.id_of(row),
            timestamp: DateTime::from_timestamp_millis(self.ts[r]).unwrap_or_default(),
            severity: severity_of(self.sev[r]),
            title: self.single_dict[SingleCol::Title as usize]
                .str_of(self.single[SingleCol::Title as usize][r]),
            service,
            attacker,
            attackers: ips.len() + users.len(),
            state: state_of(self.state[r]),
            assignee,
        })
    }

    /// Bytes held by the index, from the capacities of its vectors and tables.
    pub fn memory_bytes(&self) -> usize {
        let mut n = self.id_arena.capacity()
            + self.id_pos.capacity() * 8
            + self.id_hash.capacity() * (8 + 4 + 1)
            + self.id_collide.capacity() * (16 + 4 + 1)
            + self.ts.capacity() * 8
            + self.sev.capacity()
            + self.state.capacity()
            + self.reason.capacity()
            + self.assignee.capacity() * 4
            + self
                .assignees
                .memory_bytes(|(a, b, c)| a.len() + b.len() + c.len())
            + self.events.capacity() * 8
            + self.first_seen.capacity() * 8
            + self.last_seen.capacity() * 8
            + self.msg_tpl.capacity() * 4
            + self.msg_tpl_dict.memory_bytes(|s| s.len())
            + self.msg_digits.memory_bytes()
            + self.paths.memory_bytes(|s| s.len())
            + self.extra_dict.memory_bytes(|e| e.2.len())
            + self.extra.memory_bytes()
            + self.order.capacity() * 4;
        for c in &self.single {
            n += c.capacity() * 4;
        }
        for d in &self.single_dict {
            n += d.memory_bytes(|s| s.len());
        }
        for m in &self.multi {
            n += m.memory_bytes();
        }
        n
    }

    fn push_id(&mut self, id: &str) -> u32 {
        let r = self.id_pos.len() as u32;
        self.id_pos
            .push((self.id_arena.len() as u32, id.len() as u32));
        self.id_arena.push_str(id);
        let h = hash_id(id);
        match self.id_hash.entry(h) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.id_collide.insert(id.into(), r);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(r);
            }
        }
        r
    }

    /// Take a live row out of `order`.
    fn unlink(&mut self, row: u32) {
        let ts = &self.ts;
        let t = ts[row as usize];
        let start = self.order.partition_point(|&x| ts[x as usize] > t);
        if let Some(p) = self.order[start..].iter().position(|&x| x == row) {
            self.order.remove(start + p);
        }
    }

    /// Put a row into `order` at its place (newest first; among equal times, older rows first).
    fn link(&mut self, row: u32) {
        let ts = &self.ts;
        let t = ts[row as usize];
        let p = self
            .order
            .partition_point(|&x| ts[x as usize] > t || (ts[x as usize] == t && x < row));
        self.order.insert(p, row);
    }

    /// Write every column of a row; `r` is either an existing row or exactly the next one.
    fn write_row(&mut self, r: u32, s: &Signal, buf: &mut Vec<u32>) {
        let i = r as usize;
        let fresh = i == self.ts.len();
        let set = |v: &mut Vec<i64>, x: i64| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set(&mut self.ts, s.timestamp.timestamp_millis());
        set(&mut self.events, s.events_matched.unwrap_or(NO_NUMBER));
        set(&mut self.first_seen, s.first_seen.timestamp_millis());
        set(&mut self.last_seen, s.last_seen.timestamp_millis());
        let set8 = |v: &mut Vec<u8>, x: u8| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set8(&mut self.sev, s.severity.rank());
        set8(&mut self.state, state_code(s.triage.state));
        set8(&mut self.reason, reason_code(s.triage.archive_reason));
        let assignee = match &s.triage.assignee {
            None => NONE,
            Some(a) => self.assignees.intern((
                a.uuid.as_str().into(),
                a.handle.as_deref().unwrap_or("").into(),
                a.name.as_deref().unwrap_or("").into(),
            )),
        };
        let set32 = |v: &mut Vec<u32>, x: u32| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set32(&mut self.assignee, assignee);
        let singles: [&str; SINGLE_COLS] = [
            s.env.as_deref().unwrap_or(""),
            s.host.as_deref().unwrap_or(""),
            s.source.as_deref().unwrap_or(""),
            &s.rule.id,
            &s.rule.name,
            &s.rule.rule_type,
            &s.title,
        ];
        for (c, v) in singles.into_iter().enumerate() {
            let id = if v.is_empty() {
                NONE
            } else {
                self.single_dict[c].intern_str(v)
            };
            set32(&mut self.single[c], id);
        }
        let mut tpl = String::new();
        let mut digits = Vec::new();
        split_digits(&s.message, &mut tpl, &mut digits);
        let t = self.msg_tpl_dict.intern_str(&tpl);
        set32(&mut self.msg_tpl, t);
        buf.clear();
        for d in digits {
            buf.push(self.msg_digits.dict.intern_str(d));
        }
        self.msg_digits.set(r, buf);
        let lists: [&[String]; MULTI_COLS] = [
            &s.services,
            &s.tags,
            &s.attacker_ips,
            &s.attacker_users,
            &s.attack_types,
        ];
        for (c, list) in lists.into_iter().enumerate() {
            self.multi[c].intern_all(list.iter().map(String::as_str), buf);
            self.multi[c].set(r, buf);
        }
        buf.clear();
        let (paths, dict) = (&mut self.paths, &mut self.extra_dict);
        flatten_event(s.event(), &mut |path, v| {
            let p = paths.intern_str(path);
            let (kind, text): (Kind, Box<str>) = match v {
                Val::Str(x) => (Kind::Str, x.into()),
                Val::Num(n) => (Kind::Num, num_text(n).into()),
                Val::Bool(b) => (Kind::Bool, if b { "true" } else { "false" }.into()),
                Val::Time(ms) => (Kind::Num, ms.to_string().into()),
                Val::Sev(x) => (Kind::Str, x.as_str().into()),
            };
            let e = dict.intern((p, kind, text));
            if !buf.contains(&e) {
                buf.push(e);
            }
        });
        self.extra.set(r, buf);
    }
}
