//! The import command end to end: the real binary, a real SQLite file in a temp dir.
use sigscope::store::{SqliteStore, Store};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sigscope"));
    // Keep the developer's own config and identity out of the tests.
    c.env_remove("SIGSCOPE_USER")
        .env_remove("SIGSCOPE_STORE")
        .env("SIGSCOPE_CONFIG", "/nonexistent/sigscope-test-config.toml");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run sigscope")
}

fn signal(id: &str, minute: u32) -> String {
    format!(
        r#"{{"id":"{id}","type":"signal","attributes":{{"timestamp":"2026-11-20T10:{minute:02}:00.000Z","status":"high","service":["checkout-api"],"tags":["env:prod"],"message":"m","version":1,"attributes":{{"title":"SQL injection {id}","workflow":{{"rule":{{"id":"r1","name":"SQL injection","type":"Application Security"}},"triage":{{"state":"open"}}}},"http":{{"client_ip":"192.0.2.10"}}}}}}}}"#
    )
}

fn count(store: &Path) -> u64 {
    let s = SqliteStore::open(store).unwrap_or_else(|e| panic!("open {}: {e}", store.display()));
    s.count_signals().unwrap_or_else(|e| panic!("count: {e}"))
}

#[test]
fn vendor_sample_round_trips_unknown_keys_included() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/get_signal_200.body.json"
    );
    let out = run(&["--store", db.to_str().unwrap(), "import", sample]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
    let id = original["data"]["id"].as_str().unwrap();
    let out = run(&[
        "--store",
        db.to_str().unwrap(),
        "signals",
        "show",
        id,
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown, original);
    // Key order too: the re-exported text is the same document.
    assert_eq!(
        serde_json::to_string(&shown).unwrap(),
        serde_json::to_string(&original).unwrap()
    );
}

#[test]
fn a_bad_third_record_rejects_the_whole_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let good = dir.path().join("good.json");
    std::fs::write(&good, format!("[{}]", signal("keep", 1))).unwrap();
    assert!(run(&[
        "--store",
        db.to_str().unwrap(),
        "import",
        good.to_str().unwrap()
    ])
    .status
    .success());
    let before = std::fs::read(&db).ok();

    let bad = dir.path().join("bad.json");
    let third = signal("x", 3).replacen(r#""id":"x""#, r#""id":12345"#, 1);
    std::fs::write(
        &bad,
        format!(
            r#"{{"data":[{},{},{},{}]}}"#,
            signal("a", 1),
            signal("b", 2),
            third,
            signal("d", 4)
        ),
    )
    .unwrap();
    let out = run(&[
        "--store",
        db.to_str().unwrap(),
        "import",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("record 3"), "{err}");
    assert!(
        err.contains("`id`") && err.contains("expected a string"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert_eq!(count(&db), 1, "the store holds exactly what it held before");
    let ids = run(&[
        "--store",
        db.to_str().unwrap(),
        "signals",
        "list",
        "--format",
        "ids",
    ]);
    assert_eq!(String::from_utf8_lossy(&ids.stdout).trim(), "keep");
    let _ = before;

    // --skip-invalid imports the rest and lists the skipped record.
    let out = run(&[
        "--store",
        db.to_str().unwrap(),
        "import",
        "--skip-invalid",
        bad.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped record 3"));
    assert_eq!(count(&db), 4);
}

#[test]
fn all_shapes_and_stdin_upsert_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let nd = dir.path().join("a.ndjson");
    std::fs::write(&nd, format!("{}\n{}\n", signal("a", 1), signal("b", 2))).unwrap();
    let single = dir.path().join("one.json");
    std::fs::write(&single, format!(r#"{{"data":{}}}"#, signal("c", 3))).unwrap();
    let out = run(&[
        "--store",
        db.to_str().unwrap(),
        "import",
        nd.to_str().unwrap(),
        single.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&db), 3);

    // The same id again from stdin (bare array) updates in place.
    let mut child = bin()
        .args(["--store", db.to_str().unwrap(), "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let updated = signal("a", 1).replace(r#""status":"high""#, r#""status":"critical""#);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("[{updated}]").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 new, 1 updated"));
    assert_eq!(count(&db), 3);
    let s = SqliteStore::open(&db)
        .unwrap()
        .get_signal("a")
        .unwrap()
        .unwrap();
    assert_eq!(s.severity, sigscope::model::Severity::Critical);
}

#[test]
fn list_sorts_limits_and_filters_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let f = dir.path().join("a.json");
    let all: Vec<String> = (0..5).map(|i| signal(&format!("s{i}"), i * 10)).collect();
    std::fs::write(&f, format!("[{}]", all.join(","))).unwrap();
    assert!(run(&[
        "--store",
        db.to_str().unwrap(),
        "import",
        f.to_str().unwrap()
    ])
    .status
    .success());
    let ids = |extra: &[&str]| {
        let mut args = vec![
            "--store",
            db.to_str().unwrap(),
            "signals",
            "list",
            "--format",
            "ids",
        ];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&[]), ["s4", "s3", "s2", "s1", "s0"]);
    assert_eq!(ids(&["--sort", "timestamp", "--limit", "2"]), ["s0", "s1"]);
    assert_eq!(
        ids(&[
            "--from",
            "2026-11-20T10:15:00Z",
            "--to",
            "2026-11-20T10:35:00Z"
        ]),
        ["s3", "s2"]
    );
    let out = run(&[
        "--store",
        db.to_str().unwrap(),
        "signals",
        "list",
        "--format",
        "json",
        "--limit",
        "1",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["id"], "s4");
    let out = run(&["--store", db.to_str().unwrap(), "signals", "show", "nope"]);
    assert_eq!(out.status.code(), Some(3));
    let out = run(&[
        "--store",
        db.to_str().unwrap(),
        "signals",
        "list",
        "--from",
        "yesterday",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn killing_a_large_import_leaves_none_or_all_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let f = dir.path().join("big.ndjson");
    let n = 150_000u32;
    let mut text = String::with_capacity(n as usize * 400);
    for i in 0..n {
        text.push_str(&signal(&format!("big-{i}"), i % 60));
        text.push('\n');
    }
    std::fs::write(&f, text).unwrap();
    // The store exists (schema made) before the import starts, as it would in real use.
    drop(SqliteStore::open(&db).unwrap());
    let wal = dir.path().join("s.db-wal");
    let mut child = bin()
        .args([
            "--store",
            db.to_str().unwrap(),
            "import",
            f.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once the transaction is visibly writing: the WAL has grown past a few megabytes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut killed_mid_write = false;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if std::fs::metadata(&wal)
            .map(|m| m.len() > 4 << 20)
            .unwrap_or(false)
        {
            child.kill().unwrap();
            killed_mid_write = true;
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "import neither wrote nor finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.wait();
    let c = count(&db);
    assert!(
        c == 0 || c == u64::from(n),
        "a killed import left {c} of {n} signals"
    );
    if killed_mid_write {
        eprintln!("killed mid-write; store holds {c}");
    }
    // And the store is usable afterwards: the same import completes.
    let out = run(&[
        "--store",
        db.to_str().unwrap(),
        "import",
        f.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(count(&db), u64::from(n));
}

#[test]
fn a_closed_pipe_ends_the_listing_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let f = dir.path().join("a.json");
    let all: Vec<String> = (0..2000)
        .map(|i| signal(&format!("p{i}"), i % 60))
        .collect();
    std::fs::write(&f, format!("[{}]", all.join(","))).unwrap();
    assert!(run(&[
        "--store",
        db.to_str().unwrap(),
        "import",
        f.to_str().unwrap()
    ])
    .status
    .success());
    let mut child = bin()
        .args([
            "--store",
            db.to_str().unwrap(),
            "signals",
            "list",
            "--limit",
            "0",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then hang up, as `| head` does.
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 64];
    use std::io::Read;
    out.read_exact(&mut buf).unwrap();
    drop(out);
    let res = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
