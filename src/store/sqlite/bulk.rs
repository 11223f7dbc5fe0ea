//! A bulk write (an import) through a rollback journal instead of the WAL.
//!
//! In WAL mode every page an import writes goes to the WAL first and is copied into the database
//! file again at the checkpoint: a 100k-signal import wrote 850 MB for a 425 MB store, and the
//! final checkpoint alone took a second. A rollback journal keeps only the pages the write
//! changes that existed before (none, for rows appended to a new or growing store), so each new
//! page is written once. All or nothing still holds (the journal rolls back an interrupted write
//! on the next open), and `synchronous=FULL` still makes the commit durable.
//!
//! Leaving WAL needs every other connection to the file closed: SQLite refuses otherwise, and the
//! import then goes through the WAL like any other write. Nobody can open the store meanwhile
//! anyway (opening takes the write lock to migrate, which the import holds).
use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// The busy wait every connection of the store uses (see `SqliteStore::open`).
const BUSY: Duration = Duration::from_secs(10);

fn journal_mode(conn: &Connection, mode: &str) -> rusqlite::Result<String> {
    conn.query_row(&format!("PRAGMA journal_mode={mode}"), [], |r| r.get(0))
}

/// Switch to a rollback journal if nothing else has the store open; `busy` (a transaction is
/// open, or a server's checkpointer runs) says not to try. True if it switched.
pub fn begin(conn: &Connection, busy: bool) -> Result<bool> {
    if busy {
        return Ok(false);
    }
    // Not waiting: another connection is not going away for us, so a refusal is the answer.
    conn.busy_timeout(Duration::ZERO)?;
    let mode = journal_mode(conn, "DELETE");
    conn.busy_timeout(BUSY)?;
    Ok(matches!(mode, Ok(m) if m.eq_ignore_ascii_case("delete")))
}

/// Back to WAL after the bulk write, whatever its outcome.
pub fn end(conn: &Connection, path: &Path) -> Result<()> {
    let mode = journal_mode(conn, "WAL")?;
    if mode.eq_ignore_ascii_case("wal") {
        Ok(())
    } else {
        Err(Error::Store(format!(
            "{}: could not return to WAL mode after an import (journal mode is {mode})",
            path.display()
        )))
    }
}
