//! `sigscope migrate-store` on real stores: a demo SQLite store with triage, cases, incidents,
//! blocks, keys and notification rules goes to PostgreSQL and back, identical.
mod common;

use common::pg_support;
use std::path::Path;
use std::process::{Command, Output};

fn sigscope(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env_remove("SIGSCOPE_STORE")
        .env_remove("SIGSCOPE_USER")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = sigscope(dir, args);
    assert!(
        out.status.success(),
        "sigscope {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A SQLite store with a bit of everything the store holds.
fn demo_store(dir: &Path) -> String {
    let db = dir.join("demo.db");
    let store = db.to_str().unwrap().to_string();
    let demo = ok(dir, &["demo", "--signals", "200", "--seed", "7"]);
    std::fs::write(dir.join("demo.json"), demo).unwrap();
    let s = store.as_str();
    ok(
        dir,
        &[
            "--store",
            s,
            "users",
            "add",
            "admin@example.com",
            "--role",
            "admin",
        ],
    );
    ok(
        dir,
        &[
            "--store",
            s,
            "users",
            "add",
            "ana@example.com",
            "--role",
            "standard",
        ],
    );
    let admin = ["--store", s, "--as", "admin@example.com"];
    let run = |more: &[&str]| ok(dir, &[&admin[..], more].concat());
    run(&["import", dir.join("demo.json").to_str().unwrap()]);
    let ids = run(&["signals", "list", "--limit", "3", "--format", "ids"]);
    let ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), 3);
    run(&[
        "signals",
        "state",
        "--to",
        "archived",
        "--reason",
        "false_positive",
        ids[0],
    ]);
    run(&["signals", "assign", "--to", "ana@example.com", ids[1]]);
    run(&[
        "cases",
        "create",
        "--title",
        "Credential stuffing",
        ids[1],
        ids[2],
    ]);
    run(&[
        "incidents",
        "declare",
        "--title",
        "Checkout under attack",
        ids[2],
    ]);
    run(&[
        "block",
        "ip",
        "198.51.100.7",
        "--for",
        "2h",
        "--reason",
        "scanner",
    ]);
    run(&["keys", "create", "--user", "ana@example.com"]);
    run(&[
        "notify",
        "rules",
        "add",
        "crit",
        "--severity",
        "critical",
        "--target",
        "webhook:http://127.0.0.1:9/h",
    ]);
    store
}

#[test]
fn a_demo_store_round_trips_sqlite_to_postgresql_to_sqlite_identical() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = demo_store(d);
    let pg = pg_support::fresh_db();
    let back = d.join("back.db");
    let back = back.to_str().unwrap();

    let out = ok(
        d,
        &[
            "migrate-store",
            "--from",
            &original,
            "--to",
            &pg,
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified"], true);
    let rows = |name: &str| {
        v["copied"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == name)
            .unwrap()["rows"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(rows("signals"), 200);
    for t in [
        "users",
        "audit",
        "cases",
        "incidents",
        "blocks",
        "api_keys",
        "notification_rules",
    ] {
        assert!(rows(t) > 0, "{t} copied: {out}");
    }

    ok(d, &["migrate-store", "--from", &pg, "--to", back]);
    let same = ok(
        d,
        &[
            "migrate-store",
            "--verify",
            "--from",
            &original,
            "--to",
            back,
        ],
    );
    assert!(same.trim_end().ends_with("identical"), "{same}");

    // The copy is a working store: the same answers, on PostgreSQL too.
    for store in [original.as_str(), pg.as_str(), back] {
        let listed = ok(
            d,
            &[
                "--store",
                store,
                "--as",
                "admin@example.com",
                "signals",
                "list",
                "--limit",
                "5",
                "--format",
                "ids",
            ],
        );
        assert_eq!(listed.lines().count(), 5, "{store}");
    }
    let facets = |store: &str| {
        ok(
            d,
            &[
                "--store",
                store,
                "--as",
                "admin@example.com",
                "signals",
                "facets",
                "--format",
                "json",
            ],
        )
    };
    assert_eq!(facets(&original), facets(&pg));
    // New rows after a copy get new ids, not ones the copy already used.
    ok(
        d,
        &[
            "--store",
            &pg,
            "--as",
            "admin@example.com",
            "block",
            "ip",
            "203.0.113.9",
            "--for",
            "1h",
        ],
    );
}

#[test]
fn a_store_that_is_not_empty_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = demo_store(d);
    let pg = pg_support::fresh_db();
    ok(
        d,
        &[
            "--store",
            &pg,
            "users",
            "add",
            "someone@example.com",
            "--role",
            "admin",
        ],
    );
    let out = sigscope(d, &["migrate-store", "--from", &original, "--to", &pg]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not empty") && err.contains("users"), "{err}");
    assert!(
        !err.contains("postgres://sigscope:"),
        "no password in messages: {err}"
    );
    let users = ok(
        d,
        &[
            "--store",
            &pg,
            "--as",
            "someone@example.com",
            "users",
            "list",
            "--format",
            "json",
        ],
    );
    assert!(
        !users.contains("admin@example.com"),
        "nothing was copied: {users}"
    );
}

#[test]
fn verify_says_when_two_stores_differ() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = demo_store(d);
    let copy = d.join("copy.db");
    let copy = copy.to_str().unwrap();
    ok(d, &["migrate-store", "--from", &original, "--to", copy]);
    ok(
        d,
        &[
            "--store",
            copy,
            "--as",
            "admin@example.com",
            "block",
            "ip",
            "203.0.113.9",
            "--for",
            "1h",
        ],
    );
    let out = sigscope(
        d,
        &[
            "migrate-store",
            "--verify",
            "--from",
            &original,
            "--to",
            copy,
        ],
    );
    assert_ne!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("DIFFERENT") && text.contains("blocks"),
        "{text}"
    );
}
