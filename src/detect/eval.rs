//! The detector: events in, signals out. Per (rule, group-by values) it keeps each query's window,
//! evaluates the cases on every matching event, opens a signal when one holds, keeps it open while
//! events keep arriving within `keepAlive`, closes it after `maxSignalDuration`. Event time, not the
//! wall clock, drives all of it, so replaying a log gives the same signals. Memory is bounded by the
//! groups with an open signal or a non-empty window; the rest is swept.
use super::event::AttackEvent;
use super::open_signal::{keep_sample, OpenSignal, Sample, MAX_SAMPLES};
use super::rule::{Aggregation, CompiledRule};
use super::window::Window;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};

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

/// What a flush hands to the store: signals to upsert, group states to save or drop.
#[derive(Debug, Default)]
pub struct Flush {
    pub signals: Vec<Value>,
    pub save: Vec<(String, String, GroupState)>,
    pub drop: Vec<(String, String)>,
}

pub struct Detector {
    rules: Vec<CompiledRule>,
    groups: HashMap<Key, GroupState>,
    changed: HashSet<Key>,
    /// The newest event time seen, for sweeping.
    now_ms: i64,
}

/// The group-by values of an event for a query: (field, value) pairs and the joined key.
fn group_of(rule: &CompiledRule, q: usize, e: &AttackEvent) -> (Vec<(String, String)>, String) {
    let query = &rule.queries[q];
    let mut pairs = Vec::with_capacity(query.group_by.len());
    let mut key = String::new();
    for (f, name) in query.group_by.iter().zip(&rule.group_by_names) {
        let v = f.first_text(e).unwrap_or_default();
        if !key.is_empty() {
            key.push('\u{1f}');
        }
        key.push_str(&v);
        pairs.push((name.clone(), v));
    }
    (pairs, key)
}

/// The attack family a rule is about: its `attack_type:` tag.
fn rule_family(rule: &CompiledRule) -> Option<&str> {
    rule.rule
        .tags
        .iter()
        .find_map(|t| t.strip_prefix("attack_type:"))
}

impl Detector {
    pub fn new(rules: Vec<CompiledRule>) -> Detector {
        Detector {
            rules,
            groups: HashMap::new(),
            changed: HashSet::new(),
            now_ms: i64::MIN,
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
        for ri in 0..self.rules.len() {
            let rule = &self.rules[ri];
            // Queries of one rule share their group-by fields, so the group is the same for all.
            let hits: Vec<usize> = (0..rule.queries.len())
                .filter(|&q| rule.queries[q].matcher.matches(e))
                .collect();
            let Some(&first) = hits.first() else { continue };
            let (pairs, gkey) = group_of(rule, first, e);
            let key = (ri, gkey);
            if !self.groups.contains_key(&key) {
                let loaded = source.load(&rule.rule.id, &key.1)?.unwrap_or_default();
                self.groups.insert(key.clone(), loaded);
            }
            let Some(g) = self.groups.get_mut(&key) else {
                continue;
            };
            self.changed.insert(key.clone());
            Self::apply(&self.rules[ri], g, &hits, pairs, e, ms);
        }
        Ok(())
    }

    fn apply(
        rule: &CompiledRule,
        g: &mut GroupState,
        hits: &[usize],
        pairs: Vec<(String, String)>,
        e: &AttackEvent,
        ms: i64,
    ) {
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
                let vals: Vec<String> = query
                    .distinct
                    .iter()
                    .map(|f| f.first_text(e).unwrap_or_default())
                    .collect();
                Some(vals.join("\u{1f}"))
            } else {
                None
            };
            if let Some(w) = g.windows.get_mut(q) {
                w.add(ms, distinct.as_deref());
            }
        }
        let mut vals = HashMap::with_capacity(rule.queries.len());
        for (q, w) in rule.queries.iter().zip(g.windows.iter_mut()) {
            w.prune(ms, opts.evaluation_window);
            let v = match q.aggregation {
                Aggregation::Count => w.count(),
                Aggregation::Cardinality => w.cardinality(),
            };
            vals.insert(q.name.clone(), v as f64);
        }
        let case = rule
            .cases
            .iter()
            .enumerate()
            .find(|(_, (c, _))| c.eval(&vals))
            .map(|(i, (_, sev))| (i, *sev));
        let sample = Sample::of(e, family);
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
                keep_sample(&mut s.samples, sample);
            }
            (None, Some((i, sev))) => {
                let mut s = OpenSignal::new(&rule.rule.id, pairs, e, sev);
                s.case_name = rule.rule.cases[i].name.clone();
                s.case_condition = rule.rule.cases[i].condition.clone();
                // The events in the window that led here count, and their samples lead.
                let before = g.pending.len() as i64;
                for p in g.pending.drain(..) {
                    s.first_ms = s.first_ms.min(p.ms);
                    keep_sample(&mut s.samples, p);
                }
                s.add(e, family);
                s.events = s.events.saturating_add(before);
                keep_sample(&mut s.samples, sample);
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
                g.pending.push_back(sample);
            }
        }
    }

    /// The signals and group states changed since the last flush; then forget the groups that can
    /// no longer change anything (closed signal, window and keep-alive over).
    pub fn flush(&mut self) -> Flush {
        let mut out = Flush::default();
        let mut changed: Vec<Key> = self.changed.drain().collect();
        changed.sort();
        for key in changed {
            let Some(g) = self.groups.get(&key) else {
                continue;
            };
            let rule = &self.rules[key.0];
            if let Some(s) = &g.signal {
                out.signals.push(s.to_json(rule, rule_family(rule)));
            }
            out.save
                .push((rule.rule.id.clone(), key.1.clone(), g.clone()));
        }
        let now = self.now_ms;
        let rules = &self.rules;
        let mut dropped = Vec::new();
        self.groups.retain(|key, g| {
            let o = &rules[key.0].rule.options;
            let horizon = o.evaluation_window.max(o.keep_alive).saturating_mul(1000);
            let live = now.saturating_sub(g.last_ms) <= horizon;
            if !live {
                dropped.push((rules[key.0].rule.id.clone(), key.1.clone()));
            }
            live
        });
        out.drop = dropped;
        out.save
            .retain(|(r, k, _)| !out.drop.iter().any(|(dr, dk)| dr == r && dk == k));
        out
    }

    /// Groups held in memory.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }
}
