//! Reading a signal's vendor JSON: which key holds the event, its triage block, and its samples as
//! attack attempts.
use super::*;

impl Signal {
    pub(super) fn pick_event_key(attrs: &Value) -> &'static str {
        let has = |k: &str| attrs.get(k).is_some_and(|v| v.is_object());
        let has_workflow = |k: &str| at(attrs, &format!("{k}.workflow")).is_some();
        if has_workflow("custom") || (has("custom") && !has_workflow("attributes")) {
            "custom"
        } else if has("attributes") {
            "attributes"
        } else {
            "custom"
        }
    }

    pub(super) fn read_triage(event: &Value) -> Result<Triage> {
        let t = at(event, "workflow.triage");
        let Some(t) = t else {
            return Ok(Triage::default());
        };
        let get = |camel: &str, snake: &str| t.get(camel).or_else(|| t.get(snake));
        let state = match t.get("state") {
            None | Some(Value::Null) => TriageState::Open,
            Some(Value::String(s)) => TriageState::parse(s).ok_or_else(|| {
                field_err(
                    "workflow.triage.state",
                    format!("unknown state {s:?} (open, under_review, archived)"),
                )
            })?,
            Some(other) => {
                return Err(field_err(
                    "workflow.triage.state",
                    format!("expected a string, found {}", kind(other)),
                ))
            }
        };
        let assignee = t.get("assignee").and_then(|a| {
            let uuid = a.get("uuid").and_then(Value::as_str).unwrap_or_default();
            let unassigned = a.get("id").and_then(Value::as_i64) == Some(-1) || uuid.is_empty();
            (!unassigned).then(|| Assignee {
                uuid: uuid.to_string(),
                handle: a.get("handle").and_then(Value::as_str).map(str::to_string),
                name: a.get("name").and_then(Value::as_str).map(str::to_string),
            })
        });
        let archive_reason = match get("archiveReason", "archive_reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match ArchiveReason::parse(s) {
                Some(ArchiveReason::None) => None,
                Some(r) => Some(r),
                None => {
                    return Err(field_err(
                        "workflow.triage.archiveReason",
                        format!("unknown archive reason {s:?}"),
                    ))
                }
            },
            Some(other) => {
                return Err(field_err(
                    "workflow.triage.archiveReason",
                    format!("expected a string, found {}", kind(other)),
                ))
            }
        };
        let archive_comment = get("archiveComment", "archive_comment")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let incident_ids = match get("incidentIds", "incident_ids") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_i64).collect(),
            _ => Vec::new(),
        };
        Ok(Triage {
            state,
            assignee,
            archive_reason,
            archive_comment,
            incident_ids,
        })
    }

    pub(super) fn read_sample(s: &Value) -> AttackAttempt {
        let c = s.get("content").unwrap_or(s);
        let owned = |v: Option<&str>| v.filter(|x| !x.is_empty()).map(str::to_string);
        let trigger = at(c, "appsec.triggers")
            .and_then(Value::as_array)
            .and_then(|a| a.first());
        let param = trigger
            .and_then(|t| t.get("rule_matches"))
            .and_then(Value::as_array)
            .and_then(|m| m.first())
            .and_then(|m| m.get("parameters"))
            .and_then(Value::as_array)
            .and_then(|p| p.first());
        let payload_location = param.map(|p| {
            let addr = p.get("address").and_then(Value::as_str).unwrap_or_default();
            let keys: Vec<String> = p
                .get("key_path")
                .and_then(Value::as_array)
                .map(|k| {
                    k.iter()
                        .map(|x| {
                            x.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| x.to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            if keys.is_empty() {
                addr.to_string()
            } else {
                format!("{addr}.{}", keys.join("."))
            }
        });
        let ip =
            owned(str_at(c, "http.client_ip")).or_else(|| owned(str_at(c, "network.client.ip")));
        AttackAttempt {
            event_id: s
                .get("eventId")
                .or_else(|| s.get("id"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            timestamp: c.get("timestamp").and_then(time_of),
            ip,
            user: owned(str_at(c, "usr.id")),
            method: owned(str_at(c, "http.method")),
            url: owned(str_at(c, "http.url")),
            status_code: i64_at(c, "http.status_code"),
            user_agent: owned(str_at(c, "http.useragent")),
            attack_type: owned(str_at(c, "appsec.type")),
            waf_rule_id: trigger.and_then(|t| owned(str_at(t, "rule.id"))),
            waf_rule_name: trigger.and_then(|t| owned(str_at(t, "rule.name"))),
            payload_location,
            payload_value: param.and_then(|p| owned(p.get("value").and_then(Value::as_str))),
            blocked: at(c, "appsec.blocked").and_then(Value::as_bool),
            trace_id: owned(str_at(c, "trace_id"))
                .or_else(|| owned(str_at(c, "dd.trace_id")))
                .or_else(|| i64_at(c, "trace_id").map(|n| n.to_string())),
        }
    }
}
