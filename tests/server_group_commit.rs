//! The server's one writer commits the changes that queue up while it is busy together (group
//! commit). Concurrent clients over loopback: every change answered 200 is stored exactly once with
//! the version it was answered with, every change refused (a stale version: 409) left nothing, and
//! `/metrics` shows the changes grouped into fewer transactions.
mod common;

use common::{authed, http, Keys, TestServer};
use serde_json::{json, Value};

const CLIENTS: usize = 16;
const SIGNALS_EACH: usize = 3;
const ROUNDS: usize = 6;
// Between these two any move is allowed whatever the signal's age (reopening an old archived
// signal is not).
const STATES: [&str; 2] = ["under_review", "open"];

async fn metrics(s: &TestServer) -> String {
    http()
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
}

/// One client's work on its own signals: each round moves every signal on with the version it was
/// last answered, then sends the same move again with that now-stale version (which must be a
/// 409). Returns (changes answered 200, changes answered 409) per signal.
async fn client(s: &TestServer, k: &Keys, ids: Vec<String>) -> Vec<(String, i64, usize, usize)> {
    let c = http();
    let mut out = Vec::new();
    for id in ids {
        let (mut version, mut ok, mut refused) = (1i64, 0usize, 0usize);
        for round in 0..ROUNDS {
            let state = STATES[round % 2];
            let body = |v: i64| {
                json!({"data": {"type": "signal_metadata", "attributes": {
                    "state": state, "version": v}}})
            };
            let url = s.url(&format!("/api/v2/security_monitoring/signals/{id}/state"));
            let r = authed(c.patch(&url), k)
                .json(&body(version))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{id} round {round}");
            let a: Value = r.json().await.unwrap();
            let answered = a["data"]["attributes"]["version"].as_i64().unwrap();
            assert_eq!(
                answered,
                version + 1,
                "{id}: the answer carries the new version"
            );
            assert_eq!(a["data"]["attributes"]["state"], state);
            let stale = version;
            version = answered;
            ok += 1;
            let r = authed(c.patch(&url), k)
                .json(&body(stale))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                409,
                "{id} round {round}: a stale version is refused"
            );
            refused += 1;
        }
        out.push((id, version, ok, refused));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_are_committed_in_groups_each_kept_or_refused_alone() {
    let s = TestServer::start(CLIENTS * SIGNALS_EACH).await;
    let before = metrics(&s).await;
    let (tx0, ch0) = (
        metric(&before, "sigscope_write_transactions_total"),
        metric(&before, "sigscope_write_changes_total"),
    );

    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let s = &s;
                scope.spawn(move || {
                    let ids = (0..SIGNALS_EACH)
                        .map(|j| format!("sig-{:04}", i * SIGNALS_EACH + j))
                        .collect();
                    let k = if i % 2 == 0 { &s.analyst } else { &s.analyst2 };
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap()
                        .block_on(client(s, k, ids))
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });

    let after = metrics(&s).await;
    let txs = metric(&after, "sigscope_write_transactions_total") - tx0;
    let changes = metric(&after, "sigscope_write_changes_total") - ch0;
    let requests = (CLIENTS * SIGNALS_EACH * ROUNDS * 2) as u64;
    assert_eq!(changes, requests, "every write request ran in the writer");
    assert!(
        txs < changes,
        "{changes} changes from {CLIENTS} concurrent clients took {txs} transactions: none grouped"
    );

    // What the store holds: each signal at the version last answered, in the state of the last
    // round, with one audit event per change answered 200 and none for a 409.
    let store = s.store();
    let db = store.db();
    let mut answered = 0;
    for (id, version, ok, refused) in &results {
        let sig = db.get_signal(id).unwrap().unwrap();
        assert_eq!(sig.version, *version, "{id}");
        assert_eq!(sig.triage.state.as_str(), STATES[(ROUNDS - 1) % 2], "{id}");
        assert_eq!((*ok, *refused), (ROUNDS, ROUNDS));
        let trail = db.audit_for_signal(id).unwrap();
        let moves = trail.iter().filter(|e| e.action == "signal.state").count();
        assert_eq!(moves, *ok, "{id}: one audit event per change answered 200");
        answered += ok;
    }
    let by_actors = s.changes_by("ana@example.com") + s.changes_by("bob@example.com");
    assert_eq!(by_actors, answered as i64);
}
