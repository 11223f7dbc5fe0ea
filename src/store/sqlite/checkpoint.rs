//! Checkpointing the WAL off the writer's path.
//!
//! SQLite checkpoints in whichever connection's commit pushes the WAL past `wal_autocheckpoint`
//! pages: for a server, that is its one writer, which then copies pages into the database file
//! and flushes it while every queued change waits. A long-lived writer instead hands that to a
//! thread of its own with its own connection: it checkpoints (PASSIVE: it never blocks the writer
//! or readers) a few times a second. The writer keeps an automatic checkpoint at a higher mark,
//! so the WAL stays bounded should this thread fall behind.
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the checkpointer looks at the WAL.
const EVERY: Duration = Duration::from_millis(200);
/// The writer's own automatic checkpoint, in pages: a safety net ten times SQLite's default.
pub const WRITER_AUTOCHECKPOINT: i64 = 10_000;

/// The running checkpointer; dropping it stops the thread.
pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(path: &Path) -> Result<Checkpointer> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Store(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(1))?;
        // Flushing the database file after copying pages in is what makes the WAL reusable safely.
        conn.pragma_update(None, "synchronous", "FULL")?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                        tracing::warn!(error = %e, "background WAL checkpoint");
                    }
                }
            })
            .map_err(|e| Error::Other(format!("starting the WAL checkpointer: {e}")))?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
