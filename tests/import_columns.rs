//! An import that nothing reacts to reads each record for its columns only (the samples left
//! unparsed): what it stores must be what a whole read stores, and whatever needs the whole signal
//! (an equal-version update, a notification or automated-blocking rule) must get it.
mod engine_support;

use engine_support::*;
use rusqlite::Connection;
use serde_json::json;
use sigscope::denylist::{AutoblockRule, BlockWhat};
use sigscope::import::{read_chunks, Detail, Prepared};
use sigscope::notify::NotifyConfig;
use std::path::Path;
use std::process::Command;

fn bin(store: &Path, config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sigscope"));
    c.arg("--store")
        .arg(store)
        .env("SIGSCOPE_CONFIG", config)
        .env("SIGSCOPE_USER", "admin@example.com");
    c
}

fn ok(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every stored column of every signal, in id order.
fn rows(store: &Path) -> Vec<Vec<String>> {
    let c = Connection::open(store).unwrap();
    let mut st = c
        .prepare(
            "SELECT id, ts, first_seen, severity, state, service, env, title, rule_name, assignee,
                    version, raw FROM signals ORDER BY id",
        )
        .unwrap();
    let n = st.column_count();
    st.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
            })
            .collect()
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

#[test]
fn a_columns_only_import_stores_what_a_whole_one_stores() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let list = dir.path().join("list.json");
    let (plain, whole) = (dir.path().join("plain.db"), dir.path().join("whole.db"));
    ok(bin(&plain, &config)
        .args(["demo", "--signals", "600", "--seed", "7", "--days", "30"])
        .args(["--now", "2026-12-01T00:00:00Z", "--out"])
        .arg(&list));
    // An enabled rule that matches nothing makes the second import read every record whole.
    ok(bin(&whole, &config).args([
        "autoblock",
        "add",
        "never",
        "-q",
        "service:no-such-service",
        "--for",
        "1h",
    ]));
    for db in [&plain, &whole] {
        let out = ok(bin(db, &config).arg("import").arg(&list));
        assert!(out.contains("600 signals imported (600 new"), "{out}");
    }
    let (a, b) = (rows(&plain), rows(&whole));
    assert_eq!(a.len(), 600);
    assert!(
        a[0][11].contains("samples"),
        "the demo signals have samples"
    );
    assert_eq!(a, b, "the same rows, column by column");
}

#[test]
fn an_equal_version_import_keeps_the_samples_it_did_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let store = dir.path().join("s.db");
    let mut rec = signal_json("S1", t0(), "open", &["192.0.2.10", "192.0.2.11"]);
    let file = dir.path().join("a.json");
    std::fs::write(&file, json!({ "data": [rec] }).to_string()).unwrap();
    ok(bin(&store, &config).arg("import").arg(&file));
    ok(bin(&store, &config).args(["signals", "state", "S1", "--to", "under_review"]));
    // The same version again, its detection changed: the triage stays, the samples too.
    rec["attributes"]["version"] = json!(2);
    rec["attributes"]["custom"]["title"] = json!("SQLi, seen again");
    std::fs::write(&file, json!({ "data": [rec] }).to_string()).unwrap();
    let out = ok(bin(&store, &config).arg("import").arg(&file));
    assert!(out.contains("1 updated"), "{out}");
    let shown = ok(bin(&store, &config).args(["signals", "show", "S1", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let event = &v["data"]["attributes"]["custom"];
    assert_eq!(event["title"], "SQLi, seen again", "{v}");
    assert_eq!(event["workflow"]["triage"]["state"], "under_review", "{v}");
    assert_eq!(event["samples"].as_array().map(Vec::len), Some(2), "{v}");
}

/// The engine makes a chunk whole when a rule reacts, whatever the reader was told: here the
/// records are read for their columns although an automated-blocking rule exists, and the block
/// it makes comes from an address that only the samples hold.
#[test]
fn a_rule_gets_whole_signals_even_from_a_columns_only_reader() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine
        .add_autoblock_rule(
            &admin,
            AutoblockRule {
                name: "cs".into(),
                query: "@workflow.rule.name:Credential*".into(),
                what: BlockWhat::Ips,
                duration: Some(chrono::TimeDelta::hours(1)),
                escalate: false,
                cap: None,
                simulate: false,
                enabled: true,
            },
        )
        .unwrap();
    let mut rec = signal_json("C1", t0(), "open", &["192.0.2.66"]);
    rec["attributes"]["custom"]["workflow"]["rule"]["name"] = json!("Credential stuffing");
    let text = json!({ "data": [rec] }).to_string();
    let mut told = None;
    let done = env
        .engine
        .import_stream(&admin, &NotifyConfig::default(), |detail, write| {
            told = Some(detail);
            read_chunks(text.as_bytes(), Detail::Columns, &mut |chunk| {
                let good: Vec<Prepared> = chunk.into_iter().map(|r| r.unwrap()).collect();
                assert!(good.iter().all(|p| !p.is_whole()), "read without samples");
                write(good)
            })
        })
        .unwrap();
    assert_eq!(told, Some(Detail::Whole), "a rule exists: read whole");
    let made: Vec<String> = done
        .autoblocks
        .iter()
        .filter(|a| a.outcome == "made")
        .map(|a| format!("{:?}", a.plan.value))
        .collect();
    assert_eq!(made.len(), 1, "{:?}", done.autoblocks);
    assert!(made[0].contains("192.0.2.66"), "{made:?}");
}
