//! `sigscope notify ...` and the import hook through the real binary.
mod receiver;

use receiver::{signal_json, Receiver};
use std::path::Path;
use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
    rx: Receiver,
}

impl Env {
    fn new() -> Env {
        Env::with("backoff_base_ms = 20\nmax_attempts = 3\n")
    }

    fn with(notify: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let rx = Receiver::start();
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "[notify]\nslack_base_url = \"{}\"\npagerduty_url = \"{}\"\n{notify}",
                rx.url("/slack"),
                rx.url("/pd")
            ),
        )
        .unwrap();
        Env { dir, rx }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sigscope"))
            .env_remove("SIGSCOPE_USER")
            .env("SIGSCOPE_STORE", self.dir.path().join("s.db"))
            .env("SIGSCOPE_CONFIG", self.dir.path().join("config.toml"))
            .args(args)
            .output()
            .expect("run sigscope")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        path(&p)
    }
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

#[test]
fn add_list_import_deliver_and_list_deliveries() {
    let e = Env::new();
    let hook = e.rx.url("/hook?token=hunter2secret");
    let out = e.ok(&[
        "notify",
        "rules",
        "add",
        "prod highs",
        "--query",
        "env:prod",
        "--severity",
        "high",
        "--severity",
        "critical",
        "--target",
        &format!("webhook:{hook}"),
        "--target",
        "slack:T01/B02/SlackSecretToken9",
    ]);
    assert!(out.contains("added notification rule"), "{out}");

    let list = e.ok(&["notify", "rules", "list"]);
    assert!(
        list.contains("prod highs") && list.contains("high,critical"),
        "{list}"
    );
    assert!(
        !list.contains("hunter2secret") && !list.contains("SlackSecretToken9"),
        "{list}"
    );
    let json = e.ok(&["notify", "rules", "list", "--format", "json"]);
    assert!(
        !json.contains("hunter2secret") && !json.contains("SlackSecretToken9"),
        "{json}"
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["data"][0]["type"], "notification_rules");
    assert_eq!(
        v["data"][0]["attributes"]["selectors"]["severities"][1],
        "critical"
    );

    let signals = serde_json::json!({"data": [
        signal_json("hit", "high", "SQLi"),
        signal_json("miss", "low", "SQLi"),
    ]});
    let f = e.file("sig.json", &signals.to_string());
    let out = e.ok(&["import", &f]);
    assert!(out.contains("notifications: 2 sent"), "{out}");
    assert_eq!(e.rx.to("/hook?token=hunter2secret").len(), 1);
    assert_eq!(e.rx.to("/slack/T01/B02/SlackSecretToken9").len(), 1);
    assert_eq!(e.rx.requests().len(), 2, "the low signal matched no rule");

    let d = e.ok(&["notify", "deliveries"]);
    assert!(d.contains("sent") && d.contains("hit"), "{d}");
    assert!(
        !d.contains("hunter2secret") && !d.contains("SlackSecretToken9"),
        "{d}"
    );

    // Importing the same file again notifies nobody.
    e.ok(&["import", &f]);
    assert_eq!(e.rx.requests().len(), 2);
}

#[test]
fn deliveries_that_fail_for_good_are_listed_with_each_attempt() {
    let e = Env::new();
    e.rx.script("/flaky", &[500, 500, 500, 200]);
    e.ok(&[
        "notify",
        "rules",
        "add",
        "r",
        "--target",
        &format!("webhook:{}", e.rx.url("/flaky")),
    ]);
    let f = e.file("sig.json", &signal_json("s1", "high", "t").to_string());
    // max_attempts 3 in the config: the import gives up after three 500s.
    let out = e.ok(&["import", &f]);
    assert!(out.contains("failed for good"), "{out}");
    let failed = e.ok(&["notify", "deliveries", "--failed"]);
    assert!(
        failed.contains("dead") && failed.contains("HTTP 500"),
        "{failed}"
    );
    let shown = e.ok(&["notify", "deliveries", "1"]);
    assert_eq!(shown.matches("HTTP 500").count(), 3, "{shown}");
}

#[test]
fn rules_test_sends_one_real_message_and_shows_the_answer() {
    let e = Env::new();
    e.ok(&[
        "notify",
        "rules",
        "add",
        "pd",
        "--target",
        "pagerduty:KEY123456789",
    ]);
    let f = e.file("sig.json", &signal_json("s1", "low", "t").to_string());
    e.ok(&["import", &f]);
    let before = e.rx.requests().len();
    let out = e.ok(&["notify", "rules", "test", "pd", "--signal", "s1"]);
    assert!(
        out.contains("HTTP 200") && out.contains("{\"ok\":true}"),
        "{out}"
    );
    assert!(out.contains("pagerduty:KEY1****"), "{out}");
    let pd = e.rx.to("/pd");
    assert_eq!(pd.len(), before + 1, "exactly one message per target");
    assert_eq!(pd.last().unwrap().json()["dedup_key"], "s1");
}

#[test]
fn edit_remove_and_permissions() {
    let e = Env::new();
    e.ok(&["users", "add", "ro@example.com", "--role", "read_only"]);
    e.ok(&["users", "add", "boss@example.com", "--role", "admin"]);
    let out = e.run(&[
        "--as",
        "ro@example.com",
        "notify",
        "rules",
        "add",
        "x",
        "--target",
        "pagerduty:abc",
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("security_monitoring_notification_profiles_write"));
    e.ok(&[
        "--as",
        "boss@example.com",
        "notify",
        "rules",
        "add",
        "x",
        "--target",
        "pagerduty:abc",
    ]);
    // Read Only may read.
    e.ok(&["--as", "ro@example.com", "notify", "rules", "list"]);
    let out = e.ok(&[
        "--as",
        "boss@example.com",
        "notify",
        "rules",
        "edit",
        "x",
        "--disable",
        "--severity",
        "critical",
    ]);
    assert!(out.contains("version 2"), "{out}");
    let stale = e.run(&[
        "--as",
        "boss@example.com",
        "notify",
        "rules",
        "edit",
        "x",
        "--enable",
        "--version",
        "1",
    ]);
    assert_eq!(stale.status.code(), Some(5));
    let bad = e.run(&[
        "--as",
        "boss@example.com",
        "notify",
        "rules",
        "add",
        "y",
        "--target",
        "email:me",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    e.ok(&["--as", "boss@example.com", "notify", "rules", "remove", "x"]);
    let list = e.ok(&[
        "--as",
        "boss@example.com",
        "notify",
        "rules",
        "list",
        "--format",
        "ids",
    ]);
    assert!(list.trim().is_empty(), "{list}");
}

#[test]
fn what_an_import_leaves_pending_is_sent_by_notify_flush() {
    let e = Env::with("import_wait_secs = 0\nbackoff_base_ms = 600000\n");
    e.rx.script("/later", &[500, 200]);
    e.ok(&[
        "notify",
        "rules",
        "add",
        "r",
        "--target",
        &format!("webhook:{}", e.rx.url("/later")),
    ]);
    let f = e.file("sig.json", &signal_json("s1", "high", "t").to_string());
    let out = e.ok(&["import", &f]);
    assert!(out.contains("1 pending"), "{out}");
    assert_eq!(e.rx.to("/later").len(), 1);
    // Not due yet: a plain flush leaves it for later.
    let out = e.ok(&["notify", "flush"]);
    assert!(out.contains("0 sent") && out.contains("1 pending"), "{out}");
    assert_eq!(e.rx.to("/later").len(), 1);
    let out = e.ok(&["notify", "flush", "--now"]);
    assert!(out.contains("1 sent") && out.contains("0 pending"), "{out}");
    assert_eq!(e.rx.to("/later").len(), 2);
}
