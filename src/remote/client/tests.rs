use super::*;

#[test]
fn both_error_shapes_are_read() {
    let (m, meta) = parse_error_body(&json!({"errors": ["Signal not found"]}));
    assert_eq!((m.as_str(), meta), ("Signal not found", None));
    let sample: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/waf_exclusion_400_jsonapi_error.json"
    )))
    .unwrap();
    let (m, _) = parse_error_body(&sample["response"]["body"]);
    assert_eq!(m, "legacy exclusion filters cannot be created anymore");
    let (_, meta) =
        parse_error_body(&json!({"errors": [{"detail": "stale", "meta": {"signal": 1}}]}));
    assert_eq!(meta, Some(json!({"signal": 1})));
}

#[test]
fn credentials_never_print() {
    let c = Credentials {
        api_key: "secret-api".into(),
        app_key: "secret-app".into(),
    };
    assert!(!format!("{c:?}").contains("secret"));
}

#[test]
fn sites_are_checked() {
    assert_eq!(
        Endpoint::vendor("datadoghq.eu").unwrap().base,
        "https://api.datadoghq.eu"
    );
    assert!(Endpoint::vendor("evil.example").is_err());
    assert!(Endpoint::sigscope("ftp://x").is_err());
}

#[test]
fn backoff_honours_reset_then_doubles() {
    let limited = ClientError::Api {
        status: 429,
        message: String::new(),
        meta: None,
        retry_after: Some(Duration::from_secs(7)),
    };
    assert_eq!(retry_delay(&limited, 1), Duration::from_secs(7));
    let down = ClientError::Unreachable("x".into(), "refused".into());
    assert_eq!(retry_delay(&down, 1), Duration::from_millis(500));
    assert_eq!(retry_delay(&down, 3), Duration::from_millis(2000));
}

#[test]
fn recorded_triage_answers_parse() {
    for (f, state) in [
        ("patch_state_200.json", "open"),
        ("patch_assignee_200.json", "open"),
        ("patch_incidents_200.json", "open"),
    ] {
        let path = format!("{}/tests/fixtures/{f}", env!("CARGO_MANIFEST_DIR"));
        let sample: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let m = parse_metadata(&sample["response"]["body"]).unwrap();
        assert_eq!(m.state, state, "{f}");
        assert_eq!(m.assignee_uuid, "", "{f}: unassigned");
        assert_eq!(
            m.id,
            "AQAAAYG1bl5K4HuUewAAAABBWUcxYmw1S0FBQmt2RmhRN0V4ZUVnQUE"
        );
    }
    let path = format!(
        "{}/tests/fixtures/patch_incidents_200.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let sample: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(!parse_metadata(&sample["response"]["body"])
        .unwrap()
        .incident_ids
        .is_empty());
    assert!(parse_metadata(&json!({"data": {"type": "case"}})).is_err());
}

#[test]
fn recorded_not_found_reads_as_404() {
    let path = format!(
        "{}/tests/fixtures/get_signal_404.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let sample: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        parse_error_body(&sample["response"]["body"]).0,
        "Signal not found"
    );
}

#[test]
fn vendor_search_page_parses() {
    let sample: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/search_signals_last_page.json"
    )))
    .unwrap();
    let p = parse_page(sample["response"]["body"].clone()).unwrap();
    assert!(p.signals.is_empty() && p.next.is_none());
}
