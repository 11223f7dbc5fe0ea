//! The real binary in tmux at 80x24 on a demo store: search, open a signal, switch tabs, archive
//! it with a reason; then the screen (capture-pane) and the store (the CLI) are checked.
//! Fails, saying why, when tmux is not installed (CI installs it; see tests/needs).
mod needs;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Poll the screen until `pred` holds; fail with the last screen after `secs`.
    fn wait(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn literal(&self, text: &str) {
        self.run(&["send-keys", "-t", "e2e", "-l", text]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn archive_a_signal_through_the_explorer_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        needs::missing(
            "archive_a_signal_through_the_explorer_in_tmux",
            "tmux is not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("signals.db");
    let bin = env!("CARGO_BIN_EXE_sigscope");
    let cmd = format!(
        "env TERM=xterm-256color SIGSCOPE_LOG=debug HOME={home} XDG_DATA_HOME={home}/data XDG_CONFIG_HOME={home}/config {bin} --store {store} --config {home}/config.toml --as alice@sigscope.test --demo",
        home = dir.path().display(),
        store = store.display(),
    );
    let t = Tmux {
        socket: format!("sigscope-e2e-{}", std::process::id()),
    };
    t.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "80",
        "-y",
        "24",
        &cmd,
    ]);
    t.wait("the stream", 240, |s| {
        s.contains("Signals") && s.contains("TITLE") && s.contains("> ")
    });

    // Search: open, non-archived SQL injections.
    t.keys(&["/"]);
    t.literal("@workflow.triage.state:open @appsec.type:sql_injection");
    t.keys(&["Enter"]);
    t.wait("the search", 20, |s| {
        s.contains("/ @workflow.triage.state:open @appsec.type:sql_injection")
            && !s.contains("searching")
            && s.lines().any(|l| l.starts_with("│>") && l.contains("open"))
    });

    // Open the selected signal: full screen at 80 columns.
    t.keys(&["Enter"]);
    let s = t.wait("the side panel", 20, |s| {
        s.contains("[1 Attack Flow]") && s.contains("id: ")
    });
    let id = s
        .lines()
        .find_map(|l| {
            l.trim_start_matches('│')
                .trim()
                .strip_prefix("id: ")
                .map(|r| r.trim_end_matches('│').trim().to_string())
        })
        .expect("the signal id on screen");
    t.keys(&["2"]);
    t.wait("the Activity Summary tab", 10, |s| {
        s.contains("[2 Activity Summary]") && s.contains("Attack types")
    });
    t.keys(&["3"]);
    t.wait("the Rule Details tab", 10, |s| {
        s.contains("[3 Rule Details]") && s.contains("condition: ")
    });
    t.keys(&["1"]);
    t.wait("the Attack Flow tab", 10, |s| {
        s.contains("[1 Attack Flow]") && s.contains("Attempts (")
    });

    // Archive it as a false positive, with a comment.
    t.keys(&["s"]);
    t.wait("the state dialog", 10, |s| {
        s.contains("Set state of 1 signal")
    });
    t.keys(&["Down"]);
    t.wait("Archived chosen", 10, |s| {
        s.contains("> Archived") && s.contains("Archive reason")
    });
    t.keys(&["Enter", "Down"]);
    t.wait("the reason", 10, |s| s.contains("> false_positive"));
    t.keys(&["Enter"]);
    t.literal("e2e check");
    t.keys(&["Enter"]);
    t.wait("the confirmation message", 20, |s| {
        s.contains("1 signal → Archived")
    });
    t.wait("the new state in the header", 20, |s| {
        s.contains("archived (false_positive)")
    });
    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.run(&["list-sessions"]).contains("e2e") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }

    // The store agrees.
    let demo = dir.path().join("demo.db");
    let out = Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .args([
            "--store",
            demo.to_str().unwrap(),
            "signals",
            "show",
            &id,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let attrs = &v["data"]["attributes"];
    // The event body is `custom` in the vendor's get-one shape and `attributes` in its list shape.
    let event = if attrs["custom"].is_object() {
        &attrs["custom"]
    } else {
        &attrs["attributes"]
    };
    let triage = &event["workflow"]["triage"];
    assert_eq!(triage["state"], "archived", "{v}");
    assert_eq!(triage["archiveReason"], "false_positive", "{triage}");
    assert_eq!(triage["archiveComment"], "e2e check", "{triage}");
}
