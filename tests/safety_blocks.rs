//! Issue 16, findings 1, 5, 9 (engine) and 10 (reason cap): hostile signal data never widens a
//! block, IPv4-mapped IPv6 is judged as the IPv4 it carries, and no duration panics the engine.
//! Plus the property: for random signals, no autoblock or `block attackers` run produces an entry
//! wider than one address, and no export line carries a control character.
mod engine_support;

use chrono::TimeDelta;
use engine_support::*;
use proptest::prelude::*;
use serde_json::json;
use sigscope::denylist::export::{render, ExportFormat, ExportOptions};
use sigscope::denylist::{AutoblockRule, BlockWhat};
use sigscope::engine::{BlockFor, Command};
use sigscope::model::Signal;

fn rule() -> AutoblockRule {
    AutoblockRule {
        name: "sqli".into(),
        query: "@workflow.rule.name:SQL*".into(),
        what: BlockWhat::Ips,
        duration: Some(TimeDelta::hours(1)),
        escalate: false,
        cap: None,
        simulate: false,
        enabled: true,
    }
}

fn hostile(id: &str, ips: &[&str], title: &str) -> Signal {
    let mut v = signal_json(id, t0(), "open", ips);
    v["attributes"]["custom"]["title"] = json!(title);
    v["attributes"]["custom"]["workflow"]["rule"]["name"] = json!(format!("SQL {title}"));
    Signal::from_json(v).unwrap()
}

fn import(env: &mut Env, signals: &[Signal]) {
    use sigscope::store::Store;
    env.store().upsert_signals(signals).unwrap();
    env.engine.run_autoblock(signals).unwrap();
}

fn values(env: &mut Env) -> Vec<String> {
    let admin = env.user(ADMIN);
    env.engine
        .reads(&admin)
        .blocks(false)
        .unwrap()
        .into_iter()
        .map(|b| b.value)
        .collect()
}

fn export_all(env: &mut Env) -> Vec<(ExportFormat, String)> {
    let admin = env.user(ADMIN);
    let reads = env.engine.reads(&admin);
    let entries = reads.denylist_entries().unwrap();
    let now = reads.now();
    ExportFormat::ALL
        .iter()
        .map(|f| {
            // An AWS WAF IP set holds one family: export each.
            let families: Vec<Option<sigscope::denylist::export::Family>> =
                if *f == ExportFormat::AwsWaf {
                    ["ipv4", "ipv6"]
                        .iter()
                        .map(|x| Some(sigscope::denylist::export::Family::parse(x).unwrap()))
                        .collect()
                } else {
                    vec![None]
                };
            let text = families
                .into_iter()
                .map(|family| {
                    let opts = ExportOptions {
                        family,
                        ..ExportOptions::default()
                    };
                    render(*f, &entries, now, &opts).unwrap().text
                })
                .collect::<Vec<_>>()
                .join("\n");
            (*f, text)
        })
        .collect()
}

const RANGES: [&str; 3] = ["128.0.0.0/1", "10.0.0.0/8", "::ffff:0.0.0.0/96"];

#[test]
fn finding1_autoblock_never_blocks_a_range_taken_from_a_signal() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine.add_autoblock_rule(&admin, rule()).unwrap();
    let mut ips: Vec<&str> = RANGES.to_vec();
    ips.push("203.0.113.66");
    import(&mut env, &[hostile("H1", &ips, "range attack")]);
    assert_eq!(values(&mut env), vec!["203.0.113.66"]);
    for (f, text) in export_all(&mut env) {
        assert!(
            !text.contains("128.0.0.0") && !text.contains("10.0.0.0"),
            "{f:?}: {text}"
        );
        assert!(
            !text.contains("0.0.0.0/0") && !text.contains("::ffff:0"),
            "{f:?}: {text}"
        );
    }
}

#[test]
fn finding1_block_attackers_refuses_ranges_in_signal_data_and_says_why() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let mut ips: Vec<&str> = RANGES.to_vec();
    ips.push("203.0.113.67");
    env.add_signals(&[signal_json("H2", t0(), "open", &ips)]);
    let out = env
        .engine
        .execute(
            &admin,
            Command::BlockAttackers {
                signal_id: "H2".into(),
                duration: BlockFor::Permanent,
                reason: None,
            },
        )
        .unwrap();
    let made: Vec<&str> = out.blocks.iter().map(|b| b.value.as_str()).collect();
    assert_eq!(made, ["203.0.113.67"]);
    assert_eq!(out.skipped.len(), 3, "{:?}", out.skipped);
    assert!(
        out.skipped
            .iter()
            .all(|s| s.contains("single addresses") || s.contains("every")),
        "{:?}",
        out.skipped
    );
}

#[test]
fn finding5_mapped_ipv6_ranges_meet_the_allowlist_and_the_loopback_refusal() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine
        .allow(&admin, "198.51.100.0/24", false, "office")
        .unwrap();
    for v in [
        "::ffff:198.51.100.0/120",
        "::ffff:198.51.100.7",
        "::ffff:127.0.0.0/104",
        "::ffff:0.0.0.0/96",
        "::/64",
    ] {
        let r = env.engine.execute(
            &admin,
            Command::BlockIps {
                values: vec![v.into()],
                duration: BlockFor::Permanent,
                reason: None,
                signal_id: None,
            },
        );
        assert!(r.is_err(), "{v} was accepted: {:?}", r.map(|o| o.blocks));
    }
    assert!(values(&mut env).is_empty());
    // A mapped allowlist entry protects the IPv4 address too.
    env.engine
        .allow(&admin, "::ffff:192.0.2.0/120", false, "lab")
        .unwrap();
    let e = env
        .engine
        .execute(
            &admin,
            Command::BlockIps {
                values: vec!["192.0.2.9".into()],
                duration: BlockFor::Permanent,
                reason: None,
                signal_id: None,
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("lab"), "{e}");
}

#[test]
fn finding9_the_engine_refuses_unbounded_block_durations_instead_of_panicking() {
    let mut env = env();
    let admin = env.user(ADMIN);
    for d in [
        TimeDelta::MAX,
        TimeDelta::days(200_000_000),
        TimeDelta::days(36_501),
        TimeDelta::zero(),
        TimeDelta::seconds(-5),
    ] {
        let r = env.engine.execute(
            &admin,
            Command::BlockIps {
                values: vec!["203.0.113.5".into()],
                duration: BlockFor::Duration(d),
                reason: None,
                signal_id: None,
            },
        );
        assert!(r.is_err(), "{d:?} accepted");
    }
    assert!(sigscope::engine::blocking::parse_duration("200000000000d").is_err());
    let mut r = rule();
    r.duration = Some(TimeDelta::days(1_000_000));
    assert!(env.engine.add_autoblock_rule(&admin, r).is_err());
}

#[test]
fn finding10_a_default_block_reason_is_capped_and_escaped() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let long = format!("{}\u{1b}[2J", "A".repeat(10_000));
    env.add_signals(&[{
        let mut v = signal_json("H3", t0(), "open", &["203.0.113.70"]);
        v["attributes"]["custom"]["workflow"]["rule"]["name"] = json!(long);
        v
    }]);
    let out = env
        .engine
        .execute(
            &admin,
            Command::BlockAttackers {
                signal_id: "H3".into(),
                duration: BlockFor::Permanent,
                reason: None,
            },
        )
        .unwrap();
    let reason = out.blocks[0].reason.clone().unwrap();
    assert!(reason.chars().count() <= 300, "{} chars", reason.len());
    assert!(!reason.contains('\u{1b}'));
}

fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        // Addresses and ranges of both families, mapped ones included.
        (any::<u32>(), 0u8..=32).prop_map(|(a, p)| format!("{}/{p}", std::net::Ipv4Addr::from(a))),
        any::<u32>().prop_map(|a| std::net::Ipv4Addr::from(a).to_string()),
        (any::<u32>(), 96u8..=128)
            .prop_map(|(a, p)| format!("::ffff:{}/{p}", std::net::Ipv4Addr::from(a))),
        (any::<u128>(), 0u8..=128)
            .prop_map(|(a, p)| format!("{}/{p}", std::net::Ipv6Addr::from(a))),
        any::<u128>().prop_map(|a| std::net::Ipv6Addr::from(a).to_string()),
        // Leading dashes, control characters, junk.
        "-[a-zA-Z=]{1,12}",
        "[ -~\u{0}-\u{1f}\u{7f}-\u{9f}\u{2028}\u{202e}]{0,16}",
        Just("0.0.0.0/0".to_string()),
        Just("::/0".to_string()),
        Just("::ffff:0.0.0.0/96".to_string()),
    ]
}

fn single(value: &str) -> bool {
    !value.contains('/') && value.parse::<std::net::IpAddr>().is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn property_signal_blocks_are_single_addresses_and_exports_carry_no_controls(
        ips in proptest::collection::vec(hostile_value(), 1..6),
        title in "[ -~\u{0}-\u{1f}\u{7f}-\u{9f}\u{2028}\u{2029}\u{202e}]{0,40}",
    ) {
        let mut env = env();
        let admin = env.user(ADMIN);
        env.engine.add_autoblock_rule(&admin, rule()).unwrap();
        let refs: Vec<&str> = ips.iter().map(String::as_str).collect();
        let s = hostile("P1", &refs, &title);
        import(&mut env, std::slice::from_ref(&s));
        let _ = env.engine.execute(&admin, Command::BlockAttackers {
            signal_id: "P1".into(),
            duration: BlockFor::Duration(TimeDelta::hours(2)),
            reason: None,
        });
        for v in values(&mut env) {
            prop_assert!(single(&v), "a signal made the block {v:?}");
        }
        for (f, text) in export_all(&mut env) {
            for line in text.lines() {
                // nftables indents with tabs, as `nft list ruleset` does; nothing else may appear.
                let body = line.trim_start_matches('\t');
                prop_assert!(
                    !body.chars().any(|c| c.is_control() || sigscope::sanitize::is_unsafe(c)),
                    "{f:?} line {line:?}"
                );
            }
        }
    }
}

#[test]
fn finding1_a_configured_ipv6_prefix_widens_an_address_but_a_range_is_still_refused() {
    let mut env = env();
    let admin = env.user(ADMIN);
    assert!(
        env.engine.set_signal_v6_prefix(8).is_err(),
        "/8 from one signal"
    );
    env.engine.set_signal_v6_prefix(64).unwrap();
    env.add_signals(&[signal_json(
        "V6",
        t0(),
        "open",
        &["2001:db8:1:2::7", "2001:db8:9::/48"],
    )]);
    let out = env
        .engine
        .execute(
            &admin,
            Command::BlockAttackers {
                signal_id: "V6".into(),
                duration: BlockFor::Permanent,
                reason: None,
            },
        )
        .unwrap();
    let made: Vec<&str> = out.blocks.iter().map(|b| b.value.as_str()).collect();
    assert_eq!(made, ["2001:db8:1:2::/64"]);
    assert!(
        out.skipped[0].contains("single addresses"),
        "{:?}",
        out.skipped
    );
}
