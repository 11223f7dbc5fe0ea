//! The detector: events in, signals out. Per (rule, group-by values) it keeps each query's window,
//! evaluates the cases on every matching event, opens a signal when one holds, keeps it open while
//! events keep arriving within `keepAlive`, closes it after `maxSignalDuration`. Event time, not the
//! wall clock, drives all of it, so replaying a log gives the same signals. Memory is bounded by the
//! groups with an open signal or a non-empty window; the rest is swept.
use super::event::AttackEvent;
use super::open_signal::{samples_len, Emitted, OpenSignal};
use super::rule::{Aggregation, CompiledRule};
use super::sample::{self, Sample, SampleHead, MAX_SAMPLES};
use super::sample_json::Built;
use super::window::Window;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};

/// The state of one (rule, group) — what is persisted so that a restart continues.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupState {
    pub windows: Vec<Window>,
    /// Samples of the events in the window before a signal opened (they become its first samples).
    pub pending: VecDeque<Sample>,
    pub signal: Option<OpenSignal>,
    pub last_ms: i64,
}

/// Where the detector finds groups it has not seen in this run (the store, for `ingest`).
pub trait StateSource {
    fn load(&mut self, rule_id: &str, key: &str) -> Result<Option<GroupState>>;
}

/// No persisted state (`rules test`, benchmarks).
pub struct NoState;

impl StateSource for NoState {
    fn load(&mut self, _: &str, _: &str) -> Result<Option<GroupState>> {
        Ok(None)
    }
}

type Key = (usize, String);

/// What a flush hands to the store: signals to upsert, group states (JSON) to save or drop.
#[derive(Debug, Default)]
pub struct Flush {
    pub signals: Vec<Emitted>,
    /// (rule id, group key, `GroupState` as JSON)
    pub save: Vec<(String, String, String)>,
    pub drop: Vec<(String, String)>,
}

/// A group held in memory, and whether it changed since the last flush.
struct Slot {
    state: GroupState,
    dirty: bool,
}

pub struct Detector {
    rules: Vec<CompiledRule>,
    groups: HashMap<Key, Slot>,
    /// The newest event time seen, for sweeping.
    now_ms: i64,
    /// The queries of one rule an event matched (kept to spare an allocation per event).
    hits: Vec<usize>,
    /// The event's sample contents, shared by the rules it counts for.
    built: Built,
}

/// The group key of an event for a rule: its group-by values joined by U+001F.
fn group_key(rule: &CompiledRule, q: usize, e: &AttackEvent) -> String {
    let mut key = String::new();
    for (i, f) in rule.queries[q].group_by.iter().enumerate() {
        if i > 0 {
            key.push('\u{1f}');
        }
        if let Some(v) = f.first_cow(e) {
            key.push_str(&v);
        }
    }
    key
}

/// The (field, value) pairs of the group-by fields, for a signal that opens.
fn group_pairs(rule: &CompiledRule, q: usize, e: &AttackEvent) -> Vec<(String, String)> {
    rule.queries[q]
        .group_by
        .iter()
        .zip(&rule.group_by_names)
        .map(|(f, name)| (name.clone(), f.first_text(e).unwrap_or_default()))
        .collect()
}

/// The attack family a rule is about: its `attack_type:` tag.
fn rule_family(rule: &CompiledRule) -> Option<&str> {
    rule.rule
        .tags
        .iter()
        .find_map(|t| t.strip_prefix("attack_type:"))
}

/// The group's state as JSON, written into room made for its samples (most of its bytes) up front.
fn state_json(g: &GroupState) -> Result<String> {
    let held = g.signal.as_ref().map_or(0, |s| samples_len(&s.samples));
    let pending = samples_len(&g.pending);
    let mut buf = Vec::with_capacity(held.saturating_add(pending).saturating_add(1024));
    serde_json::to_writer(&mut buf, g)?;
    String::from_utf8(buf).map_err(|e| crate::error::Error::Invalid(format!("detector state: {e}")))
}

impl Detector {
    pub fn new(rules: Vec<CompiledRule>) -> Detector {
        Detector {
            rules,
            groups: HashMap::new(),
            now_ms: i64::MIN,
            hits: Vec::new(),
            built: Built::default(),
        }
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Does any rule's query match the event? (Only such events change anything.)
    pub fn matches(&self, e: &AttackEvent) -> bool {
        self.rules
            .iter()
            .any(|r| r.queries.iter().any(|q| q.matcher.matches(e)))
    }

    /// Run one event through every rule.
    pub fn process(&mut self, e: &AttackEvent, source: &mut dyn StateSource) -> Result<()> {
        let ms = e.time.timestamp_millis();
        self.now_ms = self.now_ms.max(ms);
        self.built.clear();
        for ri in 0..self.rules.len() {
            let rule = &self.rules[ri];
            // Queries of one rule share their group-by fields, so the group is the same for all.
            self.hits.clear();
            self.hits.extend(
                rule.queries
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| q.matcher.matches(e))
                    .map(|(i, _)| i),
            );
            let Some(&first) = self.hits.first() else {
                continue;
            };
            let key = (ri, group_key(rule, first, e));
            let slot = match self.groups.entry(key) {
                Entry::Occupied(o) => o.into_mut(),
                Entry::Vacant(v) => {
                    let loaded = source.load(&rule.rule.id, &v.key().1)?.unwrap_or_default();
                    v.insert(Slot {
                        state: loaded,
                        dirty: false,
                    })
                }
            };
            slot.dirty = true;
            Self::apply(
                rule,
                &mut slot.state,
                &self.hits,
                first,
                e,
                ms,
                &mut self.built,
            )?;
        }
        Ok(())
    }

    fn apply(
        rule: &CompiledRule,
        g: &mut GroupState,
        hits: &[usize],
        first: usize,
        e: &AttackEvent,
        ms: i64,
        built: &mut Built,
    ) -> Result<()> {
        let opts = &rule.rule.options;
        let family = rule_family(rule);
        if g.windows.len() != rule.queries.len() {
            g.windows = vec![Window::default(); rule.queries.len()];
        }
        g.last_ms = g.last_ms.max(ms);
        // Close a signal the event comes too late for.
        if let Some(s) = &g.signal {
            let idle = ms.saturating_sub(s.last_ms) > opts.keep_alive.saturating_mul(1000);
            let too_long =
                ms.saturating_sub(s.first_ms) >= opts.max_signal_duration.saturating_mul(1000);
            if idle || too_long {
                g.signal = None;
            }
        }
        for &q in hits {
            let query = &rule.queries[q];
            let distinct = if query.aggregation == Aggregation::Cardinality {
                let mut joined = String::new();
                for (i, f) in query.distinct.iter().enumerate() {
                    if i > 0 {
                        joined.push('\u{1f}');
                    }
                    if let Some(v) = f.first_cow(e) {
                        joined.push_str(&v);
                    }
                }
                Some(joined)
            } else {
                None
            };
            if let Some(w) = g.windows.get_mut(q) {
                w.add(ms, distinct.as_deref());
            }
        }
        for w in g.windows.iter_mut() {
            w.prune(ms, opts.evaluation_window);
        }
        // A query's value by name; the last query of that name, as a map built in order would hold.
        let windows = &g.windows;
        let value = |name: &str| -> f64 {
            rule.queries
                .iter()
                .zip(windows)
                .rev()
                .find(|(q, _)| q.name == name)
                .map(|(q, w)| match q.aggregation {
                    Aggregation::Count => w.count(),
                    Aggregation::Cardinality => w.cardinality(),
                } as f64)
                .unwrap_or(0.0)
        };
        let case = rule
            .cases
            .iter()
            .enumerate()
            .find(|(_, (c, _))| c.eval_with(&value))
            .map(|(i, (_, sev))| (i, *sev));
        let head = SampleHead::of(e, family);
        match (&mut g.signal, case) {
            (Some(s), case) => {
                if let Some((i, sev)) = case {
                    if sev > s.severity {
                        s.severity = sev;
                        s.case_name = rule.rule.cases[i].name.clone();
                        s.case_condition = rule.rule.cases[i].condition.clone();
                    }
                }
                s.add(e, family);
                sample::keep(&mut s.samples, &head, built)?;
            }
            (None, Some((i, sev))) => {
                let mut s = OpenSignal::new(&rule.rule.id, group_pairs(rule, first, e), e, sev);
                s.case_name = rule.rule.cases[i].name.clone();
                s.case_condition = rule.rule.cases[i].condition.clone();
                // The events in the window that led here count, and their samples lead.
                let before = g.pending.len() as i64;
                for p in g.pending.drain(..) {
                    s.first_ms = s.first_ms.min(p.ms);
                    sample::keep_sample(&mut s.samples, p)?;
                }
                s.add(e, family);
                s.events = s.events.saturating_add(before);
                sample::keep(&mut s.samples, &head, built)?;
                g.signal = Some(s);
            }
            (None, None) => {
                let from = ms.saturating_sub(opts.evaluation_window.saturating_mul(1000));
                while g.pending.front().is_some_and(|p| p.ms < from) {
                    g.pending.pop_front();
                }
                if g.pending.len() >= MAX_SAMPLES {
                    g.pending.pop_front();
                }
                g.pending.push_back(head.build(built)?);
            }
        }
        Ok(())
    }

    /// The signals and group states changed since the last flush; then forget the groups that can
    /// no longer change anything (closed signal, window and keep-alive over).
    pub fn flush(&mut self) -> Result<Flush> {
        let mut out = Flush::default();
        let mut changed: Vec<&Key> = self
            .groups
            .iter()
            .filter(|(_, s)| s.dirty)
            .map(|(k, _)| k)
            .collect();
        changed.sort();
        let now = self.now_ms;
        let rules = &self.rules;
        // A group is live while an event could still change it.
        let live = |key: &Key, g: &GroupState| {
            let o = &rules[key.0].rule.options;
            let horizon = o.evaluation_window.max(o.keep_alive).saturating_mul(1000);
            now.saturating_sub(g.last_ms) <= horizon
        };
        for key in changed {
            let Some(slot) = self.groups.get(key) else {
                continue;
            };
            let (rule, g) = (&rules[key.0], &slot.state);
            if let Some(s) = &g.signal {
                out.signals.push(s.emit(rule, rule_family(rule))?);
            }
            if live(key, g) {
                out.save
                    .push((rule.rule.id.clone(), key.1.clone(), state_json(g)?));
            }
        }
        let mut dropped = Vec::new();
        self.groups.retain(|key, slot| {
            slot.dirty = false;
            let keep = live(key, &slot.state);
            if !keep {
                dropped.push((rules[key.0].rule.id.clone(), key.1.clone()));
            }
            keep
        });
        out.drop = dropped;
        Ok(out)
    }

    /// Groups held in memory.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }
}
