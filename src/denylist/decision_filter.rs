//! The filters CrowdSec bouncers send with their polls, honoured as the CrowdSec Local API does.
//!
//! Bouncers built on `go-cs-bouncer` (firewall, custom, Cloudflare...) and the Lua ones (nginx,
//! OpenResty) join their `scopes`, `origins`, `scenarios_containing` and `scenarios_not_containing`
//! settings with commas into query parameters of the same names. The LAPI compares scopes without
//! case (`ip` is `Ip`), origins exactly, and scenarios by case-insensitive substring; a stream poll
//! without `scopes` means `ip,range`.
use super::decisions::{DecisionStream, WireDecision};
use std::collections::HashMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionFilter {
    /// Lower-cased scope names; `None` keeps every scope.
    scopes: Option<Vec<String>>,
    origins: Option<Vec<String>>,
    /// Lower-cased; a decision is kept when its scenario contains any of them.
    containing: Vec<String>,
    /// Lower-cased; a decision is dropped when its scenario contains any of them.
    not_containing: Vec<String>,
}

fn list(q: &HashMap<String, String>, key: &str) -> Option<Vec<String>> {
    q.get(key).map(|v| {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

fn lower(v: Vec<String>) -> Vec<String> {
    v.into_iter().map(|s| s.to_ascii_lowercase()).collect()
}

impl DecisionFilter {
    /// The filter of a `/v1/decisions/stream` poll (no `scopes` means `ip,range`).
    pub fn for_stream(q: &HashMap<String, String>) -> DecisionFilter {
        let mut f = DecisionFilter::from_query(q);
        if f.scopes.is_none() {
            f.scopes = Some(vec!["ip".into(), "range".into()]);
        }
        f
    }

    /// The filter of a `/v1/decisions` query (`scope` or `scopes`; none keeps every scope).
    pub fn from_query(q: &HashMap<String, String>) -> DecisionFilter {
        DecisionFilter {
            scopes: list(q, "scopes").or_else(|| list(q, "scope")).map(lower),
            origins: list(q, "origins").or_else(|| list(q, "origin")),
            containing: list(q, "scenarios_containing")
                .map(lower)
                .unwrap_or_default(),
            not_containing: list(q, "scenarios_not_containing")
                .map(lower)
                .unwrap_or_default(),
        }
    }

    pub fn keeps(&self, d: &WireDecision) -> bool {
        let scenario = d.scenario.to_ascii_lowercase();
        self.scopes
            .as_ref()
            .is_none_or(|s| s.iter().any(|x| x.eq_ignore_ascii_case(d.scope)))
            && self
                .origins
                .as_ref()
                .is_none_or(|o| o.iter().any(|x| x == d.origin))
            && (self.containing.is_empty() || self.containing.iter().any(|c| scenario.contains(c)))
            && !self.not_containing.iter().any(|c| scenario.contains(c))
    }

    pub fn stream(&self, mut s: DecisionStream) -> DecisionStream {
        s.new.retain(|d| self.keeps(d));
        s.deleted.retain(|d| self.keeps(d));
        s
    }

    /// `None` (CrowdSec's `null`) when nothing is left.
    pub fn decisions(&self, ds: Option<Vec<WireDecision>>) -> Option<Vec<WireDecision>> {
        let kept: Vec<WireDecision> = ds?.into_iter().filter(|d| self.keeps(d)).collect();
        (!kept.is_empty()).then_some(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(scope: &'static str, scenario: &str) -> WireDecision {
        WireDecision {
            id: 1,
            origin: "sigscope",
            kind: "ban",
            scope,
            value: "192.0.2.1".into(),
            duration: "1h0m0s".into(),
            scenario: scenario.into(),
        }
    }

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn scopes_compare_without_case_and_default_to_ip_and_range() {
        let f = DecisionFilter::for_stream(&q(&[("scopes", "ip")]));
        assert!(f.keeps(&d("Ip", "x")));
        assert!(!f.keeps(&d("Range", "x")));
        let f = DecisionFilter::for_stream(&q(&[]));
        assert!(f.keeps(&d("Ip", "x")) && f.keeps(&d("Range", "x")));
    }

    #[test]
    fn origins_are_exact() {
        let f = DecisionFilter::for_stream(&q(&[("origins", "crowdsec,cscli")]));
        assert!(!f.keeps(&d("Ip", "x")));
        let f = DecisionFilter::for_stream(&q(&[("origins", "cscli,sigscope")]));
        assert!(f.keeps(&d("Ip", "x")));
    }

    #[test]
    fn scenarios_match_by_substring_without_case() {
        let f = DecisionFilter::for_stream(&q(&[
            ("scenarios_containing", "http,SQL"),
            ("scenarios_not_containing", "ssh"),
        ]));
        assert!(f.keeps(&d("Ip", "autoblock: SQL injection")));
        assert!(!f.keeps(&d("Ip", "credential stuffing")));
        assert!(!f.keeps(&d("Ip", "http ssh brute force")));
    }
}
