//! Remote stores: a `sigscope serve` team server or the vendor's API, behind a local SQLite cache so
//! the explorer opens at once and keeps reading offline; writes wait in a durable outbox.
//!
//! The explorer's use: `Remote::open(..)`, `remote.spawn()` inside a tokio runtime, read through the
//! `Store` impl (the cache), write with `set_state` / `assign` / `set_incidents`, show
//! `remote.status()` (a watch channel of `SyncStatus`) and `remote.problems()` (conflicts).
pub mod api;
pub mod cache;
pub mod client;
pub mod config;
pub mod outbox;
mod stats;
pub mod sync;

pub use cache::{Problem, Remote, RemoteOptions};
pub use client::{Client, ClientError, Credentials, Endpoint, Flavor};
pub use config::{resolve, RemoteConfig, RemoteSetup};
pub use sync::{SyncState, SyncStatus};
