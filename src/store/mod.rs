//! Where signals live. `Store` is what the engine and the faces see; `sqlite` is the embedded default.
pub mod sqlite;

use crate::error::Result;
use crate::model::{Signal, User};
use chrono::{DateTime, Utc};

pub use sqlite::SqliteStore;

/// Which signals to list, by time alone; queries are evaluated by `query/` over the in-memory index.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Oldest first when true; newest first (the explorer's order) otherwise.
    pub ascending: bool,
    /// `None` means all.
    pub limit: Option<usize>,
}

/// What an upsert did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpsertReport {
    pub inserted: usize,
    pub updated: usize,
}

pub trait Store {
    /// Insert or replace signals by id, all in one transaction: all of them are written or none.
    fn upsert_signals(&mut self, signals: &[Signal]) -> Result<UpsertReport>;
    fn get_signal(&self, id: &str) -> Result<Option<Signal>>;
    fn list_signals(&self, filter: &ListFilter) -> Result<Vec<Signal>>;
    fn count_signals(&self) -> Result<u64>;
    /// Visit every signal, newest first, without holding them all in memory.
    fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()>;
    fn list_users(&self) -> Result<Vec<User>>;
    /// A user by uuid or handle (email), case-insensitively for the handle.
    fn find_user(&self, who: &str) -> Result<Option<User>>;
    fn add_user(&mut self, user: &User) -> Result<()>;
}
