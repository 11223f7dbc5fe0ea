//! The engine through the real binary: first-user bootstrap, exit codes, all-or-nothing bulk, and two
//! processes racing on one signal.
mod engine_support;

use engine_support::signal_json;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Cli {
    _dir: tempfile::TempDir,
    store: PathBuf,
    config: PathBuf,
}

impl Cli {
    /// A fresh store holding open signals S1..S5, first seen recently.
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("signals.db");
        let config = dir.path().join("config.toml");
        let cli = Cli {
            store,
            config,
            _dir: dir,
        };
        let recent = chrono::Utc::now() - chrono::TimeDelta::hours(1);
        let sigs: Vec<Value> = (1..=5)
            .map(|i| {
                signal_json(
                    &format!("S{i}"),
                    recent,
                    "open",
                    &["198.51.100.7", "127.0.0.1"],
                )
            })
            .collect();
        let file = cli._dir.path().join("signals.json");
        std::fs::write(&file, serde_json::json!({ "data": sigs }).to_string()).unwrap();
        let out = cli.run(&["import", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        cli
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sigscope"));
        c.args(args)
            .env("SIGSCOPE_STORE", &self.store)
            .env("SIGSCOPE_CONFIG", &self.config)
            .env_remove("SIGSCOPE_USER")
            .env("USER", "tester")
            .env_remove("LOGNAME")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn version(&self, id: &str) -> i64 {
        self.json(&["signals", "show", id, "--format", "json"])["data"]["attributes"]["version"]
            .as_i64()
            .unwrap()
    }

    fn state_events(&self, path: &Path, id: &str) -> i64 {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row(
            "SELECT COUNT(*) FROM audit a JOIN audit_signals s ON s.seq = a.seq
             WHERE s.signal_id = ?1 AND a.action = 'signal.state'",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_os_user_of_a_fresh_store_becomes_admin_and_others_need_adding() {
    let cli = Cli::new();
    let users = cli.json(&["users", "list", "--format", "json"]);
    assert_eq!(users["data"][0]["attributes"]["handle"], "tester@localhost");
    assert_eq!(users["data"][0]["attributes"]["role"], "admin");

    let o = cli.run(&[
        "--as",
        "eve@example.com",
        "signals",
        "state",
        "S1",
        "--to",
        "under_review",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));

    let o = cli.run(&["users", "add", "ro@example.com", "--role", "read_only"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli.run(&[
        "--as",
        "ro@example.com",
        "signals",
        "state",
        "S1",
        "--to",
        "under_review",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("ro@example.com lacks security_monitoring_signals_write"),
        "{}",
        stderr(&o)
    );
    let o = cli.run(&[
        "--as",
        "ro@example.com",
        "users",
        "add",
        "x@example.com",
        "--role",
        "admin",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("user_access_manage"));
}

#[test]
fn cli_triage_bulk_is_all_or_nothing() {
    let cli = Cli::new();
    let o = cli.run(&[
        "signals",
        "state",
        "S1",
        "S2",
        "NOPE",
        "S3",
        "S4",
        "--to",
        "under_review",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    for id in ["S1", "S2", "S3", "S4"] {
        assert_eq!(cli.version(id), 1, "{id}");
    }
    let out = cli.json(&[
        "signals",
        "state",
        "S1",
        "S2",
        "--to",
        "archived",
        "--reason",
        "false_positive",
        "--comment",
        "our scanner",
        "--format",
        "json",
    ]);
    assert_eq!(out["signals"].as_array().unwrap().len(), 2);
    assert_eq!(out["signals"][0]["attributes"]["state"], "archived");
    assert_eq!(
        out["signals"][0]["attributes"]["archive_reason"],
        "false_positive"
    );
    assert_eq!(out["signals"][0]["attributes"]["version"], 2);
    let o = cli.run(&["signals", "state", "S1", "--to", "under_review"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("archived-reopens-to-open-only"));

    let o = cli.run(&[
        "signals",
        "assign",
        "S3",
        "--to",
        "tester@localhost",
        "--if-version",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tl = cli.json(&["signals", "timeline", "S3", "--format", "json"]);
    // Oldest first: the import that brought S3 in, then the assignment.
    let events = tl["data"].as_array().unwrap();
    assert_eq!(events[0]["action"], "signal.ingest");
    assert_eq!(events.last().unwrap()["action"], "signal.assign");
    let o = cli.run(&["signals", "assign", "S3", "--unassign", "--if-version", "1"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("changed by tester@localhost at"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cli_cases_incidents_and_blocks() {
    let cli = Cli::new();
    let out = cli.json(&[
        "cases",
        "create",
        "S1",
        "S2",
        "--title",
        "SQLi wave",
        "--priority",
        "p2",
        "--archive",
        "--format",
        "json",
    ]);
    assert_eq!(out["case"]["attributes"]["key"], "SEC-1");
    assert_eq!(out["signals"].as_array().unwrap().len(), 2);
    assert!(cli.run(&["cases", "add", "SEC-1", "S3"]).status.success());
    assert!(cli
        .run(&["cases", "status", "SEC-1", "in_progress"])
        .status
        .success());
    assert!(cli
        .run(&["cases", "comment", "SEC-1", "looking"])
        .status
        .success());
    let shown = cli.json(&["cases", "show", "sec-1", "--format", "json"]);
    assert_eq!(shown["data"]["attributes"]["status"], "IN_PROGRESS");
    assert_eq!(
        shown["data"]["attributes"]["insights"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        cli.json(&["cases", "list", "--format", "json"])["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let inc = cli.json(&[
        "incidents",
        "declare",
        "S4",
        "--title",
        "DB breach",
        "--severity",
        "SEV-1",
        "--commander",
        "tester@localhost",
        "--customer-impacted",
        "--format",
        "json",
    ]);
    assert_eq!(inc["incident"]["attributes"]["public_id"], 1);
    assert_eq!(
        inc["signals"][0]["attributes"]["incident_ids"],
        serde_json::json!([1])
    );
    assert!(cli
        .run(&["incidents", "add", "IR-1", "S5"])
        .status
        .success());
    assert!(cli
        .run(&["incidents", "state", "IR-1", "stable"])
        .status
        .success());
    let shown = cli.json(&["incidents", "show", "IR-1", "--format", "json"]);
    assert_eq!(
        shown["data"]["attributes"]["fields"]["state"]["value"],
        "stable"
    );

    // Attackers: the loopback the signal carries is skipped, the real IP blocked.
    let b = cli.json(&[
        "block",
        "attackers",
        "S1",
        "--for",
        "7d",
        "--format",
        "json",
    ]);
    assert_eq!(b["blocks"].as_array().unwrap().len(), 1);
    assert_eq!(b["blocks"][0]["attributes"]["value"], "198.51.100.7");
    assert!(b["skipped"][0].as_str().unwrap().contains("loopback"));
    let o = cli.run(&["block", "ip", "10.0.0.0/8", "0.0.0.0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unspecified"));
    assert!(cli
        .run(&["block", "ip", "10.0.0.0/8", "--permanent"])
        .status
        .success());
    assert!(cli
        .run(&["block", "user", "user8", "--for", "30m"])
        .status
        .success());
    let list = cli.json(&["blocks", "list", "--format", "json"]);
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
    assert!(cli.run(&["unblock", "198.51.100.7"]).status.success());
    assert_eq!(
        cli.json(&["blocks", "list", "--format", "json"])["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let all = cli.json(&["blocks", "list", "--all", "--format", "json"]);
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    let o = cli.run(&["unblock", "192.0.2.1"]);
    assert_eq!(o.status.code(), Some(3));
    let o = cli.run(&["block", "ip", "1.2.3.4", "--for", "soon"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn two_processes_changing_one_signal_one_wins_the_other_conflicts() {
    let cli = Cli::new();
    // Bootstrap the admin first so both racers are the same known user.
    assert!(cli.run(&["users", "list"]).status.success());
    for id in ["S1", "S2", "S3", "S4", "S5"] {
        let a = cli
            .cmd(&[
                "signals",
                "state",
                id,
                "--to",
                "under_review",
                "--if-version",
                "1",
            ])
            .spawn()
            .unwrap();
        let b = cli
            .cmd(&[
                "signals",
                "state",
                id,
                "--to",
                "archived",
                "--reason",
                "other",
                "--if-version",
                "1",
            ])
            .spawn()
            .unwrap();
        let a = a.wait_with_output().unwrap();
        let b = b.wait_with_output().unwrap();
        let mut codes = vec![a.status.code(), b.status.code()];
        codes.sort();
        assert_eq!(
            codes,
            vec![Some(0), Some(5)],
            "{id}: {} / {}",
            stderr(&a),
            stderr(&b)
        );
        let loser = if a.status.code() == Some(5) { &a } else { &b };
        assert!(
            stderr(loser).contains("since you loaded it (version 1, now 2)"),
            "{}",
            stderr(loser)
        );
        assert_eq!(cli.version(id), 2, "{id}");
        assert_eq!(cli.state_events(&cli.store, id), 1, "{id}");
    }
}

#[test]
fn hostile_case_titles_and_block_reasons_are_escaped_on_output() {
    let cli = Cli::new();
    let title = "owned\u{1b}]52;c;ZWNobyBoaQ==\u{7}\u{202e}gnp.exe";
    assert!(cli
        .run(&["cases", "create", "S1", "--title", title])
        .status
        .success());
    assert!(cli
        .run(&["block", "user", "u1", "--reason", "\u{1b}[2Jwiped"])
        .status
        .success());
    for args in [
        &["cases", "list"][..],
        &["cases", "show", "SEC-1"][..],
        &["blocks", "list"][..],
        &["signals", "timeline", "S1"][..],
    ] {
        let out = cli.run(args);
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains('\u{1b}'), "{args:?}: {text}");
        assert!(!text.contains('\u{202e}'), "{args:?}: {text}");
    }
    let shown = String::from_utf8_lossy(&cli.run(&["cases", "show", "SEC-1"]).stdout).into_owned();
    assert!(shown.contains("\\x1b]52"), "{shown}");
}
