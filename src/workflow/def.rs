//! A workflow as declared in TOML: typed inputs and steps (HTTP requests, local commands), checked
//! when loaded so that a mistake is reported with the file and the field, not half-way through a run.
use crate::error::{Error, Result};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod inputs;
mod validate;

pub use inputs::InputProblem;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    String,
    Number,
    Bool,
    Enum,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::String => "string",
            InputKind::Number => "number",
            InputKind::Bool => "bool",
            InputKind::Enum => "enum",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: InputKind,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<toml::Value>,
    /// The allowed values of an `enum` input.
    #[serde(default)]
    pub choices: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStep {
    pub name: String,
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, templated value by value.
    #[serde(default)]
    pub body: Option<toml::Value>,
    /// Send an array body with its one element repeated for each value of this list
    /// (e.g. `denylist.ips`), the value bound as `{{item}}`.
    #[serde(default)]
    pub body_for_each: Option<String>,
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandStep {
    pub name: String,
    /// The program and its arguments, each templated on its own; never a shell string.
    pub argv: Vec<String>,
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Step {
    Http(HttpStep),
    Command(CommandStep),
}

impl Step {
    pub fn name(&self) -> &str {
        match self {
            Step::Http(s) => &s.name,
            Step::Command(s) => &s.name,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Step::Http(_) => "http",
            Step::Command(_) => "command",
        }
    }

    pub fn timeout_secs(&self) -> Option<u64> {
        match self {
            Step::Http(s) => s.timeout_secs,
            Step::Command(s) => s.timeout_secs,
        }
    }
}

fn default_method() -> String {
    "POST".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub inputs: Vec<Input>,
    /// Named settings the templates read as `{{vars.NAME}}`; the config's
    /// `[workflows.vars.<workflow name>]` overrides them (base URLs, account ids).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    pub steps: Vec<Step>,
    /// Where it was read from (`builtin` or a file path), for messages.
    #[serde(skip)]
    pub source: String,
}

/// Step timeouts default to this many seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
const MAX_TIMEOUT_SECS: u64 = 3600;

fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

impl HttpStep {
    /// The body as JSON (before templating).
    pub fn body_json(&self) -> Option<Value> {
        self.body.as_ref().map(to_json)
    }
}

impl Workflow {
    /// Read and check one workflow from TOML text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Workflow> {
        let mut w: Workflow =
            toml::from_str(text).map_err(|e| Error::Invalid(format!("workflow {source}: {e}")))?;
        w.source = source.to_string();
        w.validate()?;
        Ok(w)
    }

    pub fn has_command_steps(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Command(_)))
    }
}

/// The built-in examples, shipped inside the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "notify-service-owner.toml",
        include_str!("../../assets/workflows/notify-service-owner.toml"),
    ),
    (
        "open-ticket.toml",
        include_str!("../../assets/workflows/open-ticket.toml"),
    ),
    (
        "cloudflare-block-ips.toml",
        include_str!("../../assets/workflows/cloudflare-block-ips.toml"),
    ),
];

/// The user's workflows directory: `workflows/` next to the config file.
pub fn user_dir(config_path: &Path) -> PathBuf {
    config_path
        .parent()
        .map(|p| p.join("workflows"))
        .unwrap_or_else(|| PathBuf::from("workflows"))
}

/// Every workflow: the built-ins, then the user's `*.toml` (a user workflow of the same name replaces
/// the built-in). A broken user file is an error naming it, not silently skipped.
pub fn load_all(dir: &Path) -> Result<Vec<Workflow>> {
    let mut out: Vec<Workflow> = Vec::new();
    for (file, text) in BUILTIN {
        out.push(Workflow::parse(text, &format!("builtin:{file}"))?);
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::Io(format!("{}: {e}", dir.display()))),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let text =
            std::fs::read_to_string(&p).map_err(|e| Error::Io(format!("{}: {e}", p.display())))?;
        let w = Workflow::parse(&text, &p.display().to_string())?;
        out.retain(|x| x.name != w.name);
        out.push(w);
    }
    Ok(out)
}

/// One workflow by name.
pub fn find(dir: &Path, name: &str) -> Result<Workflow> {
    let all = load_all(dir)?;
    let names: Vec<String> = all.iter().map(|w| w.name.clone()).collect();
    all.into_iter().find(|w| w.name == name).ok_or_else(|| {
        Error::NotFound(format!(
            "no workflow {:?} (have: {})",
            crate::sanitize::clean(name),
            names.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WF: &str = r#"
name = "t"
[[inputs]]
name = "project"
type = "string"
required = true
[[inputs]]
name = "count"
type = "number"
default = 2
[[inputs]]
name = "urgent"
type = "bool"
[[inputs]]
name = "level"
type = "enum"
choices = ["low", "high"]
default = "low"
[[steps]]
type = "http"
name = "post"
url = "https://h.example/{{inputs.project}}"
body = { n = "{{inputs.count}}" }
"#;

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn builtins_load_and_are_valid() {
        let all = load_all(Path::new("/nonexistent/sigscope-workflows")).unwrap();
        let names: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "notify-service-owner",
                "open-ticket",
                "cloudflare-block-ips"
            ]
        );
    }

    #[test]
    fn inputs_are_typed_defaulted_and_every_problem_named() {
        let w = Workflow::parse(WF, "test").unwrap();
        let ok = w
            .resolve_inputs(&given(&[("project", "SEC"), ("urgent", "yes")]))
            .unwrap();
        assert_eq!(ok["project"], "SEC");
        assert_eq!(ok["count"], 2);
        assert_eq!(ok["urgent"], true);
        assert_eq!(ok["level"], "low");
        let e = w
            .resolve_inputs(&given(&[
                ("count", "many"),
                ("urgent", "perhaps"),
                ("level", "max"),
                ("colour", "red"),
            ]))
            .unwrap_err()
            .to_string();
        for part in [
            "colour: no such input",
            "project: required",
            "count: expected a number, got \"many\"",
            "urgent: expected true or false",
            "level: expected one of low, high, got \"max\"",
        ] {
            assert!(e.contains(part), "{part:?} missing from {e}");
        }
    }

    #[test]
    fn bad_declarations_are_refused_at_load() {
        let cases = [
            (
                WF.replace("{{inputs.project}}", "{{inputs.nope}}"),
                "no input named \"nope\"",
            ),
            (
                WF.replace("choices = [\"low\", \"high\"]", ""),
                "needs `choices`",
            ),
            (
                WF.replace("default = 2", "default = \"two\""),
                "count: default",
            ),
            (
                WF.replace("https://h.example/", "ftp://h/"),
                "URL must start",
            ),
            (
                WF.replace("type = \"http\"", "type = \"shell\""),
                "unknown variant",
            ),
            (
                format!("{WF}[[steps]]\ntype = \"command\"\nname = \"c\"\nargv = [\"{{{{signal.title}}}}\"]\n"),
                "argv[0]",
            ),
        ];
        for (text, want) in cases {
            let e = Workflow::parse(&text, "test").unwrap_err().to_string();
            assert!(e.contains(want), "{want:?} missing from {e}");
        }
    }
}
