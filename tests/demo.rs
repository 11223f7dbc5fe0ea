//! The demo generator: determinism, vendor-format validity, realism constraints and the CLI path.
use chrono::{DateTime, Duration, Utc};
use ipnet::IpNet;
use serde_json::Value;
use sigscope::demo::{self, DemoOptions};
use sigscope::model::{Role, Signal, TriageState};
use sigscope::store::{SqliteStore, Store};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::process::Command;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn opts(signals: usize, seed: u64) -> DemoOptions {
    DemoOptions {
        signals,
        seed,
        days: 14,
        now: now(),
    }
}

fn bytes(o: &DemoOptions) -> Vec<u8> {
    let mut out = Vec::new();
    demo::write_json(o, &mut out).unwrap();
    out
}

fn parsed(o: &DemoOptions) -> Vec<Signal> {
    demo::signals(o)
        .map(|v| Signal::from_json(v).unwrap())
        .collect()
}

#[test]
fn same_seed_and_now_give_identical_bytes() {
    let a = bytes(&opts(700, 42));
    let b = bytes(&opts(700, 42));
    assert!(a == b, "two runs with the same seed differ");
}

#[test]
fn a_different_seed_or_now_gives_different_data() {
    let base = bytes(&opts(200, 42));
    assert_ne!(base, bytes(&opts(200, 43)));
    let mut later = opts(200, 42);
    later.now = now() + Duration::hours(1);
    assert_ne!(base, bytes(&later));
}

#[test]
fn output_is_the_vendor_list_shape_with_every_signal() {
    let v: Value = serde_json::from_slice(&bytes(&opts(300, 1))).unwrap();
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 300);
    for s in data {
        assert_eq!(s["type"], "signal");
        let ev = &s["attributes"]["attributes"];
        assert!(ev["workflow"]["rule"]["id"].is_string(), "{s}");
        assert_eq!(ev["workflow"]["rule"]["type"], "Application Security");
        let tags: Vec<&str> = s["attributes"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        for want in ["source:appsec", "security:attack"] {
            assert!(tags.contains(&want), "{tags:?}");
        }
        assert!(tags.iter().any(|t| t.starts_with("env:")));
        assert!(tags.iter().any(|t| t.starts_with("service:")));
    }
    let empty: Value = serde_json::from_slice(&bytes(&opts(0, 1))).unwrap();
    assert_eq!(empty["data"].as_array().unwrap().len(), 0);
}

#[test]
fn every_signal_parses_with_attackers_attack_types_and_samples() {
    let o = opts(2000, 3);
    let signals = parsed(&o);
    assert_eq!(signals.len(), 2000);
    let mut ids = BTreeSet::new();
    for s in &signals {
        assert!(ids.insert(s.id.clone()), "duplicate id {}", s.id);
        assert!(!s.attacker_ips.is_empty(), "{}: no attacker IP", s.id);
        assert!(!s.attack_types.is_empty(), "{}: no attack type", s.id);
        assert!(!s.samples.is_empty(), "{}: no sample", s.id);
        assert!(
            demo::rule_info(&s.rule.id).is_some(),
            "unknown rule {}",
            s.rule.id
        );
        assert!(
            demo::service_owner(s.service()).is_some(),
            "{:?}",
            s.services
        );
        assert!(s.env.is_some());
        for a in &s.samples {
            assert!(
                a.payload_value.is_some() && a.payload_location.is_some(),
                "{a:?}"
            );
            assert!(a.waf_rule_id.is_some() && a.blocked.is_some() && a.status_code.is_some());
        }
        assert!(s.first_seen <= s.last_seen);
        assert!(s.timestamp <= o.now && s.timestamp >= o.now - Duration::days(14));
    }
    assert!(
        signals.windows(2).all(|w| w[0].timestamp >= w[1].timestamp),
        "not newest first"
    );
}

#[test]
fn every_ip_is_in_a_documentation_range() {
    let ranges: Vec<IpNet> = [
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001:db8::/32",
    ]
    .iter()
    .map(|r| r.parse().unwrap())
    .collect();
    let mut v4 = false;
    let mut v6 = false;
    for s in parsed(&opts(1500, 9)) {
        for ip in s
            .attacker_ips
            .iter()
            .chain(s.samples.iter().filter_map(|a| a.ip.as_ref()))
        {
            let addr: IpAddr = ip.parse().unwrap_or_else(|e| panic!("{ip}: {e}"));
            assert!(
                ranges.iter().any(|r| r.contains(&addr)),
                "{ip} outside the documentation ranges"
            );
            v4 |= addr.is_ipv4();
            v6 |= addr.is_ipv6();
        }
    }
    assert!(v4 && v6, "expected both IPv4 and IPv6 attackers");
}

#[test]
fn attacker_ips_are_heavy_tailed_and_credential_stuffing_is_distributed() {
    let signals = parsed(&opts(3000, 5));
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for s in &signals {
        for ip in &s.attacker_ips {
            *counts.entry(ip.as_str()).or_default() += 1;
        }
    }
    let top = counts.values().max().copied().unwrap_or(0);
    assert!(top >= 100, "the busiest IP has only {top} signals");
    assert!(counts.len() >= 250, "only {} distinct IPs", counts.len());
    let stuffing: Vec<&Signal> = signals
        .iter()
        .filter(|s| s.attack_types.iter().any(|t| t == "credential_stuffing"))
        .collect();
    assert!(!stuffing.is_empty());
    for s in stuffing {
        assert!(
            s.attacker_ips.len() >= 8,
            "{}: {} IPs",
            s.id,
            s.attacker_ips.len()
        );
        assert!(
            s.attacker_users.len() >= 2,
            "{}: {:?}",
            s.id,
            s.attacker_users
        );
    }
}

#[test]
fn hostile_strings_are_in_every_output_of_fifty() {
    for seed in [1, 2, 77] {
        let signals = parsed(&opts(50, seed));
        let uas: Vec<&str> = signals
            .iter()
            .flat_map(|s| s.samples.iter().filter_map(|a| a.user_agent.as_deref()))
            .collect();
        assert!(
            uas.iter().any(|u| u.contains("\u{1b}]0;pwned\u{7}")),
            "no OSC title"
        );
        assert!(
            uas.iter().any(|u| u.contains("\u{1b}[2J")),
            "no clear screen"
        );
        assert!(
            uas.iter().any(|u| u.contains('\u{202e}')),
            "no bidi override"
        );
        assert!(
            uas.iter().any(|u| u.len() >= 10 * 1024),
            "no 10 KB user agent"
        );
        assert!(
            signals
                .iter()
                .any(|s| s.attacker_users.iter().any(|u| u == demo::HOSTILE_USER)),
            "no hostile usr.id"
        );
    }
}

#[test]
fn triage_is_a_mix_of_states_assignees_and_incidents() {
    let signals = parsed(&opts(2000, 11));
    let uuids: BTreeSet<String> = demo::demo_users().into_iter().map(|u| u.uuid).collect();
    let state = |st| signals.iter().filter(|s| s.triage.state == st).count();
    let (open, review, archived) = (
        state(TriageState::Open),
        state(TriageState::UnderReview),
        state(TriageState::Archived),
    );
    assert!(
        open > review && open > archived,
        "{open} {review} {archived}"
    );
    assert!(review > 0 && archived > 0);
    let assigned: Vec<_> = signals
        .iter()
        .filter_map(|s| s.triage.assignee.as_ref())
        .collect();
    assert!(!assigned.is_empty());
    assert!(
        assigned.iter().all(|a| uuids.contains(&a.uuid)),
        "assignee not a demo user"
    );
    assert!(signals.iter().any(|s| s.triage.assignee.is_none()));
    assert!(signals.iter().any(|s| !s.triage.incident_ids.is_empty()));
    for s in signals
        .iter()
        .filter(|s| s.triage.state == TriageState::Archived)
    {
        assert!(s.triage.archive_reason.is_some(), "{}", s.id);
        assert!(s.triage.archive_comment.is_some(), "{}", s.id);
    }
}

#[test]
fn the_rule_catalogue_has_fifteen_rules_with_runbooks() {
    let rules = demo::rule_catalog();
    assert!(rules.len() >= 15, "{} rules", rules.len());
    let mut ids = BTreeSet::new();
    let mut types = BTreeSet::new();
    for r in rules {
        assert!(ids.insert(r.id), "duplicate rule {}", r.id);
        types.insert(r.attack_type);
        assert_eq!(r.rule_type, "Application Security");
        assert!(r.description.len() > 50, "{}: description", r.id);
        assert!(
            r.runbook.starts_with("## Runbook") && r.runbook.contains("1."),
            "{}",
            r.id
        );
        assert!(!r.condition.is_empty() && !r.waf_rules.is_empty());
        assert_eq!(demo::rule_info(r.id), Some(r));
    }
    for t in [
        "sql_injection",
        "xss",
        "lfi",
        "ssrf",
        "command_injection",
        "credential_stuffing",
        "account_takeover",
        "security_scanner",
    ] {
        assert!(types.contains(t), "no rule for {t}");
    }
    assert_eq!(demo::rule_info("nope"), None);
    assert_eq!(demo::service_owner("checkout-api"), Some("team-payments"));
    assert_eq!(demo::service_owner("nope"), None);
    assert!(demo::SERVICES.len() >= 12);
}

#[test]
fn demo_users_cover_every_role_with_stable_uuids() {
    let a = demo::demo_users();
    assert_eq!(a, demo::demo_users());
    for role in [Role::Admin, Role::Standard, Role::ReadOnly] {
        assert!(a.iter().any(|u| u.role == role), "no {role} user");
    }
    let uuids: BTreeSet<&str> = a.iter().map(|u| u.uuid.as_str()).collect();
    assert_eq!(uuids.len(), a.len());
    for u in &a {
        assert!(uuid::Uuid::parse_str(&u.uuid).is_ok(), "{}", u.uuid);
    }
}

#[test]
fn populate_fills_a_store_and_can_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let o = opts(400, 8);
    assert_eq!(demo::populate_at(&path, &o).unwrap(), 400);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.count_signals().unwrap(), 400);
    assert_eq!(store.list_users().unwrap().len(), demo::demo_users().len());
    // Existing users are kept, not duplicated, and signals are upserted by id.
    assert_eq!(demo::populate_at(&path, &o).unwrap(), 400);
    assert_eq!(store.count_signals().unwrap(), 400);
    assert_eq!(store.list_users().unwrap().len(), demo::demo_users().len());
    let first = demo::signals(&o).next().unwrap();
    let id = first["id"].as_str().unwrap();
    assert_eq!(store.get_signal(id).unwrap().unwrap().to_json(), &first);
}

#[test]
fn cli_generates_five_thousand_signals_that_import() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_sigscope");
    let gen = |file: &str| {
        let out = Command::new(bin)
            .current_dir(dir.path())
            .args(["demo", "--signals", "5000", "--seed", "7"])
            .args(["--now", "2026-11-01T00:00:00Z", "--out", file])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(dir.path().join(file)).unwrap()
    };
    let a = gen("d.json");
    assert!(a == gen("again.json"), "two CLI runs differ");
    let out = Command::new(bin)
        .current_dir(dir.path())
        .args(["--store", "s.db", "import", "d.json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("5000 signals imported"), "{stdout}");
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    assert_eq!(store.count_signals().unwrap(), 5000);
}

/// `--out` naming a FIFO or device writes into it; the rename used for regular files would replace
/// it (with `/dev/null`, for the whole machine).
#[cfg(unix)]
#[test]
fn cli_out_to_a_fifo_writes_into_it_and_keeps_it_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .args(["demo", "--signals", "20", "--seed", "3"])
        .args(["--now", "2026-11-01T00:00:00Z", "--out"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Checked before joining: had the FIFO been renamed over, the reader would wait forever.
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(!dir.path().join("pipe.partial").exists());
    let got = reader.join().unwrap();
    let v: Value = serde_json::from_slice(&got).unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 20);
}

#[test]
fn cli_out_to_a_regular_file_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .current_dir(dir.path())
        .args([
            "demo",
            "--signals",
            "10",
            "--now",
            "2026-11-01T00:00:00Z",
            "--out",
            "d.json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["d.json".to_string()]);
}
