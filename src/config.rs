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

/// Every top-level key and section the config may hold; anything else is a typo to report.
pub const KNOWN_KEYS: &[&str] = &[
    "user",
    "store",
    "notify",
    "workflows",
    "ui",
    "keys",
    "remote",
    "views",
];

/// The known name closest to `key`, when it is close enough to be what was meant.
pub fn nearest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

impl Config {
    /// Read the config at `path`; a missing file is an empty config, a malformed one an error naming
    /// it, and an unknown top-level key an error naming the nearest known one (a typo like
    /// `usr = "x"` must not quietly act as someone else).
    pub fn load(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(Error::Io(format!("config {}: {e}", path.display()))),
        };
        let cfg: Config = toml::from_str(&text)
            .map_err(|e| Error::Invalid(format!("config {}: {e}", path.display())))?;
        for key in cfg.sections.keys() {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                let hint = match nearest(key, KNOWN_KEYS) {
                    Some(k) => format!("; did you mean `{k}`?"),
                    None => format!(" (known: {})", KNOWN_KEYS.join(", ")),
                };
                return Err(Error::Invalid(format!(
                    "config {}: unknown key `{}`{hint}",
                    path.display(),
                    crate::sanitize::clean(key)
                )));
            }
        }
        Ok(cfg)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_with_the_nearest_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "usr = \"x@example.com\"\n").unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("unknown key `usr`") && e.contains("did you mean `user`"),
            "{e}"
        );
        std::fs::write(&p, "[notfy]\nmax_attempts = 3\n").unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("`notify`"), "{e}");
        std::fs::write(&p, "zzzzzzzz = 1\n").unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("known: user, store"), "{e}");
        std::fs::write(&p, "user = \"a@x\"\n[notify]\nmax_attempts = 3\n").unwrap();
        assert!(Config::load(&p).is_ok());
    }
}
