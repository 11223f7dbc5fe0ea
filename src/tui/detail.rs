//! The side panel's content, built from a backend `Detail` off the UI thread: every string cleaned,
//! the attack flow and the activity summary counted once, so drawing is only drawing.
use super::backend::{Detail, Row};
use super::text::SafeText;
use crate::model::{Severity, TriageState};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct Attacker {
    pub ip: SafeText,
    pub user: Option<SafeText>,
    /// "blocked until …", "blocked", or "" when not blocked.
    pub block: String,
}

#[derive(Clone, Debug)]
pub struct Attempt {
    pub time: String,
    pub ip: SafeText,
    pub user: SafeText,
    pub method: SafeText,
    pub path: SafeText,
    pub location: SafeText,
    pub payload: SafeText,
    pub waf_rule: SafeText,
    /// Blocked, passed, or `Unknown` when the sample does not say.
    pub blocked: Verdict,
    pub trace: SafeText,
    pub user_agent: SafeText,
}

/// One node of the attack-flow tree: depth 0 attacker, 1 service, 2 route, 3 outcome.
#[derive(Clone, Debug)]
pub struct FlowNode {
    pub depth: u8,
    pub label: SafeText,
    pub count: usize,
    /// The outcome an outcome node (depth 3) stands for; the view colours by it, not by the label.
    pub verdict: Option<Verdict>,
}

/// What became of an attack attempt. The order is the flow tree's order under a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Blocked,
    Exploited,
    Passed,
    Unknown,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Blocked => "blocked",
            Verdict::Exploited => "exploited",
            Verdict::Passed => "passed",
            Verdict::Unknown => "not recorded",
        }
    }
}

/// What the event says became of an attempt, the same for the flow tree and the attempt list.
/// An HTTP 200 does not mean an exploit (a WAF in monitor mode passes the request, the app may
/// reject it), so nothing is called exploited unless the event says so; the events read today
/// carry only `appsec.blocked` (issue 17: the tree said `exploited` where the line said `passed`).
pub fn verdict(a: &crate::model::AttackAttempt) -> Verdict {
    match a.blocked {
        Some(true) => Verdict::Blocked,
        Some(false) => Verdict::Passed,
        None => Verdict::Unknown,
    }
}

#[derive(Clone, Debug)]
pub struct DetailView {
    pub id: String,
    pub id_text: SafeText,
    pub title: SafeText,
    pub severity: Severity,
    pub state: TriageState,
    pub archive_reason: Option<String>,
    pub archive_comment: Option<SafeText>,
    pub assignee: Option<SafeText>,
    pub service: SafeText,
    pub owner: Option<SafeText>,
    pub env: Option<SafeText>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub version: i64,
    pub attackers: Vec<Attacker>,
    pub users: Vec<SafeText>,
    /// `SEC-3 title`, `IR-7 title`: what the signal is part of.
    pub cases: Vec<SafeText>,
    pub incidents: Vec<SafeText>,
    pub ips: Vec<String>,
    pub user_ids: Vec<String>,
    pub flow: Vec<FlowNode>,
    pub attempts: Vec<Attempt>,
    pub attack_types: Vec<(SafeText, usize)>,
    pub endpoints: Vec<(SafeText, usize)>,
    pub attacker_counts: Vec<(SafeText, usize)>,
    pub timeline: Vec<(String, SafeText, SafeText)>,
    pub rule_id: SafeText,
    pub rule_name: SafeText,
    pub rule_type: SafeText,
    pub rule_version: String,
    pub condition: SafeText,
    pub description: SafeText,
    pub runbook: SafeText,
    pub related: Vec<Row>,
    pub tags: Vec<SafeText>,
}

fn route(url: &str) -> &str {
    let path = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map(|j| &rest[j..]).unwrap_or("/")
        }
        None => url,
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

fn sorted_counts(m: BTreeMap<String, usize>) -> Vec<(SafeText, usize)> {
    let mut v: Vec<(String, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().map(|(k, n)| (SafeText::new(&k), n)).collect()
}

/// A case or incident as the side panel names it: its id and the start of its title.
fn choice_text(c: &super::backend::Choice) -> SafeText {
    SafeText::new(&format!("{} {}", c.id, super::text::fit(&c.title, 32)))
}

/// A full time in the zone shown (the zone is labelled where the times are listed).
pub fn fmt_when(t: &DateTime<Utc>) -> String {
    super::clock::fmt(t, "%Y-%m-%d %H:%M:%S")
}

/// A time of day in the zone shown, for logs of this session.
pub fn fmt_clock(t: &DateTime<Utc>) -> String {
    super::clock::fmt(t, "%H:%M:%S")
}

impl DetailView {
    pub fn build(d: &Detail, now: DateTime<Utc>) -> DetailView {
        let s = &d.signal;
        let block_of = |v: &str| -> String {
            match d.blocks.iter().find(|b| b.value == v).map(|b| b.blocked) {
                Some(Some(None)) => "blocked".into(),
                Some(Some(Some(t))) if t > now => {
                    format!("blocked until {}", super::clock::fmt(&t, "%m-%d %H:%M"))
                }
                _ => String::new(),
            }
        };
        let mut attackers = Vec::new();
        for ip in &s.attacker_ips {
            let user = s
                .samples
                .iter()
                .find(|a| a.ip.as_deref() == Some(ip.as_str()))
                .and_then(|a| a.user.as_deref())
                .map(SafeText::new);
            attackers.push(Attacker {
                ip: SafeText::new(ip),
                user,
                block: block_of(ip),
            });
        }

        // The flow tree: attacker → service → METHOD /route → outcome, counted over the samples.
        type Tree = BTreeMap<String, BTreeMap<String, BTreeMap<String, BTreeMap<Verdict, usize>>>>;
        let mut tree: Tree = BTreeMap::new();
        let mut types = BTreeMap::new();
        let mut endpoints = BTreeMap::new();
        let mut who = BTreeMap::new();
        let service = s.service().to_string();
        for a in &s.samples {
            let attacker = match (&a.ip, &a.user) {
                (Some(ip), Some(u)) => format!("{ip} ({u})"),
                (Some(ip), None) => ip.clone(),
                (None, Some(u)) => u.clone(),
                (None, None) => "unknown".into(),
            };
            let ep = format!(
                "{} {}",
                a.method.as_deref().unwrap_or("?"),
                route(a.url.as_deref().unwrap_or("?"))
            );
            let outcome = verdict(a);
            *tree
                .entry(attacker.clone())
                .or_default()
                .entry(service.clone())
                .or_default()
                .entry(ep.clone())
                .or_default()
                .entry(outcome)
                .or_default() += 1;
            if let Some(t) = &a.attack_type {
                *types.entry(t.clone()).or_insert(0) += 1;
            }
            *endpoints.entry(ep).or_insert(0) += 1;
            *who.entry(attacker).or_insert(0) += 1;
        }
        let mut flow = Vec::new();
        for (att, svcs) in &tree {
            let n: usize = svcs
                .values()
                .flat_map(|r| r.values())
                .flat_map(|o| o.values())
                .sum();
            flow.push(FlowNode {
                depth: 0,
                label: SafeText::new(att),
                count: n,
                verdict: None,
            });
            for (svc, routes) in svcs {
                let n: usize = routes.values().flat_map(|o| o.values()).sum();
                flow.push(FlowNode {
                    depth: 1,
                    label: SafeText::new(svc),
                    count: n,
                    verdict: None,
                });
                for (r, outcomes) in routes {
                    let n: usize = outcomes.values().sum();
                    flow.push(FlowNode {
                        depth: 2,
                        label: SafeText::new(r),
                        count: n,
                        verdict: None,
                    });
                    for (o, n) in outcomes {
                        flow.push(FlowNode {
                            depth: 3,
                            label: SafeText::new(o.label()),
                            count: *n,
                            verdict: Some(*o),
                        });
                    }
                }
            }
        }
        let mut samples: Vec<_> = s.samples.iter().collect();
        samples.sort_by_key(|a| a.timestamp);
        let opt = |v: &Option<String>| SafeText::new(v.as_deref().unwrap_or("-"));
        let attempts = samples
            .iter()
            .map(|a| Attempt {
                time: a
                    .timestamp
                    .map(|t| super::clock::fmt(&t, "%m-%d %H:%M:%S"))
                    .unwrap_or_else(|| "-".into()),
                ip: opt(&a.ip),
                user: opt(&a.user),
                method: opt(&a.method),
                path: SafeText::new(a.url.as_deref().map(route).unwrap_or("-")),
                location: opt(&a.payload_location),
                payload: opt(&a.payload_value),
                waf_rule: SafeText::new(
                    &[a.waf_rule_id.as_deref(), a.waf_rule_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                blocked: verdict(a),
                trace: opt(&a.trace_id),
                user_agent: opt(&a.user_agent),
            })
            .collect();
        let rule = d.rule.clone().unwrap_or_default();
        DetailView {
            id: s.id.clone(),
            id_text: SafeText::new(&s.id),
            title: SafeText::new(&s.title),
            severity: s.severity,
            state: s.triage.state,
            archive_reason: s.triage.archive_reason.map(super::text::reason_words),
            archive_comment: s.triage.archive_comment.as_deref().map(SafeText::new),
            assignee: s
                .triage
                .assignee
                .as_ref()
                .map(|a| SafeText::new(a.display())),
            service: SafeText::new(s.service()),
            owner: d.service_owner.as_deref().map(SafeText::new),
            env: s.env.as_deref().map(SafeText::new),
            first_seen: s.first_seen,
            last_seen: s.last_seen,
            version: s.version,
            attackers,
            users: s.attacker_users.iter().map(|u| SafeText::new(u)).collect(),
            cases: d.cases.iter().map(choice_text).collect(),
            incidents: d.incidents.iter().map(choice_text).collect(),
            ips: s.attacker_ips.clone(),
            user_ids: s.attacker_users.clone(),
            flow,
            attempts,
            attack_types: sorted_counts(types),
            endpoints: sorted_counts(endpoints),
            attacker_counts: sorted_counts(who),
            timeline: d
                .timeline
                .iter()
                .map(|e| {
                    (
                        fmt_when(&e.at),
                        SafeText::new(&e.actor),
                        SafeText::new(&e.text),
                    )
                })
                .collect(),
            rule_id: SafeText::new(&s.rule.id),
            rule_name: SafeText::new(&s.rule.name),
            rule_type: SafeText::new(&s.rule.rule_type),
            rule_version: s
                .rule
                .version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            condition: SafeText::new(&rule.condition),
            description: SafeText::new(&rule.description),
            runbook: SafeText::new(&rule.runbook),
            related: d.related.clone(),
            tags: s.tags.iter().map(|t| SafeText::new(t)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::route;

    #[test]
    fn route_drops_host_and_query() {
        assert_eq!(route("https://shop.example/api/login?x=1"), "/api/login");
        assert_eq!(route("/search?q=' or 1=1"), "/search");
        assert_eq!(route("http://h"), "/");
    }
}
