//! The PostgreSQL store (issue 15): the same rows as SQLite's, for teams that run several `serve`
//! replicas on one database. Every write transaction takes one cluster-wide advisory lock first —
//! PostgreSQL's counterpart of SQLite's `BEGIN IMMEDIATE` — so the engine's read-check-write commands
//! (optimistic versions, idempotency records, autoblock, the notification queue) serialise across
//! replicas exactly as they do across processes on one SQLite file, and sequences grow in commit
//! order, which is what the change feed follows.
mod audit;
mod blocks;
mod cases;
mod catalog;
mod conn;
mod copy;
mod denylist;
mod detect;
mod incidents;
mod keys;
pub mod listen;
mod migrations;
mod notify;
mod ops;
mod signals;
mod users;
mod workflow_runs;

use crate::error::{Error, Result};
pub use conn::PgDb;
pub use migrations::MIGRATIONS;

/// `pg_advisory_xact_lock` key of the write lock ("sigscope" in ASCII, truncated to 63 bits).
const WRITE_LOCK: i64 = 0x7369_6773_636f_7065;
/// `pg_advisory_lock` key held while one replica migrates.
const MIGRATE_LOCK: i64 = 0x7369_6773_6d69_6772;

/// Whether a store location names a PostgreSQL database.
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

pub struct PgStore {
    db: PgDb,
    /// How to connect (the change listener opens its own connection).
    config: postgres::Config,
    location: String,
    /// Open levels of `Storage::begin`.
    levels: usize,
}

impl PgStore {
    /// Connect to `url` and bring its schema to this build's version (whichever replica gets the
    /// migration lock first migrates; the others wait, then find nothing to do).
    pub fn open(url: &str) -> Result<PgStore> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| Error::Usage(format!("store URL {}: {e}", redact(url))))?;
        let db = PgDb::connect(config.clone())
            .map_err(|e| Error::Store(format!("cannot connect to {}: {e}", redact(url))))?;
        let store = PgStore {
            db,
            config,
            location: redact(url),
            levels: 0,
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn db_handle(&self) -> &PgDb {
        &self.db
    }

    fn migrate(&self) -> Result<()> {
        self.db
            .exec("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])?;
        let out = self.migrate_locked();
        let unlock = self
            .db
            .exec("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK]);
        out?;
        unlock?;
        Ok(())
    }

    fn migrate_locked(&self) -> Result<()> {
        self.db.batch(
            "CREATE TABLE IF NOT EXISTS sigscope_schema (version BIGINT NOT NULL);
             INSERT INTO sigscope_schema (version)
               SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM sigscope_schema);",
        )?;
        let current: i64 = self
            .db
            .one("SELECT MAX(version) FROM sigscope_schema", &[])?;
        let newest = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
        if current > newest {
            return Err(Error::Store(format!(
                "{} has schema version {current}, newer than this sigscope knows ({newest}); upgrade sigscope",
                self.location
            )));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            self.db.batch("BEGIN")?;
            let step = self
                .db
                .batch(sql)
                .and_then(|_| {
                    self.db
                        .exec("UPDATE sigscope_schema SET version = $1", &[version])
                })
                .and_then(|_| self.db.batch("COMMIT"));
            if let Err(e) = step {
                let _ = self.db.batch("ROLLBACK");
                return Err(Error::Store(format!("migration {version}: {e}")));
            }
        }
        Ok(())
    }
}

/// The URL without its password, for messages and `location()`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    let user = userinfo.split(':').next().unwrap_or("");
    format!("{scheme}://{user}@{host}")
}

impl crate::store::Storage for PgStore {
    fn db(&self) -> &dyn crate::store::Db {
        &self.db
    }

    fn begin(&mut self) -> Result<()> {
        if self.levels == 0 {
            // One round trip for both (the key is our constant, not input). Sent at depth 0, so a
            // connection the database dropped is replaced first: nothing is open on it yet.
            let begin = format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})");
            if let Err(e) = self.db.batch(&begin) {
                let _ = self.db.batch("ROLLBACK");
                return Err(e);
            }
        } else {
            self.db.batch("SAVEPOINT sigscope_level")?;
        }
        self.levels += 1;
        self.db.set_depth(self.levels);
        Ok(())
    }

    fn finish(&mut self, keep: bool) -> Result<()> {
        if self.levels == 0 {
            return Err(Error::Store("finish without begin".into()));
        }
        self.levels -= 1;
        let sql = match (self.levels == 0, keep) {
            (false, true) => "RELEASE sigscope_level",
            (false, false) => "ROLLBACK TO sigscope_level; RELEASE sigscope_level",
            // Other replicas' change feeds hear of it on commit (see `listen`).
            (true, true) => {
                "SELECT pg_notify('sigscope_changes', COALESCE(MAX(seq), 0)::text) FROM audit; COMMIT"
            }
            (true, false) => "ROLLBACK",
        };
        let out = self.db.batch(sql);
        if self.levels == 0 && out.is_err() && keep {
            // A COMMIT that failed leaves nothing open on the server; be sure of it.
            let _ = self.db.batch("ROLLBACK");
        }
        self.db.set_depth(self.levels);
        out
    }

    fn in_transaction(&self) -> bool {
        self.levels > 0
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn checkpoint(&self) -> Result<()> {
        // The server keeps its own WAL; nothing is kept aside client-side.
        Ok(())
    }

    fn follow_changes(
        &self,
        on_change: Box<dyn Fn(i64) + Send>,
    ) -> Result<Option<crate::store::ChangeFollower>> {
        let f = listen::follow(self.config.clone(), on_change)?;
        Ok(Some(crate::store::ChangeFollower(Box::new(f))))
    }
}

/// Times are stored as epoch milliseconds, as in SQLite.
pub(crate) fn from_ms(ms: i64) -> Result<chrono::DateTime<chrono::Utc>> {
    crate::store::sqlite::from_ms(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_loses_its_password_in_messages() {
        assert_eq!(
            redact("postgres://ana:s3cret@db.internal:5432/sigscope"),
            "postgres://ana@db.internal:5432/sigscope"
        );
        assert_eq!(redact("postgres://db/sigscope"), "postgres://db/sigscope");
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("postgresql://h/db"));
        assert!(!is_url("/var/lib/sigscope/signals.db"));
    }
}
