//! `signals list -q` and `signals facets` end to end: the real binary on a demo store.
use sigscope::demo::DemoOptions;
use sigscope::model::Signal;
use sigscope::query::parse;
use sigscope::store::{SqliteStore, Store};
use std::process::{Command, Output};

fn run(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .env_remove("SIGSCOPE_USER")
        .env_remove("SIGSCOPE_STORE")
        .env("SIGSCOPE_CONFIG", "/nonexistent/sigscope-test-config.toml")
        .arg("--store")
        .arg(db)
        .args(args)
        .output()
        .expect("run sigscope")
}

fn demo_store(dir: &tempfile::TempDir) -> (String, Vec<Signal>) {
    let db = dir.path().join("s.db");
    let opts = DemoOptions {
        signals: 400,
        seed: 3,
        days: 7,
        now: chrono::Utc::now(),
    };
    sigscope::demo::populate_at(&db, &opts).unwrap();
    let store = SqliteStore::open(&db).unwrap();
    let mut all = Vec::new();
    store
        .for_each_signal(&mut |s| {
            all.push(s);
            Ok(())
        })
        .unwrap();
    (db.to_str().unwrap().to_string(), all)
}

#[test]
fn list_with_a_query_prints_exactly_the_matching_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (db, all) = demo_store(&dir);
    let q = "@workflow.triage.state:open status:(high OR critical)";
    let out = run(
        &db,
        &[
            "signals", "list", "-q", q, "--limit", "0", "--format", "ids",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let query = parse(q).unwrap();
    let want: Vec<String> = all
        .iter()
        .filter(|s| query.matches(s))
        .map(|s| s.id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);

    let out = run(
        &db,
        &[
            "signals",
            "list",
            "-q",
            q,
            "--limit",
            "3",
            "--sort",
            "timestamp",
            "--format",
            "ids",
        ],
    );
    let oldest: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut rev = want.clone();
    rev.reverse();
    assert_eq!(oldest, rev[..3].to_vec());
}

/// Issue 17, item 9: the CLI (and the server, on the same query code) finds a signal by its id,
/// as a free-text term or as `id:ID`.
#[test]
fn list_finds_a_signal_by_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let (db, all) = demo_store(&dir);
    let id = all[17].id.clone();
    for q in [id.clone(), format!("id:{id}"), format!("\"{id}\"")] {
        let out = run(
            &db,
            &[
                "signals", "list", "-q", &q, "--limit", "0", "--format", "ids",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(got, vec![id.clone()], "query {q}");
    }
}

#[test]
fn a_bad_query_is_a_usage_error_with_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = demo_store(&dir);
    let out = run(&db, &["signals", "list", "-q", "(service:x OR y"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected ')' at column 16"), "{err}");
    let out = run(&db, &["signals", "facets", "--from", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn facets_json_counts_match_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let (db, all) = demo_store(&dir);
    let out = run(
        &db,
        &[
            "signals",
            "facets",
            "-q",
            "-@workflow.triage.state:archived",
            "--top",
            "3",
            "--format",
            "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = all
        .iter()
        .filter(|s| s.triage.state.as_str() != "archived")
        .count();
    assert_eq!(v["total"], want);
    let state = &v["facets"][0];
    assert_eq!(state["key"], "@workflow.triage.state");
    assert!(state["values"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["value"] != "archived"));
    let sev: u64 = v["facets"][1]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["count"].as_u64().unwrap())
        .sum();
    // Top 3 of 5 severities: no more than the total.
    assert!(sev <= want as u64 && sev > 0);

    let out = run(&db, &["signals", "facets", "-q", "status:critical"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Severity (status; 1 value)"), "{text}");
}

/// A wildcard inside quotes is literal (api.md), which surprises people: the command says so and
/// shows the form that matches, and that form does match.
#[test]
fn a_quoted_wildcard_gets_a_note_with_the_form_that_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (db, all) = demo_store(&dir);
    let quoted = r#"@workflow.rule.name:"Credential stuffing*""#;
    let out = run(&db, &["signals", "list", "-q", quoted, "--format", "ids"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "a literal `*` matches no rule name");
    let err = String::from_utf8_lossy(&out.stderr);
    let suggested = r"@workflow.rule.name:Credential\ stuffing*";
    assert!(err.contains("note: ") && err.contains(suggested), "{err}");

    let out = run(
        &db,
        &[
            "signals", "list", "-q", suggested, "--limit", "0", "--format", "ids",
        ],
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap().lines().count();
    let want = all
        .iter()
        .filter(|s| s.rule.name.starts_with("Credential stuffing"))
        .count();
    assert!(want > 0, "the demo has credential stuffing signals");
    assert_eq!(got, want);
}
