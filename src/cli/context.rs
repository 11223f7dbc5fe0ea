//! What every subcommand needs: the config, the store path and who is acting.
use super::Cli;
use crate::config::{self, Config};
use crate::engine::Engine;
use crate::error::Result;
use crate::model::User;
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

    /// The engine on this context's store.
    pub fn open_engine(&self) -> Result<Engine> {
        let mut engine = Engine::open(&self.store_path)?;
        crate::denylist::config::DenylistConfig::from_config(&self.config)?.apply(&mut engine)?;
        engine.set_notify_config(crate::notify::NotifyConfig::from_config(&self.config)?);
        Ok(engine)
    }

    /// The engine and the user reading: a known user, or a Read Only guest for a name the store
    /// does not know (see `Engine::resolve_reader`). Every read command resolves its reader here, so
    /// what one read allows, the others allow too.
    ///
    /// A read never creates a store: a mistyped `--store` is an error, not an empty answer.
    pub fn engine_as_reader(&self) -> Result<(Engine, User)> {
        if !crate::engine::is_store_url(&self.store_path) && !self.store_path.exists() {
            return Err(crate::error::Error::NotFound(format!(
                "no store at {} (check --store or SIGSCOPE_STORE; `sigscope import` creates one)",
                self.store_path.display()
            )));
        }
        let mut engine = self.open_engine()?;
        let reader = engine.resolve_reader(self.acting.as_deref())?;
        Ok((engine, reader))
    }

    /// The engine and the acting user, for a command that writes.
    pub fn engine_as_actor(&self) -> Result<(Engine, User)> {
        let mut engine = self.open_engine()?;
        let actor = engine.resolve_actor(self.acting.as_deref())?;
        Ok((engine, actor))
    }
}
