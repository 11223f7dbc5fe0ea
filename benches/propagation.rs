//! Change-feed propagation (not a test): two analysts' remote caches on one `sigscope serve` over
//! loopback; A moves a signal between Open and Under Review, and the time until B's cache shows it
//! is measured.
//! Prints p50/p99/max and exits non-zero when p99 is over the budget (2 s by default: what the
//! explorer promises, "each seeing the others' triage within seconds").
//!
//! `cargo bench --bench propagation -- --rounds 40 --budget-ms 2000`
#[path = "../tests/common/mod.rs"]
mod common;

use common::{Keys, TestServer};
use sigscope::model::TriageState;
use sigscope::remote::{Credentials, Endpoint, Remote, RemoteOptions, SyncState};
use std::time::{Duration, Instant};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn client(s: &TestServer, k: &Keys, cache: &std::path::Path) -> Remote {
    let opts = RemoteOptions {
        window: chrono::Duration::days(3650),
        long_poll: Duration::from_secs(5),
        max_backoff: Duration::from_millis(200),
        ..RemoteOptions::default()
    };
    let endpoint = Endpoint::sigscope(&format!("http://{}", s.addr)).expect("endpoint");
    let creds = Credentials {
        api_key: k.api.clone(),
        app_key: k.app.clone(),
    };
    Remote::open(cache, endpoint, creds, opts).expect("remote")
}

fn state_of(r: &Remote, id: &str) -> Option<TriageState> {
    r.get_signal(id).ok().flatten().map(|s| s.triage.state)
}

fn main() {
    let rounds = arg("--rounds", 40);
    let budget = Duration::from_millis(arg("--budget-ms", 2000));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let code = rt.block_on(async {
        let mut s = TestServer::start(20).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let a = client(&s, &s.analyst, &dir.path().join("a.db"));
        let b = client(&s, &s.analyst2, &dir.path().join("b.db"));
        a.sync_once().await.expect("first sync");
        b.sync_once().await.expect("first sync");
        let (ta, tb) = (a.spawn(), b.spawn());
        let mut st = b.status();
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            st.wait_for(|x| x.state == SyncState::Synced),
        )
        .await;
        let mut took = Vec::new();
        for i in 0..rounds {
            let id = "sig-0003";
            // Open <-> Under Review: always allowed (reopening an archive has a 30-day window).
            let to = if i % 2 == 0 {
                TriageState::UnderReview
            } else {
                TriageState::Open
            };
            let t = Instant::now();
            a.set_state(id, to, None, None).expect("set_state");
            while state_of(&b, id) != Some(to) && t.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            took.push(t.elapsed());
        }
        ta.abort();
        tb.abort();
        s.stop().await;
        took.sort();
        let pct = |p: usize| took[(took.len() * p / 100).min(took.len() - 1)];
        let (p50, p99, max) = (pct(50), pct(99), took[took.len() - 1]);
        println!(
            "propagation A -> B over {rounds} changes: p50 {p50:?}, p99 {p99:?}, max {max:?} (budget {budget:?})"
        );
        i32::from(p99 > budget)
    });
    std::process::exit(code);
}
