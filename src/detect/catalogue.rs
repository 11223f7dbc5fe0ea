//! The rule catalogue: the default rules shipped in `assets/detection-rules/`, then the user's own
//! (`detection-rules/*.json` beside the config file), which replace a default of the same id or add.
use super::rule::{CompiledRule, DetectionRule};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

macro_rules! rule_file {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../assets/detection-rules/", $name)),
        )
    };
}

/// The default catalogue, as shipped.
pub const DEFAULTS: &[(&str, &str)] = &[
    rule_file!("waf-sqli-001.json"),
    rule_file!("appsec-xss-001.json"),
    rule_file!("appsec-lfi-001.json"),
    rule_file!("waf-rfi-001.json"),
    rule_file!("appsec-cmdi-001.json"),
    rule_file!("waf-php-001.json"),
    rule_file!("waf-java-001.json"),
    rule_file!("waf-code-001.json"),
    rule_file!("appsec-ssrf-001.json"),
    rule_file!("waf-fixation-001.json"),
    rule_file!("appsec-scan-001.json"),
    rule_file!("waf-spray-001.json"),
];

/// Where a rule came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    User(PathBuf),
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub rule: CompiledRule,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    pub entries: Vec<Entry>,
}

fn parse(name: &str, text: &str) -> Result<Vec<DetectionRule>> {
    // One rule per file, or a list of them.
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
    let list = match v {
        serde_json::Value::Array(a) => a,
        other => vec![other],
    };
    list.into_iter()
        .enumerate()
        .map(|(i, r)| {
            serde_json::from_value(r).map_err(|e| Error::Invalid(format!("{name}: rule {i}: {e}")))
        })
        .collect()
}

/// The user's rules directory for a config file: `detection-rules/` beside it.
pub fn user_dir(config_path: &Path) -> PathBuf {
    config_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("detection-rules")
}

impl Catalogue {
    /// The defaults only.
    pub fn defaults() -> Result<Catalogue> {
        let mut c = Catalogue::default();
        for (name, text) in DEFAULTS {
            for r in parse(name, text)? {
                c.put(r.compile()?, Origin::Default);
            }
        }
        Ok(c)
    }

    /// The defaults, then every `*.json` of `dir` in name order (a missing dir adds nothing).
    pub fn load(dir: &Path) -> Result<Catalogue> {
        let mut c = Catalogue::defaults()?;
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(c),
            Err(e) => return Err(Error::Io(format!("{}: {e}", dir.display()))),
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for p in files {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| Error::Io(format!("{}: {e}", p.display())))?;
            let name = p.display().to_string();
            for r in parse(&name, &text)? {
                let compiled = r
                    .compile()
                    .map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
                c.put(compiled, Origin::User(p.clone()));
            }
        }
        Ok(c)
    }

    fn put(&mut self, rule: CompiledRule, origin: Origin) {
        match self
            .entries
            .iter_mut()
            .find(|e| e.rule.rule.id == rule.rule.id)
        {
            Some(e) => *e = Entry { rule, origin },
            None => self.entries.push(Entry { rule, origin }),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.rule.rule.id == id)
    }

    /// What Rule Details shows for each rule, for the store's rule catalogue: the rule's case
    /// conditions and its message (the vendor's rule message is its description and runbook).
    pub fn details(&self) -> Vec<crate::engine::RuleEntry> {
        self.entries
            .iter()
            .map(|e| {
                let r = &e.rule.rule;
                crate::engine::RuleEntry {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    condition: r.condition(),
                    description: r.message.clone(),
                    runbook: String::new(),
                }
            })
            .collect()
    }

    /// The enabled rules, in catalogue order.
    pub fn enabled(&self) -> Vec<CompiledRule> {
        self.entries
            .iter()
            .filter(|e| e.rule.rule.is_enabled)
            .map(|e| e.rule.clone())
            .collect()
    }
}
