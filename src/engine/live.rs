//! One live query index of the store, shared by every reader of a process (the server's reader
//! engines, the explorer, a one-shot CLI query): built once, kept current from the store's change
//! log, so list, search and facets answer from memory instead of parsing stored JSON per request.
//!
//! The index follows the store, never the other way round: before a read answers from it, it
//! catches up with whatever the change log holds past its watermark (one cheap query when nothing
//! changed), whoever wrote it: this process, another process, another replica.
use super::Reads;
use crate::error::{Error, Result};
use crate::locks::lock;
use crate::query::{PreparedSignal, SignalIndex};
use crate::store::{SignalCursor, Watermark};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

/// Signals read from the store per page while building.
const PAGE: usize = 5_000;

#[derive(Default)]
struct Mark {
    /// Whether the initial build finished; until then reads answer from the store.
    loaded: bool,
    /// How far the index has followed the store's change log.
    seen: Watermark,
}

#[derive(Default)]
pub struct LiveIndex {
    index: Arc<RwLock<SignalIndex>>,
    mark: Mutex<Mark>,
    /// Bumped on every change to the index (the explorer redraws on it).
    generation: AtomicU64,
}

impl LiveIndex {
    pub fn new() -> Arc<LiveIndex> {
        Arc::new(LiveIndex::default())
    }

    /// The index itself, for readers that hold on to it (the explorer's row source).
    pub fn shared(&self) -> Arc<RwLock<SignalIndex>> {
        self.index.clone()
    }

    pub fn read(&self) -> RwLockReadGuard<'_, SignalIndex> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn is_loaded(&self) -> bool {
        lock(&self.mark).loaded
    }

    /// Build the whole index from the store, newest first, a page at a time: a reader may use it
    /// once this returns. Everything written after the build's watermark is caught up next.
    pub fn build(&self, reads: &Reads) -> Result<()> {
        let seen = reads.watermark()?;
        let total = usize::try_from(reads.count_signals()?).unwrap_or(0);
        let mut fresh = SignalIndex::new();
        fresh.reserve(total);
        let mut cursor: Option<SignalCursor> = None;
        loop {
            let page = reads.signal_page(cursor.as_ref(), PAGE)?;
            let read = page.rows.len();
            fresh.insert_prepared_all(&parse_all(&page.rows));
            cursor = page.next;
            if read < PAGE || cursor.is_none() {
                break;
            }
        }
        self.install(fresh, seen);
        self.catch_up(reads).map(|_| ())
    }

    /// `build` on `engine`'s store, reading as the index's own reader: the index holds every
    /// signal, and each read from it checks its own reader's permission.
    pub fn build_from(&self, engine: &super::Engine) -> Result<()> {
        self.build(&engine.reads(&indexer()))
    }

    /// Take `index`, built up to `seen`, as the live index.
    pub fn install(&self, index: SignalIndex, seen: Watermark) {
        let mut mark = lock(&self.mark);
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = index;
        mark.seen = seen;
        mark.loaded = true;
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Take the index and its watermark out, leaving this one unbuilt (the explorer keeps the index
    /// under its own lock).
    pub fn take(&self) -> (SignalIndex, Watermark) {
        let mut mark = lock(&self.mark);
        mark.loaded = false;
        let ix = std::mem::take(&mut *self.index.write().unwrap_or_else(|p| p.into_inner()));
        (ix, mark.seen)
    }

    /// Where the index stands in the store's change log.
    pub fn watermark(&self) -> Watermark {
        lock(&self.mark).seen
    }

    /// Apply what the store's change log holds past the index's watermark: new signals, then those
    /// the audit log (or a remote cache's update log) says changed. Returns whether anything did.
    /// Nothing happens before the initial build.
    pub fn catch_up(&self, reads: &Reads) -> Result<bool> {
        let mut mark = lock(&self.mark);
        if !mark.loaded {
            return Ok(false);
        }
        // The common case, nothing new, costs one small query.
        if reads.watermark()? == mark.seen {
            return Ok(false);
        }
        let (added, changed, seen) = reads.changes_after(&mark.seen)?;
        let any = apply_changes(&self.index, &self.generation, &added, &changed);
        mark.seen = seen;
        Ok(any)
    }
}

/// Parse stored signals, in order, on every core, and prepare each for the index right after
/// parsing it, while its JSON is in cache: parsing is nearly all of a build's time, and preparing
/// a signal later, cold, costs four times as much (and would hold the index's lock).
/// Put a catch-up's new rows (`(id, raw)`) and changed signals into `index`, moving `generation`
/// on if anything changed; whether anything did. Shared by the engine's live index and the
/// explorer's own, which catch up the same way.
pub fn apply_changes(
    index: &RwLock<SignalIndex>,
    generation: &AtomicU64,
    added: &[(String, String)],
    changed: &[crate::model::Signal],
) -> bool {
    let fresh = parse_all(added);
    if fresh.is_empty() && changed.is_empty() {
        return false;
    }
    let mut index = index.write().unwrap_or_else(|p| p.into_inner());
    index.insert_prepared_all(&fresh);
    for s in changed {
        index.insert_or_update(s);
    }
    generation.fetch_add(1, Ordering::SeqCst);
    true
}

pub fn parse_all(raws: &[(String, String)]) -> Vec<PreparedSignal> {
    let parse = |part: &[(String, String)]| -> Vec<PreparedSignal> {
        part.iter()
            .filter_map(|(id, raw)| {
                // One unreadable signal must not hide the others; it is logged and skipped.
                match serde_json::from_str(raw)
                    .map_err(|e| Error::Store(e.to_string()))
                    .and_then(crate::model::Signal::from_json)
                {
                    Ok(s) => Some(PreparedSignal::new(&s)),
                    Err(e) => {
                        tracing::warn!("signal {}: {e}", crate::sanitize::clean(id));
                        None
                    }
                }
            })
            .collect()
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if cores < 2 || raws.len() < 256 {
        return parse(raws);
    }
    let per = raws.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = raws
            .chunks(per)
            .map(|part| scope.spawn(move || parse(part)))
            .collect();
        let mut out = Vec::with_capacity(raws.len());
        for p in parts {
            match p.join() {
                Ok(list) => out.extend(list),
                // A panic while parsing one part loses that part, not the reader.
                Err(_) => tracing::error!("a parser thread panicked; some signals are missing"),
            }
        }
        out
    })
}

/// Who builds the index: every role may read every signal, so read-only is enough.
pub(super) fn indexer() -> crate::model::User {
    crate::model::User {
        uuid: String::new(),
        handle: "sigscope-index".into(),
        name: "the live index".into(),
        role: crate::model::Role::ReadOnly,
        disabled: false,
    }
}
