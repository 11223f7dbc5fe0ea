//! A real `sigscope serve` on 127.0.0.1:0 over a real store (a SQLite file in a tempdir, or with
//! `SIGSCOPE_TEST_BACKEND=postgres` a fresh database on the throwaway PostgreSQL cluster), with
//! three users (one per role), a key pair each and a few signals.
#![allow(dead_code)]
#[path = "../pg_support/mod.rs"]
pub mod pg_support;

use serde_json::{json, Value};
use sigscope::model::AuditFilter;
use sigscope::model::{Role, Signal, User};
use sigscope::server::{self, ServeOptions};
use sigscope::store::{Storage, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;

#[derive(Clone)]
pub struct Keys {
    pub api: String,
    pub app: String,
}

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub store_path: PathBuf,
    pub addr: SocketAddr,
    pub admin: Keys,
    pub analyst: Keys,
    pub analyst2: Keys,
    pub reader: Keys,
    pub uuids: Vec<String>,
    /// The audit log's newest seq once seeded (creating the keys is audited): where a test that
    /// watches the change feed starts.
    pub head: i64,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<sigscope::Result<()>>>,
    /// The server runs on its own runtime so that `kill` can drop every task it has, connections
    /// included, as a killed process would.
    rt: Option<tokio::runtime::Runtime>,
}

pub fn signal_json(i: usize) -> Value {
    json!({
        "id": format!("sig-{i:04}"),
        "type": "signal",
        "attributes": {
            "timestamp": format!("2026-01-01T00:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
            "message": format!("SQL injection attempt number {i}"),
            "status": if i.is_multiple_of(2) { "high" } else { "low" },
            "service": ["checkout-api"],
            "tags": ["env:prod", "source:appsec"],
            "version": 1,
            "attributes": {
                "title": format!("SQLi on /login #{i}"),
                "workflow": {
                    "rule": {"id": "r1", "name": "SQL injection", "type": "Application Security"},
                    "triage": {"state": "open"}
                }
            }
        }
    })
}

pub fn user(handle: &str, role: Role) -> User {
    User {
        uuid: uuid::Uuid::new_v4().to_string(),
        handle: handle.into(),
        name: handle.split('@').next().unwrap_or(handle).into(),
        role,
        disabled: false,
    }
}

/// Seed a store: users and keys, `n` signals.
pub fn seed(path: &std::path::Path, n: usize) -> (Vec<Keys>, Vec<String>) {
    let mut store = sigscope::store::open(path).unwrap();
    let users = [
        user("admin@example.com", Role::Admin),
        user("ana@example.com", Role::Standard),
        user("bob@example.com", Role::Standard),
        user("reader@example.com", Role::ReadOnly),
    ];
    let mut ks = Vec::new();
    for u in &users {
        store.add_user(u).unwrap();
    }
    let mut engine = sigscope::engine::Engine::open(path).unwrap();
    for u in &users {
        let (_, k) = engine.create_key(u, &u.handle).unwrap();
        ks.push(Keys {
            api: k.api_key,
            app: k.app_key,
        });
    }
    let signals: Vec<Signal> = (0..n)
        .map(|i| Signal::from_json(signal_json(i)).unwrap())
        .collect();
    store.upsert_signals(&signals).unwrap();
    (ks, users.iter().map(|u| u.uuid.clone()).collect())
}

impl TestServer {
    pub async fn start(n: usize) -> TestServer {
        Self::start_with(n, ServeOptions::default()).await
    }

    pub async fn start_with(n: usize, opts: ServeOptions) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store_path = pg_support::store_location(dir.path(), "server.db");
        let (mut ks, uuids) = seed(&store_path, n);
        let head: i64 = sigscope::store::open(&store_path)
            .unwrap()
            .db()
            .latest_seq()
            .unwrap();
        let reader = ks.pop().unwrap();
        let analyst2 = ks.pop().unwrap();
        let analyst = ks.pop().unwrap();
        let admin = ks.pop().unwrap();
        let mut s = TestServer {
            dir,
            store_path,
            addr: "127.0.0.1:0".parse().unwrap(),
            admin,
            analyst,
            analyst2,
            reader,
            uuids,
            head,
            stop: None,
            task: None,
            rt: None,
        };
        s.restart(opts).await;
        s
    }

    /// (Re)start on the same store and, after the first start, the same port.
    pub async fn restart(&mut self, opts: ServeOptions) {
        let (tx, rx) = oneshot::channel();
        let (addr, task) = server::serve_with(self.addr, &self.store_path, opts, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
        self.addr = addr;
        self.stop = Some(tx);
        self.task = Some(task);
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stop abruptly: in-flight requests are dropped, as when the process is killed.
    pub async fn kill(&mut self) {
        self.stop.take();
        // Abort rather than detach: a detached server shuts down gracefully, holding its port
        // while it drains, and a restart right after could not bind it.
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }

    /// How many signal triage audit events the server recorded for `actor` (a handle).
    pub fn changes_by(&self, actor: &str) -> i64 {
        let mine = AuditFilter {
            actor: Some(actor.to_string()),
            ..AuditFilter::default()
        };
        let events = self.store().db().audit_list(&mine).unwrap();
        let n = events
            .iter()
            .filter(|e| e.action.starts_with("signal.") && e.action != "signal.ingest")
            .count();
        i64::try_from(n).unwrap()
    }

    /// A second connection to the server's store, for the harness's own reads and seeds.
    pub fn store(&self) -> Box<dyn Storage> {
        sigscope::store::open(&self.store_path).unwrap()
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn authed(rb: reqwest::RequestBuilder, k: &Keys) -> reqwest::RequestBuilder {
    rb.header("DD-API-KEY", &k.api)
        .header("DD-APPLICATION-KEY", &k.app)
}
