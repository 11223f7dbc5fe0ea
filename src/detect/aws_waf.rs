//! AWS WAF v2 logs: one JSON record per line (`timestamp` in epoch ms, `action`,
//! `terminatingRuleId`, `terminatingRuleMatchDetails`, `ruleGroupList`, `nonTerminatingMatchingRules`,
//! `labels`, `httpRequest.{clientIp, headers, uri, args, httpMethod, requestId}`).
use super::event::{fnv64, AttackEvent, WafMatch};
use super::families::{aws_family, aws_label_family};
use super::jsonutil::{host_only, some, Headers, Num};
use chrono::{TimeZone, Utc};
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(default)]
    timestamp: Num,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    terminating_rule_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    terminating_rule_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    terminating_rule_match_details: Option<Vec<Detail<'a>>>,
    #[serde(borrow, default)]
    http_source_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    rule_group_list: Option<Vec<Group<'a>>>,
    #[serde(borrow, default)]
    non_terminating_matching_rules: Option<Vec<RuleHit<'a>>>,
    #[serde(borrow, default)]
    labels: Option<Vec<Label<'a>>>,
    #[serde(default)]
    response_code_sent: Num,
    #[serde(borrow)]
    http_request: Option<HttpRequest<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail<'a> {
    #[serde(borrow, default)]
    condition_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    location: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    matched_data: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group<'a> {
    #[serde(borrow, default)]
    rule_group_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    terminating_rule: Option<RuleHit<'a>>,
    #[serde(borrow, default)]
    non_terminating_matching_rules: Option<Vec<RuleHit<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleHit<'a> {
    #[serde(borrow, default)]
    rule_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    rule_match_details: Option<Vec<Detail<'a>>>,
}

#[derive(Deserialize)]
struct Label<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpRequest<'a> {
    #[serde(borrow, default)]
    client_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    headers: Headers<'a>,
    #[serde(borrow, default)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    args: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    http_method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request_id: Option<Cow<'a, str>>,
}

/// The vendor WAF address of an AWS WAF match location.
fn address(location: &str) -> &'static str {
    match location {
        "QUERY_STRING" | "SINGLE_QUERY_ARG" | "ALL_QUERY_ARGS" => "server.request.query",
        "HEADER" | "HEADERS" => "server.request.headers.no_cookies",
        "COOKIES" => "server.request.cookies",
        "BODY" | "JSON_BODY" => "server.request.body",
        "URI" | "URI_PATH" => "server.request.uri.raw",
        _ => "server.request",
    }
}

fn hit(group: Option<&str>, rule_id: &str, details: Option<&[Detail]>) -> WafMatch {
    let first = details.and_then(|d| d.first());
    let condition = first.and_then(|d| d.condition_type.as_deref());
    let family = aws_family(group, rule_id, condition).map(str::to_string);
    let value = first
        .and_then(|d| d.matched_data.as_ref())
        .map(|m| m.iter().map(|x| x.as_ref()).collect::<Vec<_>>().join(" "));
    let message = match group {
        Some(g) => format!("{g} / {rule_id}"),
        None => rule_id.to_string(),
    };
    WafMatch {
        rule_id: rule_id.to_string(),
        message,
        tags: condition.map(|c| vec![c.to_string()]).unwrap_or_default(),
        family,
        address: first
            .and_then(|d| d.location.as_deref())
            .map(|l| address(l).to_string()),
        key: None,
        value,
    }
}

/// Read one AWS WAF log record. `Err` says what is wrong with it.
pub fn parse(line: &str) -> Result<AttackEvent, String> {
    let r: Record =
        serde_json::from_str(line).map_err(|e| format!("not an AWS WAF log record: {e}"))?;
    let req = r
        .http_request
        .ok_or_else(|| "no `httpRequest` object (is this an AWS WAF log?)".to_string())?;
    let ms = r.timestamp.0.ok_or_else(|| "no `timestamp`".to_string())?;
    let time = Utc
        .timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| format!("timestamp {ms} out of range"))?;
    let action = r.action.as_deref().unwrap_or_default().to_ascii_uppercase();

    let mut matches = Vec::new();
    let term = r.terminating_rule_id.as_deref().unwrap_or_default();
    let term_type = r.terminating_rule_type.as_deref().unwrap_or_default();
    let mut groups_hit = false;
    for g in r.rule_group_list.iter().flatten() {
        let gid = g.rule_group_id.as_deref();
        if let Some(t) = &g.terminating_rule {
            if let Some(id) = t.rule_id.as_deref() {
                groups_hit = true;
                let d = t
                    .rule_match_details
                    .as_deref()
                    .or(r.terminating_rule_match_details.as_deref());
                matches.push(hit(gid, id, d));
            }
        }
        for n in g.non_terminating_matching_rules.iter().flatten() {
            if let Some(id) = n.rule_id.as_deref() {
                groups_hit = true;
                matches.push(hit(gid, id, n.rule_match_details.as_deref()));
            }
        }
    }
    if !groups_hit && !term.is_empty() && term != "Default_Action" && term_type != "RATE_BASED" {
        matches.push(hit(None, term, r.terminating_rule_match_details.as_deref()));
    }
    for n in r.non_terminating_matching_rules.iter().flatten() {
        if let Some(id) = n.rule_id.as_deref() {
            matches.push(hit(None, id, n.rule_match_details.as_deref()));
        }
    }
    // Managed rules name their family in labels even when the rule id says nothing.
    if !matches.iter().any(|m| m.family.is_some()) {
        if let Some(f) = r
            .labels
            .iter()
            .flatten()
            .filter_map(|l| l.name.as_deref())
            .find_map(aws_label_family)
        {
            if let Some(m) = matches.first_mut() {
                m.family = Some(f.to_string());
            }
        }
    }

    let id = match some(req.request_id.clone()) {
        // Request ids repeat across sources (`rid` in AWS's own examples): the time keeps them apart.
        Some(rid) => format!("{rid}@{ms}"),
        None => format!("h{:016x}", fnv64(line.as_bytes())),
    };
    let mut url = some(req.uri);
    if let (Some(u), Some(a)) = (&mut url, some(req.args)) {
        u.push('?');
        u.push_str(&a);
    }
    let host = some(req.headers.host);
    let blocked = action == "BLOCK";
    Ok(AttackEvent {
        time,
        id,
        source: "aws-waf".into(),
        client_ip: some(req.client_ip),
        user: None,
        service: host
            .as_deref()
            .map(host_only)
            .or_else(|| some(r.http_source_id)),
        host,
        method: some(req.http_method),
        url,
        status: r
            .response_code_sent
            .0
            .or(if blocked { Some(403) } else { None }),
        blocked,
        user_agent: some(req.headers.user_agent),
        matches,
    })
}
