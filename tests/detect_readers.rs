//! The event readers on recorded lines: Apache 2.4 + ModSecurity 2.9 + OWASP CRS 3.3 audit-log
//! lines captured from Debian's packages, libmodsecurity v3 and Coraza records, and AWS WAF's own
//! documented example records.
use sigscope::detect::Format;

fn lines(name: &str) -> Vec<String> {
    let p = format!(
        "{}/tests/fixtures/detect/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn modsecurity_2_9_crs_lines_name_the_family_the_client_and_the_payload() {
    let l = lines("modsec-crs-apache.log");
    let sqli = Format::ModSecurity.read(&l[0]).unwrap();
    assert_eq!(
        sqli.client_ip.as_deref(),
        Some("203.0.113.7"),
        "mod_remoteip's client, not the proxy"
    );
    assert_eq!(
        sqli.id, "axEfRhbNCEVKTXFlXjlMuAAAAEA",
        "ModSecurity's unique id"
    );
    assert_eq!(sqli.method.as_deref(), Some("GET"));
    assert!(sqli
        .url
        .as_deref()
        .unwrap()
        .starts_with("/products?id=1%27%20UNION"));
    assert_eq!(sqli.status, Some(403));
    assert!(sqli.blocked);
    assert_eq!(sqli.service.as_deref(), Some("shop.example.com"));
    assert_eq!(sqli.families(), vec!["sql_injection"]);
    let m = sqli.match_for(Some("sql_injection")).unwrap();
    assert_eq!(m.rule_id, "942100");
    assert_eq!(m.address.as_deref(), Some("server.request.query"));
    assert_eq!(m.key.as_deref(), Some("id"));
    assert!(
        m.value.as_deref().unwrap().contains("UNION SELECT"),
        "{m:?}"
    );
    // The anomaly-score bookkeeping rules are read but are not attacks.
    assert!(sqli
        .matches
        .iter()
        .any(|m| m.rule_id == "949110" && m.family.is_none()));
    assert!(sqli
        .matches
        .iter()
        .any(|m| m.rule_id == "980130" && m.family.is_none()));

    let fams: Vec<Vec<String>> = l
        .iter()
        .map(|x| {
            Format::ModSecurity
                .read(x)
                .unwrap()
                .families()
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .collect();
    assert_eq!(fams[1], vec!["xss"]);
    assert!(fams[2].contains(&"lfi".to_string()));
    assert!(fams[3].contains(&"command_injection".to_string()));
    assert_eq!(fams[4], vec!["security_scanner"]);
    let scanner = Format::ModSecurity.read(&l[4]).unwrap();
    assert_eq!(scanner.user_agent.as_deref(), Some("Nikto/2.1.6"));
    let m = scanner.match_for(None).unwrap();
    assert_eq!(
        m.address.as_deref(),
        Some("server.request.headers.no_cookies")
    );
    assert_eq!(m.key.as_deref(), Some("user-agent"));
    // A POST's ARGS are the body.
    let post = Format::ModSecurity.read(&l[5]).unwrap();
    assert_eq!(post.method.as_deref(), Some("POST"));
    assert_eq!(
        post.match_for(None).unwrap().address.as_deref(),
        Some("server.request.body")
    );
}

#[test]
fn modsecurity_v3_and_coraza_shapes() {
    let l = lines("modsec-v3-coraza.log");
    let v3 = Format::ModSecurity.read(&l[0]).unwrap();
    assert_eq!(v3.id, "17454609004.922163");
    assert_eq!(v3.client_ip.as_deref(), Some("192.168.1.101"));
    assert_eq!(v3.status, Some(403));
    assert_eq!(v3.families(), vec!["sql_injection"]);
    assert_eq!(v3.time.to_rfc3339(), "2025-04-23T22:15:00+00:00");
    let m = v3.match_for(None).unwrap();
    assert_eq!(
        (m.key.as_deref(), m.value.as_deref()),
        (Some("user"), Some("admin' OR '1'='1"))
    );
    let c = Format::ModSecurity.read(&l[1]).unwrap();
    assert_eq!(c.id, "ABCDEFGHIJKMNLAB");
    assert_eq!(c.families(), vec!["xss"]);
    assert_eq!(c.user_agent.as_deref(), Some("Mozilla/5.0"));
    assert_eq!(c.time.to_rfc3339(), "2006-01-02T22:04:20+00:00");
}

#[test]
fn aws_waf_documented_examples() {
    let l = lines("aws-waf-examples.log");
    let term = Format::AwsWaf.read(&l[0]).unwrap();
    assert_eq!(term.client_ip.as_deref(), Some("1.1.1.1"));
    assert!(term.blocked);
    assert_eq!(term.families(), vec!["sql_injection"]);
    assert_eq!(term.id, "rid@1576280412771");
    let m = term.match_for(None).unwrap();
    assert_eq!(m.rule_id, "STMTest_SQLi_XSS");
    assert_eq!(m.value.as_deref(), Some("10 AND 1"));
    assert_eq!(
        m.address.as_deref(),
        Some("server.request.headers.no_cookies")
    );
    // Counted, not blocked.
    let count = Format::AwsWaf.read(&l[1]).unwrap();
    assert!(!count.blocked);
    assert_eq!(count.families(), vec!["sql_injection"]);
    // A rule group: XSS terminating, SQLi counted.
    let group = Format::AwsWaf.read(&l[2]).unwrap();
    assert_eq!(group.families(), vec!["xss", "sql_injection"]);
    assert_eq!(group.matches[0].rule_id, "RuleA-XSS");
    // A rate-based block is not an attack family.
    let rate = Format::AwsWaf.read(&l[3]).unwrap();
    assert!(rate.blocked && !rate.is_attack());
    assert_eq!(
        rate.service.as_deref(),
        Some("rjvegx5guh.execute-api.eu-west-3.amazonaws.com")
    );
}

#[test]
fn vendor_events_round_trip_a_sample() {
    let line = r#"{"eventId":"e-1","content":{"timestamp":"2026-11-20T10:00:00.000Z","service":"checkout-api","http":{"client_ip":"198.51.100.3","method":"GET","url":"/a?id=1","status_code":200,"useragent":"curl"},"usr":{"id":"jane"},"appsec":{"type":"sql_injection","blocked":false,"triggers":[{"rule":{"id":"crs-942-100","name":"SQLi","tags":{"type":"sql_injection","category":"attack_attempt"}},"rule_matches":[{"operator":"is_sqli","parameters":[{"address":"server.request.query","key_path":["id"],"value":"1' OR 1=1--"}]}]}]}}}"#;
    let e = Format::Events.read(line).unwrap();
    assert_eq!(e.id, "e-1");
    assert_eq!(e.user.as_deref(), Some("jane"));
    assert_eq!(e.service.as_deref(), Some("checkout-api"));
    assert!(!e.blocked);
    assert_eq!(e.matches[0].key.as_deref(), Some("id"));
    assert_eq!(e.families(), vec!["sql_injection"]);
}

#[test]
fn malformed_lines_say_what_is_wrong() {
    for (f, l, want) in [
        (Format::ModSecurity, "{not json", "not a JSON audit record"),
        (Format::ModSecurity, r#"{"foo":1}"#, "no `transaction`"),
        (
            Format::ModSecurity,
            r#"{"transaction":{"time":"yesterday"}}"#,
            "time",
        ),
        (Format::AwsWaf, r#"{"timestamp":1}"#, "httpRequest"),
        (
            Format::Events,
            r#"{"timestamp":"2026-01-01T00:00:00Z"}"#,
            "appsec",
        ),
        (Format::Events, "[1,2]", "object"),
    ] {
        let e = f.read(l).unwrap_err();
        assert!(e.contains(want), "{l}: {e}");
    }
}
