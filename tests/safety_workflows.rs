//! Issue 16, findings 2, 3 and 4: a signal value never becomes a command option or a different
//! program, never chooses a URL's host, and blocks a workflow sends go through the denylist's
//! checks. Hostile values for each step kind.
mod engine_support;
mod receiver;

use engine_support::*;
use serde_json::{json, Map, Value};
use sigscope::workflow::run::{execute, Options, StepStatus};
use sigscope::workflow::template::Context;
use sigscope::workflow::{self, Workflow, WorkflowsConfig};
use std::collections::BTreeMap;

fn ctx_with(signal: Value) -> Context {
    let mut vars = BTreeMap::new();
    vars.insert("base".to_string(), "https://api.example.com/v1".to_string());
    Context::new(signal, Map::new(), vars)
}

fn hostile_signal(host: &str) -> Value {
    json!({
        "id": "sig-1", "host": host, "title": "t\r\nX-Injected: 1\u{1b}[2J",
        "attackers": {"ips": ["203.0.113.9"]}
    })
}

fn run_one(wf: &str, signal: Value) -> sigscope::workflow::StepResult {
    let w = Workflow::parse(wf, "test").unwrap();
    let opts = Options {
        allow_commands: true,
    };
    let out = execute(&w, &ctx_with(signal), &opts, &mut |_| {}).unwrap();
    out.into_iter().next().unwrap()
}

#[test]
fn finding2_a_signal_value_starting_with_a_dash_never_becomes_an_option() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    let host = format!("-oProxyCommand=touch {}", pwned.display());
    let wf = r#"
name = "ssh-check"
[[steps]]
type = "command"
name = "probe"
timeout_secs = 10
argv = ["ssh", "-o", "BatchMode=yes", "{{signal.host}}", "true"]
"#;
    let r = run_one(wf, hostile_signal(&host));
    assert_eq!(r.status, StepStatus::Failed, "{r:?}");
    assert!(r.summary.contains("would be read as an option"), "{r:?}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!pwned.exists(), "the signal's host ran as an ssh option");
}

#[test]
fn finding2_after_a_literal_double_dash_a_dash_value_is_an_operand() {
    let wf = r#"
name = "echo"
[[steps]]
type = "command"
name = "say"
argv = ["echo", "--", "{{signal.host}}"]
"#;
    let r = run_one(wf, hostile_signal("-n"));
    assert_eq!(r.status, StepStatus::Succeeded, "{r:?}");
    // The author's own leading dash is theirs to write.
    let wf = r#"
name = "echo2"
[[steps]]
type = "command"
name = "say"
argv = ["echo", "--host={{signal.host}}"]
"#;
    let r = run_one(wf, hostile_signal("-x"));
    assert_eq!(r.status, StepStatus::Succeeded, "{r:?}");
    assert!(r.output.contains("--host=-x"), "{r:?}");
}

#[test]
fn finding2_the_program_is_literal() {
    let wf = r#"
name = "p"
[[steps]]
type = "command"
name = "run"
argv = ["{{signal.host}}", "x"]
"#;
    assert!(Workflow::parse(wf, "test")
        .unwrap_err()
        .to_string()
        .contains("argv[0]"));
}

#[test]
fn finding4_a_urls_scheme_and_host_never_come_from_a_signal() {
    for url in [
        "{{signal.host}}/api",
        "https://{{signal.host}}/api",
        "https://api.example.com{{signal.host}}/x",
        "https://user@{{signal.host}}/x",
        "{{inputs.where}}/x",
        "{{env.HOME}}/x",
        "{{vars.base}}{{signal.host}}",
    ] {
        let wf = format!(
            "name = \"u\"\n[[inputs]]\nname = \"where\"\ntype = \"string\"\n[vars]\nbase = \"https://a.example\"\n[[steps]]\ntype = \"http\"\nname = \"s\"\nurl = \"{url}\"\n"
        );
        let e = Workflow::parse(&wf, "test");
        assert!(e.is_err(), "{url} accepted");
    }
    // The author's host, a config base, values as path components.
    let c = ctx_with(hostile_signal("evil.example/#@x"));
    let u = c
        .url("https://api.example.com/hosts/{{signal.host}}")
        .unwrap();
    assert_eq!(u, "https://api.example.com/hosts/evil.example%2F%23%40x");
    let u = c.url("{{vars.base}}/h?x={{signal.host}}").unwrap();
    assert!(u.starts_with("https://api.example.com/v1/h?x="), "{u}");
    // Checked at run time too, for a template no load check saw.
    assert!(c.url("{{signal.host}}/x").is_err());
}

#[test]
fn hostile_values_in_headers_and_bodies_are_escaped_for_their_context() {
    let c = ctx_with(hostile_signal("h"));
    assert!(c.header("{{signal.title}}").is_err(), "CRLF in a header");
    let body = c
        .json(&json!({"t": "[{{signal.title}}]", "raw": "{{signal.title}}"}))
        .unwrap();
    let text = serde_json::to_string(&body).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        back["raw"], "t\r\nX-Injected: 1\u{1b}[2J",
        "one JSON string, intact"
    );
    assert!(c.arg("{{signal.title}}\0", false).is_err(), "NUL in argv");
}

#[test]
fn finding3_the_cloudflare_workflow_sends_only_what_the_denylist_would_block() {
    let rx = receiver::Receiver::start();
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine
        .allow(&admin, "198.51.100.0/24", false, "office")
        .unwrap();
    env.add_signals(&[signal_json(
        "CF1",
        t0(),
        "open",
        &[
            "0.0.0.0/0",
            "127.0.0.1",
            "198.51.100.7",
            "not-an-ip",
            "10.0.0.0/8",
            "::ffff:127.0.0.1",
            "203.0.113.80",
        ],
    )]);
    let signal = env.signal("CF1");
    std::env::set_var("CLOUDFLARE_API_TOKEN", "cf-test-token");
    let w =
        workflow::def::find(std::path::Path::new("/nonexistent"), "cloudflare-block-ips").unwrap();
    let mut cfg = WorkflowsConfig::default();
    cfg.vars.insert(
        "cloudflare-block-ips".into(),
        [
            ("api_base".to_string(), format!("{}/client/v4", rx.base)),
            ("account_id".to_string(), "acc".to_string()),
            ("list_id".to_string(), "lst".to_string()),
        ]
        .into_iter()
        .collect(),
    );
    let p = workflow::prepare(w, signal, &[], &admin, &cfg, "link".into()).unwrap();
    let rec = workflow::run_now(&mut env.engine, p, &mut |_| {}).unwrap();
    let reqs = rx.to("/client/v4/accounts/acc/rules/lists/lst/items");
    assert_eq!(reqs.len(), 1, "{:?}", rx.requests());
    let sent: Vec<String> = reqs[0]
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ip"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, ["203.0.113.80"]);
    // The analyst sees what was left out, and why.
    let out = &rec.steps[0].output;
    assert!(out.contains("office") && out.contains("loopback"), "{out}");
}
