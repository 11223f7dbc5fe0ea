//! The explorer's in-memory index of its store: one compact record per signal, column by column
//! (interned strings as `u32`, enums as `u8`), so that a million signals fit in a few hundred MB
//! and every keystroke re-filters and re-counts without the disk.
//!
//! Rows are numbered in insertion order and never move; a removed signal leaves a dead row. `order`
//! keeps the live rows newest first, which is the order of results and of the time-range window.
//! Event attributes that are not typed fields are kept per row as interned `(path, value)` pairs,
//! so that any `@path` query is answered from memory too (see `eval::flatten_event`).
use super::intern::{hash_id, Dict, NONE};

// Multi-valued columns (interned value lists per row).
mod multi;
pub(crate) use multi::Multi;
// The id → row hash table.
mod ids;
use ids::TOMB;
// Sizing: reserving, shrinking, and what the index costs in memory.
mod memory;
// What the list draws for a row: its fields and its message.
mod view;
// Writing a signal's columns, the side lists on a second thread.
mod write;
use write::Side;
// Saving the index to a file and loading it back.
mod snapshot;
pub use snapshot::{SnapshotError, SnapshotMeta, FORMAT_VERSION};

use super::prepare::{extras_of, texts_of, Key, Kind, PreparedSignal};
use super::value::Val;
use crate::model::{ArchiveReason, Severity, Signal, TriageState};
use chrono::{DateTime, Utc};

pub use super::search::{Facet, SearchResult};

/// Marks a removed row in the `state` column.
pub(crate) const DEAD: u8 = u8::MAX;

/// The placeholder for a digit run in a message template.
pub(crate) const DIGITS: char = '\0';

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

/// A change to this struct's fields or to what they hold (or to `Dict`, `Multi`, the codes in the
/// `u8` columns) changes what a snapshot must hold: update `snapshot/encode.rs`, `decode.rs` and
/// `check.rs` together, and bump `snapshot::FORMAT_VERSION` so that older snapshots are rebuilt.
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
}
