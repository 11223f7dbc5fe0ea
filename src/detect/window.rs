//! One query's events inside the evaluation window of one group: counts per second (bounded by the
//! window's length) or, for `cardinality`, the distinct values seen with their last time.
use super::event::fnv64;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// (epoch second, events in it), oldest first.
    buckets: VecDeque<(i64, u64)>,
    /// Distinct-field value hash → last epoch ms seen.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    distinct: HashMap<u64, i64>,
}

impl Window {
    pub fn add(&mut self, ms: i64, distinct: Option<&str>) {
        let sec = ms.div_euclid(1000);
        match self.buckets.iter_mut().rev().find(|(s, _)| *s == sec) {
            Some((_, n)) => *n = n.saturating_add(1),
            None => {
                // Events arrive mostly in order; an older one goes to its place.
                let pos = self
                    .buckets
                    .iter()
                    .position(|(s, _)| *s > sec)
                    .unwrap_or(self.buckets.len());
                self.buckets.insert(pos, (sec, 1));
            }
        }
        if let Some(v) = distinct {
            let e = self.distinct.entry(fnv64(v.as_bytes())).or_insert(ms);
            *e = (*e).max(ms);
        }
    }

    /// Drop what is older than `window_s` before `now_ms`.
    pub fn prune(&mut self, now_ms: i64, window_s: i64) {
        let from_ms = now_ms.saturating_sub(window_s.saturating_mul(1000));
        let from_sec = from_ms.div_euclid(1000);
        while self.buckets.front().is_some_and(|(s, _)| *s < from_sec) {
            self.buckets.pop_front();
        }
        if !self.distinct.is_empty() {
            self.distinct.retain(|_, t| *t >= from_ms);
        }
    }

    pub fn count(&self) -> u64 {
        self.buckets
            .iter()
            .fold(0u64, |a, (_, n)| a.saturating_add(*n))
    }

    pub fn cardinality(&self) -> u64 {
        self.distinct.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty() && self.distinct.is_empty()
    }
}
