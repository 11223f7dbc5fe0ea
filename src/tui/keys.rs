//! The key table, as data: every bindable command with its default keys, help text and pane.
//! `[keys]` in the config replaces a command's keys (`assign = "A"`, `down = ["j", "Down"]`).
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    NextPane,
    Tab1,
    Tab2,
    Tab3,
    Tab4,
    PrevTab,
    NextTab,
    Search,
    TimeRange,
    ToggleFacets,
    Histogram,
    Exclude,
    Mark,
    MarkAll,
    Assign,
    State,
    Case,
    Incident,
    Workflow,
    BlockIps,
    BlockUsers,
    Refresh,
    Live,
    Copy,
    Palette,
    Help,
    Quit,
    TogglePanel,
    SortPrev,
    SortNext,
}

/// Where a command is listed in the help overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    Stream,
    Facets,
    Side,
}

pub struct Binding {
    pub cmd: Cmd,
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub help: &'static str,
    pub scope: Scope,
    /// Changes something: hidden under `--read-only`.
    pub changes: bool,
}

macro_rules! b {
    ($cmd:ident, $name:literal, [$($k:literal),*], $help:literal, $scope:ident, $changes:literal) => {
        Binding { cmd: Cmd::$cmd, name: $name, keys: &[$($k),*], help: $help, scope: Scope::$scope, changes: $changes }
    };
}

pub const TABLE: &[Binding] = &[
    b!(Up, "up", ["k", "Up"], "move up", Global, false),
    b!(Down, "down", ["j", "Down"], "move down", Global, false),
    b!(Top, "top", ["g", "Home"], "first row", Global, false),
    b!(Bottom, "bottom", ["G", "End"], "last row", Global, false),
    b!(PageUp, "page_up", ["PageUp"], "page up", Global, false),
    b!(
        PageDown,
        "page_down",
        ["PageDown"],
        "page down",
        Global,
        false
    ),
    b!(
        Open,
        "open",
        ["Enter"],
        "open signal / add facet value / jump to related",
        Global,
        false
    ),
    b!(Back, "back", ["Esc"], "close / back", Global, false),
    b!(NextPane, "next_pane", ["Tab"], "next pane", Global, false),
    b!(Search, "search", ["/"], "edit the query", Global, false),
    b!(TimeRange, "time_range", ["t"], "time range", Global, false),
    b!(
        ToggleFacets,
        "facets",
        ["f"],
        "show/hide facets",
        Global,
        false
    ),
    b!(
        Histogram,
        "histogram",
        ["h"],
        "signal-volume histogram on/off",
        Global,
        false
    ),
    b!(Refresh, "refresh", ["r"], "refresh", Global, false),
    b!(Live, "live", ["L"], "live updates on/off", Global, false),
    b!(Palette, "palette", [":"], "command palette", Global, false),
    b!(Help, "help", ["?"], "this help", Global, false),
    b!(
        TogglePanel,
        "panel",
        ["p"],
        "hide/show the side panel",
        Global,
        false
    ),
    b!(
        SortPrev,
        "sort_prev",
        ["<"],
        "previous sort order",
        Stream,
        false
    ),
    b!(
        SortNext,
        "sort_next",
        [">"],
        "next sort order",
        Stream,
        false
    ),
    b!(
        Quit,
        "quit",
        ["q"],
        "quit (Ctrl-C always quits)",
        Global,
        false
    ),
    b!(
        Exclude,
        "exclude",
        ["-"],
        "exclude the facet value",
        Facets,
        false
    ),
    b!(Mark, "mark", [" "], "mark for bulk actions", Stream, false),
    b!(
        MarkAll,
        "mark_all",
        ["*"],
        "mark every matching signal (Esc unmarks)",
        Stream,
        false
    ),
    b!(
        Copy,
        "copy",
        ["y"],
        "copy the signal id (OSC 52)",
        Stream,
        false
    ),
    b!(Assign, "assign", ["a"], "assign", Stream, true),
    b!(State, "state", ["s"], "set triage state", Stream, true),
    b!(Case, "case", ["c"], "new or existing case", Stream, true),
    b!(
        Incident,
        "incident",
        ["i"],
        "declare or join an incident",
        Stream,
        true
    ),
    b!(Workflow, "workflow", ["w"], "run a workflow", Stream, true),
    b!(
        BlockIps,
        "block_ips",
        ["b"],
        "block attacking IPs",
        Stream,
        true
    ),
    b!(
        BlockUsers,
        "block_users",
        ["u"],
        "block attacking users",
        Stream,
        true
    ),
    b!(Tab1, "tab_flow", ["1"], "Attack Flow tab", Side, false),
    b!(
        Tab2,
        "tab_activity",
        ["2"],
        "Activity Summary tab",
        Side,
        false
    ),
    b!(Tab3, "tab_rule", ["3"], "Rule Details tab", Side, false),
    b!(Tab4, "tab_related", ["4"], "Related tab", Side, false),
    b!(PrevTab, "prev_tab", ["["], "previous tab", Side, false),
    b!(NextTab, "next_tab", ["]"], "next tab", Side, false),
];

/// A key as the table spells it: a character, or a name (`Enter`, `PageDown`, `F5`), Ctrl as `C-x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

pub fn parse_key(s: &str) -> Option<Key> {
    let (ctrl, rest) = match s.strip_prefix("C-").or_else(|| s.strip_prefix("Ctrl-")) {
        Some(r) => (true, r),
        None => (false, s),
    };
    let code = match rest {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Space" => KeyCode::Char(' '),
        "Backspace" => KeyCode::Backspace,
        "Delete" => KeyCode::Delete,
        f if f.len() > 1 && f.starts_with('F') => KeyCode::F(f[1..].parse().ok()?),
        c => {
            let mut it = c.chars();
            let ch = it.next()?;
            if it.next().is_some() {
                return None;
            }
            KeyCode::Char(ch)
        }
    };
    // Ctrl-H is Backspace on many terminals, so it cannot be bound.
    if ctrl && code == KeyCode::Char('h') {
        return None;
    }
    Some(Key { code, ctrl })
}

pub fn key_name(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if k.ctrl {
        format!("C-{base}")
    } else {
        base
    }
}

/// Config `[keys]`: a command name to one key or a list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct KeysConfig(pub HashMap<String, KeySpec>);

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct KeyMap {
    by_key: HashMap<Key, Cmd>,
    by_cmd: HashMap<Cmd, Vec<Key>>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap::new(&KeysConfig::default()).unwrap_or_else(|_| KeyMap {
            by_key: HashMap::new(),
            by_cmd: HashMap::new(),
        })
    }
}

impl KeyMap {
    /// The default table with the config's overrides; an unknown command or key is an error naming it.
    pub fn new(cfg: &KeysConfig) -> crate::Result<KeyMap> {
        let mut by_cmd: HashMap<Cmd, Vec<Key>> = HashMap::new();
        for b in TABLE {
            let keys = match cfg.0.get(b.name) {
                Some(spec) => {
                    let list = match spec {
                        KeySpec::One(s) => vec![s.clone()],
                        KeySpec::Many(v) => v.clone(),
                    };
                    let mut keys = Vec::new();
                    for s in list {
                        keys.push(parse_key(&s).ok_or_else(|| {
                            crate::Error::Invalid(format!(
                                "config [keys] {}: cannot bind {s:?} (a character, a key name like Enter or F5, or C-x; not Ctrl-H)",
                                b.name
                            ))
                        })?);
                    }
                    keys
                }
                None => b.keys.iter().filter_map(|s| parse_key(s)).collect(),
            };
            by_cmd.insert(b.cmd, keys);
        }
        for name in cfg.0.keys() {
            if !TABLE.iter().any(|b| b.name == name) {
                return Err(crate::Error::Invalid(format!(
                    "config [keys]: unknown command {name:?}"
                )));
            }
        }
        let mut by_key = HashMap::new();
        // Table order decides a clash, so an override can steal a key from a later default.
        for b in TABLE {
            for k in &by_cmd[&b.cmd] {
                by_key.entry(*k).or_insert(b.cmd);
            }
        }
        Ok(KeyMap { by_key, by_cmd })
    }

    pub fn lookup(&self, ev: &KeyEvent) -> Option<Cmd> {
        // Alt is never bound: terminals disagree on it.
        if ev.modifiers.contains(KeyModifiers::ALT) {
            return None;
        }
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        // Shifted letters arrive as upper case already, so they match as they are.
        let code = ev.code;
        self.by_key.get(&Key { code, ctrl }).copied()
    }

    /// The first key of a command, for the status line's hints.
    pub fn first_key_of(&self, cmd: Cmd) -> String {
        self.by_cmd
            .get(&cmd)
            .and_then(|ks| ks.first())
            .map(key_name)
            .unwrap_or_default()
    }

    /// The keys of a command as the help shows them ("j/Down").
    pub fn keys_of(&self, cmd: Cmd) -> String {
        self.by_cmd
            .get(&cmd)
            .map(|ks| ks.iter().map(key_name).collect::<Vec<_>>().join("/"))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_rebinds_a_command() {
        let cfg: KeysConfig = toml::from_str("assign = \"A\"\ndown = [\"n\", \"Down\"]").unwrap();
        let m = KeyMap::new(&cfg).unwrap();
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(m.lookup(&ev('A')), Some(Cmd::Assign));
        assert_eq!(m.lookup(&ev('a')), None);
        assert_eq!(m.lookup(&ev('n')), Some(Cmd::Down));
        assert_eq!(m.lookup(&ev('j')), None);
        assert_eq!(m.keys_of(Cmd::Down), "n/Down");
    }

    #[test]
    fn bad_bindings_are_refused_with_their_name() {
        let cfg: KeysConfig = toml::from_str("assign = \"C-h\"").unwrap();
        let e = KeyMap::new(&cfg).unwrap_err().to_string();
        assert!(e.contains("assign"), "{e}");
        let cfg: KeysConfig = toml::from_str("nope = \"x\"").unwrap();
        assert!(KeyMap::new(&cfg).unwrap_err().to_string().contains("nope"));
    }

    #[test]
    fn alt_is_never_bound() {
        let m = KeyMap::default();
        let ev = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::ALT);
        assert_eq!(m.lookup(&ev), None);
    }
}
