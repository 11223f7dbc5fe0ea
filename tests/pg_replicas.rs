//! Two `sigscope serve` replicas (the real binary, as separate processes) on one PostgreSQL
//! database, over loopback: what a team behind a load balancer relies on.
mod common;
mod receiver;

use common::{pg_support, Keys};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Replica {
    child: Child,
    base: String,
}

impl Replica {
    /// `sigscope serve` on the store, on a free loopback port, once it answers /healthz.
    fn start(url: &str, dir: &Path) -> Replica {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let config = dir.join("config.toml");
        // Deliveries are swept every 2 s by each replica; fast retries keep the test short.
        std::fs::write(&config, "[notify]\nbackoff_base_ms = 50\n").unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_sigscope"))
            .args(["--store", url, "--config"])
            .arg(&config)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = Client::new().get(format!("{base}/healthz")).send() {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "replica on {port} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Replica { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn kill9(&mut self) {
        // SAFETY: kill on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Team {
    url: String,
    keys: Vec<Keys>,
    a: Replica,
    b: Replica,
    _dir: tempfile::TempDir,
}

/// A seeded database (admin, ana, bob, reader; `n` signals) and two replicas on it.
fn team(n: usize) -> Team {
    let url = pg_support::fresh_db();
    let (keys, _) = common::seed(Path::new(&url), n);
    let dir = tempfile::tempdir().unwrap();
    let a = Replica::start(&url, dir.path());
    let b = Replica::start(&url, dir.path());
    Team {
        url,
        keys,
        a,
        b,
        _dir: dir,
    }
}

fn authed(rb: RequestBuilder, k: &Keys) -> RequestBuilder {
    rb.header("DD-API-KEY", &k.api)
        .header("DD-APPLICATION-KEY", &k.app)
        .timeout(Duration::from_secs(30))
}

fn json_of(r: Response) -> (u16, Value) {
    let st = r.status().as_u16();
    (st, r.json().unwrap_or(Value::Null))
}

fn state_body(state: &str, version: Option<i64>) -> Value {
    let mut attrs = json!({"state": state, "archive_reason": "none"});
    if let Some(v) = version {
        attrs["version"] = json!(v);
    }
    json!({"data": {"type": "signal_metadata", "attributes": attrs}})
}

fn signal_on(r: &Replica, k: &Keys, id: &str) -> Value {
    let (st, v) = json_of(
        authed(
            Client::new().get(r.url(&format!("/api/v2/security_monitoring/signals/{id}"))),
            k,
        )
        .send()
        .unwrap(),
    );
    assert_eq!(st, 200, "{v}");
    v
}

fn state_of(v: &Value) -> String {
    v["data"]["attributes"]["custom"]["workflow"]["triage"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn head(t: &Team) -> i64 {
    sigscope::store::open(Path::new(&t.url))
        .unwrap()
        .db()
        .latest_seq()
        .unwrap()
}

#[test]
fn a_change_through_a_is_seen_through_b_at_once_and_on_bs_feed_within_a_second() {
    let t = team(3);
    let ana = &t.keys[1];
    let after = head(&t);
    // A client long-polls B's change feed...
    let feed_url =
        t.b.url(&format!("/api/v2/sigscope/changes?after={after}&wait=20"));
    let (api, app) = (ana.api.clone(), ana.app.clone());
    let poll = std::thread::spawn(move || {
        let r = Client::new()
            .get(feed_url)
            .header("DD-API-KEY", api)
            .header("DD-APPLICATION-KEY", app)
            .timeout(Duration::from_secs(30))
            .send()
            .unwrap();
        (Instant::now(), json_of(r))
    });
    // ...while the change goes through A, just after B's own once-a-second look: without word from
    // the database B would sleep most of a second more.
    std::thread::sleep(Duration::from_millis(1100));
    let (st, v) = json_of(
        authed(
            Client::new().patch(t.a.url("/api/v2/security_monitoring/signals/sig-0001/state")),
            ana,
        )
        .json(&state_body("under_review", Some(1)))
        .send()
        .unwrap(),
    );
    let acked = Instant::now();
    assert_eq!(st, 200, "{v}");
    assert_eq!(state_of(&signal_on(&t.b, ana, "sig-0001")), "under_review");
    let (woke, (st, feed)) = poll.join().unwrap();
    assert_eq!(st, 200, "{feed}");
    let waited = woke.saturating_duration_since(acked);
    assert!(
        waited < Duration::from_millis(500),
        "B's feed woke {waited:?} after the change"
    );
    let ids: Vec<&Value> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["signal_ids"].as_array().unwrap().iter())
        .collect();
    assert!(ids.contains(&&json!("sig-0001")), "{feed}");
}

#[test]
fn one_idempotency_key_sent_to_a_then_b_is_applied_once() {
    let t = team(2);
    let ana = &t.keys[1];
    let send = |r: &Replica| {
        authed(
            Client::new().patch(r.url("/api/v2/security_monitoring/signals/sig-0000/state")),
            ana,
        )
        .header("Idempotency-Key", "k-across")
        .json(&state_body("under_review", None))
        .send()
        .unwrap()
    };
    let (st1, v1) = json_of(send(&t.a));
    let second = send(&t.b);
    assert_eq!(
        second
            .headers()
            .get("idempotent-replayed")
            .map(|h| h.to_str().unwrap().to_string()),
        Some("true".into())
    );
    let (st2, v2) = json_of(second);
    assert_eq!((st1, st2), (200, 200));
    assert_eq!(v1, v2);
    let v = signal_on(&t.a, ana, "sig-0000");
    assert_eq!(v["data"]["attributes"]["version"], 2, "applied once: {v}");
}

#[test]
fn replicas_racing_on_one_version_give_one_success_and_one_409() {
    let t = team(5);
    for round in 0..5 {
        let id = format!("sig-000{round}");
        let version = signal_on(&t.a, &t.keys[0], &id)["data"]["attributes"]["version"]
            .as_i64()
            .unwrap();
        let to = "under_review";
        let go = std::sync::Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = [(&t.a, &t.keys[1]), (&t.b, &t.keys[2])]
            .into_iter()
            .map(|(r, k)| {
                let url = r.url(&format!("/api/v2/security_monitoring/signals/{id}/state"));
                let (api, app) = (k.api.clone(), k.app.clone());
                let go = std::sync::Arc::clone(&go);
                let body = state_body(to, Some(version));
                std::thread::spawn(move || {
                    let rb = Client::new()
                        .patch(url)
                        .header("DD-API-KEY", api)
                        .header("DD-APPLICATION-KEY", app)
                        .json(&body);
                    go.wait();
                    rb.send().unwrap().status().as_u16()
                })
            })
            .collect();
        let mut got: Vec<u16> = racers.into_iter().map(|h| h.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, vec![200, 409], "round {round}");
        let after = signal_on(&t.b, &t.keys[0], &id)["data"]["attributes"]["version"]
            .as_i64()
            .unwrap();
        assert_eq!(
            after,
            version + 1,
            "round {round}: exactly one change applied"
        );
    }
}

#[test]
fn kill_9_of_a_during_a_burst_loses_no_acknowledged_change_and_b_keeps_serving() {
    let mut t = team(60);
    let start = head(&t);
    let ana = t.keys[1].clone();
    let a_url = t.a.url("");
    let burst = std::thread::spawn(move || {
        let c = Client::new();
        let mut acked = Vec::new();
        for i in 0..60 {
            let id = format!("sig-{i:04}");
            let r = c
                .patch(format!(
                    "{a_url}/api/v2/security_monitoring/signals/{id}/state"
                ))
                .header("DD-API-KEY", &ana.api)
                .header("DD-APPLICATION-KEY", &ana.app)
                .timeout(Duration::from_secs(5))
                .json(&state_body("under_review", Some(1)))
                .send();
            match r {
                Ok(r) if r.status().as_u16() == 200 => acked.push(id),
                Ok(r) => panic!("{id}: {}", r.status()),
                // A is gone: the rest of the burst has nowhere to go.
                Err(_) => break,
            }
        }
        acked
    });
    // Kill A once some changes are acknowledged and more are in flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while head(&t) < start + 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    t.a.kill9();
    let acked = burst.join().unwrap();
    assert!(
        !acked.is_empty(),
        "some changes were acknowledged before the kill"
    );
    assert!(
        acked.len() < 60,
        "A was killed mid-burst ({} acks)",
        acked.len()
    );
    let reader = &t.keys[3];
    for id in &acked {
        assert_eq!(
            state_of(&signal_on(&t.b, reader, id)),
            "under_review",
            "{id} was acknowledged by A"
        );
    }
    // B keeps serving writes too.
    let (st, v) = json_of(
        authed(
            Client::new().patch(t.b.url("/api/v2/security_monitoring/signals/sig-0059/state")),
            &t.keys[2],
        )
        .json(&state_body("under_review", None))
        .send()
        .unwrap(),
    );
    assert_eq!(st, 200, "{v}");
}

#[test]
fn a_notification_rule_fires_once_per_change_with_two_replicas_up() {
    let t = team(1);
    let rx = receiver::Receiver::start();
    let admin = &t.keys[0];
    let rule = json!({"data": {"type": "notification_rules", "attributes": {
        "name": "criticals", "selectors": {"severities": ["critical"], "query": ""},
        "targets": [format!("webhook:{}", rx.url("/hook"))]}}});
    let (st, v) = json_of(
        authed(
            Client::new().post(t.b.url("/api/v2/security/signals/notification_rules")),
            admin,
        )
        .json(&rule)
        .send()
        .unwrap(),
    );
    assert_eq!(st, 201, "{v}");
    let mut sigs = Vec::new();
    for i in 0..3 {
        let mut s = common::signal_json(900 + i);
        s["attributes"]["status"] = json!("critical");
        sigs.push(s);
    }
    let (st, v) = json_of(
        authed(
            Client::new().post(t.a.url("/api/v2/sigscope/signals")),
            &t.keys[1],
        )
        .json(&json!({"data": sigs}))
        .send()
        .unwrap(),
    );
    assert_eq!(st, 200, "{v}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while rx.to("/hook").len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Both replicas sweep the queue every 2 s: give each a few more sweeps to send a duplicate.
    std::thread::sleep(Duration::from_secs(5));
    let mut got: Vec<String> = rx
        .to("/hook")
        .iter()
        .map(|r| {
            r.json()["data"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    got.sort();
    assert_eq!(
        got.len(),
        3,
        "one delivery per signal, not one per replica: {got:?}"
    );
    got.dedup();
    assert_eq!(got.len(), 3, "{got:?}");
}
