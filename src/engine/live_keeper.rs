//! The live index of a long-running process (the team server): built or loaded in the
//! background, then saved again as the store's snapshot as changes accumulate and once more when
//! the process stops. Saved only at start, a server up for a week left a snapshot a week old: its
//! next start, and every one-shot CLI query beside it, caught up a week of changes first.
use super::live::{indexer, LiveIndex};
use super::Engine;
use crate::error::{Error, Result};
use crate::store::Watermark;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// When the keeper saves the snapshot again.
#[derive(Clone, Copy, Debug)]
pub struct KeepEvery {
    /// Changes (new signals, signal updates, audit events) since the last save that make one due.
    pub changes: u64,
    /// How often that is looked at.
    pub interval: Duration,
}

impl Default for KeepEvery {
    /// A save writes the whole index (about a second at a million signals), so not more than
    /// once a minute, and not for a handful of changes a catch-up applies in no time.
    fn default() -> KeepEvery {
        KeepEvery {
            changes: 10_000,
            interval: Duration::from_secs(60),
        }
    }
}

/// The running keeper; dropping it saves what changed since the last save and stops the thread
/// (after the first build, if that is still running).
pub struct IndexKeeper {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// How many changes lie between two watermarks.
fn changes_between(a: Watermark, b: Watermark) -> u64 {
    let d = |x: i64, y: i64| u64::try_from(y.saturating_sub(x)).unwrap_or(0);
    d(a.row, b.row)
        .saturating_add(d(a.seq, b.seq))
        .saturating_add(d(a.updates, b.updates))
}

impl IndexKeeper {
    /// Fill `live` from `engine`'s store (its snapshot when trusted), then keep its snapshot.
    pub fn start(live: Arc<LiveIndex>, engine: Engine, every: KeepEvery) -> Result<IndexKeeper> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("live-index".into())
            .spawn(move || keep(&live, &engine, every, &stopped))
            .map_err(|e| Error::Other(format!("starting the index builder: {e}")))?;
        Ok(IndexKeeper {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

fn keep(live: &LiveIndex, engine: &Engine, every: KeepEvery, stopped: &mpsc::Receiver<()>) {
    let started = std::time::Instant::now();
    if let Err(e) = live.build_or_load(engine) {
        tracing::error!(error = %e, "building the live index; reads scan the store");
        return;
    }
    tracing::info!(
        signals = live.read().len(),
        ms = started.elapsed().as_millis() as u64,
        "live index built"
    );
    let mut saved = live.watermark();
    loop {
        let last = match stopped.recv_timeout(every.interval) {
            Err(RecvTimeoutError::Timeout) => false,
            // Told to stop, or the owner is gone: a last save of whatever changed.
            Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
        };
        // The index follows the store when it is read; a quiet server's may lag behind it.
        if let Err(e) = live.catch_up(&engine.reads(&indexer())) {
            tracing::warn!(error = %e, "catching the live index up");
        }
        let moved = changes_between(saved, live.watermark());
        if moved >= every.changes || (last && moved > 0) {
            saved = live.save(engine);
        }
        if last {
            return;
        }
    }
}

impl Drop for IndexKeeper {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
