//! Explorers on a real `sigscope serve` over loopback: the runtime they sync on and a
//! `RemoteBackend` with its own cache, shared by the remote explorer tests.
#![allow(dead_code)]
use crate::common::{Keys, TestServer};
use sigscope::remote::{Credentials, Endpoint, Remote, RemoteOptions};
use sigscope::tui::backend::Backend;
use sigscope::tui::RemoteBackend;
use std::path::Path;
use std::time::Duration;

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Sync options for tests: everything in the window, short long-polls and backoff.
pub fn opts() -> RemoteOptions {
    RemoteOptions {
        window: chrono::Duration::days(3650),
        long_poll: Duration::from_secs(5),
        max_backoff: Duration::from_millis(200),
        ..RemoteOptions::default()
    }
}

/// An explorer backend on the server as `acting`, its cache at `cache`; the sync is not started.
pub fn backend(s: &TestServer, k: &Keys, cache: &Path, acting: &str) -> RemoteBackend {
    let remote = Remote::open(
        cache,
        Endpoint::sigscope(&format!("http://{}", s.addr)).unwrap(),
        Credentials {
            api_key: k.api.clone(),
            app_key: k.app.clone(),
        },
        opts(),
    )
    .unwrap();
    RemoteBackend::new(remote, cache, Some(acting)).unwrap()
}

/// Start the backend's sync on `rt`, as the explorer's runtime does.
pub fn start(rt: &tokio::runtime::Runtime, b: &RemoteBackend) {
    let _g = rt.enter();
    b.start();
}
