//! Lines in, signals out through the engine: read and count each line (a malformed one is skipped
//! and named by its line number, or fatal with `strict`), drop events already counted in an earlier
//! run, run the rest through the detector, and apply each batch — signals, detector state, counted
//! event ids and the read position — as one change (`Engine::detect_commit`).
use super::eval::{Detector, GroupState, StateSource};
use super::Format;
use crate::engine::detect_state::{DetectBatch, FollowOffset};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::import::Prepared;
use crate::model::{Signal, User};
use crate::notify::NotifyConfig;
use std::collections::HashSet;

/// Lines per batch: each batch is one change in the store.
pub const BATCH_LINES: usize = 2_000;
/// Skipped lines kept for the answer when not printed.
pub const MAX_BAD: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub events: u64,
    pub attacks: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    /// Events already counted in an earlier run (or earlier in this one).
    pub duplicates: u64,
}

impl Stats {
    pub fn line(&self) -> String {
        format!(
            "{} events read, {} attacks, {} signals created, {} updated, {} lines skipped",
            self.events, self.attacks, self.created, self.updated, self.skipped
        )
    }
}

/// The engine as the detector's state source.
struct EngineState<'a>(&'a Engine);

impl StateSource for EngineState<'_> {
    fn load(&mut self, rule_id: &str, key: &str) -> Result<Option<GroupState>> {
        match self.0.detect_group(rule_id, key)? {
            None => Ok(None),
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| Error::Store(format!("detection state of {rule_id}: {e}"))),
        }
    }
}

/// One ingest run over an engine, as one actor.
pub struct Ingest<'a> {
    pub engine: &'a mut Engine,
    pub actor: User,
    pub notify: NotifyConfig,
    pub detector: Detector,
    pub format: Format,
    pub strict: bool,
    pub stats: Stats,
    /// Blocks automated-blocking rules made of the signals.
    pub autoblocks: Vec<crate::engine::autoblock::AutoblockResult>,
    /// The last audit sequence a commit wrote (for the server's change feed).
    pub last_seq: Option<i64>,
    /// Print each skipped line on stderr as it is met (the CLI); else keep the first ones in `bad`.
    pub echo_bad: bool,
    /// (input name, line number, why), the first `MAX_BAD` skipped lines.
    pub bad: Vec<(String, u64, String)>,
    seen: Vec<(String, i64)>,
    batch_ids: HashSet<String>,
    lines_in_batch: usize,
}

impl<'a> Ingest<'a> {
    pub fn new(
        engine: &'a mut Engine,
        actor: User,
        notify: NotifyConfig,
        detector: Detector,
        format: Format,
        strict: bool,
    ) -> Self {
        Ingest {
            engine,
            actor,
            notify,
            detector,
            format,
            strict,
            stats: Stats::default(),
            autoblocks: Vec::new(),
            last_seq: None,
            echo_bad: true,
            bad: Vec::new(),
            seen: Vec::new(),
            batch_ids: HashSet::new(),
            lines_in_batch: 0,
        }
    }

    /// One line of input `name` (a file or `-`), numbered from 1. Blank lines are ignored.
    pub fn line(&mut self, name: &str, lineno: u64, bytes: &[u8]) -> Result<()> {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t.trim_end_matches(['\n', '\r']),
            Err(_) => return self.bad(name, lineno, "not UTF-8".into()),
        };
        if text.trim().is_empty() {
            return Ok(());
        }
        self.lines_in_batch += 1;
        let e = match self.format.read(text) {
            Ok(e) => e,
            Err(why) => return self.bad(name, lineno, why),
        };
        self.stats.events += 1;
        if e.is_attack() {
            self.stats.attacks += 1;
        }
        if !self.detector.matches(&e) {
            return Ok(());
        }
        if self.batch_ids.contains(&e.id) || self.engine.detect_seen(&e.id)? {
            self.stats.duplicates += 1;
            return Ok(());
        }
        self.batch_ids.insert(e.id.clone());
        self.seen.push((e.id.clone(), e.time.timestamp_millis()));
        let mut src = EngineState(self.engine);
        self.detector.process(&e, &mut src)
    }

    fn bad(&mut self, name: &str, lineno: u64, why: String) -> Result<()> {
        let why = crate::sanitize::clean(&why);
        if self.strict {
            return Err(Error::Invalid(format!("{name}: line {lineno}: {why}")));
        }
        self.stats.skipped += 1;
        if self.echo_bad {
            eprintln!("sigscope: {name}: line {lineno} skipped: {why}");
        } else if self.bad.len() < MAX_BAD {
            self.bad.push((name.to_string(), lineno, why));
        }
        Ok(())
    }

    /// Is a batch's worth of lines waiting?
    pub fn batch_full(&self) -> bool {
        self.lines_in_batch >= BATCH_LINES
    }

    /// Apply what was read since the last commit, with the read position (for `--follow`).
    pub fn commit(&mut self, position: Option<FollowOffset>) -> Result<()> {
        let flush = self.detector.flush()?;
        let mut signals = Vec::with_capacity(flush.signals.len());
        for s in flush.signals {
            signals.push(Prepared::columns(Signal::from_json(s.head)?, s.json));
        }
        let batch = DetectBatch {
            signals,
            save_groups: flush.save,
            drop_groups: flush.drop,
            seen: std::mem::take(&mut self.seen),
            position,
        };
        let done = self
            .engine
            .detect_commit(&self.actor, batch, &self.notify)?;
        self.stats.created += done.inserted as u64;
        self.stats.updated += done.updated as u64;
        self.autoblocks.extend(done.autoblocks);
        if done.seq.is_some() {
            self.last_seq = done.seq;
        }
        self.batch_ids.clear();
        self.lines_in_batch = 0;
        Ok(())
    }
}

/// Parse every line of `text` only (for `--strict`: nothing is applied if a line is bad).
pub fn check_all(format: Format, name: &str, text: &str) -> Result<()> {
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        if let Err(why) = format.read(l) {
            return Err(Error::Invalid(format!(
                "{name}: line {}: {}; nothing was ingested (--strict)",
                i + 1,
                crate::sanitize::clean(&why)
            )));
        }
    }
    Ok(())
}
