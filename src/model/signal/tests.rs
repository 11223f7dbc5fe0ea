use super::*;

fn sample() -> Value {
    json!({
        "id": "AAA", "type": "signal",
        "attributes": {
            "timestamp": "2026-11-20T10:00:00.000Z", "status": "high", "service": ["checkout-api"],
            "tags": ["env:prod", "source:appsec"], "message": "SQLi", "version": 3, "x_unknown": {"k": 1},
            "attributes": {
                "title": "SQL injection on checkout-api",
                "workflow": {"rule": {"id": "r1", "name": "SQLi", "type": "Application Security", "version": 2},
                             "first_seen": "2026-11-20T09:00:00.000Z", "last_seen": "2026-11-20T10:00:00.000Z",
                             "triage": {"state": "under_review", "archiveReason": "none",
                                        "assignee": {"uuid": "u-1", "handle": "bob@x.com", "name": "Bob"}, "incidentIds": [7]}},
                "http": {"client_ip": "192.0.2.7"}, "usr": {"id": "jane"}, "appsec": {"type": "sql_injection"},
                "samples": [{"eventId": "e1", "content": {"http": {"client_ip": "198.51.100.3", "method": "GET", "url": "/a?id=1", "useragent": "curl"},
                             "appsec": {"type": "sql_injection", "blocked": true, "triggers": [{"rule": {"id": "crs-942-100", "name": "SQLi"},
                             "rule_matches": [{"operator": "is_sqli", "parameters": [{"address": "server.request.query", "key_path": ["id"], "value": "1' OR 1=1--"}]}]}]}}}]
            }
        }
    })
}

#[test]
fn version_is_always_in_the_vendor_json() {
    let s = Signal::from_json(json!({"id": "A", "type": "signal", "attributes": {
        "timestamp": "2026-01-01T00:00:00.000Z", "status": "low", "custom": {"title": "t"}}}))
    .unwrap();
    assert_eq!(s.version, 0);
    assert_eq!(s.to_json()["attributes"]["version"], json!(0));
}

#[test]
fn reads_list_shape_and_fields() {
    let s = Signal::from_json(sample()).unwrap();
    assert_eq!(s.severity, Severity::High);
    assert_eq!(s.triage.state, TriageState::UnderReview);
    assert_eq!(s.triage.archive_reason, None);
    assert_eq!(
        s.triage.assignee.as_ref().unwrap().handle.as_deref(),
        Some("bob@x.com")
    );
    assert_eq!(s.triage.incident_ids, vec![7]);
    assert_eq!(s.attacker_ips, vec!["192.0.2.7", "198.51.100.3"]);
    assert_eq!(s.attacker_users, vec!["jane"]);
    assert_eq!(s.env.as_deref(), Some("prod"));
    assert_eq!(
        s.samples[0].payload_location.as_deref(),
        Some("server.request.query.id")
    );
    assert_eq!(s.samples[0].payload_value.as_deref(), Some("1' OR 1=1--"));
    assert_eq!(s.samples[0].blocked, Some(true));
    assert_eq!(s.version, 3);
    assert_eq!(s.event()["title"], "SQL injection on checkout-api");
}

#[test]
fn round_trip_keeps_unknown_keys() {
    let raw = sample();
    let s = Signal::from_json(raw.clone()).unwrap();
    assert_eq!(s.to_json(), &raw);
}

#[test]
fn set_triage_writes_camel_case_into_the_event() {
    let mut s = Signal::from_json(sample()).unwrap();
    let t = Triage {
        state: TriageState::Archived,
        assignee: None,
        archive_reason: Some(ArchiveReason::FalsePositive),
        archive_comment: Some("scanner we hired".into()),
        incident_ids: vec![],
    };
    s.set_triage(t.clone(), 4);
    let again = Signal::from_json(s.to_json().clone()).unwrap();
    assert_eq!(again.triage, t);
    assert_eq!(again.version, 4);
    assert_eq!(
        s.to_json()["attributes"]["attributes"]["workflow"]["triage"]["archiveReason"],
        "false_positive"
    );
    assert_eq!(s.to_json()["attributes"]["x_unknown"]["k"], 1);
}

#[test]
fn custom_key_is_read_too() {
    let mut raw = sample();
    let ev = raw["attributes"]
        .as_object_mut()
        .unwrap()
        .remove("attributes")
        .unwrap();
    raw["attributes"]["custom"] = ev;
    let s = Signal::from_json(raw).unwrap();
    assert_eq!(s.title, "SQL injection on checkout-api");
    assert_eq!(s.rule.name, "SQLi");
}

#[test]
fn bad_id_and_severity_are_named() {
    let mut raw = sample();
    raw["id"] = json!(42);
    let e = Signal::from_json(raw).unwrap_err().to_string();
    assert!(e.contains("`id`") && e.contains("a number"), "{e}");
    let mut raw = sample();
    raw["attributes"]["status"] = json!("urgent");
    let e = Signal::from_json(raw).unwrap_err().to_string();
    assert!(e.contains("attributes.status"), "{e}");
}
