//! An import of any size: a file's records arrive in chunks while it is being read, and each chunk
//! is decided and written as it comes, inside the one transaction that makes the file all or
//! nothing. The rules are `IngestMode::Import`'s, applied a chunk at a time: one lookup of the
//! stored versions per chunk (none while the store is known not to hold the ids), one prepared
//! upsert, the chunk's notifications and automated blocks. Only the ids written are kept to the
//! end, for the file's one audit event.
use super::{reacts, Ingested};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::import::{Detail, Home, Prepared, CHUNK};
use crate::model::audit::actions;
use crate::model::{AuditEvent, Permission, Severity, Signal, User};
use crate::notify::{Change, NotifyConfig};
use crate::store::StoredHead;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};

impl Engine {
    /// Import one file as `actor`: `feed` hands the file's records, in order and in chunks, to the
    /// function it is given, and returns when the file is read. Everything `IngestMode::Import`
    /// promises holds, and the file is one change: an error from `feed` (a bad record, unreadable
    /// JSON) or from a write undoes every chunk written before it.
    ///
    /// `feed` is told how much of each record to read: the columns alone while nothing reacts to
    /// the signals (no enabled notification or automated-blocking rule), and a chunk is made
    /// whole here whenever something does (a rule added meanwhile, a same-version update).
    pub fn import_stream(
        &mut self,
        actor: &User,
        notify: &NotifyConfig,
        feed: impl FnOnce(Detail, &mut dyn FnMut(Vec<Prepared>) -> Result<()>) -> Result<()>,
    ) -> Result<Ingested> {
        super::super::rbac::require(actor, Permission::SecurityMonitoringSignalsWrite)?;
        let now = self.now();
        // Each page written once where the store can (SQLite: not to the WAL and then again into
        // the file; see `store::sqlite::bulk`).
        let bulk = self.store.begin_bulk()?;
        let out = self.all_or_nothing(|engine| {
            let mut run = Run {
                // A store that held no signal needs no lookups but for ids this file repeats.
                // (The newest row's position is an index's end: no scan, whatever the store's size.)
                had_signals: engine.db().watermark()?.row > 0,
                hasher: RandomState::new(),
                written: HashSet::new(),
                ids: IdList::default(),
                out: Ingested::default(),
                notify,
                now,
            };
            let detail = if reacts(engine.db())? {
                Detail::Whole
            } else {
                Detail::Columns
            };
            feed(detail, &mut |chunk| run.chunk(engine, chunk))?;
            run.finish(engine, actor)
        });
        if bulk {
            let back = self.store.end_bulk();
            return out.and_then(|o| back.map(|()| o));
        }
        out
    }
}

struct Run<'a> {
    had_signals: bool,
    hasher: RandomState,
    /// Hashes of the ids written so far: a record whose id is not among them cannot be stored
    /// unless the store held signals before (a collision only costs a lookup).
    written: HashSet<u64>,
    ids: IdList,
    out: Ingested,
    notify: &'a NotifyConfig,
    now: DateTime<Utc>,
}

impl Run<'_> {
    fn chunk(&mut self, engine: &mut Engine, chunk: Vec<Prepared>) -> Result<()> {
        let mut batch = Vec::with_capacity(chunk.len());
        let mut in_batch = HashSet::with_capacity(chunk.len());
        for p in chunk {
            crate::model::signal::check_id(&p.signal.id)?;
            let h = self.hasher.hash_one(&p.signal.id);
            if !in_batch.insert(h) {
                // The id came before in this chunk: write what precedes it first, so this record
                // is decided against that one exactly as it would be one record at a time.
                self.write(engine, std::mem::take(&mut batch))?;
                in_batch.clear();
                in_batch.insert(h);
            }
            batch.push(p);
        }
        self.write(engine, batch)
    }

    fn write(&mut self, engine: &mut Engine, batch: Vec<Prepared>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let may_exist = self.had_signals
            || batch
                .iter()
                .any(|p| self.written.contains(&self.hasher.hash_one(&p.signal.id)));
        let stored: HashMap<String, StoredHead> = if may_exist {
            let ids: Vec<&str> = batch.iter().map(|p| p.signal.id.as_str()).collect();
            engine
                .db()
                .stored_heads(&ids)?
                .into_iter()
                .map(|h| (h.id.clone(), h))
                .collect()
        } else {
            HashMap::new()
        };
        let mut kept = Vec::with_capacity(batch.len());
        let mut changes = Vec::with_capacity(batch.len());
        for mut p in batch {
            let change = match stored.get(&p.signal.id) {
                None => {
                    self.out.inserted += 1;
                    Some(Change::Created)
                }
                Some(old) => {
                    if p.signal.version < old.version {
                        self.out.skipped_older += 1;
                        continue;
                    }
                    if p.signal.version == old.version {
                        // The same version: the detection is replaced, the analysts' triage kept.
                        p.make_whole()?;
                        p.signal.set_triage(stored_signal(old)?.triage, old.version);
                        p.json = serde_json::to_string(p.signal.to_json())?;
                    }
                    self.out.updated += 1;
                    let from = severity(old)?;
                    (p.signal.severity > from).then_some(Change::SeverityRaised {
                        from,
                        to: p.signal.severity,
                    })
                }
            };
            self.written.insert(self.hasher.hash_one(&p.signal.id));
            self.ids.push(&p.signal.id);
            kept.push(p);
            changes.push(change);
        }
        if kept.iter().any(|p| !p.is_whole()) && reacts(engine.db())? {
            for p in &mut kept {
                p.make_whole()?;
            }
        }
        {
            let db = engine.db();
            let rows: Vec<(&Signal, &str)> =
                kept.iter().map(|p| (&p.signal, p.json.as_str())).collect();
            db.put_signals(&rows)?;
            let changed: Vec<(&Signal, Change)> = kept
                .iter()
                .zip(&changes)
                .filter_map(|(p, c)| c.map(|c| (&p.signal, c)))
                .collect();
            crate::notify::queue_changed(db, self.notify, &changed, self.now)?;
        }
        // Back to the worker that parsed them once written: freeing them here would cost this
        // thread, the import's narrowest, about as much as the writing.
        let home = kept.first().and_then(Prepared::home);
        let (signals, texts): (Vec<Signal>, Vec<String>) =
            kept.into_iter().map(|p| (p.signal, p.json)).unzip();
        let blocks = engine.run_autoblock(&signals);
        Home::free(home, signals, texts);
        self.out.autoblocks.extend(blocks?);
        Ok(())
    }

    /// The file's one audit event, naming every signal written (so each one's timeline shows the
    /// import), after its last chunk.
    fn finish(mut self, engine: &mut Engine, actor: &User) -> Result<Ingested> {
        let Some(first) = self.ids.iter().next() else {
            return Ok(self.out);
        };
        let db = engine.db();
        let seq = db.append_audit(&AuditEvent {
            seq: 0,
            time: self.now,
            actor: actor.handle.clone(),
            action: actions::SIGNAL_INGEST.into(),
            target_type: "signal".into(),
            target_id: first.to_string(),
            signal_ids: Vec::new(),
            before: Value::Null,
            after: json!({ "inserted": self.out.inserted, "updated": self.out.updated }),
        })?;
        // In key order: both of audit_signals' B-trees (by signal, and by seq then signal) then
        // grow along their keys instead of taking a random page per id (readers sort anyway).
        let mut ids: Vec<&str> = self.ids.iter().collect();
        ids.sort_unstable();
        for chunk in ids.chunks(CHUNK) {
            db.add_audit_signals(seq, chunk)?;
        }
        self.out.seq = Some(seq);
        Ok(self.out)
    }
}

fn stored_signal(h: &StoredHead) -> Result<Signal> {
    serde_json::from_str(&h.raw)
        .map_err(|e| Error::Store(format!("signal {}: stored JSON unreadable: {e}", h.id)))
        .and_then(Signal::from_json)
}

fn severity(h: &StoredHead) -> Result<Severity> {
    Severity::ALL
        .into_iter()
        .find(|s| i64::from(s.rank()) == h.severity)
        .ok_or_else(|| {
            Error::Store(format!(
                "signal {}: stored severity {} unknown",
                h.id, h.severity
            ))
        })
}

/// Ids in one string, end offsets beside: a million ids cost their bytes and eight more each,
/// not a `String` apiece.
#[derive(Default)]
struct IdList {
    text: String,
    ends: Vec<usize>,
}

impl IdList {
    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().filter_map(move |&end| {
            let id = self.text.get(start..end);
            start = end;
            id
        })
    }
}
