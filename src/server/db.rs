//! The server's engines: one writer and a few readers, each on its own connection and used on a
//! blocking thread so the async runtime never waits on the store. Reads never take the writer.
use super::errors::{ApiError, ApiResult};
use crate::engine::Engine;
use crate::error::Result;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

const READERS: usize = 4;

pub struct Db {
    /// Every write goes through the one engine (SQLite serialises writers anyway).
    writer: Mutex<Engine>,
    readers: Vec<Mutex<Engine>>,
    next: AtomicUsize,
}

/// A panic in a handler rolls its transaction back (the engine undoes an abandoned change), so the connection
/// behind a poisoned lock is still sound.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Db {
    /// Open with the `[denylist]` IPv6 prefix for signal blocks and the `[notify]` settings the
    /// writer's triage moves follow.
    pub fn open(
        path: &Path,
        v6_prefix: Option<u8>,
        notify: crate::notify::NotifyConfig,
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
        let readers = (0..READERS)
            .map(|_| open().map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Db {
            writer: Mutex::new(writer),
            readers,
            next: AtomicUsize::new(0),
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

    /// Run `f` with the engine, alone among writers.
    pub async fn engine<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Engine) -> ApiResult<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut engine = lock(&db.writer);
            // A handler that panicked inside a request's change left it open; its writes were
            // never answered for, so they are undone before anyone else writes.
            engine.abandon_open_change();
            f(&mut engine)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "write task failed");
            ApiError::internal()
        })?
    }

    /// Close every connection (checkpointing the WAL); called once requests have drained.
    pub fn close(self) {
        let mut all = vec![self.writer.into_inner().unwrap_or_else(|p| p.into_inner())];
        all.extend(
            self.readers
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
