//! The load-time checks of a workflow (names, input declarations, steps, templates, timeouts), so
//! that a mistake is reported with the file and the field, not half-way through a run.
use super::inputs::coerce;
use super::{to_json, InputKind, Step, Workflow, MAX_TIMEOUT_SECS};
use crate::error::{Error, Result};
use crate::workflow::template::{self, Template};
use serde_json::Value;

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Workflow {
    fn err(&self, what: String) -> Error {
        Error::Invalid(format!("workflow {} ({}): {what}", self.name, self.source))
    }

    pub(super) fn validate(&self) -> Result<()> {
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
                    crate::workflow::url::check_origin(&url).map_err(|e| at("url", e))?;
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
}
