//! The live index persisted next to a SQLite store (`signals.db` → `signals.db.index`), so a
//! one-shot CLI query or a new explorer starts from it instead of parsing every stored signal.
//!
//! A snapshot is a cache, never a source: it is used only when its format checks out (magic,
//! version, checksum, structure: see `query::index::snapshot`), it was made from this store, the
//! store's change log has not gone backwards past it, and a sample of its signals is in the store
//! as it says. Then it is caught up from the change log. Anything else, and it is rebuilt.
use super::live::LiveIndex;
use super::{Engine, Reads};
use crate::error::Result;
use crate::query::{SignalIndex, SnapshotMeta};
use crate::store::Watermark;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MISSING: &str = "missing";

/// Signals checked against the store when a snapshot is opened.
const SAMPLES: usize = 16;
/// Save again after a catch-up that applied more than this many changes.
const RESAVE_AFTER: usize = 10_000;

/// Where a store's snapshot lives: next to a SQLite file; PostgreSQL stores have none.
pub fn snapshot_path(engine: &Engine) -> Option<PathBuf> {
    let loc = engine.location();
    if crate::engine::is_store_url(Path::new(&loc)) {
        return None;
    }
    Some(PathBuf::from(format!("{loc}.index")))
}

/// What the snapshot says of the store it was made from.
fn store_id(engine: &Engine) -> String {
    let loc = engine.location();
    std::fs::canonicalize(&loc)
        .map(|p| p.display().to_string())
        .unwrap_or(loc)
}

/// Save `index`, which has followed the store up to `seen`, as the store's snapshot. A failure
/// costs the next start a rebuild, nothing else, so it is logged rather than returned.
pub fn save_index(engine: &Engine, index: &SignalIndex, seen: Watermark) {
    let Some(path) = snapshot_path(engine) else {
        return;
    };
    let meta = SnapshotMeta {
        watermark: (seen.row, seen.seq, seen.updates),
        store_id: store_id(engine),
        signals: index.len() as u64,
    };
    if let Err(e) = index.save_snapshot(&path, &meta) {
        tracing::warn!("saving the index snapshot {}: {e}", path.display());
    }
}

/// The store's snapshot, loaded and caught up, when it can be trusted; `None` (with the reason
/// logged) when the caller must build the index from the store.
pub fn load_trusted(engine: &Engine) -> Result<Option<Arc<LiveIndex>>> {
    let Some(path) = snapshot_path(engine) else {
        return Ok(None);
    };
    let indexer = super::live::indexer();
    let reads = engine.reads(&indexer);
    let (index, seen) = match trusted(engine, &reads, &path) {
        Ok(found) => found,
        // A first start has none: not worth a word at the default level.
        Err(why) if why == MISSING => return Ok(None),
        Err(why) => {
            tracing::info!("index snapshot {}: {why}; rebuilding it", path.display());
            return Ok(None);
        }
    };
    let live = LiveIndex::new();
    live.install(index, seen);
    let before = live.read().len();
    live.catch_up(&reads)?;
    let count = usize::try_from(reads.count_signals()?).unwrap_or(usize::MAX);
    let len = live.read().len();
    if len != count {
        tracing::info!("the index snapshot disagrees with the store ({len} signals, the store {count}); rebuilding it");
        return Ok(None);
    }
    if len.abs_diff(before) > RESAVE_AFTER {
        live.save(engine);
    }
    Ok(Some(live))
}

impl LiveIndex {
    /// Fill this (shared, not yet built) index for `engine`'s store: from its snapshot when that
    /// can be trusted, else from the store, then saved as the next start's snapshot.
    pub fn build_or_load(&self, engine: &Engine) -> Result<()> {
        if let Some(found) = load_trusted(engine)? {
            let (index, seen) = found.take();
            self.install(index, seen);
            return self
                .catch_up(&engine.reads(&super::live::indexer()))
                .map(|_| ());
        }
        self.build_from(engine)?;
        self.save(engine);
        Ok(())
    }

    /// The index for `engine`'s store: from its snapshot when that can be trusted, else built from
    /// the store (and saved). Either way caught up with the store's change log.
    pub fn open_persisted(engine: &Engine) -> Result<Arc<LiveIndex>> {
        let live = LiveIndex::new();
        live.build_or_load(engine)?;
        Ok(live)
    }

    /// Save as the store's snapshot, returning the watermark it records. The watermark is read before the index is locked:
    /// `catch_up` takes them in that order, and the index may only be ahead of the watermark a
    /// snapshot records (its catch-up then applies those changes again), never behind it.
    pub(crate) fn save(&self, engine: &Engine) -> Watermark {
        let seen = self.watermark();
        save_index(engine, &self.read(), seen);
        seen
    }
}

/// The snapshot at `path` and its watermark, if it passes every check.
fn trusted(
    engine: &Engine,
    reads: &Reads,
    path: &Path,
) -> std::result::Result<(SignalIndex, Watermark), String> {
    if !path.exists() {
        return Err(MISSING.into());
    }
    let (index, meta) = SignalIndex::load_snapshot(path).map_err(|e| e.to_string())?;
    if meta.store_id != store_id(engine) {
        return Err("made from another store".into());
    }
    let (row, seq, updates) = meta.watermark;
    let seen = Watermark { row, seq, updates };
    let now = reads.watermark().map_err(|e| e.to_string())?;
    if now.row < seen.row || now.seq < seen.seq || now.updates < seen.updates {
        return Err("ahead of the store's change log (the store was replaced)".into());
    }
    if meta.signals != index.len() as u64 {
        return Err("its signal count disagrees with its rows".into());
    }
    // A sample of its signals must be in the store at the time it holds.
    let rows = index.rows();
    let step = (rows / SAMPLES).max(1);
    for r in (0..rows).step_by(step).take(SAMPLES) {
        let Ok(r) = u32::try_from(r) else { break };
        let Some(view) = index.row(r) else { continue };
        // Changed since is fine (the catch-up brings it up to date); gone is not.
        if reads.signal(view.id).map_err(|e| e.to_string())?.is_none() {
            return Err(format!(
                "signal {} is not in the store",
                view.id.escape_debug()
            ));
        }
    }
    Ok((index, seen))
}
