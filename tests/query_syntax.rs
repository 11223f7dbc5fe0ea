//! Every element of the query syntax, each with a matching and a non-matching signal, checked on
//! both the slow path (`Query::matches`) and the index (`SignalIndex::search`).
use serde_json::{json, Value};
use sigscope::model::Signal;
use sigscope::query::{parse, SignalIndex, TimeRange};

fn base() -> Value {
    json!({
        "id": "S1", "type": "signal",
        "attributes": {
            "timestamp": "2026-11-20T10:00:00.000Z", "status": "high", "service": ["checkout-api"],
            "tags": ["env:prod", "source:appsec", "security:attack", "team:payments"],
            "message": "SQL injection attempt detected by SQLMap scanner", "host": "web-1",
            "attributes": {
                "title": "SQL injection on checkout-api",
                "workflow": {"rule": {"id": "r-sqli", "name": "SQLi exploit attempt", "type": "Application Security"},
                             "first_seen": "2026-11-20T09:00:00.000Z", "last_seen": "2026-11-20T10:00:00.000Z",
                             "events_matched": 150,
                             "triage": {"state": "under_review",
                                        "assignee": {"uuid": "u-1", "handle": "bob@x.com", "name": "Bob Smith"}}},
                "http": {"client_ip": "13.37.0.5", "url": "/admin/login", "status_code": 403, "method": "POST"},
                "network": {"client": {"ip": "2001:db8::42"}},
                "usr": {"id": "jane@x.com"},
                "appsec": {"type": "sql_injection", "blocked": true},
                "entities": [{"kind": "ip", "score": 7}, {"kind": "user", "score": 12}],
                "note": "a*b"
            }
        }
    })
}

/// The base signal with the event (`attributes.attributes`) or top-level attributes patched.
fn with(patch: impl FnOnce(&mut Value)) -> Signal {
    let mut v = base();
    patch(&mut v);
    Signal::from_json(v).unwrap()
}

fn sig() -> Signal {
    with(|_| {})
}

fn ev(v: &mut Value) -> &mut Value {
    &mut v["attributes"]["attributes"]
}

/// Assert the query matches `s` exactly when `want`, on both paths.
fn check(q: &str, s: &Signal, want: bool) {
    let query = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    assert_eq!(query.matches(s), want, "slow path, query {q}");
    let ix = SignalIndex::build([s.clone()]);
    let r = ix.search(&query, &TimeRange::all(), 10);
    assert_eq!(r.total == 1, want, "index, query {q}");
}

fn yes(q: &str, s: &Signal) {
    check(q, s, true)
}
fn no(q: &str, s: &Signal) {
    check(q, s, false)
}

#[test]
fn empty_query_matches_everything() {
    yes("", &sig());
    yes("   ", &sig());
}

#[test]
fn words_match_case_insensitively_anywhere_in_the_text() {
    yes("sqlmap", &sig());
    yes("SQLMAP", &sig());
    yes("checkout", &sig());
    yes("13.37.0.5", &sig());
    no("xss", &sig());
    no(
        "sqlmap",
        &with(|v| v["attributes"]["message"] = json!("nothing here")),
    );
}

#[test]
fn phrases_match_as_a_whole() {
    yes("\"sql injection attempt\"", &sig());
    no("\"injection sql\"", &sig());
}

#[test]
fn reserved_keys() {
    yes("service:checkout-api", &sig());
    no("service:checkout", &sig());
    yes("env:prod", &sig());
    no("env:staging", &sig());
    yes("status:high", &sig());
    no("status:low", &sig());
    yes("host:web-1", &sig());
    no("host:web-2", &sig());
    yes("source:appsec", &sig());
    no("source:python", &sig());
}

#[test]
fn any_tag_key() {
    yes("team:payments", &sig());
    no("team:growth", &sig());
    yes("security:attack", &sig());
    no("nokey:attack", &sig());
}

#[test]
fn attribute_paths() {
    yes("@http.url:/admin/login", &sig());
    no("@http.url:/admin", &sig());
    yes("@http.method:POST", &sig());
    no("@http.method:GET", &sig());
    yes("@appsec.blocked:true", &sig());
    no("@appsec.blocked:false", &sig());
    yes("@workflow.rule.type:\"Application Security\"", &sig());
    no("@workflow.rule.type:Application", &sig());
}

#[test]
fn attribute_values_are_case_sensitive() {
    yes("@http.method:POST", &sig());
    no("@http.method:post", &sig());
    no("service:CHECKOUT-API", &sig());
}

#[test]
fn arrays_match_if_any_element_matches() {
    yes("@entities.kind:user", &sig());
    no("@entities.kind:host", &sig());
    yes("@entities.score:>10", &sig());
    no("@entities.score:>20", &sig());
}

#[test]
fn triage_fields_are_current() {
    let mut s = sig();
    yes("@workflow.triage.state:under_review", &s);
    yes("@workflow.triage.assignee.handle:bob@x.com", &s);
    yes("@workflow.triage.assignee.name:\"Bob Smith\"", &s);
    no("@workflow.triage.archive_reason:*", &s);
    let mut t = s.triage.clone();
    t.state = sigscope::model::TriageState::Archived;
    t.assignee = None;
    t.archive_reason = Some(sigscope::model::ArchiveReason::FalsePositive);
    s.set_triage(t, 9);
    no("@workflow.triage.state:under_review", &s);
    yes("@workflow.triage.state:archived", &s);
    no("@workflow.triage.assignee.handle:*", &s);
    yes("@workflow.triage.archive_reason:false_positive", &s);
}

#[test]
fn implicit_and_or_not_minus() {
    yes("sqlmap service:checkout-api", &sig());
    no("sqlmap service:other", &sig());
    yes("sqlmap AND env:prod", &sig());
    no("sqlmap AND env:dev", &sig());
    yes("xss OR sqlmap", &sig());
    no("xss OR lfi", &sig());
    yes("NOT xss", &sig());
    no("NOT sqlmap", &sig());
    yes("-xss", &sig());
    no("-sqlmap", &sig());
    yes("-@workflow.triage.state:archived", &sig());
    no("-@workflow.triage.state:under_review", &sig());
}

#[test]
fn parentheses() {
    yes("(xss OR sqlmap) env:prod", &sig());
    no("(xss OR lfi) env:prod", &sig());
    yes("-(xss OR lfi)", &sig());
    no("-(xss OR sqlmap)", &sig());
}

#[test]
fn operator_precedence_and_binds_tighter_than_or() {
    // `a OR b c` is `a OR (b AND c)`: true OR (false AND x) is true...
    yes("sqlmap OR xss nothing", &sig());
    // ...and false OR (true AND false) is false, where `(a OR b) c` would be true.
    no("xss OR sqlmap nothing", &sig());
    yes("(xss OR sqlmap) env:prod", &sig());
    assert_eq!(parse("a OR b c").unwrap(), parse("a OR (b AND c)").unwrap());
    assert_ne!(parse("a OR b c").unwrap(), parse("(a OR b) c").unwrap());
}

#[test]
fn value_lists() {
    yes("status:(low OR high)", &sig());
    no("status:(low OR medium)", &sig());
    yes("@workflow.triage.state:(open OR under_review)", &sig());
    no("@workflow.triage.state:(open OR archived)", &sig());
    yes("service:(checkout-api -other)", &sig());
    assert_eq!(
        parse("service:(a OR b)").unwrap(),
        parse("(service:a OR service:b)").unwrap()
    );
}

#[test]
fn wildcards() {
    yes("service:checkout*", &sig());
    no("service:web*", &sig());
    yes("@http.url:*admin*", &sig());
    no("@http.url:*wp-*", &sig());
    yes("host:web-?", &sig());
    no("host:web?", &sig());
    yes("sql*map", &sig());
    no("sql*xss", &sig());
    yes("@workflow.rule.name:SQLi*", &sig());
    no("@workflow.rule.name:*XSS*", &sig());
}

#[test]
fn quoted_wildcards_are_literal() {
    yes("@note:\"a*b\"", &sig());
    no("@note:\"a*b\"", &with(|v| ev(v)["note"] = json!("aXXb")));
    yes("@note:a*b", &with(|v| ev(v)["note"] = json!("aXXb")));
    yes("@note:a\\*b", &sig());
    no("@note:a\\*b", &with(|v| ev(v)["note"] = json!("aXXb")));
}

#[test]
fn existence_and_missing() {
    yes("@http.status_code:*", &sig());
    no("@http.referer:*", &sig());
    yes("-@http.referer:*", &sig());
    no("-@http.status_code:*", &sig());
    // An object is not a value.
    no("@http:*", &sig());
}

#[test]
fn numeric_comparisons_on_numbers_not_strings() {
    // As strings "150" < "9"; as numbers 150 > 9.
    yes("@workflow.events_matched:>9", &sig());
    no("@workflow.events_matched:<9", &sig());
    yes("@workflow.events_matched:>=150", &sig());
    no("@workflow.events_matched:>150", &sig());
    yes("@workflow.events_matched:<=150", &sig());
    no("@workflow.events_matched:<150", &sig());
    yes("@http.status_code:>=400", &sig());
    no("@http.status_code:>=500", &sig());
    yes("@workflow.events_matched:150", &sig());
    no("@workflow.events_matched:15", &sig());
}

#[test]
fn ranges() {
    yes("@http.status_code:[400 TO 499]", &sig());
    no("@http.status_code:[500 TO 599]", &sig());
    yes("@http.status_code:[403 TO 403]", &sig());
    no("@http.status_code:{403 TO 499]", &sig());
    yes("@http.status_code:[400 TO *]", &sig());
    no("@http.status_code:[* TO 402]", &sig());
    yes(
        "@workflow.first_seen:[2026-11-20T00:00:00Z TO 2026-11-21T00:00:00Z]",
        &sig(),
    );
    no("@workflow.first_seen:[2026-11-21T00:00:00Z TO *]", &sig());
}

#[test]
fn severity_compares_by_rank() {
    yes("status:>=medium", &sig());
    no("status:>high", &sig());
}

#[test]
fn cidr_v4_and_v6() {
    yes("CIDR(@http.client_ip,13.0.0.0/8,15.0.0.0/8)", &sig());
    no("CIDR(@http.client_ip,14.0.0.0/8,15.0.0.0/8)", &sig());
    yes("CIDR(@network.client.ip, 2001:db8::/32)", &sig());
    no("CIDR(@network.client.ip, 2001:db9::/32)", &sig());
    yes("CIDR(@http.client_ip,13.37.0.5)", &sig());
    no("CIDR(@http.client_ip,13.37.0.6)", &sig());
    no("-CIDR(@http.client_ip,13.0.0.0/8)", &sig());
}

#[test]
fn attacker_fields_include_samples() {
    let s = with(|v| {
        ev(v)["samples"] = json!([{"content": {"http": {"client_ip": "198.51.100.3"}, "usr": {"id": "mallory"}, "appsec": {"type": "xss"}}}]);
    });
    yes("@network.client.ip:198.51.100.3", &s);
    yes("@usr.id:mallory", &s);
    yes("@appsec.type:xss", &s);
    no("@usr.id:mallory", &sig());
}

#[test]
fn escapes() {
    yes("@http.url:\\/admin\\/login", &sig());
    yes("@usr.id:jane\\@x.com", &sig());
    yes("@usr.id:\"jane@x.com\"", &sig());
    no("@usr.id:\"jane@y.com\"", &sig());
    let s = with(|v| ev(v)["note"] = json!("a b:c(d)"));
    yes("@note:a\\ b\\:c\\(d\\)", &s);
    yes("@note:\"a b:c(d)\"", &s);
    no("@note:a\\ b", &s);
    let s = with(|v| ev(v)["note"] = json!("say \"hi\" \\o/"));
    yes(r#"@note:"say \"hi\" \\o/""#, &s);
}

#[test]
fn keywords_are_upper_case_only() {
    // `or` is a word here, and the signal has no "or" in its text.
    no("xss or sqlmap", &sig());
    yes("xss OR sqlmap", &sig());
}

#[test]
fn time_range_beside_the_query() {
    use sigscope::query::parse_time;
    let s = sig();
    let ix = SignalIndex::build([s]);
    let now = parse_time("2026-11-20T12:00:00Z", chrono::Utc::now()).unwrap();
    let inside = TimeRange {
        from: Some(parse_time("now-3h", now).unwrap()),
        to: Some(now),
    };
    let outside = TimeRange {
        from: Some(parse_time("now-1h", now).unwrap()),
        to: None,
    };
    let q = parse("").unwrap();
    assert_eq!(ix.search(&q, &inside, 5).total, 1);
    assert_eq!(ix.search(&q, &outside, 5).total, 0);
}

#[test]
fn canonical_printing() {
    let p = |q: &str| parse(q).unwrap().to_string();
    assert_eq!(p("a   OR b  c"), "a OR b c");
    assert_eq!(p("(a OR b) c"), "(a OR b) c");
    assert_eq!(p("service:(a OR b)"), "service:a OR service:b");
    assert_eq!(p("x service:(a OR b)"), "x (service:a OR service:b)");
    assert_eq!(p("NOT a AND b"), "-a b");
    assert_eq!(p("@usr.id:\"jane@x.com\""), "@usr.id:jane@x.com");
    assert_eq!(p("@x:\"a b\""), "@x:\"a b\"");
    assert_eq!(p("@x:a\\ b*"), "@x:a\\ b*");
    assert_eq!(p("@x:\"a*\""), "@x:\"a*\"");
    assert_eq!(p("@x:>=100"), "@x:>=100");
    assert_eq!(p("@x:[1 TO *}"), "@x:[1 TO *}");
    assert_eq!(
        p("CIDR(@ip, 10.0.0.0/8, ::1)"),
        "CIDR(@ip,10.0.0.0/8,::1/128)"
    );
    assert_eq!(p("\"OR\""), "\"OR\"");
    assert_eq!(p(""), "");
}
