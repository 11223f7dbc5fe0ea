//! Issue 16, findings 6, 7, 9 (typed and configured numbers) and 10 (`status:>=bogus`): every
//! output another program or a terminal reads is sanitised, the clipboard gets only what was
//! shown, and no typed or configured number panics.
mod tui_support;

use chrono::{TimeZone, Utc};
use sigscope::denylist::export::{render, ExportFormat, ExportOptions};
use sigscope::denylist::{BlockValue, DenyEntry};
use sigscope::sanitize::is_unsafe;
use sigscope::tui::action::{Action, Effect};
use sigscope::tui::harness::keys;
use sigscope::tui::keys::Cmd;
use std::process::Command;
use tui_support::*;

const HOSTILE: &str = "rule \u{1b}]2;pwned\u{7}\u{1b}[2J\u{9b}31m\u{0}\u{202e}\u{2028}end";

fn entry(reason: &str) -> DenyEntry {
    let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    DenyEntry {
        id: 1,
        value: BlockValue::parse_net("203.0.113.9").unwrap(),
        kind: sigscope::denylist::ValueKind::Ip,
        expires_at: None,
        reason: reason.into(),
        created_by: format!("autoblock:{reason}"),
        created_at: t,
        signal_id: Some(format!("sig{reason}")),
    }
}

#[test]
fn finding6_csv_and_json_exports_carry_no_raw_esc_c1_nul_or_bidi() {
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let entries = vec![entry(HOSTILE)];
    for f in [
        ExportFormat::Csv,
        ExportFormat::Json,
        ExportFormat::Crowdsec,
    ] {
        let text = render(f, &entries, now, &ExportOptions::default())
            .unwrap()
            .text;
        for line in text.lines() {
            assert!(
                !line.chars().any(|c| c.is_control() || is_unsafe(c)),
                "{f:?}: {line:?}"
            );
        }
        if f != ExportFormat::Csv {
            // Still JSON, and still the same text once parsed: escaped, not dropped.
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(v.to_string().contains("pwned"), "{v}");
        }
    }
}

#[test]
fn finding6_json_printing_escapes_c1_bidi_and_line_separators() {
    let v = serde_json::json!({"title": HOSTILE});
    let text = sigscope::sanitize::to_json_pretty(&v).unwrap();
    assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text:?}");
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back, v);
}

fn hostile_fixture() -> Fake {
    Fake::new(vec![signal(Spec {
        id: "sig-1\nrm -rf ~\u{2028}#",
        title: "Row one\u{2028}smears\u{2029}rows\u{85}",
        ..Default::default()
    })])
}

#[test]
fn finding7_copy_puts_only_sanitised_text_on_the_clipboard() {
    let b = hostile_fixture();
    let mut app = open(&b, 120, 30);
    let fx = sigscope::tui::update::update(&mut app, Action::Cmd(Cmd::Copy));
    let copied: Vec<String> = fx
        .into_iter()
        .filter_map(|e| match e {
            Effect::Copy(v) => Some(v),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1, "one copy effect");
    let v = &copied[0];
    assert!(!v.chars().any(|c| c.is_control() || is_unsafe(c)), "{v:?}");
    assert!(
        v.contains("\\x0a"),
        "the newline is shown, not pasted: {v:?}"
    );
}

#[test]
fn finding7_line_and_paragraph_separators_never_reach_the_explorer_raw() {
    let b = hostile_fixture();
    let app = open(&b, 120, 30);
    let s = screen(&app);
    assert!(
        !s.contains('\u{2028}') && !s.contains('\u{2029}') && !s.contains('\u{85}'),
        "{s}"
    );
}

#[test]
fn finding7_ids_with_control_characters_are_refused_at_import_with_a_clear_error() {
    let e = sigscope::model::signal::check_id("a\nb")
        .unwrap_err()
        .to_string();
    assert!(e.contains("control"), "{e}");
    assert!(sigscope::model::signal::check_id("a\u{2028}b").is_err());
}

#[test]
fn finding9_a_huge_custom_block_duration_is_refused_in_the_dialog_not_a_panic() {
    let b = fixture();
    let mut app = open(&b, 120, 44);
    keys(&mut app, &b, "bjjjj<Tab>200000000000d<Enter>");
    assert!(b.applied.lock().unwrap().is_empty());
    let s = screen(&app);
    assert!(s.contains("custom duration"), "{s}");
}

fn sigscope(dir: &std::path::Path, config: &str, args: &[&str]) -> std::process::Output {
    std::fs::write(dir.join("config.toml"), config).unwrap();
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .env("SIGSCOPE_STORE", dir.join("s.db"))
        .env("SIGSCOPE_CONFIG", dir.join("config.toml"))
        .env_remove("SIGSCOPE_USER")
        // A remote needs keys before it reads its window; these reach no server.
        .env("DD_API_KEY", "k")
        .env("DD_APP_KEY", "a")
        .args(args)
        .output()
        .unwrap()
}

/// Exit code 101 is a Rust panic; any other failure is an ordinary, named refusal.
fn refused_naming(out: &std::process::Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "panicked: {err}");
    assert!(!out.status.success(), "accepted: {err}");
    assert!(err.contains(what), "{what} not named: {err}");
}

#[test]
fn finding9_configured_and_typed_timings_out_of_range_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = sigscope(
        d,
        "[remote]\nurl = \"http://127.0.0.1:9\"\nwindow_days = 9223372036854775807\n",
        &["sync"],
    );
    refused_naming(&out, "window_days");
    let out = sigscope(
        d,
        "[notify]\ntimeout_secs = 9223372036854775807\n",
        &["notify", "flush"],
    );
    refused_naming(&out, "timeout_secs");
    let out = sigscope(
        d,
        "",
        &["notify", "flush", "--wait", "18446744073709551615"],
    );
    refused_naming(&out, "--wait");
}

#[test]
fn finding10_a_comparison_with_a_non_severity_on_status_is_a_parse_error() {
    let e = sigscope::query::parse("status:>=bogus").unwrap_err();
    assert!(e.to_string().contains("not a severity"), "{e}");
    assert!(sigscope::query::parse("status:[low TO nope]").is_err());
    assert!(sigscope::query::parse("status:>=high").is_ok());
    assert!(sigscope::query::parse("service:>=anything").is_ok());
}
