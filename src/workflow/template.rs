//! `{{signal.id}}`-style templates, rendered for the context they land in: a JSON value (escaped by
//! the serializer, never spliced into JSON text), a URL (each value one percent-encoded component), a
//! header (no line breaks), a command argument (one argv entry, no shell). Signal fields are
//! attacker-controlled, so no context ever receives a value raw.
use crate::error::{Error, Result};
use crate::model::json::fmt_time;
use crate::model::Signal;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The names a template may use.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    pub inputs: &'a [&'a str],
    pub vars: &'a [&'a str],
    /// Inside a `body_for_each` body, where `{{item}}` is bound.
    pub item: bool,
}

/// What `denylist.*` holds: the signal's attacker IPs that passed the denylist's checks (single
/// addresses, canonical, not loopback, not allowlisted), and the ones refused, each with why. A
/// workflow that sends blocks anywhere iterates `denylist.ips`, never `signal.attackers.ips`.
pub const DENYLIST_FIELDS: &[&str] = &["ips", "refused"];

/// The signal fields templates can read, as `signal.<path>`.
pub const SIGNAL_FIELDS: &[&str] = &[
    "id",
    "title",
    "message",
    "severity",
    "service",
    "services",
    "env",
    "host",
    "source",
    "tags",
    "rule.id",
    "rule.name",
    "rule.type",
    "triage.state",
    "triage.assignee",
    "attackers.ips",
    "attackers.users",
    "attack_types",
    "timestamp",
    "first_seen",
    "last_seen",
    "link",
];

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Part {
    Lit(String),
    Var(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub(super) parts: Vec<Part>,
}

impl Template {
    pub fn parse(s: &str) -> Result<Template> {
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Lit(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| Error::Invalid(format!("unclosed {{{{ in {s:?}")))?;
            let path = after[..close].trim();
            if path.is_empty()
                || !path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                return Err(Error::Invalid(format!(
                    "{{{{{}}}}} is not a field name",
                    &after[..close]
                )));
            }
            parts.push(Part::Var(path.to_string()));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Ok(Template { parts })
    }

    pub fn check(&self, scope: &Scope) -> Result<()> {
        for p in &self.parts {
            if let Part::Var(v) = p {
                check_path(v, scope)?;
            }
        }
        Ok(())
    }

    /// The path when the template is exactly one placeholder.
    fn single(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Var(v)] => Some(v),
            _ => None,
        }
    }
}

/// Is `path` a name this scope defines?
pub fn check_path(path: &str, scope: &Scope) -> Result<()> {
    let (head, tail) = path.split_once('.').unwrap_or((path, ""));
    let ok = match head {
        "signal" => SIGNAL_FIELDS.contains(&tail),
        "inputs" => scope.inputs.contains(&tail),
        "vars" => scope.vars.contains(&tail),
        "env" => {
            !tail.is_empty()
                && tail
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }
        "item" => scope.item && tail.is_empty(),
        "denylist" => DENYLIST_FIELDS.contains(&tail),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(Error::Invalid(match head {
        "signal" => format!(
            "unknown field {{{{{path}}}}} (signal fields: {})",
            SIGNAL_FIELDS.join(", ")
        ),
        "inputs" => format!("{{{{{path}}}}}: no input named {tail:?} is declared"),
        "vars" => format!("{{{{{path}}}}}: no var named {tail:?} is declared"),
        "env" => format!("{{{{{path}}}}}: environment variable names are A-Z, 0-9 and _"),
        "item" => "{{item}} is only bound inside a body_for_each body".to_string(),
        "denylist" => format!(
            "{{{{{path}}}}}: denylist fields are {}",
            DENYLIST_FIELDS.join(", ")
        ),
        _ => format!(
            "unknown field {{{{{path}}}}} (use signal.*, inputs.*, vars.*, env.*, denylist.*)"
        ),
    }))
}

/// Check every string (keys included) of a JSON body template.
pub fn check_json(v: &Value, scope: &Scope) -> Result<()> {
    match v {
        Value::String(s) => Template::parse(s)?.check(scope),
        Value::Array(a) => a.iter().try_for_each(|x| check_json(x, scope)),
        Value::Object(o) => o.iter().try_for_each(|(k, x)| {
            Template::parse(k)?.check(scope)?;
            check_json(x, scope)
        }),
        _ => Ok(()),
    }
}

/// The values templates are rendered with.
pub struct Context {
    signal: Value,
    inputs: Map<String, Value>,
    vars: BTreeMap<String, String>,
    item: Option<Value>,
    /// `denylist.*`: the signal's attackers as the engine's denylist checks left them.
    denylist: Value,
    /// Values read from the environment: secrets, hidden from recorded output.
    secrets: RefCell<Vec<String>>,
}

/// The `signal.*` object of a template context.
pub fn signal_value(s: &Signal, link: &str) -> Value {
    json!({
        "id": s.id,
        "title": s.title,
        "message": s.message,
        "severity": s.severity.as_str(),
        "service": s.service(),
        "services": s.services,
        "env": s.env,
        "host": s.host,
        "source": s.source,
        "tags": s.tags,
        "rule": {"id": s.rule.id, "name": s.rule.name, "type": s.rule.rule_type},
        "triage": {
            "state": s.triage.state.as_str(),
            "assignee": s.triage.assignee.as_ref().map(|a| a.handle.clone().unwrap_or_else(|| a.uuid.clone())),
        },
        "attackers": {"ips": s.attacker_ips, "users": s.attacker_users},
        "attack_types": s.attack_types,
        "timestamp": fmt_time(&s.timestamp),
        "first_seen": fmt_time(&s.first_seen),
        "last_seen": fmt_time(&s.last_seen),
        "link": link,
    })
}

/// How a value reads as text: lists joined with `sep`, nothing for null.
fn text_of(v: &Value, sep: &str) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| text_of(x, sep))
            .collect::<Vec<_>>()
            .join(sep),
        other => other.to_string(),
    }
}

fn url_component(s: &str) -> String {
    crate::notify::targets::url_component(s)
}

impl Context {
    pub fn new(
        signal: Value,
        inputs: Map<String, Value>,
        vars: BTreeMap<String, String>,
    ) -> Context {
        Context {
            signal,
            inputs,
            vars,
            item: None,
            denylist: json!({"ips": [], "refused": []}),
            secrets: RefCell::new(Vec::new()),
        }
    }

    /// Bind `denylist.ips` (values that passed the denylist's checks) and `denylist.refused`.
    pub fn with_denylist(mut self, ips: Vec<String>, refused: Vec<String>) -> Context {
        self.denylist = json!({"ips": ips, "refused": refused});
        self
    }

    pub fn with_item(&self, item: Value) -> Context {
        Context {
            signal: self.signal.clone(),
            inputs: self.inputs.clone(),
            vars: self.vars.clone(),
            item: Some(item),
            denylist: self.denylist.clone(),
            secrets: RefCell::new(Vec::new()),
        }
    }

    /// The environment values read so far.
    pub fn secrets(&self) -> Vec<String> {
        self.secrets.borrow().clone()
    }

    pub fn absorb_secrets(&self, other: &Context) {
        self.secrets.borrow_mut().extend(other.secrets());
    }

    pub fn lookup(&self, path: &str) -> Result<Value> {
        let (head, tail) = path.split_once('.').unwrap_or((path, ""));
        match head {
            "signal" => Ok(crate::model::json::at(&self.signal, tail)
                .cloned()
                .unwrap_or(Value::Null)),
            "inputs" => Ok(self.inputs.get(tail).cloned().unwrap_or(Value::Null)),
            "vars" => Ok(self
                .vars
                .get(tail)
                .map(|v| Value::String(v.clone()))
                .unwrap_or(Value::Null)),
            "env" => match std::env::var(tail) {
                Ok(v) => {
                    self.secrets.borrow_mut().push(v.clone());
                    Ok(Value::String(v))
                }
                Err(_) => Err(Error::Invalid(format!(
                    "environment variable {tail} is not set"
                ))),
            },
            "item" => Ok(self.item.clone().unwrap_or(Value::Null)),
            "denylist" => Ok(self.denylist.get(tail).cloned().unwrap_or(Value::Null)),
            _ => Err(Error::Invalid(format!("unknown field {{{{{path}}}}}"))),
        }
    }

    fn render_with(
        &self,
        t: &Template,
        f: impl Fn(usize, &Value) -> Result<String>,
    ) -> Result<String> {
        let mut out = String::new();
        for (i, p) in t.parts.iter().enumerate() {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var(v) => out.push_str(&f(i, &self.lookup(v)?)?),
            }
        }
        Ok(out)
    }

    /// Plain text (a JSON key, a command argument before the option check): no NUL.
    pub fn text(&self, s: &str) -> Result<String> {
        let t = Template::parse(s)?;
        let out = self.render_with(&t, |_, v| Ok(text_of(v, ",")))?;
        if out.contains('\0') {
            return Err(Error::Invalid("a value contains a NUL character".into()));
        }
        Ok(out)
    }

    /// One command argument (one argv entry; no shell ever sees it). A substituted value that
    /// would make the argument start with `-` is refused unless the argument comes after a
    /// literal `--` (`after_dashes`): a signal host of `-oProxyCommand=...` must not become an
    /// option of `ssh`. A leading `-` the author wrote (`--host={{signal.host}}`) is theirs.
    pub fn arg(&self, s: &str, after_dashes: bool) -> Result<String> {
        let out = self.text(s)?;
        let t = Template::parse(s)?;
        let authored_dash = matches!(t.parts.first(), Some(Part::Lit(l)) if l.starts_with('-'));
        if out.starts_with('-') && !authored_dash && !after_dashes {
            let from = t
                .parts
                .iter()
                .find_map(|p| match p {
                    Part::Var(v) => Some(v.as_str()),
                    Part::Lit(_) => None,
                })
                .unwrap_or("?");
            return Err(Error::Invalid(format!(
                "argument {:?} (from {{{{{from}}}}}) starts with '-' and would be read as an option; \
                 refused (a workflow that means to pass such values puts them after a literal \"--\")",
                crate::sanitize::truncate(&crate::sanitize::clean(&out), 60)
            )));
        }
        Ok(out)
    }

    /// A header value: a value with a line break could add headers, and other control
    /// characters reach whatever logs the header, so any control character is refused.
    pub fn header(&self, s: &str) -> Result<String> {
        let t = Template::parse(s)?;
        let out = self.render_with(&t, |_, v| Ok(text_of(v, ",")))?;
        if out
            .chars()
            .any(|c| c.is_control() || crate::sanitize::is_unsafe(c))
        {
            return Err(Error::Invalid(
                "a header value would contain a line break or another control character".into(),
            ));
        }
        Ok(out)
    }

    /// A URL. Its scheme and host are the author's: written literally, or (for a base set in the
    /// config) a leading `{{vars.NAME}}` holding an http(s) URL; every other value is
    /// percent-encoded as one component, lists joined by commas. A signal value can therefore
    /// never choose where the request (and its bearer secret) goes.
    pub fn url(&self, s: &str) -> Result<String> {
        let t = Template::parse(s)?;
        super::url::check_origin(&t)?;
        let out = self.render_with(&t, |i, v| {
            if i == 0 {
                if let Part::Var(_) = &t.parts[0] {
                    let base = text_of(v, ",");
                    if super::url::origin_of(&base).is_none()
                        || base.chars().any(|c| c.is_whitespace() || c.is_control())
                    {
                        return Err(Error::Invalid(format!(
                            "the URL base {:?} is not an http(s) URL with a host",
                            crate::notify::mask::mask_text(&crate::sanitize::truncate(&base, 60))
                        )));
                    }
                    return Ok(base.trim_end_matches('/').to_string());
                }
            }
            Ok(match v {
                Value::Array(a) => a
                    .iter()
                    .map(|x| url_component(&text_of(x, ",")))
                    .collect::<Vec<_>>()
                    .join(","),
                other => url_component(&text_of(other, ",")),
            })
        })?;
        Ok(out)
    }

    /// A JSON body: a string that is exactly one placeholder becomes the value itself (a list stays a
    /// list, a number a number); any other string is interpolated as text and stays a JSON string.
    pub fn json(&self, v: &Value) -> Result<Value> {
        Ok(match v {
            Value::String(s) => {
                let t = Template::parse(s)?;
                match t.single() {
                    Some(path) => self.lookup(path)?,
                    None => Value::String(self.render_with(&t, |_, v| Ok(text_of(v, ", ")))?),
                }
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.json(x)).collect::<Result<_>>()?),
            Value::Object(o) => {
                let mut m = Map::new();
                for (k, x) in o {
                    m.insert(self.text(k)?, self.json(x)?);
                }
                Value::Object(m)
            }
            other => other.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        let signal = json!({"id": "AbC-1", "title": "He said \"hi\"\nthen <left>", "attackers": {"ips": ["1.2.3.4", "5.6.7.8"]}, "severity": "high"});
        let mut inputs = Map::new();
        inputs.insert("project".into(), json!("SEC & OPS"));
        inputs.insert("count".into(), json!(3));
        let mut vars = BTreeMap::new();
        vars.insert("base".into(), "https://tracker.example/api/".into());
        Context::new(signal, inputs, vars)
    }

    #[test]
    fn json_strings_are_escaped_by_the_serializer() {
        let body = json!({"summary": "[{{signal.severity}}] {{signal.title}}", "ips": "{{signal.attackers.ips}}", "n": "{{inputs.count}}"});
        let out = ctx().json(&body).unwrap();
        let text = serde_json::to_string(&out).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["summary"], "[high] He said \"hi\"\nthen <left>");
        assert_eq!(back["ips"], json!(["1.2.3.4", "5.6.7.8"]));
        assert_eq!(back["n"], json!(3));
    }

    #[test]
    fn url_values_are_components_and_base_is_checked() {
        let c = ctx();
        assert_eq!(
            c.url("{{vars.base}}/issues?project={{inputs.project}}&sig={{signal.id}}&ips={{signal.attackers.ips}}").unwrap(),
            "https://tracker.example/api/issues?project=SEC%20%26%20OPS&sig=AbC-1&ips=1.2.3.4,5.6.7.8"
        );
        assert!(c.url("{{inputs.project}}/x").is_err());
        assert_eq!(
            c.url("https://h/{{signal.title}}").unwrap().find('\n'),
            None
        );
    }

    #[test]
    fn headers_refuse_line_breaks_and_text_joins_lists() {
        let c = ctx();
        assert!(c.header("X-T: {{signal.title}}").is_err());
        assert_eq!(c.header("Bearer {{signal.id}}").unwrap(), "Bearer AbC-1");
        assert_eq!(
            c.text("{{signal.attackers.ips}}").unwrap(),
            "1.2.3.4,5.6.7.8"
        );
    }

    #[test]
    fn checks_name_the_problem() {
        let scope = Scope {
            inputs: &["project"],
            vars: &[],
            item: false,
        };
        assert!(Template::parse("{{signal.id}}")
            .unwrap()
            .check(&scope)
            .is_ok());
        let e = Template::parse("{{signal.nope}}")
            .unwrap()
            .check(&scope)
            .unwrap_err();
        assert!(e.to_string().contains("signal fields"), "{e}");
        let e = Template::parse("{{inputs.other}}")
            .unwrap()
            .check(&scope)
            .unwrap_err();
        assert!(e.to_string().contains("other"), "{e}");
        assert!(Template::parse("{{item}}").unwrap().check(&scope).is_err());
        assert!(Template::parse("{{ unclosed").is_err());
        assert!(Template::parse("{{a b}}").is_err());
    }

    #[test]
    fn env_values_are_remembered_as_secrets() {
        let c = ctx();
        let path = std::env::var("PATH").unwrap();
        assert_eq!(c.text("{{env.PATH}}").unwrap(), path);
        assert_eq!(c.secrets(), vec![path]);
        assert!(c.text("{{env.SIGSCOPE_SURELY_UNSET_VAR}}").is_err());
    }
}
