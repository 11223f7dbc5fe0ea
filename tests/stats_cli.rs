//! `sigscope stats` end to end: the real binary on a demo store. Each volume bucket holds exactly
//! the signals `signals list --from --to` lists for it, and `sla:` terms work in `signals list`.
use chrono::{DateTime, TimeDelta, Utc};
use sigscope::demo::DemoOptions;
use std::process::{Command, Output};

fn run(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .env_remove("SIGSCOPE_USER")
        .env_remove("SIGSCOPE_STORE")
        .env("SIGSCOPE_CONFIG", "/nonexistent/sigscope-test-config.toml")
        .arg("--store")
        .arg(db)
        .args(args)
        .output()
        .expect("run sigscope")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn demo(dir: &tempfile::TempDir) -> (String, DateTime<Utc>) {
    let db = dir.path().join("s.db");
    let now = Utc::now();
    let opts = DemoOptions {
        signals: 300,
        seed: 5,
        days: 3,
        now,
    };
    sigscope::demo::populate_at(&db, &opts).unwrap();
    (db.to_str().unwrap().to_string(), now)
}

fn ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn listed(db: &str, q: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    let out = ok(run(
        db,
        &[
            "signals",
            "list",
            "-q",
            q,
            "--from",
            &ms(from),
            "--to",
            &ms(to),
            "--limit",
            "0",
            "--format",
            "ids",
        ],
    ));
    out.lines().count()
}

#[test]
fn volume_buckets_equal_signals_list_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (db, now) = demo(&dir);
    let from = now - TimeDelta::days(3);
    let to = now;
    let q = "-status:info";
    let out = ok(run(
        &db,
        &[
            "stats",
            "-q",
            q,
            "--from",
            &ms(from),
            "--to",
            &ms(to),
            "--buckets",
            "6",
            "--format",
            "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let width = TimeDelta::seconds(v["bucket_s"].as_i64().unwrap());
    let volume = v["volume"].as_array().unwrap();
    assert!(volume.len() > 1 && volume.len() <= 6, "{v}");
    let mut sum = 0;
    for (i, b) in volume.iter().enumerate() {
        let start: DateTime<Utc> = b["start"].as_str().unwrap().parse().unwrap();
        // Buckets are [start, start + width); the last one ends at the range's end, inclusive.
        let end = if i + 1 == volume.len() {
            to
        } else {
            start + width - TimeDelta::milliseconds(1)
        };
        let n = b["count"].as_u64().unwrap() as usize;
        assert_eq!(n, listed(&db, q, start, end), "bucket {i} from {start}");
        sum += n;
    }
    assert_eq!(sum, v["total"].as_u64().unwrap() as usize);
    assert!(sum > 0);
}

#[test]
fn table_and_json_agree_and_bad_arguments_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = demo(&dir);
    let text = ok(run(&db, &["stats", "--by", "rule"]));
    assert!(text.contains("grouped by rule"), "{text}");
    assert!(text.contains("TTT P50"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(run(&db, &["stats", "--format", "json"]))).unwrap();
    for k in ["time_to_triage", "time_to_archive", "open", "sla", "volume"] {
        assert!(json.get(k).is_some(), "{k} missing from {json}");
    }
    assert!(text.contains(&format!("{} breached", json["sla"]["breached"])));
    let bad = run(&db, &["stats", "--by", "color"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--by"));
}

#[test]
fn sla_terms_split_signals_list_in_two() {
    let dir = tempfile::tempdir().unwrap();
    let (db, now) = demo(&dir);
    let from = now - TimeDelta::days(4);
    let all = listed(&db, "*", from, now);
    let breached = listed(&db, "sla:breached", from, now);
    let fine = listed(&db, "sla:ok", from, now);
    assert_eq!(breached + fine, all);
    assert!(
        breached > 0,
        "a 3-day demo store has untriaged signals past 1h"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(run(&db, &["stats", "--format", "json"]))).unwrap();
    assert_eq!(json["sla"]["breached"].as_u64().unwrap() as usize, breached);
}
