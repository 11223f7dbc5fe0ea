//! Where everything sigscope keeps lives, behind one interface.
//!
//! `Storage` is a backend (SQLite today, PostgreSQL next): a handle on the rows (`Db`, in `rows`)
//! and nestable transactions. Only the engine (and the remote cache, which mirrors a server's rows)
//! uses it; the faces (`tui/`, `cli/`, `server/`) never name this module — `tests/architecture.rs`
//! fails if one does. The store holds no rules.
pub mod copy;
pub mod postgres;
mod rows;
pub mod sqlite;

use crate::error::{Error, Result};
use crate::model::{Signal, User};

pub use rows::*;
pub use sqlite::SqliteStore;

/// What an upsert did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpsertReport {
    pub inserted: usize,
    pub updated: usize,
}

/// A storage backend.
pub trait Storage: Send {
    /// The rows, inside the open transaction when there is one.
    fn db(&self) -> &dyn Db;
    /// Open a level of all-or-nothing: a transaction that takes the write lock up front (so two
    /// processes changing the same rows serialise instead of failing half-way), or a savepoint
    /// inside the transaction already open.
    fn begin(&mut self) -> Result<()>;
    /// Close the innermost level: keep its writes, or undo them.
    fn finish(&mut self, keep: bool) -> Result<()>;
    /// Whether a transaction is open (a level someone has not finished).
    fn in_transaction(&self) -> bool;
    /// Where it is, for messages (a path, or a URL without its password).
    fn location(&self) -> String;
    /// Flush what the backend keeps aside (SQLite's WAL) before the process ends.
    fn checkpoint(&self) -> Result<()>;
    /// For a long-lived writer (the server's): do the backend's housekeeping (SQLite's WAL
    /// checkpoints) on a thread of its own rather than inside this connection's commits.
    fn checkpoint_in_background(&mut self) -> Result<()> {
        Ok(())
    }
    /// A bulk write (an import) is about to begin: let the backend take the cheapest durable way
    /// to write it, where it can. True if it changed how it writes; `end_bulk` changes it back.
    fn begin_bulk(&mut self) -> Result<bool> {
        Ok(false)
    }
    /// After a bulk write `begin_bulk` answered true for, successful or not.
    fn end_bulk(&mut self) -> Result<()> {
        Ok(())
    }
    /// Call `on_change(head seq)` whenever another process commits a write, where the backend can
    /// say so (PostgreSQL's LISTEN/NOTIFY); `None` where readers must look for themselves.
    fn follow_changes(
        &self,
        _on_change: Box<dyn Fn(i64) + Send>,
    ) -> Result<Option<ChangeFollower>> {
        Ok(None)
    }
}

/// Keeps a `follow_changes` subscription alive; dropping it stops it.
pub struct ChangeFollower(pub Box<dyn Send>);

/// A backend chosen at run time (`open`) is a backend too.
impl Storage for Box<dyn Storage> {
    fn db(&self) -> &dyn Db {
        (**self).db()
    }
    fn begin(&mut self) -> Result<()> {
        (**self).begin()
    }
    fn finish(&mut self, keep: bool) -> Result<()> {
        (**self).finish(keep)
    }
    fn in_transaction(&self) -> bool {
        (**self).in_transaction()
    }
    fn location(&self) -> String {
        (**self).location()
    }
    fn checkpoint(&self) -> Result<()> {
        (**self).checkpoint()
    }
    fn checkpoint_in_background(&mut self) -> Result<()> {
        (**self).checkpoint_in_background()
    }
    fn begin_bulk(&mut self) -> Result<bool> {
        (**self).begin_bulk()
    }
    fn end_bulk(&mut self) -> Result<()> {
        (**self).end_bulk()
    }
    fn follow_changes(&self, on_change: Box<dyn Fn(i64) + Send>) -> Result<Option<ChangeFollower>> {
        (**self).follow_changes(on_change)
    }
}

/// Something with nestable all-or-nothing levels: a backend, or the engine that owns one.
pub trait Levels {
    fn begin_level(&mut self) -> Result<()>;
    fn finish_level(&mut self, keep: bool) -> Result<()>;
}

impl<S: Storage + ?Sized> Levels for S {
    fn begin_level(&mut self) -> Result<()> {
        self.begin()
    }
    fn finish_level(&mut self, keep: bool) -> Result<()> {
        self.finish(keep)
    }
}

/// Run `f` atomically on `s`: every write it makes is kept, or — on its error, or a panic, which is
/// passed on after the rollback — none. Nested calls are savepoints of the outer one. This is the
/// one transaction helper: the engine's commands and `all_or_nothing` both go through it.
pub fn atomically<S, T, E>(
    s: &mut S,
    f: impl FnOnce(&mut S) -> std::result::Result<T, E>,
) -> std::result::Result<T, E>
where
    S: Levels + ?Sized,
    E: From<Error>,
{
    s.begin_level().map_err(E::from)?;
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(s)));
    match out {
        Ok(Ok(v)) => {
            s.finish_level(true).map_err(E::from)?;
            Ok(v)
        }
        Ok(Err(e)) => {
            // The change's own error is the one to report.
            if let Err(undo) = s.finish_level(false) {
                tracing::error!(error = %undo, "rolling back a failed write");
            }
            Err(e)
        }
        Err(panic) => {
            if let Err(undo) = s.finish_level(false) {
                tracing::error!(error = %undo, "rolling back after a panic");
            }
            std::panic::resume_unwind(panic)
        }
    }
}

/// Conveniences every backend gets from `Storage`.
pub trait Store: Storage {
    /// Run `f` on the rows atomically (see `atomically`).
    fn write_rows<T>(&mut self, f: impl FnOnce(&dyn Db) -> Result<T>) -> Result<T> {
        atomically(self, |s| f(s.db()))
    }

    /// Insert or replace signals by id, all in one transaction: all of them are written or none.
    fn upsert_signals(&mut self, signals: &[Signal]) -> Result<UpsertReport> {
        self.write_rows(|db| {
            let mut report = UpsertReport::default();
            for s in signals {
                if db.put_signal(s)? {
                    report.inserted += 1;
                } else {
                    report.updated += 1;
                }
            }
            Ok(report)
        })
    }

    fn get_signal(&self, id: &str) -> Result<Option<Signal>> {
        self.db().get_signal(id)
    }

    fn list_signals(&self, filter: &ListFilter) -> Result<Vec<Signal>> {
        self.db().list_signals(filter)
    }

    fn count_signals(&self) -> Result<u64> {
        self.db().count_signals()
    }

    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()> {
        self.db().for_each_signal(f)
    }

    fn list_users(&self) -> Result<Vec<User>> {
        self.db().list_users()
    }

    fn find_user(&self, who: &str) -> Result<Option<User>> {
        self.db().find_user(who)
    }

    fn add_user(&mut self, user: &User) -> Result<()> {
        self.write_rows(|db| db.insert_user(user))
    }
}

impl<S: Storage + ?Sized> Store for S {}

/// A store by its location: a SQLite path, or a `postgres://` / `postgresql://` URL. Every face opens stores through the engine, which
/// calls this.
pub fn open(location: &std::path::Path) -> Result<Box<dyn Storage>> {
    let s = location.to_string_lossy();
    if postgres::is_url(&s) {
        return Ok(Box::new(postgres::PgStore::open(&s)?));
    }
    Ok(Box::new(SqliteStore::open(location)?))
}
