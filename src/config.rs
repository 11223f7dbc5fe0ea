//! The user's config file (`config.toml`); every setting is documented in `config.example.toml`.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Config {
    /// The acting user for a local store (an email), when neither `--as` nor `SIGSCOPE_USER` is set.
    #[serde(default)]
    pub user: Option<String>,
    /// The store file; defaults to the XDG data dir's `signals.db`.
    #[serde(default)]
    pub store: Option<PathBuf>,
    /// Sections later features own (`[ui]`, `[keys]`, `[remote]`, `[views]`...), kept as TOML so each
    /// module reads its own without this file knowing them all.
    #[serde(flatten)]
    pub sections: toml::Table,
}

impl Config {
    /// Read the config at `path`; a missing file is an empty config, a malformed one an error naming it.
    pub fn load(path: &Path) -> Result<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| Error::Invalid(format!("config {}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::Io(format!("config {}: {e}", path.display()))),
        }
    }

    /// One section, deserialised; a missing section is the type's default.
    pub fn section<T: serde::de::DeserializeOwned + Default>(&self, name: &str) -> Result<T> {
        match self.sections.get(name) {
            None => Ok(T::default()),
            Some(v) => v
                .clone()
                .try_into()
                .map_err(|e| Error::Invalid(format!("config section [{name}]: {e}"))),
        }
    }
}

impl Config {
    /// The triage SLA targets: `[sla]` over the defaults (critical 1h, high 4h, medium 1d, low 3d,
    /// info 7d).
    pub fn sla_targets(&self) -> Result<crate::query::SlaTargets> {
        self.section::<crate::query::SlaConfig>("sla")?
            .targets()
            .map_err(Error::Invalid)
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "sigscope")
}

/// `~/.local/share/sigscope/signals.db` on Linux.
pub fn default_store_path() -> PathBuf {
    project_dirs()
        .map(|d| d.data_dir().join("signals.db"))
        .unwrap_or_else(|| PathBuf::from("signals.db"))
}

/// `~/.config/sigscope/config.toml` on Linux.
pub fn default_config_path() -> PathBuf {
    project_dirs()
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("sigscope.toml"))
}

/// `~/.config/sigscope/` on Linux: user workflows live under it.
pub fn config_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
}
