//! The CLI's habits, as tools operators already use behave: help for every option, completions and
//! a man page, JSON errors with `--format json`, DD_SITE.
use std::process::Command;

fn sigscope(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .args(args)
        .env("SIGSCOPE_STORE", dir.join("s.db"))
        .env("SIGSCOPE_CONFIG", dir.join("config.toml"))
        .env("SIGSCOPE_USER", "ana@example.com")
        .env_remove("DD_SITE")
        .output()
        .unwrap()
}

#[test]
fn every_option_has_help() {
    let missing = sigscope::cli::options_without_help();
    assert!(
        missing.is_empty(),
        "options without help:\n{}",
        missing.join("\n")
    );
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef sigscope"),
        ("fish", "complete -c sigscope"),
    ] {
        let out = sigscope(dir.path(), &["completions", shell]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains(marker),
            "{shell}: {}",
            &text[..text.len().min(200)]
        );
        assert!(text.contains("notify"), "{shell} completes subcommands");
    }
    let out = sigscope(dir.path(), &["man"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(".ie") || text.contains(".TH sigscope"),
        "{}",
        &text[..200]
    );
    assert!(text.contains("completions"));
    // Neither touched a store.
    assert!(!dir.path().join("s.db").exists());
}

#[test]
fn errors_are_json_with_format_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = sigscope(dir.path(), &["signals", "show", "nope", "--format", "json"]);
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        err["error"]["code"].is_string() && err["error"]["message"].is_string(),
        "{err}"
    );
    // A parse error too.
    let out = sigscope(
        dir.path(),
        &["signals", "list", "--format", "json", "--bogus"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "usage");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--bogus"),
        "{err}"
    );
    // Without --format json, a plain line.
    let out = sigscope(dir.path(), &["signals", "show", "nope"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("sigscope: "));
}

#[test]
fn dd_site_picks_the_vendor_site_when_keys_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = sigscope::config::Config::default();
    let path = dir.path().join("config.toml");
    // Only this test in this binary changes the environment.
    std::env::set_var("DD_SITE", "datadoghq.eu");
    std::env::remove_var("DD_API_KEY");
    assert!(
        sigscope::remote::resolve(None, None, &cfg, &path)
            .unwrap()
            .is_none(),
        "DD_SITE alone keeps the local store"
    );
    std::env::set_var("DD_API_KEY", "k");
    std::env::set_var("DD_APP_KEY", "a");
    let setup = sigscope::remote::resolve(None, None, &cfg, &path)
        .unwrap()
        .unwrap();
    assert!(
        format!("{:?}", setup.endpoint).contains("datadoghq.eu"),
        "{:?}",
        setup.endpoint
    );
    std::env::remove_var("DD_SITE");
    std::env::remove_var("DD_API_KEY");
    std::env::remove_var("DD_APP_KEY");
}

#[test]
fn reads_refuse_a_missing_store_and_say_when_limit_cut_a_listing() {
    let dir = tempfile::tempdir().unwrap();
    let out = sigscope(dir.path(), &["signals", "list"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store at"));
    assert!(!dir.path().join("s.db").exists(), "a read created no store");

    let demo = dir.path().join("demo.json");
    let ok = sigscope(
        dir.path(),
        &["demo", "--signals", "5", "--out", demo.to_str().unwrap()],
    );
    assert!(ok.status.success());
    assert!(sigscope(dir.path(), &["import", demo.to_str().unwrap()])
        .status
        .success());
    let out = sigscope(
        dir.path(),
        &[
            "signals",
            "list",
            "--limit",
            "3",
            "--format",
            "ids",
            "--from",
            "now-1000d",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("showing the first 3 signals"));
    let out = sigscope(
        dir.path(),
        &[
            "signals",
            "list",
            "--limit",
            "5",
            "--format",
            "ids",
            "--from",
            "now-1000d",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("showing the first"));
}

#[test]
fn commands_that_print_speak_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let out = sigscope(dir.path(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    };
    let demo = dir.path().join("demo.json");
    sigscope(
        dir.path(),
        &["demo", "--signals", "3", "--out", demo.to_str().unwrap()],
    );
    let v = json(&["import", demo.to_str().unwrap(), "--format", "json"]);
    assert_eq!(v["files"][0]["inserted"], 3);
    let v = json(&[
        "users",
        "add",
        "bo@example.com",
        "--role",
        "standard",
        "--format",
        "json",
    ]);
    assert_eq!(v["data"]["attributes"]["role"], "standard");
    let v = json(&[
        "keys",
        "create",
        "--user",
        "bo@example.com",
        "--format",
        "json",
    ]);
    assert!(v["data"]["attributes"]["api_key"].is_string());
    let v = json(&["allowlist", "add", "203.0.113.7", "--format", "json"]);
    assert_eq!(v["data"]["attributes"]["value"], "203.0.113.7");
    let v = json(&[
        "autoblock",
        "add",
        "stuffing",
        "-q",
        "@usr.id:*",
        "--format",
        "json",
    ]);
    assert_eq!(v["data"]["name"], "stuffing");
    let v = json(&[
        "notify",
        "rules",
        "add",
        "hook",
        "--target",
        "webhook:http://127.0.0.1:9/x",
        "--format",
        "json",
    ]);
    let target = v["data"]["attributes"]["targets"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        target.starts_with("webhook:whsec_"),
        "a fresh signing secret: {target}"
    );
    let v = json(&["notify", "flush", "--format", "json"]);
    assert!(v["sent"].is_number() && v["pending"].is_number(), "{v}");
}

#[test]
fn config_errors_print_as_lines_and_typos_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "user = \"a@x\"\n[notify\nmax = 1\n",
    )
    .unwrap();
    let out = sigscope(dir.path(), &["users", "list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("\\x0a"), "{err}");
    assert!(err.lines().count() > 1, "{err}");
    std::fs::write(dir.path().join("config.toml"), "usr = \"a@x\"\n").unwrap();
    let out = sigscope(dir.path(), &["users", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown key `usr`") && err.contains("`user`"),
        "{err}"
    );
}
