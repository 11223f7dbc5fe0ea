//! The team server keeps its live index's snapshot (`<store>.index`) recent: saved again as
//! changes accumulate, and once more when it stops, so a restart or a one-shot CLI query beside it
//! catches up from there. SQLite only: a PostgreSQL store has no snapshot file.
mod common;
use common::{authed, http, TestServer};
use serde_json::json;
use sigscope::engine::KeepEvery;
use sigscope::query::SignalIndex;
use sigscope::server::ServeOptions;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The watermark (row, seq, updates) the snapshot records, if there is one to read.
fn saved_mark(path: &Path) -> Option<(i64, i64, i64)> {
    SignalIndex::load_snapshot(path)
        .ok()
        .map(|(_, meta)| meta.watermark)
}

fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

async fn review(s: &TestServer, id: &str, state: &str) {
    let url = s.url(&format!("/api/v2/security_monitoring/signals/{id}/update"));
    let r = authed(http().patch(&url), &s.analyst)
        .json(&json!({"data": {"type": "signal_metadata", "attributes": {"state": state}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_saves_its_index_as_changes_accumulate_and_when_it_stops() {
    let opts = ServeOptions {
        index_save: KeepEvery {
            changes: 5,
            interval: Duration::from_millis(100),
        },
        ..ServeOptions::default()
    };
    let mut s = TestServer::start_with(20, opts).await;
    let path = PathBuf::from(format!("{}.index", s.store_path.display()));
    assert!(
        wait_for(Duration::from_secs(10), || saved_mark(&path).is_some()),
        "the first build is saved"
    );
    let first = saved_mark(&path).unwrap();

    // Enough changes for a save while running.
    for i in 0..6 {
        review(&s, &format!("sig-{i:04}"), "under_review").await;
    }
    assert!(
        wait_for(Duration::from_secs(10), || saved_mark(&path)
            .is_some_and(|m| m.1 > first.1)),
        "saved again while running: {first:?} -> {:?}",
        saved_mark(&path)
    );

    // Fewer than make a save due, then a stop: saved on the way out, up to the store's head.
    review(&s, "sig-0010", "under_review").await;
    s.stop().await;
    let head = s.store().db().watermark().unwrap();
    assert!(
        wait_for(Duration::from_secs(10), || saved_mark(&path)
            == Some((head.row, head.seq, head.updates))),
        "saved at the stop: {:?}, the store {head:?}",
        saved_mark(&path)
    );
}
