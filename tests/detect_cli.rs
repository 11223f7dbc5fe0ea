//! `sigscope ingest` and `sigscope rules` as a user runs them: the summary line, malformed lines
//! (skipped and named, or fatal with --strict and nothing applied), `--follow` across rotation and
//! restart without double counting, user rules overriding defaults, `rules test` changing nothing.
use sigscope::model::Signal;
use sigscope::store::{SqliteStore, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(format!(
        "{}/tests/fixtures/detect/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
}

fn cmd(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sigscope"));
    c.arg("--store")
        .arg(dir.join("signals.db"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .env("SIGSCOPE_USER", "detect@example.com");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cmd(dir).args(args).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn signals(dir: &Path) -> Vec<Signal> {
    let p = dir.join("signals.db");
    if !p.exists() {
        return Vec::new();
    }
    let store = SqliteStore::open(&p).unwrap();
    let mut v = Vec::new();
    store
        .for_each_signal(&mut |s| {
            v.push(s.clone());
            Ok(())
        })
        .unwrap();
    v
}

fn total_events(dir: &Path) -> i64 {
    signals(dir)
        .iter()
        .map(|s| s.events_matched.unwrap_or(0))
        .sum()
}

/// The recorded CRS lines with fresh ids, so that a test can write "new" events.
fn crs_lines(tag: &str) -> Vec<String> {
    std::fs::read_to_string(fixture("modsec-crs-apache.log"))
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let id = v["transaction"]["transaction_id"]
                .as_str()
                .unwrap()
                .to_string();
            l.replace(&id, &format!("{tag}-{i}"))
        })
        .collect()
}

#[test]
fn ingest_skips_and_names_bad_lines_and_strict_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mixed.log");
    let mut lines = crs_lines("a");
    lines.insert(2, "{this is not json".into());
    lines.insert(4, r#"{"no":"transaction"}"#.into());
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();

    let o = run(
        dir.path(),
        &[
            "ingest",
            "--format",
            "modsecurity",
            "--strict",
            log.to_str().unwrap(),
        ],
    );
    let (out, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("line 3") && err.contains("nothing was ingested"),
        "{err}"
    );
    assert!(out.is_empty());
    assert!(signals(dir.path()).is_empty(), "strict: nothing applied");

    let o = run(
        dir.path(),
        &["ingest", "--format", "modsecurity", log.to_str().unwrap()],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out.trim(),
        "6 events read, 6 attacks, 3 signals created, 0 updated, 2 lines skipped"
    );
    assert!(
        err.contains("line 3 skipped") && err.contains("line 5 skipped"),
        "{err}"
    );
}

#[test]
fn stdin_and_aws_waf_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = std::fs::read(fixture("aws-waf-examples.log")).unwrap();
    for expect in ["created, 0 updated", "0 signals created, 0 updated"] {
        let mut child = cmd(dir.path())
            .args(["ingest", "--format", "aws-waf", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let o = child.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.starts_with("4 events read, 3 attacks"), "{out}");
        assert!(out.contains(expect), "{out}");
    }
    let s = signals(dir.path());
    let sqli = s
        .iter()
        .find(|s| s.rule.id == "waf-sqli-001" && s.attacker_ips == ["1.1.1.1"])
        .unwrap();
    assert_eq!(sqli.samples[0].payload_value.as_deref(), Some("10 AND 1"));
}

#[test]
fn follow_survives_rotation_and_restart_without_counting_twice() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let first = crs_lines("one");
    std::fs::write(&log, first[..3].join("\n") + "\n").unwrap();
    let child = cmd(dir.path())
        .args([
            "ingest",
            "--format",
            "modsecurity",
            "--follow",
            "--idle-exit",
            "3",
            log.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    // The rest of the lines, the last one written in two halves.
    {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(f, "{}", first[3]).unwrap();
        let (a, b) = first[4].split_at(100);
        f.write_all(a.as_bytes()).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        writeln!(f, "{b}").unwrap();
    }
    std::thread::sleep(Duration::from_millis(800));
    // Rotate: the old file moves aside, a new one takes its name.
    std::fs::rename(&log, dir.path().join("audit.log.1")).unwrap();
    let second = crs_lines("two");
    std::fs::write(&log, second[..2].join("\n") + "\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(out.contains("7 events read, 7 attacks"), "{out}");
    // SQLi x2, LFI x2 and command injection x2 (two requests match both); XSS and the scanner
    // are below their thresholds.
    assert_eq!(total_events(dir.path()), 6, "every event counted once");

    // A restart: nothing is read twice; lines written while it was down are read.
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    writeln!(f, "{}", second[2]).unwrap();
    drop(f);
    let o = run(
        dir.path(),
        &[
            "ingest",
            "--format",
            "modsecurity",
            "--follow",
            "--idle-exit",
            "1",
            log.to_str().unwrap(),
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("1 events read, 1 attacks"), "{out}");
    assert_eq!(total_events(dir.path()), 8);
    // Rotated while down: the old file's tail is finished from where it stopped.
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    writeln!(f, "{}", second[3]).unwrap();
    drop(f);
    std::fs::rename(&log, dir.path().join("audit.log.2")).unwrap();
    std::fs::write(&log, second[4].clone() + "\n").unwrap();
    let o = run(
        dir.path(),
        &[
            "ingest",
            "--format",
            "modsecurity",
            "--follow",
            "--idle-exit",
            "1",
            log.to_str().unwrap(),
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("2 events read, 2 attacks"), "{out}");
    assert_eq!(total_events(dir.path()), 10);
    // And once more: nothing new.
    let o = run(
        dir.path(),
        &[
            "ingest",
            "--format",
            "modsecurity",
            "--follow",
            "--idle-exit",
            "1",
            log.to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("0 events read"));
}

#[test]
fn user_rules_override_defaults_and_rules_test_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("detection-rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("mine.json"),
        r#"{"id":"waf-sqli-001","name":"SQLi, my way","queries":[{"query":"@appsec.type:sql_injection","groupByFields":["@http.client_ip"]}],
            "cases":[{"condition":"a > 1","status":"critical"}],"options":{"evaluationWindow":60,"keepAlive":60,"maxSignalDuration":600}}"#,
    )
    .unwrap();
    let o = run(dir.path(), &["rules", "list"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("SQLi, my way") && out.contains("mine.json"),
        "{out}"
    );
    let o = run(
        dir.path(),
        &["rules", "show", "waf-sqli-001", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cases"][0]["status"], "critical");
    let o = run(
        dir.path(),
        &[
            "rules",
            "test",
            "waf-sqli-001",
            fixture("modsec-crs-apache.log").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signals"].as_array().unwrap().len(), 1);
    assert_eq!(v["signals"][0]["attributes"]["status"], "critical");
    assert!(signals(dir.path()).is_empty(), "rules test changes nothing");
    let o = run(dir.path(), &["rules", "show", "nope"]);
    assert_eq!(o.status.code(), Some(3));
}

/// A detection's update is written from the detector's text (read without its samples): the
/// analyst's triage is kept, and the stored signal still has its samples.
#[test]
fn an_update_keeps_the_analysts_triage_and_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.log");
    std::fs::write(&first, crs_lines("first").join("\n") + "\n").unwrap();
    let o = run(
        dir.path(),
        &["ingest", "--format", "modsecurity", first.to_str().unwrap()],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let find = |dir: &Path| {
        signals(dir)
            .into_iter()
            .find(|s| s.rule.id == "waf-sqli-001")
            .unwrap()
    };
    let before = find(dir.path());
    assert!(!before.samples.is_empty());
    let o = run(
        dir.path(),
        &["signals", "state", &before.id, "--to", "under_review"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let second = dir.path().join("b.log");
    std::fs::write(&second, crs_lines("second").join("\n") + "\n").unwrap();
    let o = run(
        dir.path(),
        &[
            "ingest",
            "--format",
            "modsecurity",
            second.to_str().unwrap(),
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success() && out.contains("updated"), "{out} {err}");
    let after = find(dir.path());
    assert_eq!(after.id, before.id);
    assert_eq!(after.triage.state.as_str(), "under_review");
    assert!(after.events_matched > before.events_matched, "{after:?}");
    assert!(after.samples.len() >= before.samples.len(), "{after:?}");
    assert!(after.samples.iter().any(|s| s.url.is_some()), "{after:?}");
}
