//! The server's one writer: a thread that owns the writing engine and commits the changes queued
//! while it was busy together, in one transaction (group commit).
//!
//! Why: every acknowledged change must be durable, so a commit waits for the disk (`synchronous =
//! FULL`); one commit per change would cap the server at the disk's flush rate and keep every
//! waiting request on a blocking thread of its own, contending for a lock. Here a change waits
//! in a queue instead, and one flush covers all the changes that arrived meanwhile.
//!
//! Each change runs in its own savepoint inside the batch's transaction, so it is kept or undone
//! alone, as before: a change that fails (a conflict, a refused transition) leaves the others in
//! the batch untouched. Nobody is answered before the batch has committed; if the commit fails,
//! every change in it is answered with that error, and none of them was stored.
use super::errors::{ApiError, ApiResult};
use crate::engine::Engine;
use crate::error::{Error, Result};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

/// Most changes in one transaction: a bound on how long the first of them waits for its answer.
const MAX_BATCH: usize = 256;

/// What a change leaves to do once its batch is settled: answer its caller, with its own result if
/// the batch committed, or with the commit's error.
type Reply = Box<dyn FnOnce(Option<&Error>) + Send>;
type Job = Box<dyn FnOnce(&mut Engine) -> Reply + Send>;

pub struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<Engine>>,
    stats: Arc<Stats>,
}

/// What `/metrics` shows of the writer: its transactions, and the changes they carried.
#[derive(Default)]
pub struct Stats {
    batches: AtomicU64,
    changes: AtomicU64,
}

impl Stats {
    /// (transactions committed or attempted, changes run in them)
    pub fn get(&self) -> (u64, u64) {
        (
            self.batches.load(Ordering::Relaxed),
            self.changes.load(Ordering::Relaxed),
        )
    }
}

impl Writer {
    /// Start the writer thread with `engine`.
    pub fn start(engine: Engine) -> Result<Writer> {
        let (tx, rx) = mpsc::channel::<Job>();
        let stats = Arc::new(Stats::default());
        let counted = Arc::clone(&stats);
        let thread = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || run(engine, rx, &counted))
            .map_err(|e| Error::Other(format!("starting the writer: {e}")))?;
        Ok(Writer {
            jobs: Some(tx),
            thread: Some(thread),
            stats,
        })
    }

    /// Run `f` with the engine, alone among writers; answered once its batch has committed.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Engine) -> ApiResult<T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel::<ApiResult<T>>();
        let job: Job = Box::new(move |engine| {
            let out = f(engine);
            Box::new(move |commit_failed: Option<&Error>| {
                // The commit's error is logged once, by the writer; the client learns only that
                // its change was not stored.
                let out = match commit_failed {
                    None => out,
                    Some(_) => Err(ApiError::internal()),
                };
                // The caller may have gone (a dropped connection): nothing to answer then.
                let _ = answer.send(out);
            })
        });
        let sent = self.jobs.as_ref().map(|q| q.send(job).is_ok());
        if sent != Some(true) {
            tracing::error!("the writer has stopped");
            return Err(ApiError::internal());
        }
        answered.await.map_err(|_| {
            // The change panicked: it was undone and its reply dropped.
            tracing::error!("a write failed inside the writer");
            ApiError::internal()
        })?
    }

    pub fn stats(&self) -> (u64, u64) {
        self.stats.get()
    }

    /// Stop taking changes, let the queued ones finish, and hand back the engine.
    pub fn stop(mut self) -> Option<Engine> {
        drop(self.jobs.take());
        let thread = self.thread.take()?;
        match thread.join() {
            Ok(engine) => Some(engine),
            Err(_) => {
                tracing::error!("the writer thread panicked");
                None
            }
        }
    }
}

/// The writer thread: wait for a change, take every other change already queued (up to
/// `MAX_BATCH`), run them in one transaction, commit, answer them all.
fn run(mut engine: Engine, rx: mpsc::Receiver<Job>, stats: &Stats) -> Engine {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .changes
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        // A change left open by a panic that escaped its own levels was never answered for.
        engine.abandon_open_change();
        let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
        let committed = engine.all_or_nothing(|engine| -> Result<()> {
            for job in batch {
                // Each change in its own level: a panic inside it undoes it alone (`atomically`
                // rolls the level back before the panic reaches here), and its caller gets a 500.
                let ran = catch_unwind(AssertUnwindSafe(|| {
                    engine.all_or_nothing(|engine| Ok::<Reply, Error>(job(engine)))
                }));
                match ran {
                    Ok(Ok(reply)) => replies.push(reply),
                    Ok(Err(e)) => {
                        // Its level could not be closed: the transaction is in doubt, so nothing in
                        // this batch is kept.
                        return Err(e);
                    }
                    Err(_) => tracing::error!("a write panicked; it was undone"),
                }
            }
            Ok(())
        });
        match committed {
            Ok(()) => replies.into_iter().for_each(|r| r(None)),
            Err(e) => {
                tracing::error!(error = %e, changes = replies.len(), "committing a batch of writes");
                replies.into_iter().for_each(|r| r(Some(&e)));
            }
        }
    }
    engine
}
