//! The explorer's initial load, in the background: the index snapshot next to the store when it
//! can be trusted, else the store a chunk at a time (then saved as the next start's snapshot).
use super::{lock, Mark, Progress, CHUNK};
use crate::engine::{self, Engine};
use crate::error::Result;
use crate::model::User;
use crate::query::SignalIndex;
use crate::tui::local_rows::{read_chunk, Cursor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

/// The background part of the initial load, on its own connection.
pub(super) struct Loader<'a> {
    pub index: &'a RwLock<SignalIndex>,
    pub generation: &'a AtomicU64,
    pub progress: &'a Mutex<Progress>,
    pub mark: &'a Mutex<Mark>,
}

impl Loader<'_> {
    /// From the snapshot next to the store when it can be trusted (caught up from the change
    /// log), else from the store a chunk at a time (the explorer shows the growing result), and
    /// then saved as the next start's snapshot.
    pub fn run(&self, path: &std::path::Path, actor: &User, cursor: Option<Cursor>) -> Result<()> {
        let engine = Engine::open(path)?;
        if let Some(live) = engine::live_persist::load_trusted(&engine)? {
            let (ix, seen) = live.take();
            let mut mark = lock(self.mark);
            let total = ix.len();
            *self.index.write().unwrap_or_else(|p| p.into_inner()) = ix;
            // Changes the explorer caught up with meanwhile are after `seen` too: its next
            // catch-up applies them again to the snapshot's index.
            mark.seen = seen;
            let mut p = lock(self.progress);
            p.loaded = total;
            p.total = total;
            return Ok(());
        }
        self.load_rest(&engine, actor, cursor)?;
        let mark = lock(self.mark);
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        engine::live_persist::save_index(&engine, &index, mark.seen);
        Ok(())
    }

    fn load_rest(&self, engine: &Engine, actor: &User, mut cursor: Option<Cursor>) -> Result<()> {
        let reads = engine.reads(actor);
        while cursor.is_some() {
            let (chunk, next, read) = read_chunk(&reads, cursor.as_ref(), CHUNK)?;
            {
                let mut ix = self.index.write().unwrap_or_else(|p| p.into_inner());
                ix.insert_prepared_all(&chunk);
            }
            lock(self.progress).loaded += read;
            self.generation.fetch_add(1, Ordering::SeqCst);
            cursor = if read < CHUNK { None } else { next };
        }
        Ok(())
    }
}
