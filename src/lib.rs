//! sigscope: a terminal Signals Explorer for application-security analysts.
//!
//! One embedded engine behind three faces (the explorer, the CLI, the team server); see
//! `README.md` and the module docs.
pub mod cli;
pub mod config;
pub mod demo;
pub mod denylist;
pub mod detect;
pub mod engine;
pub mod error;
pub mod fsutil;
pub mod import;
pub mod locks;
pub mod logging;
pub mod model;
pub mod notify;
pub mod query;
pub mod remote;
pub mod sanitize;
pub mod server;
pub mod store;
pub mod timing;
pub mod tui;
pub mod workflow;

pub use error::{Error, Result};
