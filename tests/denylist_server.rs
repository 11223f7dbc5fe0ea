//! The denylist over `sigscope serve`: the CrowdSec Local API for bouncers (`X-Api-Key`), sigscope's
//! `/api/v2/sigscope/denylist` routes for analysts' keys, and automated blocking on ingest.
mod common;

use common::{authed, http, TestServer};
use serde_json::{json, Value};
use sigscope::denylist::{AutoblockRule, BlockWhat};
use sigscope::engine::Engine;

/// An engine on the server's store file, as a CLI beside the server would be.
fn beside(s: &TestServer) -> (Engine, sigscope::model::User) {
    let mut e = Engine::system(s.store());
    let admin = e.resolve_actor(Some("admin@example.com")).unwrap();
    (e, admin)
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let st = r.status().as_u16();
    (st, r.json::<Value>().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bouncers_stream_decisions_with_their_key() {
    let mut s = TestServer::start(1).await;
    let key = {
        let (mut e, admin) = beside(&s);
        e.add_bouncer(&admin, "edge").unwrap()
    };
    let c = http();
    let stream = |startup: bool| {
        c.get(s.url(&format!("/v1/decisions/stream?startup={startup}")))
            .header("X-Api-Key", &key)
    };
    // No key, a wrong key: 403 in CrowdSec's shape.
    let (st, v) = json_of(c.get(s.url("/v1/decisions/stream")).send().await.unwrap()).await;
    assert_eq!((st, v), (403, json!({"message": "access forbidden"})));
    let r = c
        .get(s.url("/v1/decisions/stream"))
        .header("X-Api-Key", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    let (st, v) = json_of(stream(true).send().await.unwrap()).await;
    assert_eq!((st, v), (200, json!({"new": null, "deleted": null})));
    let r = c
        .post(s.url("/v1/usage-metrics"))
        .header("X-Api-Key", &key)
        .json(&json!({"remediation_components": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    // An analyst blocks a range through the API.
    let (st, v) = json_of(
        authed(c.post(s.url("/api/v2/sigscope/denylist")), &s.analyst)
            .json(&json!({"data": {"type": "denylist_entry", "attributes": {"value": "203.0.113.0/24", "kind": "range", "duration": "1h", "reason": "scanner"}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let id = v["data"][0]["id"].as_str().unwrap().to_string();
    let (_, v) = json_of(stream(false).send().await.unwrap()).await;
    assert_eq!(v["new"][0]["value"], "203.0.113.0/24");
    assert_eq!(v["new"][0]["scope"], "Range");
    assert_eq!(v["new"][0]["duration"], "1h0m0s");
    assert_eq!(v["deleted"], Value::Null);
    let (_, v) = json_of(
        c.get(s.url("/v1/decisions?ip=203.0.113.9"))
            .header("X-Api-Key", &key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v[0]["value"], "203.0.113.0/24");

    // Lifted through the API: in `deleted`.
    let (st, _) = json_of(
        authed(
            c.delete(s.url(&format!("/api/v2/sigscope/denylist/{id}"))),
            &s.analyst,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    let (_, v) = json_of(stream(false).send().await.unwrap()).await;
    assert_eq!(v["new"], Value::Null);
    assert_eq!(v["deleted"][0]["value"], "203.0.113.0/24");
    let (_, v) = json_of(
        c.get(s.url("/v1/decisions?ip=203.0.113.9"))
            .header("X-Api-Key", &key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v, Value::Null);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denylist_routes_list_export_and_check_permissions() {
    let mut s = TestServer::start(1).await;
    let c = http();
    // Read-only users may read, not block.
    let r = authed(c.post(s.url("/api/v2/sigscope/denylist")), &s.reader)
        .json(&json!({"data": {"attributes": {"value": "192.0.2.1"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    for (value, kind, dur) in [("192.0.2.1", "ip", "permanent"), ("user8", "user", "24h")] {
        let r = authed(c.post(s.url("/api/v2/sigscope/denylist")), &s.admin)
            .json(&json!({"data": {"attributes": {"value": value, "kind": kind, "duration": dur}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    // Refused values name why.
    let (st, v) = json_of(
        authed(c.post(s.url("/api/v2/sigscope/denylist")), &s.admin)
            .json(&json!({"data": {"attributes": {"value": "127.0.0.1"}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = json_of(
        authed(c.get(s.url("/api/v2/sigscope/denylist")), &s.reader)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    let (st, v) = json_of(
        authed(
            c.get(s.url("/api/v2/sigscope/denylist/rules_data")),
            &s.reader,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(
        v["rules_data"][0]["data"],
        json!([{"value": "192.0.2.1", "expiration": 0}])
    );
    assert_eq!(v["rules_data"][1]["data"][0]["value"], "user8");
    let r = authed(
        c.get(s.url("/api/v2/sigscope/denylist/export?format=nginx")),
        &s.reader,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("deny 192.0.2.1;"));
    let (st, v) = json_of(
        authed(
            c.get(s.url("/api/v2/sigscope/denylist/export?format=iptables")),
            &s.reader,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["source"]["parameter"], "format");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_runs_autoblock_rules() {
    let mut s = TestServer::start(1).await;
    {
        let (mut e, admin) = beside(&s);
        e.add_autoblock_rule(
            &admin,
            AutoblockRule {
                name: "cs".into(),
                query: r"@workflow.rule.name:Credential\ stuffing*".into(),
                what: BlockWhat::Ips,
                duration: Some(chrono::TimeDelta::hours(1)),
                escalate: false,
                cap: None,
                simulate: false,
                enabled: true,
            },
        )
        .unwrap();
    }
    let mut sig = common::signal_json(100);
    sig["attributes"]["attributes"]["workflow"]["rule"]["name"] = json!("Credential stuffing");
    sig["attributes"]["attributes"]["network"] = json!({"client": {"ip": "198.51.100.44"}});
    let other = common::signal_json(101);
    let c = http();
    let r = authed(c.post(s.url("/api/v2/sigscope/signals")), &s.admin)
        .json(&json!({"data": [sig, other]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (e, admin) = beside(&s);
    let blocks = e.reads(&admin).blocks(false).unwrap();
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    assert_eq!(blocks[0].value, "198.51.100.44");
    assert_eq!(blocks[0].created_by, "autoblock:cs");
    assert_eq!(blocks[0].signal_id.as_deref(), Some("sig-0100"));
    s.stop().await;
}

/// The query a `go-cs-bouncer` bouncer sends: its settings joined with commas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bouncer_filters_are_honoured_and_host_blocks_outlast_their_range() {
    let mut s = TestServer::start(1).await;
    let key = {
        let (mut e, admin) = beside(&s);
        e.add_bouncer(&admin, "edge").unwrap()
    };
    let c = http();
    let block = |value: &str, kind: &str, duration: &str, reason: &str| {
        authed(c.post(s.url("/api/v2/sigscope/denylist")), &s.analyst).json(&json!({"data": {
            "type": "denylist_entry",
            "attributes": {"value": value, "kind": kind, "duration": duration, "reason": reason}}}))
    };
    let (st, _) = json_of(
        block("203.0.113.0/24", "range", "1h", "scanner range")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201);
    let (st, _) = json_of(
        block("203.0.113.9", "ip", "1d", "SQL injection")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201);
    // A non-canonical range is refused with the canonical form named.
    let (st, v) = json_of(
        block("203.0.113.9/24", "range", "1h", "x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400, "{v}");
    assert!(v.to_string().contains("203.0.113.0/24"), "{v}");

    let get = |q: &str| {
        c.get(s.url(&format!("/v1/decisions/stream?startup=true{q}")))
            .header("X-Api-Key", &key)
    };
    let values = |v: &Value| -> Vec<String> {
        v["new"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|d| d["value"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, v) = json_of(get("").send().await.unwrap()).await;
    assert_eq!(values(&v), ["203.0.113.0/24", "203.0.113.9"]);
    let (_, v) = json_of(get("&scopes=ip").send().await.unwrap()).await;
    assert_eq!(values(&v), ["203.0.113.9"]);
    let (_, v) = json_of(get("&scopes=Range").send().await.unwrap()).await;
    assert_eq!(values(&v), ["203.0.113.0/24"]);
    let (_, v) = json_of(get("&origins=crowdsec,cscli").send().await.unwrap()).await;
    assert_eq!(v, json!({"new": null, "deleted": null}));
    let (_, v) = json_of(
        get("&origins=cscli,sigscope&scenarios_containing=sql")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(values(&v), ["203.0.113.9"]);
    let (_, v) = json_of(
        get("&scenarios_not_containing=SCANNER")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(values(&v), ["203.0.113.9"]);

    // Live mode: the covering blocks, the longest first, so the host's day is not cut to an hour.
    let (_, v) = json_of(
        c.get(s.url("/v1/decisions?ip=203.0.113.9"))
            .header("X-Api-Key", &key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v[0]["value"], "203.0.113.9", "{v}");
    assert_eq!(v[1]["value"], "203.0.113.0/24", "{v}");
    let (_, v) = json_of(
        c.get(s.url("/v1/decisions?ip=203.0.113.9&scope=range"))
            .header("X-Api-Key", &key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    s.stop().await;
}
