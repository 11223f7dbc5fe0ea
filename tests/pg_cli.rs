//! Every CLI command that works on a SQLite store works on a PostgreSQL one: the real binary with
//! `--store postgres://…` on the throwaway cluster (tests/pg_support).
mod common;

use common::pg_support;
use std::path::Path;
use std::process::{Command, Output};

fn sigscope(dir: &Path, store: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["--store", store])
        .args(args)
        .env_remove("SIGSCOPE_STORE")
        .env_remove("SIGSCOPE_USER")
        .output()
        .unwrap()
}

fn ok(dir: &Path, store: &str, args: &[&str]) -> String {
    let out = sigscope(dir, store, args);
    assert!(
        out.status.success(),
        "sigscope {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn users_keys_import_ingest_triage_cases_incidents_blocks_notify_workflows_audit_on_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pg = pg_support::fresh_db();
    let s = pg.as_str();
    ok(
        d,
        s,
        &["users", "add", "admin@example.com", "--role", "admin"],
    );
    ok(
        d,
        s,
        &["users", "add", "ana@example.com", "--role", "standard"],
    );
    let users = ok(
        d,
        s,
        &[
            "--as",
            "admin@example.com",
            "users",
            "list",
            "--format",
            "json",
        ],
    );
    assert!(users.contains("ana@example.com"), "{users}");
    let keys = ok(
        d,
        s,
        &[
            "--as",
            "admin@example.com",
            "keys",
            "create",
            "--user",
            "ana@example.com",
        ],
    );
    assert!(keys.contains("DD_API_KEY="), "{keys}");

    let demo = ok(d, s, &["demo", "--signals", "50", "--seed", "3"]);
    std::fs::write(d.join("demo.json"), demo).unwrap();
    let admin = |more: &[&str]| ok(d, s, &[&["--as", "admin@example.com"][..], more].concat());
    let imported = admin(&["import", d.join("demo.json").to_str().unwrap()]);
    assert!(imported.contains("50"), "{imported}");

    let log = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/detect/modsec-crs-apache.log"
    );
    let ingested = admin(&["ingest", "--format", "modsecurity", log]);
    assert!(ingested.contains("signals created"), "{ingested}");
    let again = admin(&["ingest", "--format", "modsecurity", log]);
    assert!(
        again.contains("0 signals created, 0 updated"),
        "a second ingest adds nothing: {again}"
    );

    let ids = admin(&["signals", "list", "--limit", "3", "--format", "ids"]);
    let ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), 3);
    admin(&[
        "signals",
        "state",
        "--to",
        "archived",
        "--reason",
        "false_positive",
        ids[0],
    ]);
    admin(&["signals", "assign", "--to", "ana@example.com", ids[1]]);
    let shown = admin(&["signals", "show", ids[0], "--format", "json"]);
    assert!(shown.contains("false_positive"), "{shown}");
    let timeline = admin(&["signals", "timeline", ids[0]]);
    assert!(timeline.contains("admin@example.com"), "{timeline}");

    let case = admin(&[
        "cases", "create", "--title", "Stuffing", ids[1], "--format", "json",
    ]);
    assert!(case.contains("SEC-1"), "{case}");
    admin(&["cases", "status", "SEC-1", "in_progress"]);
    admin(&["incidents", "declare", "--title", "Under attack", ids[2]]);
    assert!(admin(&["incidents", "list"]).contains("Under attack"));

    admin(&[
        "block",
        "ip",
        "198.51.100.7",
        "--for",
        "2h",
        "--reason",
        "scanner",
    ]);
    assert!(admin(&["blocks", "list"]).contains("198.51.100.7"));
    admin(&["unblock", "198.51.100.7"]);
    admin(&["allowlist", "add", "203.0.113.0/24", "--note", "office"]);
    admin(&[
        "notify",
        "rules",
        "add",
        "crit",
        "--severity",
        "critical",
        "--target",
        "webhook:http://127.0.0.1:9/h",
    ]);
    assert!(admin(&["notify", "rules", "list"]).contains("crit"));

    // A workflow run is recorded whatever its steps did (here a webhook nobody answers).
    let _ = sigscope(
        d,
        s,
        &[
            "--as",
            "admin@example.com",
            "workflows",
            "run",
            "notify-service-owner",
            "--signal",
            ids[2],
        ],
    );
    let runs = admin(&["workflows", "runs", "--signal", ids[2], "--format", "json"]);
    assert!(runs.contains("notify-service-owner"), "{runs}");

    let audit = admin(&["audit", "list", "--format", "json"]);
    for action in ["signal.state", "case.create", "block", "notify"] {
        assert!(audit.contains(action), "{action} in the audit log: {audit}");
    }
    let stats = admin(&["stats", "--format", "json"]);
    assert!(
        stats.contains("archived") || stats.contains("triage"),
        "{stats}"
    );
}
