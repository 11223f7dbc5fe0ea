use super::*;
use crate::denylist::entry::BlockValue;
use chrono::{Duration, TimeZone};
use serde_json::Value;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

fn entry(id: i64, v: &str, secs: Option<i64>, reason: &str) -> DenyEntry {
    let value = if v.starts_with("user:") {
        BlockValue::User(v.trim_start_matches("user:").into())
    } else {
        BlockValue::parse_net(v).unwrap()
    };
    DenyEntry {
        id,
        kind: value.kind(),
        value,
        expires_at: secs.map(|s| now() + Duration::seconds(s)),
        reason: reason.into(),
        created_by: "ana@example.com".into(),
        created_at: now() - Duration::hours(1),
        signal_id: Some("AAA".into()),
    }
}

/// Active: an IPv4 address for 1h, a v4 range for good, an IPv6 address for 30m, a v6 range for
/// 7d, a user for 1d. Expired: 198.51.100.9 (ended a minute ago).
fn sample() -> Vec<DenyEntry> {
    vec![
        entry(1, "192.0.2.7", Some(3600), "credential stuffing"),
        entry(2, "203.0.113.0/24", None, "scanner range"),
        entry(3, "2001:db8::1", Some(1800), "sqli"),
        entry(4, "2001:db8:1::/48", Some(7 * 86_400), "bot net"),
        entry(5, "user:mallory", Some(86_400), "account takeover"),
        entry(6, "198.51.100.9", Some(-60), "old"),
    ]
}

fn run(f: ExportFormat) -> Rendered {
    // An AWS WAF IP set holds one family: ask for the IPv4 one.
    let opts = ExportOptions {
        family: (f == ExportFormat::AwsWaf).then_some(Family::V4),
        ..ExportOptions::default()
    };
    render(f, &sample(), now(), &opts).unwrap()
}

#[test]
fn every_format_leaves_out_expired_entries() {
    for f in ExportFormat::ALL {
        let r = run(f);
        assert!(
            !r.text.contains("198.51.100.9"),
            "{} kept an expired entry",
            f.as_str()
        );
        assert!(
            r.text.contains("192.0.2.7"),
            "{} lost an active entry",
            f.as_str()
        );
        assert_eq!(ExportFormat::parse(f.as_str()).unwrap(), f);
    }
    assert!(ExportFormat::parse("iptables").is_err());
}

#[test]
fn nginx_deny_lists_addresses_and_ranges_but_not_users() {
    let t = run(ExportFormat::Nginx).text;
    let denies: Vec<&str> = t.lines().filter(|l| l.starts_with("deny ")).collect();
    assert_eq!(denies.len(), 4, "{t}");
    assert!(denies.iter().any(|l| l.starts_with("deny 192.0.2.7;")));
    assert!(denies
        .iter()
        .any(|l| l.starts_with("deny 203.0.113.0/24;") && l.contains("permanent")));
    assert!(denies
        .iter()
        .any(|l| l.starts_with("deny 2001:db8:1::/48;")));
    assert!(!t.contains("mallory"));
    assert!(t
        .lines()
        .all(|l| l.is_empty() || l.starts_with('#') || l.starts_with("deny ")));
}

#[test]
fn a_reason_cannot_break_out_of_its_comment() {
    let es = vec![entry(1, "192.0.2.7", None, "x\nallow all;\r\n}")];
    for f in [ExportFormat::Nginx, ExportFormat::NginxGeo] {
        let t = render(f, &es, now(), &ExportOptions::default())
            .unwrap()
            .text;
        assert!(
            !t.lines().any(|l| l.trim_start().starts_with("allow")),
            "{t}"
        );
        assert!(!t.lines().any(|l| l.trim() == "}") || f == ExportFormat::NginxGeo);
    }
}

#[test]
fn nginx_geo_is_a_geo_block() {
    let t = run(ExportFormat::NginxGeo).text;
    assert!(t.contains("geo $sigscope_blocked {\n    default 0;\n"));
    assert!(t.contains("    192.0.2.7/32 1;"));
    assert!(t.contains("    2001:db8::1/128 1;"));
    assert!(t.trim_end().ends_with('}'));
}

#[test]
fn nftables_has_both_sets_with_interval_timeout_and_per_element_timeouts() {
    let t = run(ExportFormat::Nftables).text;
    assert!(t.starts_with("#!/usr/sbin/nft -f\n"));
    assert!(t.contains("add table inet sigscope\ndelete table inet sigscope\n"));
    assert!(t.contains("set denylist_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval, timeout\n"));
    assert!(t.contains("set denylist_v6 {\n\t\ttype ipv6_addr\n\t\tflags interval, timeout\n"));
    assert!(t.contains("192.0.2.7 timeout 1h"), "{t}");
    assert!(t.contains("2001:db8::1 timeout 30m"));
    assert!(t.contains("2001:db8:1::/48 timeout 7d"));
    // Permanent: no timeout, so the element never expires.
    assert!(t
        .lines()
        .any(|l| l.trim().trim_end_matches(',') == "203.0.113.0/24"));
    assert!(t.contains("ip saddr @denylist_v4 drop") && t.contains("ip6 saddr @denylist_v6 drop"));
}

#[test]
fn nftables_leaves_out_networks_inside_other_networks() {
    let es = vec![
        entry(1, "10.0.0.0/8", None, ""),
        entry(2, "10.1.2.3", Some(60), ""),
        entry(3, "172.16.0.0/12", Some(60), ""),
        entry(4, "172.16.0.1", Some(600), ""),
        entry(5, "192.0.2.1", Some(60), ""),
        entry(6, "192.0.2.1/32", Some(120), ""),
    ];
    let r = render(
        ExportFormat::Nftables,
        &es,
        now(),
        &ExportOptions::default(),
    )
    .unwrap();
    assert!(
        !r.text.contains("10.1.2.3"),
        "covered for longer by 10.0.0.0/8"
    );
    assert!(!r.text.contains("172.16.0.1 "));
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("172.16.0.1"));
    assert!(
        r.text.contains("192.0.2.1 timeout 2m"),
        "duplicates keep the longest"
    );
    assert_eq!(r.text.matches("192.0.2.1").count(), 1);
}

#[test]
fn nftables_without_entries_declares_empty_sets() {
    let r = render(
        ExportFormat::Nftables,
        &[],
        now(),
        &ExportOptions::default(),
    )
    .unwrap();
    assert!(!r.text.contains("elements"));
    assert!(r.text.contains("set denylist_v4"));
}

#[test]
fn ipset_swaps_in_a_filled_set_per_family() {
    let t = run(ExportFormat::Ipset).text;
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[0],
        "create sigscope-v4 hash:net family inet timeout 0 maxelem 1048576 -exist"
    );
    assert!(lines.contains(&"flush sigscope-v4-new"));
    assert!(lines.contains(&"add sigscope-v4-new 192.0.2.7/32 timeout 3600 -exist"));
    assert!(lines.contains(&"add sigscope-v4-new 203.0.113.0/24 timeout 0 -exist"));
    assert!(lines.contains(&"add sigscope-v6-new 2001:db8::1/128 timeout 1800 -exist"));
    assert!(lines.contains(&"swap sigscope-v6-new sigscope-v6"));
    assert!(lines.contains(&"destroy sigscope-v6-new"));
    assert!(!t.contains('#'), "ipset restore takes no comments");
    let long = vec![entry(1, "192.0.2.7", Some(40 * 86_400), "")];
    let r = render(ExportFormat::Ipset, &long, now(), &ExportOptions::default()).unwrap();
    assert!(r.text.contains("192.0.2.7/32 timeout 2147483 "));
    assert_eq!(r.warnings.len(), 1);
}

fn docs(t: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(t)
        .into_iter::<Value>()
        .map(|d| d.unwrap())
        .collect()
}

#[test]
fn aws_waf_is_one_update_ip_set_body_per_family() {
    let e = render(
        ExportFormat::AwsWaf,
        &sample(),
        now(),
        &ExportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--family"), "one family per IP set: {e}");
    let v4 = ExportOptions {
        family: Some(Family::V4),
        ..ExportOptions::default()
    };
    let r = render(ExportFormat::AwsWaf, &sample(), now(), &v4).unwrap();
    let ds = docs(&r.text);
    assert_eq!(ds.len(), 1);
    let d = &ds[0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["Name", "Scope", "Id", "Addresses", "LockToken"] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(d["Scope"], "REGIONAL");
    assert_eq!(d["Description"], "sigscope denylist IPv4");
    assert_eq!(
        d["Addresses"],
        serde_json::json!(["192.0.2.7/32", "203.0.113.0/24"])
    );
    assert!(!r.warnings.is_empty(), "placeholders are warned about");
    let opts = ExportOptions {
        family: Some(Family::V6),
        aws_name: Some("blocked".into()),
        aws_id: Some("0d5c6f3e-8a1b-4c2d-9e7f-1234567890ab".into()),
        aws_lock_token: Some("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d".into()),
        aws_scope: Some("CLOUDFRONT".into()),
    };
    let r = render(ExportFormat::AwsWaf, &sample(), now(), &opts).unwrap();
    let ds = docs(&r.text);
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0]["Name"], "blocked");
    assert_eq!(ds[0]["Id"], "0d5c6f3e-8a1b-4c2d-9e7f-1234567890ab");
    assert_eq!(ds[0]["Scope"], "CLOUDFRONT");
    assert_eq!(
        ds[0]["Addresses"],
        serde_json::json!(["2001:db8::1/128", "2001:db8:1::/48"])
    );
    assert!(r.warnings.is_empty());
    for bad in [
        ExportOptions {
            aws_name: Some("a b".into()),
            ..opts.clone()
        },
        ExportOptions {
            aws_id: Some("abc".into()),
            ..opts.clone()
        },
    ] {
        assert!(render(ExportFormat::AwsWaf, &sample(), now(), &bad).is_err());
    }
}

#[test]
fn cloudflare_items_fit_cloudflare_prefix_limits() {
    let mut es = sample();
    es.push(entry(7, "10.0.0.0/7", None, "too wide"));
    es.push(entry(8, "2001:db8::2", Some(60), ""));
    let r = render(
        ExportFormat::Cloudflare,
        &es,
        now(),
        &ExportOptions::default(),
    )
    .unwrap();
    let items: Vec<Value> = serde_json::from_str(&r.text).unwrap();
    let ips: Vec<&str> = items.iter().map(|i| i["ip"].as_str().unwrap()).collect();
    assert_eq!(
        ips,
        vec![
            "192.0.2.7",
            "203.0.113.0/24",
            "2001:db8::/64",
            "2001:db8:1::/48"
        ]
    );
    assert!(items[0]["comment"]
        .as_str()
        .unwrap()
        .contains("credential stuffing"));
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("10.0.0.0/7"));
}

#[test]
fn crowdsec_is_what_cscli_decisions_import_reads() {
    let r = run(ExportFormat::Crowdsec);
    let ds: Vec<Value> = serde_json::from_str(&r.text).unwrap();
    assert_eq!(ds.len(), 4);
    assert_eq!(
        ds[0],
        serde_json::json!({"duration": "1h0m0s", "reason": "credential stuffing", "scope": "ip", "type": "ban", "value": "192.0.2.7"})
    );
    assert_eq!(ds[1]["scope"], "range");
    assert_eq!(ds[1]["duration"], "87600h0m0s");
    assert_eq!(
        r.warnings.len(),
        1,
        "the user block is reported as left out"
    );
}

#[test]
fn rules_data_matches_the_tracers_form() {
    let v: Value = serde_json::from_str(&run(ExportFormat::RulesData).text).unwrap();
    let rd = v["rules_data"].as_array().unwrap();
    assert_eq!(rd[0]["id"], "blocked_ips");
    assert_eq!(rd[0]["type"], "ip_with_expiration");
    assert_eq!(rd[1]["id"], "blocked_users");
    assert_eq!(rd[1]["type"], "data_with_expiration");
    let ips = rd[0]["data"].as_array().unwrap();
    assert_eq!(ips.len(), 4);
    assert_eq!(ips[0]["value"], "192.0.2.7");
    assert_eq!(
        ips[0]["expiration"],
        (now() + Duration::hours(1)).timestamp()
    );
    assert_eq!(ips[1]["expiration"], 0, "permanent is 0");
    assert_eq!(
        rd[1]["data"],
        serde_json::json!([{"value": "mallory", "expiration": (now() + Duration::days(1)).timestamp()}])
    );
}

#[test]
fn csv_quotes_and_defuses_formulas() {
    let es = vec![entry(1, "192.0.2.7", None, "=HYPERLINK(\"x\"), or so")];
    let t = render(ExportFormat::Csv, &es, now(), &ExportOptions::default())
        .unwrap()
        .text;
    let mut lines = t.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,value,kind,expires_at,reason,created_by,created_at,signal_id"
    );
    assert_eq!(
        lines.next().unwrap(),
        "1,192.0.2.7,ip,,\"'=HYPERLINK(\"\"x\"\"), or so\",ana@example.com,2026-11-26T11:00:00.000Z,AAA"
    );
}

#[test]
fn json_lists_active_entries_with_kinds() {
    let v: Vec<Value> = serde_json::from_str(&run(ExportFormat::Json).text).unwrap();
    assert_eq!(v.len(), 5);
    let user = v.iter().find(|e| e["kind"] == "user").unwrap();
    assert_eq!(user["value"], "mallory");
    assert!(v
        .iter()
        .any(|e| e["value"] == "203.0.113.0/24" && e["expires_at"].is_null()));
}

#[test]
fn family_option_filters_text_formats_too() {
    let opts = ExportOptions {
        family: Some(Family::V4),
        ..Default::default()
    };
    let t = render(ExportFormat::Nginx, &sample(), now(), &opts)
        .unwrap()
        .text;
    assert!(t.contains("192.0.2.7") && !t.contains("2001:db8"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn net() -> impl Strategy<Value = String> {
        (
            0u8..4,
            0u8..4,
            prop_oneof![Just(32u8), Just(30), Just(24), Just(16)],
            proptest::option::of(1i64..5000),
        )
            .prop_map(|(a, b, len, _)| {
                let n: ipnet::IpNet = format!("10.{a}.{b}.7/{len}").parse().unwrap();
                n.trunc().to_string()
            })
    }

    proptest! {
        /// nftables interval sets refuse overlapping elements: the export never has two.
        #[test]
        fn nftables_elements_never_overlap(nets in proptest::collection::vec((net(), proptest::option::of(1i64..5000)), 0..25)) {
            let es: Vec<DenyEntry> = nets
                .iter()
                .enumerate()
                .map(|(i, (n, secs))| entry(i as i64 + 1, n, *secs, ""))
                .collect();
            let r = render(ExportFormat::Nftables, &es, now(), &ExportOptions::default()).unwrap();
            let els: Vec<IpNet> = r
                .text
                .lines()
                .map(|l| l.trim().trim_end_matches(','))
                .filter(|l| l.starts_with("10."))
                .map(|l| {
                    let v = l.split(' ').next().unwrap();
                    v.parse::<IpNet>().unwrap_or_else(|_| IpNet::from(v.parse::<std::net::IpAddr>().unwrap()))
                })
                .collect();
            for (i, a) in els.iter().enumerate() {
                for b in &els[i + 1..] {
                    prop_assert!(!a.contains(b) && !b.contains(a), "{} and {} overlap", a, b);
                }
            }
            // Every active network is enforced by some element.
            for e in &es {
                let n = e.value.net().unwrap();
                prop_assert!(els.iter().any(|x| x.contains(&n)), "{} not covered", n);
            }
        }
    }
}

#[test]
fn nftables_writes_long_timeouts_in_large_units() {
    let es = vec![
        entry(1, "192.0.2.1", Some(3650 * 86_400 + 3661), ""),
        entry(2, "192.0.2.2", Some(59), ""),
    ];
    let t = render(
        ExportFormat::Nftables,
        &es,
        now(),
        &ExportOptions::default(),
    )
    .unwrap()
    .text;
    assert!(t.contains("192.0.2.1 timeout 3650d1h1m1s"), "{t}");
    assert!(t.contains("192.0.2.2 timeout 59s"), "{t}");
}
