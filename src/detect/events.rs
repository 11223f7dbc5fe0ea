//! NDJSON of the vendor's application-security event shape (what a signal's `samples[].content`
//! holds): `{timestamp, http{client_ip,method,url,status_code,useragent}, usr{id}, service,
//! appsec{type, blocked, triggers[{rule{id,name,tags}, rule_matches[{parameters[{address,key_path,value}]}]}]}}`,
//! bare or wrapped as a sample (`{"eventId", "content": {...}}`).
use super::event::{fnv64, AttackEvent, WafMatch};
use crate::model::json::{str_at, time_of};
use serde_json::Value;

fn s(v: &Value, path: &str) -> Option<String> {
    str_at(v, path)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
}

fn tags_of(rule: &Value) -> Vec<String> {
    match rule.get("tags") {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(x) => format!("{k}:{x}"),
                None => format!("{k}:{v}"),
            })
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Read one event. `Err` says what is wrong with it.
pub fn parse(line: &str) -> Result<AttackEvent, String> {
    let outer: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    if !outer.is_object() {
        return Err("expected a JSON object".into());
    }
    let c = outer
        .get("content")
        .filter(|c| c.is_object())
        .unwrap_or(&outer);
    let time = c
        .get("timestamp")
        .or_else(|| outer.get("timestamp"))
        .and_then(time_of)
        .ok_or_else(|| {
            "field `timestamp`: missing or not an RFC 3339 time / epoch ms".to_string()
        })?;
    let appsec = c
        .get("appsec")
        .filter(|a| a.is_object())
        .ok_or_else(|| "field `appsec`: missing (not an application-security event)".to_string())?;
    let event_type = s(appsec, "type");
    let mut matches = Vec::new();
    for t in appsec
        .get("triggers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let rule = t.get("rule").unwrap_or(&Value::Null);
        let param = t
            .get("rule_matches")
            .and_then(Value::as_array)
            .and_then(|m| m.first())
            .and_then(|m| m.get("parameters"))
            .and_then(Value::as_array)
            .and_then(|p| p.first());
        let key = param
            .and_then(|p| p.get("key_path"))
            .and_then(Value::as_array)
            .map(|k| {
                k.iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            });
        matches.push(WafMatch {
            rule_id: s(rule, "id").unwrap_or_default(),
            message: s(rule, "name").unwrap_or_default(),
            tags: tags_of(rule),
            family: s(rule, "tags.type").or_else(|| event_type.clone()),
            address: param.and_then(|p| s(p, "address")),
            key: key.filter(|k| !k.is_empty()),
            value: param.and_then(|p| s(p, "value")),
        });
    }
    if matches.is_empty() {
        if let Some(t) = &event_type {
            matches.push(WafMatch {
                family: Some(t.clone()),
                rule_id: s(appsec, "rule_id").unwrap_or_default(),
                ..Default::default()
            });
        }
    }
    let id = s(&outer, "eventId")
        .or_else(|| s(&outer, "id"))
        .or_else(|| s(c, "event_id"))
        .unwrap_or_else(|| format!("h{:016x}", fnv64(line.as_bytes())));
    let service = match c.get("service") {
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_string),
        Some(v) => v.as_str().map(str::to_string),
        None => None,
    };
    Ok(AttackEvent {
        time,
        id,
        source: "events".into(),
        client_ip: s(c, "http.client_ip").or_else(|| s(c, "network.client.ip")),
        user: s(c, "usr.id"),
        service,
        host: s(c, "host").or_else(|| s(c, "http.host")),
        method: s(c, "http.method"),
        url: s(c, "http.url"),
        status: crate::model::json::i64_at(c, "http.status_code"),
        blocked: crate::model::json::at(appsec, "blocked")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        user_agent: s(c, "http.useragent"),
        matches,
    })
}
