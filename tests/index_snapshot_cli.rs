//! The index snapshot next to a store (`s.db.index`): written by the first indexed CLI query,
//! caught up from the change log when the store moves on, and rebuilt, never trusted, when it is
//! corrupt, foreign or ahead of a replaced store. Answers always equal a brute-force evaluation.
use sigscope::demo::DemoOptions;
use sigscope::query::parse;
use sigscope::store::{SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const Q: &str = "@workflow.triage.state:open status:(high OR critical)";

fn run(db: &Path, args: &[&str]) -> Output {
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

fn demo_store(dir: &Path, name: &str, seed: u64, n: usize) -> PathBuf {
    let db = dir.join(name);
    let opts = DemoOptions {
        signals: n,
        seed,
        days: 7,
        now: chrono::Utc::now(),
    };
    sigscope::demo::populate_at(&db, &opts).unwrap();
    db
}

fn snapshot_of(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.index", db.display()))
}

/// `signals list -q Q` as ids, newest first.
fn listed(db: &Path, q: &str) -> Vec<String> {
    let out = run(
        db,
        &[
            "signals", "list", "-q", q, "--limit", "0", "--format", "ids",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// What the query should answer, from every stored signal, in `(timestamp, id)` order newest first.
fn brute_force(db: &Path, q: &str) -> Vec<String> {
    let query = parse(q).unwrap();
    let store = SqliteStore::open(db).unwrap();
    let mut hits = Vec::new();
    store
        .for_each_signal(&mut |s| {
            if query.matches(&s) {
                hits.push((s.timestamp, s.id.clone()));
            }
            Ok(())
        })
        .unwrap();
    hits.sort();
    hits.reverse();
    hits.into_iter().map(|(_, id)| id).collect()
}

fn agree(db: &Path, when: &str) {
    for q in [
        Q,
        "-@workflow.triage.state:archived",
        "@workflow.rule.name:*injection*",
    ] {
        let want = brute_force(db, q);
        assert!(!want.is_empty(), "{when}: {q} matches nothing");
        assert_eq!(listed(db, q), want, "{when}: {q}");
    }
}

#[test]
fn the_first_query_writes_a_snapshot_and_later_ones_follow_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path(), "s.db", 3, 600);
    assert!(!snapshot_of(&db).exists());
    agree(&db, "first query");
    let snap = snapshot_of(&db);
    assert!(snap.exists(), "no snapshot next to the store");
    let written = std::fs::read(&snap).unwrap();

    // A triage move through the CLI: the next query sees it, from the snapshot caught up.
    let id = listed(&db, Q)[0].clone();
    let out = run(
        &db,
        &[
            "--as",
            "admin@sigscope.test",
            "signals",
            "state",
            &id,
            "--to",
            "archived",
            "--reason",
            "false_positive",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!listed(&db, Q).contains(&id));
    assert!(listed(&db, "@workflow.triage.state:archived").contains(&id));
    agree(&db, "after a triage move");
    // Caught up, not rebuilt: the file is the one the first query wrote.
    assert_eq!(std::fs::read(&snap).unwrap(), written);
}

#[test]
fn a_corrupt_snapshot_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path(), "s.db", 4, 600);
    agree(&db, "first query");
    let snap = snapshot_of(&db);
    let good = std::fs::read(&snap).unwrap();
    // Flip bits in the middle of the body, and truncate a copy.
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x5a;
    bad[mid + 1] ^= 0xff;
    for broken in [
        bad,
        good[..good.len() / 3].to_vec(),
        b"not an index".to_vec(),
    ] {
        std::fs::write(&snap, &broken).unwrap();
        agree(&db, "corrupt snapshot");
        let now = std::fs::read(&snap).unwrap();
        assert_ne!(now, broken, "the corrupt snapshot was kept");
        assert_eq!(
            now.len(),
            good.len(),
            "the rebuilt snapshot differs in size"
        );
    }
}

#[test]
fn a_foreign_or_stale_snapshot_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_store(dir.path(), "a.db", 5, 500);
    let b = demo_store(dir.path(), "b.db", 6, 300);
    agree(&a, "store a");
    // Store a's snapshot put next to store b.
    std::fs::copy(snapshot_of(&a), snapshot_of(&b)).unwrap();
    agree(&b, "a foreign snapshot");

    // Store a replaced by a smaller one: its old snapshot is ahead of the new change log.
    let kept = std::fs::read(snapshot_of(&a)).unwrap();
    std::fs::remove_file(&a).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", a.display()));
    let _ = std::fs::remove_file(format!("{}-shm", a.display()));
    let a = demo_store(dir.path(), "a.db", 7, 200);
    std::fs::write(snapshot_of(&a), &kept).unwrap();
    agree(&a, "a replaced store");
    assert_ne!(std::fs::read(snapshot_of(&a)).unwrap(), kept);
}

#[test]
fn facets_come_from_the_snapshot_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path(), "s.db", 8, 400);
    let facets = |db: &Path| {
        let out = run(db, &["signals", "facets", "-q", Q, "--format", "json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let built = facets(&db);
    assert!(snapshot_of(&db).exists());
    let loaded = facets(&db);
    assert_eq!(built, loaded);
    assert_eq!(built["total"], brute_force(&db, Q).len());
}
