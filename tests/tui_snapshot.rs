//! The explorer's index and the snapshot next to its store: a full load from the store leaves a
//! snapshot, and the next explorer starts from it (not rewriting it), caught up with a change made
//! in between, answering exactly as the first one does.
use sigscope::demo::{self, DemoOptions};
use sigscope::query::parse;
use sigscope::store::{SqliteStore, Store};
use sigscope::tui::backend::{Backend, SearchRequest};
use sigscope::tui::LocalBackend;
use std::path::Path;
use std::time::{Duration, Instant};

fn all(q: &str) -> SearchRequest {
    SearchRequest {
        query: q.into(),
        from: None,
        to: None,
    }
}

/// The ids a query shows once the explorer has read everything.
fn loaded_ids(b: &LocalBackend, q: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = b.search(&all(q)).unwrap();
        if r.loading.is_none() {
            return (0..r.rows.len())
                .map(|i| r.rows.row(i).unwrap().id.to_string())
                .collect();
        }
        assert!(Instant::now() < deadline, "never finished loading");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn brute_force(path: &Path, q: &str) -> Vec<String> {
    let query = parse(q).unwrap();
    let mut ids = Vec::new();
    SqliteStore::open(path)
        .unwrap()
        .for_each_signal(&mut |s| {
            if query.matches(&s) {
                ids.push(s.id.clone());
            }
            Ok(())
        })
        .unwrap();
    ids.sort();
    ids
}

fn wait_for(p: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !p.exists() {
        assert!(Instant::now() < deadline, "no snapshot at {}", p.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_explorer_starts_from_the_first_ones_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signals.db");
    let opts = DemoOptions {
        signals: 2600,
        seed: 9,
        days: 7,
        now: chrono::Utc::now(),
    };
    demo::populate_at(&path, &opts).unwrap();
    let snap = dir.path().join("signals.db.index");
    const Q: &str = "@workflow.triage.state:open";

    let first = LocalBackend::open(&path, Some("admin@sigscope.test")).unwrap();
    let mut before = loaded_ids(&first, Q);
    wait_for(&snap);
    before.sort();
    assert_eq!(before, brute_force(&path, Q));
    let written = std::fs::read(&snap).unwrap();
    drop(first);

    // A change by someone else while no explorer runs.
    let id = before[0].clone();
    let mut engine = sigscope::engine::Engine::open(&path).unwrap();
    let admin = engine.resolve_actor(Some("admin@sigscope.test")).unwrap();
    engine
        .execute(
            &admin,
            sigscope::engine::Command::SetState {
                signals: vec![sigscope::engine::SignalRef {
                    id: id.clone(),
                    version: None,
                }],
                to: sigscope::model::TriageState::UnderReview,
                reason: None,
                comment: None,
            },
        )
        .unwrap();
    drop(engine);

    let second = LocalBackend::open(&path, Some("admin@sigscope.test")).unwrap();
    let mut after = loaded_ids(&second, Q);
    after.sort();
    assert!(
        !after.contains(&id),
        "the change made in between is missing"
    );
    assert_eq!(after, brute_force(&path, Q));
    // Started from the snapshot: it was not rebuilt and written again.
    assert_eq!(std::fs::read(&snap).unwrap(), written);
}
