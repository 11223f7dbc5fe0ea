//! Saved views: a query, a time range, a sort and the facet layout, kept in the config's `[views]`.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedView {
    #[serde(skip)]
    pub name: String,
    #[serde(default)]
    pub query: String,
    /// `15m`, `1h`, ... `all`, or `FROM..TO` in RFC 3339.
    #[serde(default = "default_range")]
    pub range: String,
    /// Only newest first is offered today; kept so views stay valid when more sorts come.
    #[serde(default = "default_sort")]
    pub sort: String,
    /// Whether the facet panel is shown (when the terminal is wide enough).
    #[serde(default = "yes")]
    pub facets: bool,
}

fn default_range() -> String {
    "7d".into()
}
fn default_sort() -> String {
    "-timestamp".into()
}
fn yes() -> bool {
    true
}

/// The views that ship with sigscope; `{me}` is the acting user's handle.
pub fn defaults(me: Option<&str>) -> Vec<SavedView> {
    let v = |name: &str, query: String, range: &str| SavedView {
        name: name.into(),
        query,
        range: range.into(),
        sort: default_sort(),
        facets: true,
    };
    let mut out = Vec::new();
    if let Some(me) = me {
        out.push(v(
            "mine",
            format!("@workflow.triage.assignee.handle:\"{me}\" -@workflow.triage.state:archived"),
            "30d",
        ));
    }
    out.push(v(
        "urgent",
        "status:(high OR critical) -@workflow.triage.state:archived".into(),
        "7d",
    ));
    out.push(v(
        "review",
        "@workflow.triage.state:under_review".into(),
        "30d",
    ));
    out
}

/// The user's views from the config (`[views.NAME]`), then the defaults they do not override.
pub fn load(config: &crate::config::Config, me: Option<&str>) -> Result<Vec<SavedView>> {
    let mut out: Vec<SavedView> = Vec::new();
    if let Some(toml::Value::Table(t)) = config.sections.get("views") {
        for (name, v) in t {
            let mut view: SavedView = v
                .clone()
                .try_into()
                .map_err(|e| Error::Invalid(format!("config [views.{name}]: {e}")))?;
            view.name = name.clone();
            out.push(view);
        }
    }
    for d in defaults(me) {
        if !out.iter().any(|v| v.name == d.name) {
            out.push(d);
        }
    }
    Ok(out)
}

/// Write one view into the config file's `[views]`, editing the file in place (its comments,
/// order and other settings kept) and replacing it atomically.
pub fn save(path: &Path, view: &SavedView) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::Io(format!("config {}: {e}", path.display()))),
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::Invalid(format!("config {}: {e}", path.display())))?;
    let views = doc
        .entry("views")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            // `[views.NAME]` headers only, no empty `[views]` line.
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| {
            Error::Invalid(format!("config {}: `views` is not a table", path.display()))
        })?;
    let mut t = toml_edit::Table::new();
    t.insert("query", toml_edit::value(view.query.as_str()));
    t.insert("range", toml_edit::value(view.range.as_str()));
    t.insert("sort", toml_edit::value(view.sort.as_str()));
    t.insert("facets", toml_edit::value(view.facets));
    views.insert(&view.name, toml_edit::Item::Table(t));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("config dir {}: {e}", dir.display())))?;
    }
    crate::fsutil::write_atomic(path, doc.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_view_round_trips_through_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "user = \"a@x\"\n").unwrap();
        let v = SavedView {
            name: "sqli".into(),
            query: "@appsec.type:sql_injection".into(),
            range: "1d".into(),
            sort: "-timestamp".into(),
            facets: false,
        };
        save(&path, &v).unwrap();
        let cfg = crate::config::Config::load(&path).unwrap();
        assert_eq!(cfg.user.as_deref(), Some("a@x"));
        let views = load(&cfg, None).unwrap();
        assert_eq!(views.iter().find(|x| x.name == "sqli"), Some(&v));
        assert!(views.iter().any(|x| x.name == "urgent"));
    }

    #[test]
    fn saving_keeps_the_comments_and_the_rest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let before = "# who I am\nuser = \"a@x\"  # my email\n\n# Notifications\n[notify]\n# retries\nmax_attempts = 3\n";
        std::fs::write(&path, before).unwrap();
        let v = SavedView {
            name: "sqli".into(),
            query: "@appsec.type:sql_injection".into(),
            range: "1d".into(),
            sort: "-timestamp".into(),
            facets: true,
        };
        save(&path, &v).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.starts_with(before), "{after}");
        assert!(after.contains("[views.sqli]"), "{after}");
        let again = SavedView {
            range: "7d".into(),
            ..v.clone()
        };
        save(&path, &again).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(after.matches("# ").count(), 4, "{after}");
        let cfg = crate::config::Config::load(&path).unwrap();
        let views = load(&cfg, None).unwrap();
        assert_eq!(views.iter().find(|x| x.name == "sqli"), Some(&again));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }
}
