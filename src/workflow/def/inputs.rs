//! A run's inputs: the given `key=value` pairs checked against the workflow's declarations, each
//! coerced to its input's type, every problem named at once.
use super::{to_json, Input, InputKind, Workflow};
use crate::error::{Error, Result};
use serde_json::{Map, Value};

impl Workflow {
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
pub(super) fn coerce(i: &Input, v: &Value) -> std::result::Result<Value, String> {
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
