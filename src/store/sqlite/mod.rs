//! The embedded SQLite store: WAL, migrations on open, one transaction per multi-row change.
mod atomic;
pub mod audit;
pub mod blocks;
mod bulk;
pub mod cases;
mod catalog;
mod checkpoint;
mod copy;
pub mod denylist;
mod detect;
pub mod incidents;
mod keys;
mod migrations;
pub mod notify_queue;
pub mod notify_rules;
mod ops;
mod server_schema;
pub mod signals;
pub mod users;
pub mod workflow_runs;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use atomic::atomically;
pub use migrations::MIGRATIONS;

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// The open levels of `Storage::begin`, innermost last: true for a savepoint.
    levels: Vec<bool>,
    /// Set for a long-lived writer (`checkpoint_in_background`); stopped when the store is dropped.
    checkpointer: Option<checkpoint::Checkpointer>,
}

impl SqliteStore {
    /// One transaction-control statement, prepared once per connection: a server's writer opens
    /// and closes several levels per change, and parsing each anew showed in its profile.
    fn run(&self, sql: &str) -> Result<()> {
        self.conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    }

    /// Open (creating it and its directory if needed) and migrate the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Store(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Store(format!("cannot open {}: {e}", path.display())))?;
        // Several sigscope processes share one file (explorer, CLI, serve): wait for the lock
        // rather than failing at once.
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed change survives a power cut, not only a crash of the process (WAL's
        // NORMAL may lose the last commits). The server's writer commits its changes in groups,
        // so the flush is paid once per group, not per change.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // One triage change runs more distinct statements than rusqlite's default cache of 16
        // holds, so each change re-parsed some of them (SQLite's parser showed in its profile); 128
        // holds every statement the code prepares.
        conn.set_prepared_statement_cache_capacity(128);
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            levels: Vec::new(),
            checkpointer: None,
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let newest = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
        if current > newest {
            return Err(Error::Store(format!(
                "{} has schema version {current}, newer than this sigscope knows ({newest}); upgrade sigscope",
                self.path.display()
            )));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tx.execute_batch(sql)
                .map_err(|e| Error::Store(format!("migration {version}: {e}")))?;
            tx.pragma_update(None, "user_version", version)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Run `f` atomically: one IMMEDIATE transaction (the write lock is taken up front, so two
    /// processes changing the same rows serialise instead of failing half-way), or a savepoint inside
    /// the caller's transaction when one is open. `f`'s error rolls it all back.
    pub fn write<T>(&mut self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        atomically(&self.conn, f)
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl crate::store::Storage for SqliteStore {
    fn db(&self) -> &dyn crate::store::Db {
        &self.conn
    }

    fn begin(&mut self) -> Result<()> {
        // A transaction opened outside these levels (the remote cache's `atomically`) nests too.
        let savepoint = !self.conn.is_autocommit();
        self.run(if savepoint {
            "SAVEPOINT sigscope_level"
        } else {
            "BEGIN IMMEDIATE"
        })?;
        self.levels.push(savepoint);
        Ok(())
    }

    fn finish(&mut self, keep: bool) -> Result<()> {
        let Some(savepoint) = self.levels.pop() else {
            return Err(Error::Store("finish without begin".into()));
        };
        let sql = match (savepoint, keep) {
            (true, true) => "RELEASE sigscope_level",
            (true, false) => {
                self.run("ROLLBACK TO sigscope_level")?;
                "RELEASE sigscope_level"
            }
            (false, true) => {
                if let Err(e) = self.run("COMMIT") {
                    // A COMMIT that failed (busy, disk full) leaves the transaction open: undo it
                    // so the next change does not nest inside a dead one.
                    if !self.conn.is_autocommit() {
                        let _ = self.conn.execute_batch("ROLLBACK");
                    }
                    return Err(e);
                }
                return Ok(());
            }
            // SQLite may have rolled back already (a failed COMMIT, some I/O errors).
            (false, false) if self.conn.is_autocommit() => return Ok(()),
            (false, false) => "ROLLBACK",
        };
        self.run(sql)
    }

    fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn checkpoint(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }

    fn checkpoint_in_background(&mut self) -> Result<()> {
        if self.checkpointer.is_none() {
            self.conn.pragma_update(
                None,
                "wal_autocheckpoint",
                checkpoint::WRITER_AUTOCHECKPOINT,
            )?;
            self.checkpointer = Some(checkpoint::Checkpointer::start(&self.path)?);
        }
        Ok(())
    }

    fn begin_bulk(&mut self) -> Result<bool> {
        bulk::begin(
            &self.conn,
            self.in_transaction() || self.checkpointer.is_some(),
        )
    }

    fn end_bulk(&mut self) -> Result<()> {
        bulk::end(&self.conn, &self.path)
    }
}

/// Times are stored as epoch milliseconds.
pub(crate) fn to_ms(t: &chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> Result<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| Error::Store(format!("time out of range: {ms} ms")))
}
