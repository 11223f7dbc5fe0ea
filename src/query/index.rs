//! The explorer's in-memory index of its store: one compact record per signal, column by column
//! (interned strings as `u32`, enums as `u8`), so that a million signals fit in a few hundred MB
//! and every keystroke re-filters and re-counts without the disk.
//!
//! Rows are numbered in insertion order and never move; a removed signal leaves a dead row. `order`
//! keeps the live rows newest first, which is the order of results and of the time-range window.
//! Event attributes that are not typed fields are kept per row as interned `(path, value)` pairs,
//! so that any `@path` query is answered from memory too (see `eval::flatten_event`).
use super::intern::{hash_id, Dict, NONE};

use super::prepare::{extras_of, texts_of, Key, Kind, PreparedSignal};
use super::value::Val;
use crate::model::{ArchiveReason, Severity, Signal, TriageState};
use chrono::{DateTime, Utc};

pub use super::search::{Facet, SearchResult};

/// Marks a removed row in the `state` column.
pub(crate) const DEAD: u8 = u8::MAX;

/// A multi-valued column. Rows hold the number of their interned value *list*: lists repeat far
/// more than rows do (the tags of a rule on a service, the IPs of a campaign), so a row costs one
/// `u32`, and predicates and facet counts run once per distinct list.
#[derive(Default, Debug)]
pub(crate) struct Multi {
    pub rows: Vec<u32>,
    pub lists: Dict<Box<[u32]>>,
    pub dict: Dict<Box<str>>,
    /// Each distinct input list, as length-prefixed text (or, for event attributes, the
    /// flattened event), to its list number in `lists`, so one hash of the whole list replaces
    /// one per value plus the list's own.
    by_text: Dict<Box<[u8]>>,
    by_text_list: Vec<u32>,
}

impl Multi {
    pub fn get(&self, row: u32) -> &[u32] {
        self.rows
            .get(row as usize)
            .and_then(|&l| self.lists.get(l))
            .map_or(&[], |l| l)
    }

    pub(crate) fn dict_str(&self, i: u32) -> &str {
        self.dict.str_of(i)
    }

    /// Set a row to the list of a prepared key's values, deduplicated, without empty strings,
    /// through the whole-list cache.
    fn set_cached(&mut self, row: u32, key: &[u8], hash: u64, buf: &mut Vec<u32>) {
        let l = self.cached_list(key, hash, buf, |dict, buf| {
            for s in texts_of(key) {
                if s.is_empty() {
                    continue;
                }
                let i = dict.intern_str(s);
                if !buf.contains(&i) {
                    buf.push(i);
                }
            }
        });
        self.set_list(row, l);
    }

    /// The list number of these values (with their prepared hashes), deduplicated, without
    /// empty strings: `set_cached` without the cache, each value interned, then the list.
    fn list_each<'a>(
        &mut self,
        items: impl Iterator<Item = (&'a str, u64)>,
        buf: &mut Vec<u32>,
    ) -> u32 {
        buf.clear();
        for (s, h) in items {
            if s.is_empty() {
                continue;
            }
            let i = self
                .dict
                .intern_hashed(h, s, |k, q| &**k == q, |q| q.into());
            if !buf.contains(&i) {
                buf.push(i);
            }
        }
        self.lists.intern_slice(buf)
    }

    /// The list number for a whole-list key (an unambiguous encoding of the input) and its
    /// hash: `fill` makes the list (given this column's dictionary) only the first time the key
    /// is seen, so a repeated list costs one lookup rather than one per value plus the list's own.
    fn cached_list(
        &mut self,
        key: &[u8],
        hash: u64,
        buf: &mut Vec<u32>,
        fill: impl FnOnce(&mut Dict<Box<str>>, &mut Vec<u32>),
    ) -> u32 {
        let e = self
            .by_text
            .intern_hashed(hash, key, |k, q| &**k == q, |q| q.into()) as usize;
        if let Some(&l) = self.by_text_list.get(e) {
            return l;
        }
        buf.clear();
        fill(&mut self.dict, buf);
        let l = self.lists.intern_slice(buf);
        self.by_text_list.push(l);
        l
    }

    /// Set a row's list; `row` is an existing row or exactly the next.
    fn set_list(&mut self, row: u32, l: u32) {
        match self.rows.get_mut(row as usize) {
            Some(x) => *x = l,
            None => self.rows.push(l),
        }
    }

    fn memory_bytes(&self) -> usize {
        self.rows.capacity() * 4
            + self.lists.memory_bytes(|l| l.len() * 4)
            + self.dict.memory_bytes(|s| s.len())
            + self.by_text.memory_bytes(|k| k.len())
            + self.by_text_list.capacity() * 4
    }
}

/// The placeholder for a digit run in a message template.
pub(crate) const DIGITS: char = '\0';

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
    /// When the signal last fired (the explorer sorts on it).
    pub last_seen: DateTime<Utc>,
}

/// See `SignalIndex::combo`; the order is `COMBO_*`.
pub(crate) type Combo = [u32; 8];
pub(crate) const COMBO_STATE: usize = 0;
pub(crate) const COMBO_SEV: usize = 1;
pub(crate) const COMBO_ASSIGNEE: usize = 2;
pub(crate) const COMBO_ENV: usize = 3;
pub(crate) const COMBO_RULE: usize = 4;
pub(crate) const COMBO_SERVICES: usize = 5;
pub(crate) const COMBO_TAGS: usize = 6;
pub(crate) const COMBO_TYPES: usize = 7;

/// The assignee as interned: (uuid, handle, name), empty when absent.
pub(crate) type AssigneeKey = (Box<str>, Box<str>, Box<str>);

#[derive(Default)]
pub struct SignalIndex {
    /// All ids end to end; row `r`'s id ends at `id_end[r]` and starts where row `r-1`'s ends.
    id_arena: String,
    id_end: Vec<u32>,
    /// Open-addressing table of live rows by the hash of their id (linear probing), so that the
    /// ids are not stored a second time as keys. A slot is `id_slot(hash, row)`: a probe reads
    /// an id from the arena (a cache miss) only when the hash tag agrees.
    id_slots: Vec<u64>,
    /// Slots not `EMPTY` (live and tombstones), to keep the load factor.
    id_used: usize,

    pub(crate) ts: Vec<i64>,
    pub(crate) sev: Vec<u8>,
    pub(crate) state: Vec<u8>,
    pub(crate) reason: Vec<u8>,
    pub(crate) assignee: Vec<u32>,
    pub(crate) assignees: Dict<AssigneeKey>,
    pub(crate) events: Vec<i64>,
    pub(crate) first_seen: Vec<i64>,
    pub(crate) last_seen: Vec<i64>,

    /// The single-valued columns (by `SingleCol`), which repeat together (one rule on one
    /// service): a row holds the number of its set of values in `singles_ids`, so that a
    /// signal indexed writes one number rather than seven; see `single_at`.
    pub(crate) singles_row: Vec<u32>,
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

    /// Each row's facet values that repeat together (state, severity, assignee, env, rule name,
    /// and the service, tag and attack-type lists), interned: counting facets is then one
    /// increment per row for these, plus the IP and user lists.
    pub(crate) combo: Vec<u32>,
    pub(crate) combos: Dict<Combo>,
    /// Live rows, newest first (ties: older row first).
    pub(crate) order: Vec<u32>,
    live: usize,
    /// Reused by `write_row` so that indexing a signal allocates nothing it does not keep.
    scratch_buf: Vec<u32>,
    scratch_prep: PreparedSignal,
    /// The single-valued columns' texts of a row, length-prefixed end to end, to their ids.
    singles_by_text: Dict<Box<[u8]>>,
    pub(crate) singles_ids: Vec<[u32; SINGLE_COLS]>,
    /// The last SLA context's triage times joined onto the rows (see `stats_scan::SlaJoin`).
    pub(crate) sla_join: super::stats_scan::SlaJoin,
}

const EMPTY: u64 = u64::MAX;
/// A removed row's slot; no row number reaches `u32::MAX - 1`.
const TOMB: u64 = u64::MAX - 1;

fn id_slot(hash: u64, row: u32) -> u64 {
    (hash << 32) | u64::from(row)
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
        let mut p = PreparedSignal::default();
        SignalIndex::build_with(signals, |s| {
            p.fill(&s);
            std::mem::take(&mut p)
        })
    }

    /// `build` from signals already prepared (see `PreparedSignal`).
    pub fn build_prepared<I: IntoIterator<Item = PreparedSignal>>(items: I) -> SignalIndex {
        SignalIndex::build_with(items, |p| p)
    }

    fn build_with<T, I: IntoIterator<Item = T>>(
        items: I,
        mut prepare: impl FnMut(T) -> PreparedSignal,
    ) -> SignalIndex {
        let mut ix = SignalIndex::new();
        let mut buf = Vec::new();
        for item in items {
            let p = prepare(item);
            match ix.slot_of(p.id(), p.id_hash) {
                Some(slot) => ix.write_row(ix.id_slots[slot] as u32, &p, &mut buf),
                None => {
                    let r = ix.push_id(p.id(), p.id_hash);
                    ix.write_row(r, &p, &mut buf);
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
        ix.shrink_to_fit();
        ix
    }

    /// Give back the slack of grown vectors (up to half of them after doubling).
    pub fn shrink_to_fit(&mut self) {
        self.id_arena.shrink_to_fit();
        self.id_end.shrink_to_fit();
        self.ts.shrink_to_fit();
        self.sev.shrink_to_fit();
        self.state.shrink_to_fit();
        self.reason.shrink_to_fit();
        self.assignee.shrink_to_fit();
        self.assignees.shrink_to_fit();
        self.events.shrink_to_fit();
        self.first_seen.shrink_to_fit();
        self.last_seen.shrink_to_fit();
        self.singles_row.shrink_to_fit();
        for d in &mut self.single_dict {
            d.shrink_to_fit();
        }
        self.singles_by_text.shrink_to_fit();
        self.singles_ids.shrink_to_fit();
        for m in self
            .multi
            .iter_mut()
            .chain([&mut self.msg_digits, &mut self.extra])
        {
            m.rows.shrink_to_fit();
            m.lists.shrink_to_fit();
            m.dict.shrink_to_fit();
            m.by_text.shrink_to_fit();
            m.by_text_list.shrink_to_fit();
        }
        self.msg_tpl.shrink_to_fit();
        self.msg_tpl_dict.shrink_to_fit();
        self.paths.shrink_to_fit();
        self.extra_dict.shrink_to_fit();
        self.order.shrink_to_fit();
        self.combo.shrink_to_fit();
        self.combos.shrink_to_fit();
    }

    /// Index one signal, replacing the row of the same id if there is one (a live update, a
    /// triage change).
    pub fn insert_or_update(&mut self, s: &Signal) -> u32 {
        let mut p = std::mem::take(&mut self.scratch_prep);
        p.fill(s);
        let r = self.insert_prepared(&p);
        self.scratch_prep = p;
        r
    }

    /// `insert_or_update` for each signal, in order: `insert_prepared_all` on signals prepared
    /// here. A loader that parses signals itself does better to prepare each one right after
    /// parsing it, while it is in cache, as the explorer's does.
    pub fn insert_batch(&mut self, signals: &[Signal]) {
        let prepared: Vec<PreparedSignal> = signals.iter().map(PreparedSignal::new).collect();
        self.insert_prepared_all(&prepared);
    }

    /// Index one prepared signal, replacing the row of the same id if there is one; its row.
    pub fn insert_prepared(&mut self, p: &PreparedSignal) -> u32 {
        let mut buf = std::mem::take(&mut self.scratch_buf);
        let r = match self
            .slot_of(p.id(), p.id_hash)
            .map(|slot| self.id_slots[slot] as u32)
        {
            Some(r) => {
                self.unlink(r);
                self.write_row(r, p, &mut buf);
                self.link(r);
                r
            }
            None => {
                let r = self.push_id(p.id(), p.id_hash);
                self.write_row(r, p, &mut buf);
                self.link(r);
                self.live += 1;
                r
            }
        };
        self.scratch_buf = buf;
        r
    }

    /// `insert_prepared` for each signal, in order, on two threads: a second thread looks up
    /// the attacker IP and user lists and the event's other attributes (about half of the cost) while
    /// this one writes everything else; their list numbers are set in the rows at the end. The
    /// result is the same index. What a loader calls with each chunk it has parsed and prepared.
    pub fn insert_prepared_all(&mut self, batch: &[PreparedSignal]) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores < 2 || batch.len() < 512 {
            for p in batch {
                self.insert_prepared(p);
            }
            return;
        }
        let mut ips = std::mem::take(&mut self.multi[MultiCol::Ip as usize]);
        let mut users = std::mem::take(&mut self.multi[MultiCol::User as usize]);
        let mut extra = std::mem::take(&mut self.extra);
        let mut paths = std::mem::take(&mut self.paths);
        let mut extra_dict = std::mem::take(&mut self.extra_dict);
        let mut side = Side {
            ips: &mut ips,
            users: &mut users,
            extra: &mut extra,
            paths: &mut paths,
            extra_dict: &mut extra_dict,
        };
        let mut buf = std::mem::take(&mut self.scratch_buf);
        let mut rows = Vec::with_capacity(batch.len());
        let lists = std::thread::scope(|scope| {
            let lists = scope.spawn(move || {
                let mut buf = Vec::new();
                batch
                    .iter()
                    .map(|p| side.lists(p, &mut buf))
                    .collect::<Vec<_>>()
            });
            for p in batch {
                rows.push(self.place(p));
                self.write_main(rows[rows.len() - 1], p, &mut buf);
            }
            lists.join()
        });
        self.scratch_buf = buf;
        let lists = match lists {
            Ok(lists) => lists,
            // A bug; the rows placed above are not written in full. Not hidden.
            Err(panic) => std::panic::resume_unwind(panic),
        };
        for (&r, &[ip, user, ex]) in rows.iter().zip(&lists) {
            ips.set_list(r, ip);
            users.set_list(r, user);
            extra.set_list(r, ex);
        }
        self.multi[MultiCol::Ip as usize] = ips;
        self.multi[MultiCol::User as usize] = users;
        self.extra = extra;
        self.paths = paths;
        self.extra_dict = extra_dict;
        rows.sort_unstable();
        rows.dedup();
        for r in rows {
            self.link(r);
        }
    }

    /// The row for a prepared signal: its id's row (taken out of `order` until it is written
    /// and linked again), else a new one.
    fn place(&mut self, p: &PreparedSignal) -> u32 {
        match self.slot_of(p.id(), p.id_hash) {
            Some(slot) => {
                let r = self.id_slots[slot] as u32;
                // A row placed earlier in the same batch is not in `order` yet.
                if (r as usize) < self.ts.len() {
                    self.unlink(r);
                }
                r
            }
            None => {
                self.live += 1;
                self.push_id(p.id(), p.id_hash)
            }
        }
    }

    /// Drop a signal; its row stays allocated but dead. Returns whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.slot_of(id, hash_id(id)) else {
            return false;
        };
        let r = self.id_slots[slot] as u32;
        self.unlink(r);
        self.id_slots[slot] = TOMB;
        self.state[r as usize] = DEAD;
        self.live -= 1;
        true
    }

    /// A row's value number in a single-valued column (`NONE` when it has none).
    pub(crate) fn single_at(&self, c: SingleCol, row: u32) -> u32 {
        self.singles_row
            .get(row as usize)
            .and_then(|&e| self.singles_ids.get(e as usize))
            .map_or(NONE, |ids| ids[c as usize])
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
        let r = row as usize;
        let Some(&end) = self.id_end.get(r) else {
            return "";
        };
        let start = if r == 0 { 0 } else { self.id_end[r - 1] };
        self.id_arena
            .get(start as usize..end as usize)
            .unwrap_or("")
    }

    pub fn row_of(&self, id: &str) -> Option<u32> {
        self.slot_of(id, hash_id(id))
            .map(|s| self.id_slots[s] as u32)
    }

    /// The table slot holding the live row of this id; `h` is `hash_id(id)`.
    fn slot_of(&self, id: &str, h: u64) -> Option<usize> {
        if self.id_slots.is_empty() {
            return None;
        }
        let mask = self.id_slots.len() - 1;
        let tag = h << 32;
        let mut i = h as usize & mask;
        loop {
            match self.id_slots[i] {
                EMPTY => return None,
                TOMB => {}
                s if s & !0xffff_ffff == tag && self.id_of(s as u32) == id => return Some(i),
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    fn slot_insert(&mut self, row: u32, h: u64) {
        // Keep the table at most 3/4 full (tombstones included) so probes stay short. Growing
        // drops the tombstones and re-places the live slots by their hash tags.
        if (self.id_used + 1) * 4 > self.id_slots.len() * 3 {
            self.rehash(((self.live + 1) * 2).next_power_of_two().max(16));
        }
        self.slot_put(id_slot(h, row));
    }

    /// Re-place the live slots into a table of `size` slots, dropping the tombstones.
    fn rehash(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.id_slots, vec![EMPTY; size]);
        self.id_used = 0;
        for s in old.into_iter().filter(|&s| s != EMPTY && s != TOMB) {
            self.slot_put(s);
        }
    }

    /// Make room for `more` new signals, as a loader that knows how many are coming does: the
    /// columns and the id table then grow once instead of doubling (and copying) as they fill.
    pub fn reserve(&mut self, more: usize) {
        let rows = self.ts.len();
        self.ts.reserve(more);
        self.events.reserve(more);
        self.first_seen.reserve(more);
        self.last_seen.reserve(more);
        self.sev.reserve(more);
        self.state.reserve(more);
        self.reason.reserve(more);
        self.assignee.reserve(more);
        self.singles_row.reserve(more);
        self.msg_tpl.reserve(more);
        self.combo.reserve(more);
        self.order.reserve(more);
        self.id_end.reserve(more);
        // Ids of one store have about the same length: guess from those here, else 32.
        let per_id = match rows {
            0 => 32,
            n => self.id_arena.len().div_ceil(n),
        };
        self.id_arena.reserve(more.saturating_mul(per_id));
        for m in self
            .multi
            .iter_mut()
            .chain([&mut self.msg_digits, &mut self.extra])
        {
            m.rows.reserve(more);
        }
        let need = ((self.live + more) * 4).div_ceil(3).next_power_of_two();
        if need > self.id_slots.len() {
            self.rehash(need);
        }
    }

    fn slot_put(&mut self, s: u64) {
        let mask = self.id_slots.len() - 1;
        let mut i = (s >> 32) as usize & mask;
        while self.id_slots[i] != EMPTY && self.id_slots[i] != TOMB {
            i = (i + 1) & mask;
        }
        if self.id_slots[i] == EMPTY {
            self.id_used += 1;
        }
        self.id_slots[i] = s;
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
                .str_of(self.single_at(SingleCol::Title, row)),
            service,
            attacker,
            attackers: ips.len() + users.len(),
            state: state_of(self.state[r]),
            assignee,
            last_seen: DateTime::from_timestamp_millis(self.last_seen[r]).unwrap_or_default(),
        })
    }

    /// Bytes held by the index, from the capacities of its vectors and tables.
    pub fn memory_bytes(&self) -> usize {
        self.memory_report().iter().map(|x| x.1).sum()
    }

    /// `memory_bytes` part by part, for the benchmark's report.
    pub fn memory_report(&self) -> Vec<(&'static str, usize)> {
        let singles: usize = self.singles_row.capacity() * 4
            + self
                .single_dict
                .iter()
                .map(|d| d.memory_bytes(|s| s.len()))
                .sum::<usize>()
            + self.singles_by_text.memory_bytes(|k| k.len())
            + self.singles_ids.capacity() * std::mem::size_of::<[u32; SINGLE_COLS]>();
        let multis: usize = self.multi.iter().map(Multi::memory_bytes).sum();
        vec![
            (
                "ids",
                self.id_arena.capacity()
                    + self.id_end.capacity() * 4
                    + self.id_slots.capacity() * 8,
            ),
            (
                "times, severity, state, counts",
                self.ts.capacity() * 8
                    + self.sev.capacity()
                    + self.state.capacity()
                    + self.reason.capacity()
                    + self.events.capacity() * 8
                    + self.first_seen.capacity() * 8
                    + self.last_seen.capacity() * 8,
            ),
            (
                "assignee",
                self.assignee.capacity() * 4
                    + self
                        .assignees
                        .memory_bytes(|(a, b, c)| a.len() + b.len() + c.len()),
            ),
            ("env, host, source, rule, title", singles),
            ("services, tags, IPs, users, attack types", multis),
            (
                "messages",
                self.msg_tpl.capacity() * 4
                    + self.msg_tpl_dict.memory_bytes(|s| s.len())
                    + self.msg_digits.memory_bytes(),
            ),
            (
                "other event attributes",
                self.paths.memory_bytes(|s| s.len())
                    + self.extra_dict.memory_bytes(|e| e.2.len())
                    + self.extra.memory_bytes(),
            ),
            ("order", self.order.capacity() * 4),
            (
                "facet combinations",
                self.combo.capacity() * 4 + self.combos.memory_bytes(|_| 0),
            ),
        ]
    }

    /// A new row for a new id; its columns must be written next.
    fn push_id(&mut self, id: &str, h: u64) -> u32 {
        let r = self.id_end.len() as u32;
        self.id_arena.push_str(id);
        self.id_end.push(self.id_arena.len() as u32);
        self.slot_insert(r, h);
        r
    }

    /// Take a live row out of `order`.
    fn unlink(&mut self, row: u32) {
        let ts = &self.ts;
        let t = ts[row as usize];
        let start = self.order.partition_point(|&x| ts[x as usize] > t);
        // Only rows of the same time can be it (a row not linked yet is found nowhere).
        if let Some(p) = self.order[start..]
            .iter()
            .take_while(|&&x| ts[x as usize] == t)
            .position(|&x| x == row)
        {
            self.order.remove(start + p);
        }
    }

    /// Put a row into `order` at its place (newest first; among equal times, older rows first).
    fn link(&mut self, row: u32) {
        let ts = &self.ts;
        let t = ts[row as usize];
        // Loading newest first appends: skip the binary search over the whole order.
        let after_last = self
            .order
            .last()
            .is_none_or(|&x| ts[x as usize] > t || (ts[x as usize] == t && x < row));
        if after_last {
            self.order.push(row);
            return;
        }
        let p = self
            .order
            .partition_point(|&x| ts[x as usize] > t || (ts[x as usize] == t && x < row));
        self.order.insert(p, row);
    }

    /// Write every column of a row; `r` is either an existing row or exactly the next one.
    fn write_row(&mut self, r: u32, p: &PreparedSignal, buf: &mut Vec<u32>) {
        self.write_main(r, p, buf);
        let [_, _, ips, users, _] = &mut self.multi;
        let [ip, user, ex] = Side {
            ips,
            users,
            extra: &mut self.extra,
            paths: &mut self.paths,
            extra_dict: &mut self.extra_dict,
        }
        .lists(p, buf);
        self.multi[MultiCol::Ip as usize].set_list(r, ip);
        self.multi[MultiCol::User as usize].set_list(r, user);
        self.extra.set_list(r, ex);
    }

    /// Write the columns of a row that `Side` does not.
    fn write_main(&mut self, r: u32, p: &PreparedSignal, buf: &mut Vec<u32>) {
        let i = r as usize;
        let fresh = i == self.ts.len();
        let set = |v: &mut Vec<i64>, x: i64| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set(&mut self.ts, p.ts);
        set(&mut self.events, p.events.unwrap_or(NO_NUMBER));
        set(&mut self.first_seen, p.first_seen);
        set(&mut self.last_seen, p.last_seen);
        let set8 = |v: &mut Vec<u8>, x: u8| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set8(&mut self.sev, p.severity);
        set8(&mut self.state, state_code(p.state));
        set8(&mut self.reason, reason_code(p.reason));
        let assignee = match p.assignee() {
            None => NONE,
            Some(q) => self.assignees.intern_hashed(
                p.assignee_hash,
                &q,
                |k, q| (&*k.0, &*k.1, &*k.2) == *q,
                |q| (q.0.into(), q.1.into(), q.2.into()),
            ),
        };
        let set32 = |v: &mut Vec<u32>, x: u32| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set32(&mut self.assignee, assignee);
        // Signals of one rule on one service repeat all seven together: one lookup of the whole
        // set (length-prefixed, so unambiguous) replaces seven.
        let key = p.key(p.singles);
        let e =
            self.singles_by_text
                .intern_hashed(p.singles.hash, key, |k, q| &**k == q, |q| q.into())
                as usize;
        if e == self.singles_ids.len() {
            let mut ids = [NONE; SINGLE_COLS];
            for (c, v) in texts_of(key).enumerate().take(SINGLE_COLS) {
                if !v.is_empty() {
                    ids[c] = self.single_dict[c].intern_str(v);
                }
            }
            self.singles_ids.push(ids);
        }
        set32(&mut self.singles_row, e as u32);
        let t =
            self.msg_tpl_dict
                .intern_hashed(p.tpl_hash, p.tpl(), |k, q| &**k == q, |q| q.into());
        set32(&mut self.msg_tpl, t);
        // The runs in order, repeats kept (the message is rebuilt from them).
        let digits = p.key(p.digits);
        let l = self
            .msg_digits
            .cached_list(digits, p.digits.hash, buf, |dict, buf| {
                buf.extend(texts_of(digits).map(|d| dict.intern_str(d)));
            });
        self.msg_digits.set_list(r, l);
        for c in [MultiCol::Service, MultiCol::Tag, MultiCol::AttackType] {
            let k: Key = p.multi[c as usize];
            self.multi[c as usize].set_cached(r, p.key(k), k.hash, buf);
        }
        let combo: Combo = [
            self.state[i] as u32,
            self.sev[i] as u32,
            self.assignee[i],
            self.single_at(SingleCol::Env, r),
            self.single_at(SingleCol::RuleName, r),
            self.multi[MultiCol::Service as usize].rows[i],
            self.multi[MultiCol::Tag as usize].rows[i],
            self.multi[MultiCol::AttackType as usize].rows[i],
        ];
        let c = self.combos.intern_by(&combo, |k, q| k == q, |q| *q);
        set32(&mut self.combo, c);
    }
}

/// What `insert_prepared_all` looks up on a second thread: the attacker IP and user lists and the
/// event's other attributes, about half of the cost of adding a signal, and tables nothing else
/// `write_main` touches.
struct Side<'a> {
    ips: &'a mut Multi,
    users: &'a mut Multi,
    extra: &'a mut Multi,
    paths: &'a mut Dict<Box<str>>,
    extra_dict: &'a mut Dict<Extra>,
}

impl Side<'_> {
    /// The signal's list numbers: attacker IPs, attacker users, other attributes.
    fn lists(&mut self, p: &PreparedSignal, buf: &mut Vec<u32>) -> [u32; 3] {
        // IP and user lists repeat too little for the whole-list cache to pay for its memory
        // (about 50 bytes a signal): their values are looked up one by one.
        let mut each = |m: &mut Multi, c: MultiCol| match p.hashed_items(c as usize) {
            Some(items) => m.list_each(items, buf),
            None => NONE,
        };
        let ip = each(self.ips, MultiCol::Ip);
        let user = each(self.users, MultiCol::User);
        // Events repeat their other attributes as a whole far more than row by row (a rule's
        // version, category and blocking on a service): one lookup of the whole flattened set
        // replaces one per attribute plus the list's own.
        let key = p.key(p.extras);
        let (paths, dict) = (&mut *self.paths, &mut *self.extra_dict);
        let ex = self.extra.cached_list(key, p.extras.hash, buf, |_, buf| {
            for (path, kind, text) in extras_of(key) {
                let p = paths.intern_str(path);
                let e = dict.intern_by(
                    &(p, kind, text),
                    |k, q| k.0 == q.0 && k.1 == q.1 && &*k.2 == q.2,
                    |q| (q.0, q.1, q.2.into()),
                );
                if !buf.contains(&e) {
                    buf.push(e);
                }
            }
        });
        [ip, user, ex]
    }
}
