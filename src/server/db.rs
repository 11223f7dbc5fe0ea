//! The server's engines: one writer and a few readers, each on its own connection and used on a
//! blocking thread so the async runtime never waits on the store. Reads never take the writer.
use super::errors::{ApiError, ApiResult};
use super::writer::Writer;
use crate::engine::{Engine, IndexKeeper, KeepEvery};
use crate::error::Result;
use crate::locks::lock;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const READERS: usize = 4;

pub struct Db {
    /// Every write goes through the one engine (SQLite serialises writers anyway), on its own
    /// thread, committing the changes that queue up meanwhile together.
    writer: Writer,
    readers: Vec<Mutex<Engine>>,
    next: AtomicUsize,
    /// Dropped after the writer (last here, and so in `close`): its final save then sees every
    /// change the writer committed.
    keeper: IndexKeeper,
}

impl Db {
    /// Open with the `[denylist]` IPv6 prefix for signal blocks and the `[notify]` settings the
    /// writer's triage moves follow.
    pub fn open(
        path: &Path,
        v6_prefix: Option<u8>,
        notify: crate::notify::NotifyConfig,
        index_save: KeepEvery,
    ) -> Result<Db> {
        let open = || -> Result<Engine> {
            let mut e = Engine::open(path)?;
            if let Some(p) = v6_prefix {
                e.set_signal_v6_prefix(p)?;
            }
            Ok(e)
        };
        let mut writer = open()?;
        writer.set_notify_config(notify);
        writer.checkpoint_in_background()?;
        // One live index for every reader: loaded from the store's snapshot or built, in the
        // background; meanwhile reads scan the store (the same answers, slower).
        let live = crate::engine::LiveIndex::new();
        let readers = (0..READERS)
            .map(|_| {
                let mut e = open()?;
                e.attach_live_index(live.clone());
                Ok(Mutex::new(e))
            })
            .collect::<Result<Vec<_>>>()?;
        // Built or loaded in the background, then saved again as changes accumulate and when
        // the server stops, so a restart (or a CLI query beside it) starts from a recent one.
        let keeper = IndexKeeper::start(live, open()?, index_save)?;
        Ok(Db {
            writer: Writer::start(writer)?,
            readers,
            next: AtomicUsize::new(0),
            keeper,
        })
    }

    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> ApiResult<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let i = db.next.fetch_add(1, Ordering::Relaxed) % db.readers.len();
            let guard = lock(&db.readers[i]);
            f(&guard)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "read task failed");
            ApiError::internal()
        })?
    }

    /// Run `f` with the engine, alone among writers; answered once it is durably committed.
    pub async fn engine<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Engine) -> ApiResult<T> + Send + 'static,
    {
        self.writer.run(f).await
    }

    /// The writer's (transactions, changes) so far: how well changes are being grouped.
    pub fn write_stats(&self) -> (u64, u64) {
        self.writer.stats()
    }

    /// Close every connection (checkpointing the WAL); called once requests have drained.
    pub fn close(self) {
        let Db {
            writer,
            readers,
            keeper,
            ..
        } = self;
        let mut all: Vec<Engine> = writer.stop().into_iter().collect();
        // The keeper's last save reads what the writer committed, before the checkpoints below.
        drop(keeper);
        all.extend(
            readers
                .into_iter()
                .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner())),
        );
        for engine in all {
            if let Err(e) = engine.close() {
                tracing::warn!(error = %e, "checkpoint on close failed");
            }
        }
    }
}
