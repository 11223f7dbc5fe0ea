//! The one door, end to end through the real binary: import goes through the engine (audited,
//! triage kept, versions never backwards), every administrative write leaves an audit event with
//! its actor, and reading the trail needs Admin.
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const ADMIN: &str = "admin@example.com";

fn run(db: &Path, who: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .env_remove("SIGSCOPE_USER")
        .env_remove("SIGSCOPE_STORE")
        .env("SIGSCOPE_CONFIG", "/nonexistent/sigscope-test-config.toml")
        .args(["--store", db.to_str().unwrap_or_default(), "--as", who])
        .args(args)
        .output()
        .expect("run sigscope")
}

fn ok(db: &Path, who: &str, args: &[&str]) -> String {
    let out = run(db, who, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn signal(id: &str, version: i64, state: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"signal","attributes":{{"timestamp":"2026-11-20T10:00:00.000Z","status":"high","service":["checkout-api"],"tags":["env:prod"],"message":"m","version":{version},"custom":{{"title":"SQL injection {id}","workflow":{{"rule":{{"id":"r1","name":"SQL injection","type":"Application Security"}},"triage":{{"state":"{state}"}}}}}}}}}}"#
    )
}

fn write(dir: &Path, name: &str, lines: &[String]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n")).expect("write the import file");
    p.to_string_lossy().into_owned()
}

fn state(db: &Path, id: &str) -> (String, i64) {
    let v: Value =
        serde_json::from_str(&ok(db, ADMIN, &["signals", "show", id, "--format", "json"]))
            .expect("signals show JSON");
    let a = &v["data"]["attributes"];
    let state = a["custom"]["workflow"]["triage"]["state"]
        .as_str()
        .or_else(|| a["attributes"]["workflow"]["triage"]["state"].as_str())
        .unwrap_or_default()
        .to_string();
    (state, a["version"].as_i64().unwrap_or_default())
}

#[test]
fn an_import_is_audited_per_signal_keeps_triage_and_never_goes_back_a_version() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let file = write(
        dir.path(),
        "a.ndjson",
        &[signal("IMP-1", 1, "open"), signal("IMP-2", 1, "open")],
    );
    ok(&db, ADMIN, &["import", &file]);
    for id in ["IMP-1", "IMP-2"] {
        let t: Value = serde_json::from_str(&ok(
            &db,
            ADMIN,
            &["signals", "timeline", id, "--format", "json"],
        ))
        .unwrap();
        let events = t["data"].as_array().cloned().unwrap_or_default();
        assert!(
            events
                .iter()
                .any(|e| e["actor"] == ADMIN && e["action"] == "signal.ingest"),
            "{id}: {t}"
        );
    }

    // An analyst archives one; the same file again leaves it archived.
    ok(
        &db,
        ADMIN,
        &[
            "signals",
            "state",
            "IMP-1",
            "--to",
            "archived",
            "--reason",
            "false_positive",
        ],
    );
    let (archived, v_after_triage) = state(&db, "IMP-1");
    assert_eq!(archived, "archived");
    ok(&db, ADMIN, &["import", &file]);
    assert_eq!(state(&db, "IMP-1"), ("archived".into(), v_after_triage));

    // A newer record replaces the signal whole; an older one then changes nothing.
    let newer = write(
        dir.path(),
        "b.ndjson",
        &[signal("IMP-2", 5, "under_review")],
    );
    ok(&db, ADMIN, &["import", &newer]);
    assert_eq!(state(&db, "IMP-2"), ("under_review".into(), 5));
    let older = write(dir.path(), "c.ndjson", &[signal("IMP-2", 2, "open")]);
    let out = ok(&db, ADMIN, &["import", &older]);
    assert!(out.contains("1 older"), "{out}");
    assert_eq!(state(&db, "IMP-2"), ("under_review".into(), 5));
}

#[test]
fn an_import_of_an_id_with_control_characters_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let file = write(
        dir.path(),
        "bad.ndjson",
        &[
            signal("OK-1", 1, "open"),
            signal("BAD\\u001b[2J", 1, "open"),
        ],
    );
    let out = run(&db, ADMIN, &["import", &file]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signal id"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = ok(&db, ADMIN, &["signals", "list", "--format", "ids"]);
    assert!(list.trim().is_empty(), "nothing half-written: {list}");
}

#[test]
fn every_administrative_write_is_in_the_audit_trail_with_its_actor() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    ok(
        &db,
        ADMIN,
        &["users", "add", "ro@example.com", "--role", "read_only"],
    );
    ok(
        &db,
        ADMIN,
        &[
            "notify",
            "rules",
            "add",
            "pager",
            "--target",
            "webhook:https://hooks.example.com/x",
        ],
    );
    ok(&db, ADMIN, &["keys", "create", "--user", "ro@example.com"]);
    ok(&db, ADMIN, &["bouncers", "add", "edge-1"]);
    ok(
        &db,
        ADMIN,
        &["allowlist", "add", "203.0.113.7", "--note", "office"],
    );
    ok(
        &db,
        ADMIN,
        &[
            "autoblock",
            "add",
            "stuffing",
            "--query",
            "service:checkout-api",
            "--for",
            "1h",
        ],
    );
    let trail: Value =
        serde_json::from_str(&ok(&db, ADMIN, &["audit", "list", "--format", "json"])).unwrap();
    let events = trail.as_array().cloned().unwrap_or_default();
    for action in [
        "user.add",
        "notify.rule_add",
        "api_key.create",
        "bouncer.add",
        "allowlist.add",
        "autoblock.rule_add",
    ] {
        let e = events
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {trail}"));
        assert_eq!(e["actor"], ADMIN, "{action}");
        for k in ["seq", "time", "target_type", "target_id", "before", "after"] {
            assert!(e.get(k).is_some(), "{action} lacks {k}");
        }
    }
    // Secrets never reach the trail.
    assert!(!trail.to_string().contains("SeCrEt9876543210"));

    // Filters.
    let only: Value = serde_json::from_str(&ok(
        &db,
        ADMIN,
        &[
            "audit",
            "list",
            "--target-type",
            "bouncer",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(only.as_array().map(Vec::len), Some(1), "{only}");

    // --limit keeps the newest and says that it cut the listing.
    let out = run(
        &db,
        ADMIN,
        &["audit", "list", "--limit", "2", "--format", "json"],
    );
    assert!(out.status.success());
    let cut: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cut = cut.as_array().cloned().unwrap_or_default();
    assert_eq!(cut.len(), 2);
    assert_eq!(cut[1]["seq"], events.last().unwrap()["seq"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("note: the newest 2"));

    // A Read Only user may not read it: exit 4, permission denied.
    let out = run(&db, "ro@example.com", &["audit", "list"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("audit_logs_read"));
}
