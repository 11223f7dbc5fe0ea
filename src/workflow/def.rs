//! A workflow as declared in TOML: typed inputs and steps (HTTP requests, local commands), checked
//! when loaded so that a mistake is reported with the file and the field, not half-way through a run.
use super::template::{self, Template};
use crate::error::{Error, Result};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
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

    fn err(&self, what: String) -> Error {
        Error::Invalid(format!("workflow {} ({}): {what}", self.name, self.source))
    }

    fn validate(&self) -> Result<()> {
        if !valid_name(&self.name) {
            return Err(Error::Invalid(format!(
                "workflow {}: name {:?} must be 1-64 of a-z, 0-9, - and _",
                self.source, self.name
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for i in &self.inputs {
            if !valid_name(&i.name) {
                return Err(self.err(format!(
                    "input name {:?} must be 1-64 of a-z, 0-9, - and _",
                    i.name
                )));
            }
            if !seen.insert(i.name.as_str()) {
                return Err(self.err(format!("input {} is declared twice", i.name)));
            }
            if i.kind == InputKind::Enum && i.choices.is_empty() {
                return Err(self.err(format!("enum input {} needs `choices`", i.name)));
            }
            if i.kind != InputKind::Enum && !i.choices.is_empty() {
                return Err(self.err(format!(
                    "input {}: `choices` is only for enum inputs",
                    i.name
                )));
            }
            if let Some(d) = &i.default {
                coerce(i, &to_json(d))
                    .map_err(|e| self.err(format!("input {}: default: {e}", i.name)))?;
            }
        }
        if self.steps.is_empty() {
            return Err(self.err("has no steps".into()));
        }
        let inputs: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
        let vars: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        let scope = template::Scope {
            inputs: &inputs,
            vars: &vars,
            item: false,
        };
        for step in &self.steps {
            let at =
                |what: &str, e: Error| self.err(format!("step {:?}: {what}: {e}", step.name()));
            if step.name().trim().is_empty() {
                return Err(self.err("a step has an empty name".into()));
            }
            if step
                .timeout_secs()
                .is_some_and(|t| t == 0 || t > MAX_TIMEOUT_SECS)
            {
                return Err(self.err(format!(
                    "step {:?}: timeout_secs must be 1..{MAX_TIMEOUT_SECS}",
                    step.name()
                )));
            }
            match step {
                Step::Http(h) => {
                    let m = h.method.to_ascii_uppercase();
                    if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()) {
                        return Err(self.err(format!(
                            "step {:?}: method {:?}: expected GET, POST, PUT, PATCH or DELETE",
                            h.name, h.method
                        )));
                    }
                    let url = Template::parse(&h.url).map_err(|e| at("url", e))?;
                    url.check(&scope).map_err(|e| at("url", e))?;
                    super::url::check_origin(&url).map_err(|e| at("url", e))?;
                    for (k, v) in &h.headers {
                        let t = Template::parse(v).map_err(|e| at(&format!("header {k}"), e))?;
                        t.check(&scope).map_err(|e| at(&format!("header {k}"), e))?;
                    }
                    let item_scope = template::Scope {
                        item: h.body_for_each.is_some(),
                        ..scope
                    };
                    if let Some(each) = &h.body_for_each {
                        template::check_path(each, &scope).map_err(|e| at("body_for_each", e))?;
                        // One request item per attacker is how blocks are sent (a Cloudflare
                        // list, a firewall API): those go through the denylist's checks.
                        if each == "signal.attackers.ips" {
                            return Err(self.err(format!(
                                "step {:?}: body_for_each = \"signal.attackers.ips\" would send values no check has seen (ranges, loopback, allowlisted addresses); use \"denylist.ips\", the attackers the denylist's checks let through",
                                h.name
                            )));
                        }
                        match h.body_json() {
                            Some(Value::Array(a)) if a.len() == 1 => {}
                            _ => {
                                return Err(self.err(format!(
                                    "step {:?}: body_for_each needs a body that is an array of one element",
                                    h.name
                                )))
                            }
                        }
                    }
                    if let Some(b) = h.body_json() {
                        template::check_json(&b, &item_scope).map_err(|e| at("body", e))?;
                    }
                }
                Step::Command(c) => {
                    if c.argv.is_empty() || c.argv[0].trim().is_empty() {
                        return Err(self.err(format!("step {:?}: argv needs a program", c.name)));
                    }
                    // The program is the workflow author's choice, never a value from a signal.
                    if c.argv[0].contains("{{") {
                        return Err(self.err(format!(
                            "step {:?}: the program (argv[0]) cannot be a placeholder",
                            c.name
                        )));
                    }
                    for a in &c.argv {
                        Template::parse(a)
                            .and_then(|t| t.check(&scope))
                            .map_err(|e| at("argv", e))?;
                    }
                }
            }
        }
        Ok(())
    }

    pub fn has_command_steps(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Command(_)))
    }

    /// Check the given `key=value` inputs against the declarations: each problem is named by its input,
    /// all of them at once. Defaults fill what is missing.
    pub fn resolve_inputs(&self, given: &[(String, String)]) -> Result<Map<String, Value>> {
        self.check_inputs(given)
            .map_err(|problems| self.invalid_inputs(&problems))
    }

    /// `resolve_inputs` with its problems kept apart, for a form to show each under its field.
    pub fn check_inputs(
        &self,
        given: &[(String, String)],
    ) -> std::result::Result<Map<String, Value>, Vec<InputProblem>> {
        let mut problems = Vec::new();
        let mut out = Map::new();
        for (k, _) in given {
            if !self.inputs.iter().any(|i| &i.name == k) {
                let known: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
                problems.push(InputProblem::new(
                    k,
                    format!(
                        "no such input (this workflow takes: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        for i in &self.inputs {
            let raw = given
                .iter()
                .rev()
                .find(|(k, _)| k == &i.name)
                .map(|(_, v)| v);
            let value = match (raw, &i.default) {
                (Some(v), _) => coerce(i, &Value::String(v.clone())),
                (None, Some(d)) => coerce(i, &to_json(d)),
                (None, None) if i.required => Err("required".to_string()),
                (None, None) => Ok(Value::Null),
            };
            match value {
                Ok(Value::String(s)) if s.is_empty() && i.required => {
                    problems.push(InputProblem::new(&i.name, "required"))
                }
                Ok(v) => {
                    out.insert(i.name.clone(), v);
                }
                Err(e) => problems.push(InputProblem::new(&i.name, e)),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// The one error that names every problem (`workflow w: invalid inputs: a: required; b: ...`).
    pub fn invalid_inputs(&self, problems: &[InputProblem]) -> Error {
        let listed: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.input, p.problem))
            .collect();
        Error::Usage(format!(
            "workflow {}: invalid inputs: {}",
            self.name,
            listed.join("; ")
        ))
    }
}

/// What is wrong with one given input (or one the workflow does not declare).
#[derive(Clone, Debug, PartialEq)]
pub struct InputProblem {
    pub input: String,
    pub problem: String,
}

impl InputProblem {
    fn new(input: &str, problem: impl Into<String>) -> InputProblem {
        InputProblem {
            input: input.to_string(),
            problem: problem.into(),
        }
    }
}

/// A value (from the command line as text, or a TOML default) as the input's type.
fn coerce(i: &Input, v: &Value) -> std::result::Result<Value, String> {
    let shown = |v: &Value| crate::sanitize::truncate(&crate::sanitize::clean(&v.to_string()), 40);
    match (i.kind, v) {
        (InputKind::String, Value::String(_)) => Ok(v.clone()),
        (InputKind::Number, Value::Number(_)) => Ok(v.clone()),
        (InputKind::Number, Value::String(s)) => {
            let t = s.trim();
            if let Ok(n) = t.parse::<i64>() {
                return Ok(Value::from(n));
            }
            t.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("expected a number, got {}", shown(v)))
        }
        (InputKind::Bool, Value::Bool(_)) => Ok(v.clone()),
        (InputKind::Bool, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(Value::Bool(true)),
            "false" | "no" | "0" | "off" => Ok(Value::Bool(false)),
            _ => Err(format!("expected true or false, got {}", shown(v))),
        },
        (InputKind::Enum, Value::String(s)) if i.choices.contains(s) => Ok(v.clone()),
        (InputKind::Enum, _) => Err(format!(
            "expected one of {}, got {}",
            i.choices.join(", "),
            shown(v)
        )),
        (k, _) => Err(format!("expected a {}, got {}", k.as_str(), shown(v))),
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
