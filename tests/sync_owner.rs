//! Issue 17, items 3 and 4: two users on one machine over loopback each get their own cache and
//! outbox (offline changes are replayed, and audited, as the analyst who made them); the status
//! stays `offline since T` (T fixed) while the server is down and turns `synced` within about a
//! second of its return; `sigscope sync` exits non-zero while the remote is down.
mod common;

use common::{Keys, TestServer};
use sigscope::config::Config;
use sigscope::model::{ArchiveReason, TriageState};
use sigscope::remote::{self, Remote, RemoteOptions, SyncState};
use std::path::Path;
use std::time::{Duration, Instant};

/// A config naming the remote and one user's keys, private as the resolver insists.
fn setup_for(dir: &Path, name: &str, url: &str, k: &Keys) -> remote::RemoteSetup {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "[remote]\nurl = \"{url}\"\napi_key = \"{}\"\napp_key = \"{}\"\nwindow_days = 3650\n",
            k.api, k.app
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let cfg = Config::load(&path).unwrap();
    remote::resolve(None, None, &cfg, &path).unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_on_one_machine_replay_only_their_own_offline_changes() {
    if std::env::var("DD_API_KEY").is_ok() {
        println!("SKIPPED: DD_API_KEY in the environment overrides the configs' keys");
        return;
    }
    let mut s = TestServer::start(5).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{}", s.addr);
    let ana = setup_for(dir.path(), "ana", &url, &s.analyst);
    let admin = setup_for(dir.path(), "admin", &url, &s.admin);
    assert_ne!(
        ana.cache, admin.cache,
        "same remote and data folder, different users: different caches"
    );

    let a = ana.open().unwrap();
    let b = admin.open().unwrap();
    a.sync_once().await.unwrap();
    b.sync_once().await.unwrap();
    s.kill().await;
    a.set_state(
        "sig-0001",
        TriageState::Archived,
        Some(ArchiveReason::FalsePositive),
        None,
    )
    .unwrap();
    // Admin's explorer is the one running when the server comes back.
    let tb = b.spawn();
    s.restart(Default::default()).await;
    let mut st = b.status();
    tokio::time::timeout(
        Duration::from_secs(10),
        st.wait_for(|x| x.state == SyncState::Synced),
    )
    .await
    .unwrap()
    .unwrap();
    tb.abort();
    assert_eq!(s.changes_by("admin@example.com"), 0, "nothing as admin");
    assert_eq!(s.changes_by("ana@example.com"), 0, "waits for ana");
    a.flush().await.unwrap();
    assert_eq!(s.changes_by("ana@example.com"), 1, "replayed as ana");

    // Even a cache shared on purpose is not replayed under another key while it holds changes.
    s.kill().await;
    a.set_state("sig-0002", TriageState::UnderReview, None, None)
        .unwrap();
    drop(a);
    let err = Remote::open(
        &ana.cache,
        admin.endpoint.clone(),
        admin.credentials.clone(),
        RemoteOptions::default(),
    )
    .err()
    .expect("another key may not take over waiting changes");
    assert!(err.to_string().contains("another user's key"), "{err}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_since_holds_while_down_and_reconnects_quickly() {
    let mut s = TestServer::start(3).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{}", s.addr);
    let setup = setup_for(dir.path(), "ana", &url, &s.analyst);
    // The defaults: the pace the explorer really uses.
    let r = setup.open().unwrap();
    let task = r.spawn();
    let mut st = r.status();
    tokio::time::timeout(
        Duration::from_secs(10),
        st.wait_for(|x| x.state == SyncState::Synced),
    )
    .await
    .unwrap()
    .unwrap();
    s.kill().await;
    let since = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let SyncState::Offline { since } = st.borrow_and_update().state {
                return since;
            }
            st.changed().await.unwrap();
        }
    })
    .await
    .expect("offline noticed");
    // A change made offline waits; retrying it is no news (it used to flip the state to
    // `syncing` at every probe, restarting `since`).
    r.set_state("sig-0001", TriageState::UnderReview, None, None)
        .unwrap();
    // Three seconds of retries: never `synced` nor `syncing`, and `since` never moves.
    let end = Instant::now() + Duration::from_secs(3);
    while Instant::now() < end {
        let now = st.borrow().state.clone();
        assert_eq!(
            now,
            SyncState::Offline { since },
            "while the server is down"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let back = Instant::now();
    s.restart(Default::default()).await;
    tokio::time::timeout(
        Duration::from_secs(10),
        st.wait_for(|x| x.state == SyncState::Synced),
    )
    .await
    .expect("synced again")
    .unwrap();
    r.flush().await.unwrap();
    assert_eq!(
        s.changes_by("ana@example.com"),
        1,
        "the waiting change went out"
    );
    // Timing belongs in benches: a generous bound here, the measured time printed.
    println!("reconnected {:?} after the server's return", back.elapsed());
    task.abort();
    s.stop().await;
}

/// `sigscope --remote <nothing listening> sync EXTRA…`, in a fresh home.
fn sync_with_the_remote_down(extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::process::Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("DD_API_KEY", "k1")
        .env("DD_APP_KEY", "k2")
        .args([
            "--config",
            &dir.path().join("config.toml").display().to_string(),
            "--remote",
            &format!("http://127.0.0.1:{port}"),
            "sync",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn sync_exits_non_zero_while_the_remote_is_down() {
    let out = sync_with_the_remote_down(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit {:?}: {err}", out.status);
    assert!(err.contains("sync with http://127.0.0.1"), "{err}");
}

/// `sync --format json`: the state, what is waiting and the problems, as one JSON document a
/// script can read (here offline: the document comes first, then the non-zero exit).
#[test]
fn sync_reports_in_json_for_scripts() {
    let out = sync_with_the_remote_down(&["--format", "json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(v["state"], "offline", "{v}");
    assert_eq!(v["pending"], 0, "{v}");
    assert!(v["problems"].as_array().is_some_and(Vec::is_empty), "{v}");
}
