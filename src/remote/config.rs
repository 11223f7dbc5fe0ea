//! `--remote URL` / `--site SITE` / the config's `[remote]` section → an endpoint, keys and a cache
//! file. Keys come from `DD_API_KEY` / `DD_APP_KEY`, else the config, which must then be readable
//! by its owner only.
use super::client::{Credentials, Endpoint};
use crate::config::Config;
use crate::error::{Error, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteConfig {
    /// A `sigscope serve` URL.
    pub url: Option<String>,
    /// Or the vendor's site (`datadoghq.com`, `datadoghq.eu`...).
    pub site: Option<String>,
    pub api_key: Option<String>,
    pub app_key: Option<String>,
    /// The local cache (default: the data dir's `remote-<hash>.db`).
    pub cache: Option<PathBuf>,
    /// Vendor mode: the Case Management project new cases go to.
    pub project_id: Option<String>,
    /// Days the first sync reaches back (default 14).
    pub window_days: Option<i64>,
}

/// Everything needed to open a `Remote`.
#[derive(Debug)]
pub struct RemoteSetup {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
    pub cache: PathBuf,
    pub config: RemoteConfig,
}

/// Refuse a config file that holds a key and that others can read.
pub fn check_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::Io(format!("config {}: {e}", path.display())))?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Error::Usage(format!(
                "config {} holds a key but is readable by other users (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    Ok(())
}

/// One cache (and so one outbox) per (remote, user): two analysts sharing a data folder must
/// never replay each other's offline changes under their own key. The user is told apart by a hash
/// of the keys, never the keys themselves (the file name is visible to every user of the machine).
fn default_cache(endpoint: &Endpoint, creds: &Credentials) -> PathBuf {
    let tag = hex::encode(&Sha256::digest(endpoint.base.as_bytes())[..6]);
    let who = super::cache::owner_tag(creds);
    let name = format!("remote-{tag}-{who}.db");
    crate::config::default_store_path()
        .parent()
        .map(|d| d.join(&name))
        .unwrap_or_else(|| PathBuf::from(&name))
}

/// `None` when neither the flags nor the config name a remote: the local store is used.
/// `DD_SITE`, when set and not empty.
pub fn env_site() -> Option<String> {
    std::env::var("DD_SITE")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub fn resolve(
    cli_remote: Option<&str>,
    cli_site: Option<&str>,
    config: &Config,
    config_path: &Path,
) -> Result<Option<RemoteSetup>> {
    let rc: RemoteConfig = config.section("remote")?;
    let endpoint = match (cli_remote, cli_site, &rc.url, &rc.site) {
        (Some(u), _, _, _) => Endpoint::sigscope(u)?,
        (None, Some(s), _, _) => Endpoint::vendor(s)?,
        (None, None, Some(u), _) => Endpoint::sigscope(u)?,
        (None, None, None, Some(s)) => Endpoint::vendor(s)?,
        // As the vendor's own clients do: DD_SITE names the site, with DD_API_KEY and DD_APP_KEY
        // beside it (DD_SITE alone does not move anyone off their local store).
        (None, None, None, None) => match env_site() {
            Some(s) if Credentials::from_env().is_some() => Endpoint::vendor(&s)?,
            _ => return Ok(None),
        },
    };
    let credentials = match Credentials::from_env() {
        Some(c) => c,
        None => match (&rc.api_key, &rc.app_key) {
            (Some(a), Some(b)) => {
                check_private(config_path)?;
                Credentials {
                    api_key: a.clone(),
                    app_key: b.clone(),
                }
            }
            _ => {
                return Err(Error::Usage(format!(
                    "{} needs keys: set DD_API_KEY and DD_APP_KEY (from `sigscope keys create` on the server), \
                     or api_key/app_key in [remote] of {}",
                    endpoint.base,
                    config_path.display()
                )))
            }
        },
    };
    if rc.api_key.is_some() || rc.app_key.is_some() {
        check_private(config_path)?;
    }
    let cache = rc
        .cache
        .clone()
        .unwrap_or_else(|| default_cache(&endpoint, &credentials));
    Ok(Some(RemoteSetup {
        endpoint,
        credentials,
        cache,
        config: rc,
    }))
}

impl RemoteSetup {
    /// Open the cache-backed remote store (no network until `spawn`).
    pub fn open(&self) -> Result<super::Remote> {
        let mut opts = super::RemoteOptions::default();
        if let Some(d) = self.config.window_days {
            opts.window =
                crate::timing::days(d, "[remote] window_days", crate::timing::WINDOW_DAYS)?;
        }
        super::Remote::open(
            &self.cache,
            self.endpoint.clone(),
            self.credentials.clone(),
            opts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_world_readable_config_with_a_key_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[remote]\nurl = \"http://127.0.0.1:7878\"\napi_key = \"k1\"\napp_key = \"k2\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let cfg = Config::load(&path).unwrap();
        let err = resolve(None, None, &cfg, &path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(
            !err.contains("k1") && !err.contains("k2"),
            "keys never in errors"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        if std::env::var("DD_API_KEY").is_err() {
            let setup = resolve(None, None, &cfg, &path).unwrap().unwrap();
            assert_eq!(setup.endpoint.base, "http://127.0.0.1:7878");
            assert_eq!(setup.credentials.api_key, "k1");
        }
    }

    #[test]
    fn no_remote_means_local() {
        let cfg = Config::default();
        assert!(resolve(None, None, &cfg, Path::new("/nonexistent"))
            .unwrap()
            .is_none());
    }
}
