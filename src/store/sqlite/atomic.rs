//! All-or-nothing writes that nest: the outermost call holds an IMMEDIATE transaction, inner calls
//! are savepoints inside it. The server needs this to commit an engine command and the request's
//! idempotency record together, while the engine keeps committing on its own everywhere else.
use rusqlite::Connection;

/// Undoes an unfinished level on drop, so an error or a panic inside `f` leaves nothing behind.
struct Level<'a> {
    conn: &'a Connection,
    undo: &'static str,
    done: bool,
}

impl Drop for Level<'_> {
    fn drop(&mut self) {
        if !self.done {
            if let Err(e) = self.conn.execute_batch(self.undo) {
                tracing::error!(error = %e, "rolling back a failed write");
            }
        }
    }
}

/// Run `f` atomically on `conn`: in a new IMMEDIATE transaction (the write lock taken up front, so
/// two processes changing the same rows serialise instead of failing half-way), or in a savepoint
/// when a transaction is already open. `f`'s error undoes everything `f` wrote.
pub fn atomically<T, E>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<rusqlite::Error>,
{
    let (begin, undo, finish) = if conn.is_autocommit() {
        ("BEGIN IMMEDIATE", "ROLLBACK", "COMMIT")
    } else {
        (
            "SAVEPOINT sigscope_write",
            "ROLLBACK TO sigscope_write; RELEASE sigscope_write",
            "RELEASE sigscope_write",
        )
    };
    conn.execute_batch(begin)?;
    let mut level = Level {
        conn,
        undo,
        done: false,
    };
    let out = f(conn)?;
    conn.execute_batch(finish)?;
    level.done = true;
    Ok(out)
}
