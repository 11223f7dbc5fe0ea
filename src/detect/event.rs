//! The one internal shape every reader produces: an HTTP request a WAF looked at, with the WAF rules
//! it matched. Attack families come from the WAF's own metadata (`families.rs`); an event with no
//! attack match is read and counted but raises nothing.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One WAF rule that matched the request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WafMatch {
    pub rule_id: String,
    pub message: String,
    pub tags: Vec<String>,
    /// The attack family (`sql_injection`, `xss`, ...); `None` for bookkeeping and protocol rules.
    pub family: Option<String>,
    /// Where the payload was, in the vendor's WAF address form (`server.request.query`).
    pub address: Option<String>,
    /// The key inside that address (`id` for `ARGS:id`).
    pub key: Option<String>,
    /// What matched: the value the rule saw.
    pub value: Option<String>,
}

/// One request a WAF looked at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttackEvent {
    pub time: DateTime<Utc>,
    /// The producer's id (ModSecurity `unique_id`, AWS `requestId`) or a hash of the record; the
    /// dedupe key across runs.
    pub id: String,
    /// `modsecurity`, `aws-waf` or `events`.
    pub source: String,
    pub client_ip: Option<String>,
    pub user: Option<String>,
    pub service: Option<String>,
    pub host: Option<String>,
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<i64>,
    pub blocked: bool,
    pub user_agent: Option<String>,
    pub matches: Vec<WafMatch>,
}

impl AttackEvent {
    /// The distinct attack families of the event, in match order.
    pub fn families(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self.matches.iter().filter_map(|m| m.family.as_deref()) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }

    /// An attack: at least one match names an attack family.
    pub fn is_attack(&self) -> bool {
        self.matches.iter().any(|m| m.family.is_some())
    }

    /// The first match of `family`, else the first attack match.
    pub fn match_for(&self, family: Option<&str>) -> Option<&WafMatch> {
        family
            .and_then(|f| self.matches.iter().find(|m| m.family.as_deref() == Some(f)))
            .or_else(|| self.matches.iter().find(|m| m.family.is_some()))
    }
}

/// A 64-bit FNV-1a hash, for event ids of records that carry none.
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
