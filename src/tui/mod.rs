//! The explorer: `sigscope` with no subcommand.
//!
//! State (`app`), actions (`action`), `update` and drawing (`view`) are apart; `runtime` owns the
//! terminal and runs every backend call in a tokio task that reports back over a channel.
pub mod action;
pub mod app;
pub mod backend;
pub mod clock;
mod conflict_row;
pub mod detail;
pub mod editor;
pub mod form;
pub mod harness;
pub mod intent;
pub mod keys;
pub mod lists;
pub mod local;
mod local_rows;
pub mod query_edit;
pub mod records;
pub mod remote;
pub mod runtime;
pub mod said;
pub mod sort;
pub mod stats;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;
pub mod views;

pub use app::{App, Options};
pub use backend::Backend;
pub use local::LocalBackend;
pub use remote::RemoteBackend;
pub use runtime::run;

use crate::config::Config;
use crate::error::Result;
use serde::Deserialize;

/// The config's `[ui]` section.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// `truecolor`, `256`, `16` or `mono`; unset picks from NO_COLOR, COLORTERM and TERM.
    pub theme: Option<theme::Palette>,
    /// Mouse reporting (off by default: it steals the terminal's own selection).
    #[serde(default)]
    pub mouse: bool,
    /// The time range the explorer opens with (`15m` ... `30d`, `all`); default `7d`.
    pub range: Option<String>,
    /// The query the explorer opens with.
    pub query: Option<String>,
    /// Where the explorer logs while it runs; default the data dir's `explorer.log`.
    pub log: Option<std::path::PathBuf>,
    /// The zone times are shown in: `local` (default, from TZ), `UTC`, or an offset (`+02:00`).
    pub timezone: Option<String>,
}

/// The explorer's options from the config (`[ui]`, `[keys]`, `[views]`) and the command line.
pub fn options_from_config(
    config: &Config,
    read_only: bool,
    me: Option<&str>,
) -> Result<(Options, UiConfig)> {
    let ui: UiConfig = config.section("ui")?;
    let keys_cfg: keys::KeysConfig = config.section("keys")?;
    let keys = keys::KeyMap::new(&keys_cfg)?;
    let palette = theme::Palette::detect(ui.theme, &|k| std::env::var(k).ok());
    let range = match &ui.range {
        Some(r) => backend::TimeRange::parse(r).ok_or_else(|| {
            crate::Error::Invalid(format!(
                "config [ui] range: {r:?} is not one of 15m, 1h, 4h, 1d, 7d, 30d, all"
            ))
        })?,
        None => backend::TimeRange::Last(backend::RangePreset::D7),
    };
    if let Some(z) = &ui.timezone {
        let zone =
            clock::Zone::parse(z).map_err(|e| crate::Error::Invalid(format!("config [ui] {e}")))?;
        clock::set_zone(zone);
    }
    let opts = Options {
        read_only,
        mouse: ui.mouse,
        range,
        query: ui.query.clone().unwrap_or_default(),
        keys,
        theme: theme::Theme::new(palette),
        views: views::load(config, me)?,
        can_save: true,
    };
    Ok((opts, ui))
}

/// `sigscope` with no subcommand: the explorer over the store at `store`.
pub fn explore(
    config: &Config,
    config_path: &std::path::Path,
    store: &std::path::Path,
    acting: Option<&str>,
    read_only: bool,
) -> Result<()> {
    let wf = crate::workflow::WorkflowsConfig::from_config(config)?;
    let setup = local::WorkflowSetup {
        dir: wf
            .dir
            .clone()
            .unwrap_or_else(|| crate::workflow::def::user_dir(config_path)),
        link: crate::notify::NotifyConfig::from_config(config)?.signal_link,
        config: wf,
    };
    let backend = LocalBackend::open(store, acting)?
        .with_workflows(setup)
        .with_denylist(&crate::denylist::config::DenylistConfig::from_config(
            config,
        )?)?
        .with_sla(config.sla_targets()?)
        .with_notify(crate::notify::NotifyConfig::from_config(config)?);
    let me = backend.actor().handle.clone();
    let (opts, ui) = options_from_config(config, read_only, Some(&me))?;
    run(
        std::sync::Arc::new(backend),
        opts,
        Some(config_path.to_path_buf()),
        ui.log,
    )
}

/// `sigscope --remote URL` (or `--site`, or `[remote]` in the config): the explorer over a remote's
/// local cache, syncing in the background once the explorer runs.
pub fn explore_remote(
    config: &Config,
    config_path: &std::path::Path,
    setup: &crate::remote::RemoteSetup,
    acting: Option<&str>,
    read_only: bool,
) -> Result<()> {
    let backend = RemoteBackend::open(setup, acting)?;
    let (opts, ui) = options_from_config(config, read_only, acting)?;
    run(
        std::sync::Arc::new(backend),
        opts,
        Some(config_path.to_path_buf()),
        ui.log,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn ui_keys_and_views_come_from_the_config() {
        let c = config(
            "[ui]\ntheme = \"mono\"\nrange = \"1h\"\nquery = \"status:high\"\n\
             [keys]\nassign = \"A\"\n[views.sqli]\nquery = \"@appsec.type:sql_injection\"\n",
        );
        let (o, ui) = options_from_config(&c, true, Some("me@x")).unwrap();
        assert!(o.read_only && !ui.mouse);
        assert_eq!(o.theme.palette, theme::Palette::Mono);
        assert_eq!(o.range, backend::TimeRange::Last(backend::RangePreset::H1));
        assert_eq!(o.query, "status:high");
        assert_eq!(o.keys.first_key_of(keys::Cmd::Assign), "A");
        assert!(o.views.iter().any(|v| v.name == "sqli"));
        assert!(o
            .views
            .iter()
            .any(|v| v.name == "mine" && v.query.contains("me@x")));
    }

    #[test]
    fn bad_settings_are_named() {
        let e = options_from_config(&config("[ui]\nrange = \"2y\"\n"), false, None).unwrap_err();
        assert!(e.to_string().contains("range"), "{e}");
        let e = options_from_config(&config("[ui]\ncolour = 1\n"), false, None).unwrap_err();
        assert!(e.to_string().contains("[ui]"), "{e}");
    }
}
