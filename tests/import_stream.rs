//! Streaming import end to end (issue 14): the real binary, a real SQLite file. A file is written
//! while it is read, in bounded memory, and is still all or nothing.
use sigscope::model::{AuditEvent, AuditFilter};
use sigscope::store::{SqliteStore, Storage, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sigscope"));
    // Keep the developer's own config and identity out of the tests.
    c.env_remove("SIGSCOPE_USER")
        .env_remove("SIGSCOPE_STORE")
        .env("SIGSCOPE_CONFIG", "/nonexistent/sigscope-test-config.toml");
    c
}

fn signal(id: &str, minute: u32) -> String {
    format!(
        r#"{{"id":"{id}","type":"signal","attributes":{{"timestamp":"2026-11-20T10:{minute:02}:00.000Z","status":"high","service":["checkout-api"],"tags":["env:prod"],"message":"m","version":1,"attributes":{{"title":"SQL injection {id}","workflow":{{"rule":{{"id":"r1","name":"SQL injection","type":"Application Security"}},"triage":{{"state":"open"}}}},"http":{{"client_ip":"192.0.2.10"}}}}}}}}"#
    )
}

/// `n` good records, ids `{prefix}-0`...
fn records(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| signal(&format!("{prefix}-{i}"), (i % 60) as u32))
        .collect()
}

/// A record whose id is a number: record `index` of a file is bad.
fn bad_record() -> String {
    signal("x", 1).replacen(r#""id":"x""#, r#""id":12345"#, 1)
}

/// A vendor list body, `links` and `meta` after `data` as the vendor sends them.
fn list_body(recs: &[String]) -> String {
    format!(
        r#"{{"data":[{}],"links":{{"next":"https://api.example/x?page[cursor]=abc"}},"meta":{{"page":{{"after":"abc"}}}}}}"#,
        recs.join(",\n")
    )
}

struct TestStore(PathBuf);

impl TestStore {
    fn new(dir: &Path) -> TestStore {
        let db = dir.join("s.db");
        // The schema exists before the import, as it would in real use.
        drop(SqliteStore::open(&db).unwrap());
        TestStore(db)
    }

    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }

    fn count(&self) -> u64 {
        SqliteStore::open(&self.0).unwrap().count_signals().unwrap()
    }

    /// The store's `signal.ingest` events, oldest first.
    fn ingests(&self) -> Vec<AuditEvent> {
        let s = SqliteStore::open(&self.0).unwrap();
        let mut all = s.db().audit_list(&AuditFilter::default()).unwrap();
        all.retain(|e| e.action == "signal.ingest");
        all.sort_by_key(|e| e.seq);
        all
    }

    /// Bytes in the store's files: the database, its WAL and its rollback journal (an import
    /// nobody else has open writes through the journal, straight into the database file).
    fn written_len(&self) -> u64 {
        ["", "-wal", "-journal"]
            .iter()
            .map(|ext| {
                let f = PathBuf::from(format!("{}{ext}", self.0.display()));
                std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)
            })
            .sum()
    }

    fn import(&self, extra: &[&str]) -> Command {
        let mut c = bin();
        c.args(["--store", self.arg(), "import"]).args(extra);
        c
    }
}

/// Run to the end; (exit code, stdout, stderr, peak resident memory in KiB). The peak is the
/// kernel's high-water mark of the running program (`VmHWM`, which starts afresh at `exec`, so
/// the test process's own memory, shared at `fork`, does not count), read until it exits.
fn run_measured(mut c: Command, dir: &Path) -> (Option<i32>, String, String, u64) {
    let out = dir.join("out.txt");
    let err = dir.join("err.txt");
    let mut child = c
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (
        code,
        std::fs::read_to_string(out).unwrap(),
        std::fs::read_to_string(err).unwrap(),
        peak,
    )
}

#[test]
fn a_bad_record_at_the_end_of_a_large_file_writes_nothing_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = TestStore::new(dir.path());
    let keep = dir.path().join("keep.json");
    std::fs::write(&keep, format!("[{}]", signal("keep", 1))).unwrap();
    assert!(store
        .import(&[keep.to_str().unwrap()])
        .status()
        .unwrap()
        .success());

    // Records the size of real ones (a long message), so the file dwarfs the program itself.
    let n = 60_000;
    let long = format!(r#""message":"{}""#, "x".repeat(2000));
    let mut recs: Vec<String> = records("big", n - 1)
        .into_iter()
        .map(|r| r.replacen(r#""message":"m""#, &long, 1))
        .collect();
    recs.push(bad_record());
    let big = dir.path().join("big.json");
    std::fs::write(&big, list_body(&recs)).unwrap();
    drop(recs);
    let file_kib = std::fs::metadata(&big).unwrap().len() / 1024;

    let (code, _, err, peak_kib) = run_measured(store.import(&[big.to_str().unwrap()]), dir.path());
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("record {n}")), "{err}");
    assert!(err.contains("nothing of this file was imported"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert_eq!(
        store.count(),
        1,
        "the store holds exactly what it held before"
    );
    assert_eq!(
        store.ingests().len(),
        1,
        "no audit event for the rejected file"
    );
    // Read whole, the file alone would take its size and its parsed values several times that;
    // streamed, a few chunks of records are held at once.
    eprintln!("peak memory {peak_kib} KiB for a {file_kib} KiB file");
    assert!(
        peak_kib < file_kib,
        "peak memory {peak_kib} KiB for a {file_kib} KiB file"
    );

    // --skip-invalid: everything but the bad record, and one audit event naming every signal.
    let (code, out, err, _) = run_measured(
        store.import(&["--skip-invalid", big.to_str().unwrap()]),
        dir.path(),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains(&format!("skipped record {n}")), "{err}");
    assert!(
        out.contains(&format!(
            "{} signals imported ({} new, 0 updated), 1 skipped",
            n - 1,
            n - 1
        )),
        "{out}"
    );
    assert_eq!(store.count(), u64::try_from(n).unwrap());
    let ingests = store.ingests();
    assert_eq!(ingests.len(), 2);
    let event = &ingests[1];
    assert_eq!(event.signal_ids.len(), n - 1);
    assert_eq!(event.target_id, "big-0");
    assert_eq!(event.after["inserted"], n - 1);
    let s = SqliteStore::open(&store.0).unwrap();
    let last = s.db().audit_for_signal(&format!("big-{}", n - 2)).unwrap();
    assert!(last.iter().any(|e| e.seq == event.seq), "{last:?}");
}

/// Feed `head` to an import reading stdin, wait until the store is visibly being written while
/// stdin is still open, then send `tail` and close it. True when the writing started before the
/// end of the input.
fn feed_stdin(
    store: &TestStore,
    extra: &[&str],
    head: &str,
    tail: &str,
) -> (bool, std::process::Output) {
    let start = store.written_len();
    let mut child: Child = store
        .import(extra)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(head.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut streamed = false;
    while Instant::now() < deadline {
        // Rows spill from SQLite's page cache into the files as the transaction grows.
        if store.written_len() > start + (2 << 20) {
            streamed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stdin.write_all(tail.as_bytes()).unwrap();
    drop(stdin);
    (streamed, child.wait_with_output().unwrap())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn stdin_is_written_as_it_is_read_and_a_bad_last_record_still_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = TestStore::new(dir.path());
    let n = 12_000;
    let recs = records("pipe", n);
    let head = format!("[{}", recs.join(","));
    let (streamed, out) = feed_stdin(&store, &[], &head, &format!(",{}]", bad_record()));
    assert!(streamed, "nothing was written before stdin ended");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("-: record {}", n + 1)), "{err}");
    assert_eq!(store.count(), 0);
    assert!(store.ingests().is_empty());
}

#[test]
fn every_shape_streams_and_a_second_import_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = TestStore::new(dir.path());
    let n = 12_000;
    let mut total = 0u64;
    // (shape, head sent while the import runs, tail that ends the input)
    let shapes: Vec<(&str, String, String)> = vec![
        {
            let r = records("body", n);
            let body = list_body(&r);
            // Hold back the end of `data` and everything after it.
            let cut = body.find("],\"links\"").unwrap();
            (
                "list body",
                body[..cut].to_string(),
                body[cut..].to_string(),
            )
        },
        {
            let r = records("array", n);
            ("array", format!("[{}", r.join(",")), "]".to_string())
        },
        {
            let r = records("ndjson", n);
            ("ndjson", format!("{}\n", r.join("\n")), String::new())
        },
    ];
    for (shape, head, tail) in &shapes {
        let (streamed, out) = feed_stdin(&store, &[], head, tail);
        assert!(out.status.success(), "{shape}: {}", text(&out.stderr));
        assert!(streamed, "{shape}: nothing was written before stdin ended");
        assert!(
            text(&out.stdout).contains(&format!("{n} signals imported ({n} new, 0 updated)")),
            "{shape}: {}",
            text(&out.stdout)
        );
        total += u64::try_from(n).unwrap();
        assert_eq!(store.count(), total, "{shape}");
    }

    // The same shapes from files, and a single record (bare and in `data`): a second import of a
    // file adds nothing.
    let files = [
        ("body.json", format!("{}{}", shapes[0].1, shapes[0].2)),
        ("array.json", format!("{}{}", shapes[1].1, shapes[1].2)),
        ("a.ndjson", shapes[2].1.clone()),
        ("one.json", signal("one", 1)),
        (
            "data-one.json",
            format!(r#"{{"data":{}}}"#, signal("data-one", 2)),
        ),
    ];
    for (name, body) in &files {
        let f = dir.path().join(name);
        std::fs::write(&f, body).unwrap();
        let out = store.import(&[f.to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let want = if name.contains("one") {
            "1 new"
        } else {
            "0 new"
        };
        assert!(
            text(&out.stdout).contains(want),
            "{name}: {}",
            text(&out.stdout)
        );
        let again = store.import(&[f.to_str().unwrap()]).output().unwrap();
        assert!(
            text(&again.stdout).contains("(0 new, "),
            "{name}: {}",
            text(&again.stdout)
        );
    }
    assert_eq!(store.count(), total + 2);
}

#[test]
fn a_bad_second_file_leaves_the_first_imported() {
    let dir = tempfile::tempdir().unwrap();
    let store = TestStore::new(dir.path());
    let first = dir.path().join("first.ndjson");
    std::fs::write(&first, records("first", 3).join("\n")).unwrap();
    let second = dir.path().join("second.json");
    let mut recs = records("second", 3);
    recs.push(bad_record());
    std::fs::write(&second, format!("[{}]", recs.join(","))).unwrap();
    let out = store
        .import(&[first.to_str().unwrap(), second.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("first.ndjson: 3 signals imported (3 new, 0 updated)"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("second.json: record 4"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(store.count(), 3);
    assert_eq!(store.ingests().len(), 1);
}

#[path = "pg_support/mod.rs"]
mod pg_support;

/// `signal` at `version` with `title`.
fn versioned(id: &str, version: i64, title: &str) -> String {
    signal(id, 1)
        .replacen(r#""version":1"#, &format!(r#""version":{version}"#), 1)
        .replacen(&format!("SQL injection {id}"), title, 1)
}

/// The import's rules, chunk by chunk, on one store: a repeated id within a file, a higher, an
/// equal and an older version. Returns what `signals show` prints of each signal afterwards.
fn import_rules_on(store: &str, dir: &Path) -> Vec<String> {
    let cli = |args: &[&str]| {
        let out = bin()
            .args(["--store", store, "--as", "admin@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let out = bin()
        .args([
            "--store",
            store,
            "users",
            "add",
            "admin@example.com",
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let a = dir.join("a.json");
    let recs = [
        versioned("s1", 1, "first"),
        versioned("s2", 1, "second"),
        versioned("s1", 2, "first again"),
    ];
    std::fs::write(&a, format!("[{}]", recs.join(","))).unwrap();
    let out = cli(&["import", a.to_str().unwrap()]);
    assert!(
        out.contains("3 signals imported (2 new, 1 updated)"),
        "{out}"
    );
    cli(&["signals", "state", "s1", "--to", "under_review"]);
    cli(&["signals", "state", "s2", "--to", "under_review"]);
    // s1 is at version 3 now, s2 at 2.
    let b = dir.join("b.ndjson");
    let recs = [
        versioned("s1", 3, "first, equal version"),
        versioned("s2", 1, "second, older"),
        versioned("s3", 1, "third"),
    ];
    std::fs::write(&b, recs.join("\n")).unwrap();
    let out = cli(&["import", b.to_str().unwrap()]);
    assert!(
        out.contains(
            "3 signals imported (1 new, 1 updated, 1 older than the stored version left as they were)"
        ),
        "{out}"
    );
    let shown: Vec<String> = ["s1", "s2", "s3"]
        .iter()
        .map(|id| cli(&["signals", "show", id, "--format", "json"]))
        .collect();
    let s1: serde_json::Value = serde_json::from_str(&shown[0]).unwrap();
    assert_eq!(s1["data"]["attributes"]["version"], 3, "{s1}");
    assert!(shown[0].contains("first, equal version"), "{}", shown[0]);
    assert!(
        shown[0].contains("under_review"),
        "the triage stays: {}",
        shown[0]
    );
    assert!(shown[1].contains("\"second\"") && shown[1].contains("under_review"));
    let timeline = cli(&["signals", "timeline", "s1", "--format", "json"]);
    assert_eq!(timeline.matches("signal.ingest").count(), 2, "{timeline}");
    shown
}

#[test]
fn import_rules_hold_chunk_by_chunk_on_sqlite_and_postgresql_alike() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("s.db");
    let lite = import_rules_on(sqlite.to_str().unwrap(), dir.path());
    let pg = import_rules_on(&pg_support::fresh_db(), dir.path());
    assert_eq!(lite, pg, "the same JSON on both backends");
}
