//! The real CrowdSec custom bouncer (Debian's `crowdsec-custom-bouncer`) against sigscope's decision
//! stream: its script is called with `add` for a new block and `del` once the block is lifted.
//! Skipped, with the reason printed, where the bouncer is not installed.
//!
//! The stream is served here by a minimal axum app over the engine's `decision_stream`, the same
//! call `sigscope serve` makes, so the wire format is checked against the real consumer.
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use axum::Router;
use sigscope::engine::{BlockFor, Command, Engine};
use sigscope::store::SqliteStore;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BOUNCER: &str = "/usr/bin/crowdsec-custom-bouncer";

type Shared = Arc<Mutex<Engine>>;

async fn stream(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> axum::response::Response {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let startup = q.get("startup").is_some_and(|v| v == "true");
    let mut e = engine.lock().unwrap();
    match e.decision_stream(&key, startup) {
        Ok(s) => Json(serde_json::to_value(s).unwrap()).into_response(),
        Err(_) => (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({"message": "access forbidden"})),
        )
            .into_response(),
    }
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(path: &Path, needle: &str, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().any(|l| l.starts_with(needle)) || start.elapsed() > timeout {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_custom_bouncer_adds_and_deletes_what_sigscope_blocks_and_lifts() {
    if !Path::new(BOUNCER).exists() {
        eprintln!("SKIP: {BOUNCER} is not installed (apt-get install crowdsec-custom-bouncer)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("signals.db")).unwrap();
    let mut engine = Engine::system(store);
    let admin = engine.resolve_actor(Some("ana@example.com")).unwrap();
    let key = engine.add_bouncer(&admin, "custom").unwrap();
    let shared: Shared = Arc::new(Mutex::new(engine));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v1/decisions/stream", get(stream))
        .with_state(shared.clone());
    rt.spawn(async move { axum::serve(listener, app).await });

    let calls = dir.path().join("calls.log");
    let script = dir.path().join("enforce.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$1 $2 $3\" >> {}\n", calls.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("bouncer.yaml");
    std::fs::write(
        &config,
        format!(
            "bin_path: {}\nfeed_via_stdin: false\ntotal_retries: 0\nscenarios_containing: []\nscenarios_not_containing: []\norigins: []\npiddir: {}\nupdate_frequency: 1s\ncache_retention_duration: 1s\ndaemonize: false\nlog_mode: stdout\nlog_level: info\napi_url: http://{addr}/\napi_key: {key}\nprometheus:\n  enabled: false\n  listen_addr: 127.0.0.1\n  listen_port: 60602\n",
            script.display(),
            dir.path().display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("bouncer.log")).unwrap();
    let _bouncer = Kill(
        std::process::Command::new(BOUNCER)
            .arg("-c")
            .arg(&config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );

    {
        let mut e = shared.lock().unwrap();
        e.execute(
            &admin,
            Command::BlockIps {
                values: vec!["198.51.100.7".into()],
                duration: BlockFor::Duration(chrono::TimeDelta::hours(1)),
                reason: Some("credential stuffing".into()),
                signal_id: None,
            },
        )
        .unwrap();
    }
    let text = wait_for(&calls, "add 198.51.100.7", Duration::from_secs(30));
    let bouncer_log =
        || std::fs::read_to_string(dir.path().join("bouncer.log")).unwrap_or_default();
    assert!(
        text.lines().any(|l| l.starts_with("add 198.51.100.7")),
        "no add call: {text:?}\nbouncer log:\n{}",
        bouncer_log()
    );
    let add = text
        .lines()
        .find(|l| l.starts_with("add 198.51.100.7"))
        .unwrap();
    let secs: i64 = add.split(' ').nth(2).unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&secs), "duration in seconds: {add}");

    {
        let mut e = shared.lock().unwrap();
        e.execute(
            &admin,
            Command::Unblock {
                target: "198.51.100.7".into(),
            },
        )
        .unwrap();
    }
    let text = wait_for(&calls, "del 198.51.100.7", Duration::from_secs(30));
    assert!(
        text.lines().any(|l| l.starts_with("del 198.51.100.7")),
        "no del call: {text:?}\nbouncer log:\n{}",
        bouncer_log()
    );
}
