//! The PostgreSQL connection the row traits run on: one synchronous client (the engine is
//! synchronous; the server calls it from blocking threads) with a cache of prepared statements, so a
//! command costs one round trip per statement, not two.
use crate::error::{Error, Result};
use postgres::types::{FromSql, ToSql};
use postgres::{Client, Row, Statement};
use std::cell::RefCell;
use std::collections::HashMap;

pub type Param<'a> = &'a (dyn ToSql + Sync);

struct Inner {
    client: Client,
    statements: HashMap<String, Statement>,
    /// How to connect again when the server dropped the connection (a restart, a fail-over).
    config: postgres::Config,
    /// Open `begin` levels: a lost connection inside a transaction is an error, not a reconnect.
    depth: usize,
}

/// The rows of a PostgreSQL store. `RefCell`: the row traits take `&self` (a transaction is one
/// handle), while the client needs `&mut` for every call; the engine owns it on one thread at a time.
pub struct PgDb {
    /// `None` only while being dropped (see `Drop`).
    inner: RefCell<Option<Inner>>,
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => Error::Store(format!(
                "PostgreSQL: {} ({})",
                db.message(),
                db.code().code()
            )),
            None => Error::Store(format!("PostgreSQL: {e}")),
        }
    }
}

impl PgDb {
    pub fn connect(config: postgres::Config) -> Result<PgDb> {
        let client = if in_async_context() {
            // See `with`: the client's own runtime must not start on an async thread.
            let c = &config;
            std::thread::scope(|s| s.spawn(move || c.connect(postgres::NoTls)).join())
                .map_err(|_| Error::Store("PostgreSQL connect panicked".into()))??
        } else {
            config.connect(postgres::NoTls)?
        };
        Ok(PgDb {
            inner: RefCell::new(Some(Inner {
                client,
                statements: HashMap::new(),
                config,
                depth: 0,
            })),
        })
    }

    fn with<T: Send>(&self, f: impl Fn(&mut Inner) -> Result<T> + Send + Sync) -> Result<T> {
        let mut guard = self.borrow()?;
        let inner = guard
            .as_mut()
            .ok_or_else(|| Error::Store("PostgreSQL connection closed".into()))?;
        let reconnect = |inner: &mut Inner| -> Result<()> {
            inner.client = inner.config.connect(postgres::NoTls)?;
            // Prepared statements belonged to the old session.
            inner.statements.clear();
            Ok(())
        };
        let run = |inner: &mut Inner| {
            // Outside a transaction nothing is lost by connecting again.
            if inner.client.is_closed() && inner.depth == 0 {
                reconnect(inner)?;
            }
            match f(inner) {
                // The server went away since the last call (a restart, a fail-over): the client
                // learns it only now, from this call's failure. Outside a transaction the call is
                // made once more on a new connection, so a database restart costs no request.
                Err(_) if inner.client.is_closed() && inner.depth == 0 => {
                    reconnect(inner)?;
                    f(inner)
                }
                out => out,
            }
        };
        if in_async_context() {
            // The synchronous client blocks on its own runtime, which tokio forbids on a thread
            // that is running async tasks; such a caller (a test body, a stray call on a server
            // worker) gets the call made on a plain thread instead of a panic.
            return std::thread::scope(|s| s.spawn(move || run(inner)).join())
                .map_err(|_| Error::Store("PostgreSQL call panicked".into()))?;
        }
        run(inner)
    }

    fn borrow(&self) -> Result<std::cell::RefMut<'_, Option<Inner>>> {
        self.inner
            .try_borrow_mut()
            .map_err(|_| Error::Store("PostgreSQL connection used re-entrantly".into()))
    }

    /// Track `begin`/`finish` levels (see `Inner::depth`).
    pub fn set_depth(&self, depth: usize) {
        if let Ok(mut guard) = self.inner.try_borrow_mut() {
            if let Some(i) = guard.as_mut() {
                i.depth = depth;
            }
        }
    }

    fn statement(inner: &mut Inner, sql: &str) -> Result<Statement> {
        if let Some(s) = inner.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = inner.client.prepare(sql)?;
        inner.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// The parameter types PostgreSQL inferred for a statement.
    pub fn param_types(&self, sql: &str) -> Result<Vec<postgres::types::Type>> {
        self.with(|i| Ok(Self::statement(i, sql)?.params().to_vec()))
    }

    /// Run statements with no parameters and no rows (DDL, BEGIN/COMMIT).
    pub fn batch(&self, sql: &str) -> Result<()> {
        self.with(|i| Ok(i.client.batch_execute(sql)?))
    }

    /// One statement; the number of rows it changed.
    pub fn exec(&self, sql: &str, params: &[Param]) -> Result<u64> {
        self.with(|i| {
            let s = Self::statement(i, sql)?;
            Ok(i.client.execute(&s, params)?)
        })
    }

    pub fn rows(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        self.with(|i| {
            let s = Self::statement(i, sql)?;
            Ok(i.client.query(&s, params)?)
        })
    }

    pub fn opt(&self, sql: &str, params: &[Param]) -> Result<Option<Row>> {
        self.with(|i| {
            let s = Self::statement(i, sql)?;
            Ok(i.client.query_opt(&s, params)?)
        })
    }

    /// The first column of the one row a statement answers (COUNT, MAX, RETURNING id...).
    pub fn one<T: for<'a> FromSql<'a>>(&self, sql: &str, params: &[Param]) -> Result<T> {
        let row = self.with(|i| {
            let s = Self::statement(i, sql)?;
            Ok(i.client.query_one(&s, params)?)
        })?;
        get(&row, 0)
    }

    /// Stream a query's rows to `f` as they arrive, without holding them all; `f` answers false to
    /// stop (the rest is discarded by the client).
    pub fn each(
        &self,
        sql: &str,
        params: &[Param],
        f: &mut dyn FnMut(&Row) -> Result<bool>,
    ) -> Result<()> {
        if in_async_context() {
            // `f` cannot cross to the helper thread `with` uses there: read the rows first.
            for r in self.rows(sql, params)? {
                if !f(&r)? {
                    break;
                }
            }
            return Ok(());
        }
        let mut guard = self.borrow()?;
        let inner = guard
            .as_mut()
            .ok_or_else(|| Error::Store("PostgreSQL connection closed".into()))?;
        use postgres::fallible_iterator::FallibleIterator;
        let s = Self::statement(inner, sql)?;
        let mut it = inner.client.query_raw(&s, params.iter().copied())?;
        while let Some(r) = it.next()? {
            if !f(&r)? {
                break;
            }
        }
        Ok(())
    }

    pub fn is_closed(&self) -> bool {
        self.inner
            .try_borrow()
            .map(|i| i.as_ref().is_none_or(|i| i.client.is_closed()))
            .unwrap_or(false)
    }
}

/// Whether this thread is running async tasks, where the client's blocking call panics (tokio
/// refuses to start a runtime there). A thread inside a runtime's context may still block — the
/// server calls the engine on `spawn_blocking` threads — and tokio offers no question that tells
/// the two apart, so the first call on such a thread asks tokio itself (starting an empty runtime,
/// which panics only where blocking is forbidden) and the answer is kept for the thread.
fn in_async_context() -> bool {
    use std::cell::Cell;
    thread_local! {
        static ASYNC: Cell<Option<bool>> = const { Cell::new(None) };
    }
    if tokio::runtime::Handle::try_current().is_err() {
        return false;
    }
    ASYNC.with(|known| {
        if let Some(v) = known.get() {
            return v;
        }
        let probe = || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .map(|rt| rt.block_on(async {}))
        };
        // Quiet: the expected panic is an answer, not an error worth printing.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let refused = std::panic::catch_unwind(probe).is_err();
        std::panic::set_hook(hook);
        known.set(Some(refused));
        refused
    })
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let Some(inner) = self.inner.get_mut().take() else {
            return;
        };
        if in_async_context() {
            // Closing the client blocks on its runtime: do it where that is allowed.
            std::thread::scope(|s| {
                s.spawn(move || drop(inner));
            });
        }
    }
}

/// A column by index, as an error (never a panic) when the stored type is not the one expected.
pub fn get<T: for<'a> FromSql<'a>>(row: &Row, idx: usize) -> Result<T> {
    row.try_get(idx)
        .map_err(|e| Error::Store(format!("PostgreSQL: column {idx}: {e}")))
}

/// A count or size for the database (BIGINT), refusing what does not fit.
pub fn int(n: usize) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Invalid(format!("{n} is too large")))
}

/// A stored count back to an unsigned size; negative counts cannot happen and read as 0.
pub fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::in_async_context;

    #[test]
    fn async_threads_are_told_from_blocking_ones() {
        assert!(!in_async_context(), "a plain thread");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        rt.block_on(async {
            assert!(in_async_context(), "an async task's thread");
            let on_blocking = tokio::task::spawn_blocking(in_async_context).await.unwrap();
            assert!(!on_blocking, "a spawn_blocking thread may block");
        });
    }
}
