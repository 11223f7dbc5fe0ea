//! Workflows through the real binary: a real HTTP receiver on 127.0.0.1, a real store, real commands.
mod receiver;

use receiver::{signal_json, Receiver};
use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
    rx: Receiver,
}

const HOSTILE_TITLE: &str = "He said \"drop table\";\nthen \\ left <b> & {{inputs.x}} \u{1b}[2J";

impl Env {
    fn new(workflows_cfg: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let rx = Receiver::start();
        std::fs::write(
            dir.path().join("config.toml"),
            workflows_cfg.replace("RX", &rx.base),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("workflows")).unwrap();
        let e = Env { dir, rx };
        let mut sig = signal_json("sig-1", "high", HOSTILE_TITLE);
        sig["attributes"]["attributes"]["network"]["client"]["ip"] = "203.0.113.9".into();
        sig["attributes"]["attributes"]["http"]["client_ip"] = "203.0.113.9".into();
        let f = e.dir.path().join("s.json");
        std::fs::write(&f, sig.to_string()).unwrap();
        e.ok(&["import", f.to_str().unwrap()]);
        e
    }

    fn workflow(&self, file: &str, text: &str) {
        std::fs::write(
            self.dir.path().join("workflows").join(file),
            text.replace("RX", &self.rx.base),
        )
        .unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sigscope"))
            .env_remove("SIGSCOPE_USER")
            .env("SIGSCOPE_STORE", self.dir.path().join("s.db"))
            .env("SIGSCOPE_CONFIG", self.dir.path().join("config.toml"))
            .env("CLOUDFLARE_API_TOKEN", "cf-secret-token-123")
            .args(args)
            .output()
            .expect("run sigscope")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const POST: &str = r#"
name = "post"
[[inputs]]
name = "ticket_project"
type = "string"
required = true
[[inputs]]
name = "count"
type = "number"
default = 1
[[inputs]]
name = "mode"
type = "enum"
choices = ["fast", "safe"]
default = "safe"
[[steps]]
type = "http"
name = "create"
url = "RX/tickets/{{inputs.ticket_project}}?sig={{signal.id}}"
[steps.headers]
X-Signal = "{{signal.id}}"
[steps.body]
summary = "[{{signal.severity}}] {{signal.title}}"
title = "{{signal.title}}"
ips = "{{signal.attackers.ips}}"
count = "{{inputs.count}}"
"#;

#[test]
fn input_validation_names_each_bad_input_and_runs_nothing() {
    let e = Env::new("");
    e.workflow("post.toml", POST);
    let out = e.run(&[
        "workflows",
        "run",
        "post",
        "--signal",
        "sig-1",
        "--input",
        "count=lots",
        "--input",
        "mode=reckless",
        "--input",
        "colour=red",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    for part in [
        "ticket_project: required",
        "count: expected a number",
        "mode: expected one of fast, safe",
        "colour: no such input",
    ] {
        assert!(err.contains(part), "{part:?} not in {err}");
    }
    assert!(e.rx.requests().is_empty());
    let bad = e.run(&[
        "workflows",
        "run",
        "post",
        "--signal",
        "sig-1",
        "--input",
        "novalue",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_hostile_title_gives_valid_json_and_url_components() {
    let e = Env::new("");
    e.workflow("post.toml", POST);
    let out = e.ok(&[
        "workflows",
        "run",
        "post",
        "--signal",
        "sig-1",
        "--input",
        "ticket_project=SEC & OPS/1",
        "--input",
        "count=3",
    ]);
    assert!(out.contains("succeeded"), "{out}");
    let reqs = e.rx.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, "/tickets/SEC%20%26%20OPS%2F1?sig=sig-1");
    assert_eq!(r.header("x-signal"), Some("sig-1"));
    let body = r.json();
    assert_eq!(
        body["title"], HOSTILE_TITLE,
        "the title arrives exactly, placeholders inside it unexpanded"
    );
    assert_eq!(body["summary"], format!("[high] {HOSTILE_TITLE}"));
    assert_eq!(body["ips"], serde_json::json!(["203.0.113.9"]));
    assert_eq!(body["count"], 3);
    // The terminal never sees the raw escape sequence.
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn a_command_step_is_refused_unless_the_config_allows_it() {
    let wf = r#"
name = "cmd"
[[steps]]
type = "command"
name = "echo"
argv = ["printf", "%s|%s", "{{signal.id}}", "{{signal.title}}"]
"#;
    let e = Env::new("");
    e.workflow("cmd.toml", wf);
    let out = e.run(&["workflows", "run", "cmd", "--signal", "sig-1"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("allow_commands = true"));
    assert!(
        e.ok(&["workflows", "runs", "--signal", "sig-1"])
            .trim()
            .is_empty(),
        "nothing ran"
    );

    let e = Env::new("[workflows]\nallow_commands = true\n");
    e.workflow("cmd.toml", wf);
    let out = e.ok(&[
        "workflows",
        "run",
        "cmd",
        "--signal",
        "sig-1",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["state"], "succeeded");
    // One argv entry per template, no shell: the quotes and `;` in the title are just bytes.
    assert_eq!(v["steps"][0]["output"], format!("sig-1|{HOSTILE_TITLE}"));
}

#[test]
fn a_step_timeout_fails_the_run_and_skips_the_rest() {
    let wf = r#"
name = "slow"
[[steps]]
type = "command"
name = "sleep"
argv = ["sleep", "30"]
timeout_secs = 1
[[steps]]
type = "http"
name = "hang"
url = "RX/hang"
timeout_secs = 1
[[steps]]
type = "http"
name = "after"
url = "RX/after"
"#;
    let e = Env::new("[workflows]\nallow_commands = true\n");
    e.workflow("slow.toml", wf);
    let out = e.run(&[
        "workflows",
        "run",
        "slow",
        "--signal",
        "sig-1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(v["state"], "failed");
    assert_eq!(v["steps"][0]["status"], "timed_out");
    assert!(v["steps"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("killed after 1 s"));
    assert_eq!(v["steps"][1]["status"], "skipped");
    assert_eq!(v["steps"][2]["status"], "skipped");
    assert!(e.rx.requests().is_empty());

    let e = Env::new("");
    e.rx.hang("/hang");
    e.workflow("slow.toml", &wf.replace("[[steps]]\ntype = \"command\"\nname = \"sleep\"\nargv = [\"sleep\", \"30\"]\ntimeout_secs = 1\n", ""));
    let out = e.run(&[
        "workflows",
        "run",
        "slow",
        "--signal",
        "sig-1",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(v["steps"][0]["status"], "timed_out", "{v}");
    assert_eq!(v["steps"][1]["status"], "skipped");
    assert!(e.rx.to("/after").is_empty());
}

#[test]
fn the_run_is_recorded_on_the_signal() {
    let e = Env::new("");
    e.workflow("post.toml", POST);
    e.rx.script("/tickets/SEC?sig=sig-1", &[201]);
    e.ok(&[
        "workflows",
        "run",
        "post",
        "--signal",
        "sig-1",
        "--input",
        "ticket_project=SEC",
    ]);
    let out = e.ok(&["workflows", "runs", "--signal", "sig-1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let run = &v["data"][0];
    assert_eq!(run["workflow"], "post");
    assert_eq!(run["state"], "succeeded");
    assert_eq!(run["inputs"]["ticket_project"], "SEC");
    assert_eq!(run["inputs"]["count"], 1);
    assert!(run["actor"].as_str().unwrap().ends_with("@localhost"));
    assert!(run["duration_ms"].is_number());
    assert_eq!(run["steps"][0]["status"], "succeeded");
    assert!(run["steps"][0]["summary"]
        .as_str()
        .unwrap()
        .ends_with("-> 201"));
    assert_eq!(run["steps"][0]["output"], "{\"ok\":true}");

    // On the signal's timeline, as the acting user.
    let tl = e.ok(&["signals", "timeline", "sig-1", "--format", "json"]);
    let tl: serde_json::Value = serde_json::from_str(&tl).unwrap();
    let ev = tl["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ev| ev["action"] == "workflow.run")
        .expect("a workflow.run event");
    assert_eq!(ev["actor"], run["actor"]);
    assert_eq!(ev["target_id"], "post");
    assert_eq!(ev["after"]["state"], "succeeded");
    assert_eq!(ev["after"]["inputs"]["ticket_project"], "SEC");
    let table = e.ok(&["signals", "timeline", "sig-1"]);
    assert!(table.contains("workflow post succeeded in"), "{table}");
}

#[test]
fn cloudflare_builtin_sends_the_real_api_shape_and_hides_the_token() {
    let e = Env::new(
        "[workflows.vars.cloudflare-block-ips]\napi_base = \"RX/client/v4\"\naccount_id = \"acc1\"\nlist_id = \"list9\"\n",
    );
    let out = e.ok(&[
        "workflows",
        "run",
        "cloudflare-block-ips",
        "--signal",
        "sig-1",
        "--format",
        "json",
    ]);
    assert!(!out.contains("cf-secret-token-123"), "{out}");
    let reqs = e.rx.to("/client/v4/accounts/acc1/rules/lists/list9/items");
    assert_eq!(reqs.len(), 1, "{:?}", e.rx.requests());
    assert_eq!(
        reqs[0].header("authorization"),
        Some("Bearer cf-secret-token-123")
    );
    let body = reqs[0].json();
    let items = body.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["ip"], "203.0.113.9");
    assert!(items[0]["comment"]
        .as_str()
        .unwrap()
        .contains("signal sig-1"));
}

#[test]
fn read_only_users_cannot_run_workflows() {
    let e = Env::new("");
    e.ok(&["users", "add", "ro@example.com", "--role", "read_only"]);
    let out = e.run(&[
        "--as",
        "ro@example.com",
        "workflows",
        "run",
        "notify-service-owner",
        "--signal",
        "sig-1",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stderr).contains("workflows_run"));
    let list = e.ok(&["workflows", "list"]);
    assert!(
        list.contains("open-ticket") && list.contains("cloudflare-block-ips"),
        "{list}"
    );
}
