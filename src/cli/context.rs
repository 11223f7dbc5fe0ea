//! What every subcommand needs: the config, the store path and who is acting.
use super::Cli;
use crate::config::{self, Config};
use crate::error::Result;
use crate::store::SqliteStore;
use std::path::PathBuf;

pub struct Context {
    pub config: Config,
    pub config_path: PathBuf,
    pub store_path: PathBuf,
    /// `--as`, else `SIGSCOPE_USER`, else the config's `user`; `None` leaves the choice to the engine.
    pub acting: Option<String>,
}

impl Context {
    pub fn new(cli: &Cli) -> Result<Context> {
        let config_path = cli
            .config
            .clone()
            .unwrap_or_else(config::default_config_path);
        let config = Config::load(&config_path)?;
        let store_path = cli
            .store
            .clone()
            .or_else(|| config.store.clone())
            .unwrap_or_else(config::default_store_path);
        let acting = cli
            .acting
            .clone()
            .or_else(|| {
                std::env::var("SIGSCOPE_USER")
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .or_else(|| config.user.clone());
        Ok(Context {
            config,
            config_path,
            store_path,
            acting,
        })
    }

    pub fn open_store(&self) -> Result<SqliteStore> {
        SqliteStore::open(&self.store_path)
    }
}
