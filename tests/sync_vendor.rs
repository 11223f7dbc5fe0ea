//! Vendor mode (no change feed, re-query) exercised against `sigscope serve`, and the shapes of the
//! vendor's recorded case and incident answers against the server's.
mod common;

use common::TestServer;
use serde_json::Value;
use sigscope::model::{ArchiveReason, TriageState};
use sigscope::remote::client::parse_metadata;
use sigscope::remote::{Client, Credentials, Endpoint, Remote, RemoteOptions};
use sigscope::store::Store;
use std::time::Duration;

fn creds(k: &common::Keys) -> Credentials {
    Credentials {
        api_key: k.api.clone(),
        app_key: k.app.clone(),
    }
}

fn sample(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_mode_requeries_and_triages() {
    let mut s = TestServer::start(12).await;
    let dir = tempfile::tempdir().unwrap();
    let r = Remote::open(
        &dir.path().join("v.db"),
        Endpoint::vendor_at(&format!("http://{}", s.addr)).unwrap(),
        creds(&s.analyst),
        RemoteOptions {
            window: chrono::Duration::days(3650),
            page_size: 5,
            poll: Duration::from_millis(10),
            ..RemoteOptions::default()
        },
    )
    .unwrap();
    r.sync_once().await.unwrap();
    assert_eq!(
        r.count_signals().unwrap(),
        12,
        "paged with the cursor, 5 at a time"
    );

    r.set_state(
        "sig-0007",
        TriageState::Archived,
        Some(ArchiveReason::TruePositiveBenign),
        Some("known scanner"),
    )
    .unwrap();
    r.flush().await.unwrap();
    // No feed in vendor mode: after the write the signal is re-read from the remote.
    let cached = r.get_signal("sig-0007").unwrap().unwrap();
    let server = s.store().get_signal("sig-0007").unwrap().unwrap();
    assert_eq!(cached.version, server.version);
    assert_eq!(server.triage.state, TriageState::Archived);
    assert_eq!(
        server.triage.archive_comment.as_deref(),
        Some("known scanner")
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_answers_carry_the_vendor_recorded_keys() {
    let mut s = TestServer::start(2).await;
    let c = Client::new(
        Endpoint::vendor_at(&format!("http://{}", s.addr)).unwrap(),
        creds(&s.analyst),
    )
    .unwrap();

    let case = c
        .create_case("Scanner", "P3", &["sig-0001".to_string()], None, None)
        .await
        .unwrap();
    let recorded = sample("create_case_201.json");
    for k in [
        "key",
        "public_id",
        "title",
        "priority",
        "status",
        "status_name",
        "type_id",
        "insights",
        "created_at",
        "comment_count",
        "description",
    ] {
        assert!(
            recorded["response"]["body"]["data"]["attributes"]
                .get(k)
                .is_some(),
            "sample lacks {k}"
        );
        assert!(
            case["data"]["attributes"].get(k).is_some(),
            "server lacks {k}"
        );
    }
    assert_eq!(
        case["data"]["type"],
        recorded["response"]["body"]["data"]["type"]
    );

    let inc = c
        .create_incident("Exfiltration", "SEV-1", None)
        .await
        .unwrap();
    let recorded = sample("create_incident_201.json");
    for k in ["public_id", "title", "customer_impacted", "fields"] {
        assert!(
            recorded["response"]["body"]["data"]["attributes"]
                .get(k)
                .is_some(),
            "sample lacks {k}"
        );
        assert!(
            inc["data"]["attributes"].get(k).is_some(),
            "server lacks {k}"
        );
    }
    assert_eq!(inc["data"]["type"], "incidents");
    assert!(inc["data"]["attributes"]["public_id"].is_i64());

    // A triage answer reads the same way as the vendor's recorded ones.
    let v = c
        .send(
            reqwest::Method::PATCH,
            "/api/v2/security_monitoring/signals/sig-0000/assignee",
            &[],
            Some(&serde_json::json!({"data": {"attributes": {"assignee": {"uuid": ""}}}})),
            None,
        )
        .await
        .unwrap();
    let m = parse_metadata(&v).unwrap();
    assert_eq!((m.id.as_str(), m.assignee_uuid.as_str()), ("sig-0000", ""));
    let recorded = sample("patch_assignee_200.json");
    for k in [
        "state",
        "assignee",
        "incident_ids",
        "archive_reason",
        "state_update_timestamp",
        "state_update_user",
    ] {
        assert!(recorded["response"]["body"]["data"]["attributes"]
            .get(k)
            .is_some());
        assert!(v["data"]["attributes"].get(k).is_some(), "server lacks {k}");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_waits_out_a_429_and_succeeds() {
    let mut s = TestServer::start_with(
        1,
        sigscope::server::ServeOptions {
            rate_limit: 2,
            rate_period: Duration::from_secs(1),
            ..Default::default()
        },
    )
    .await;
    let c = Client::new(
        Endpoint::sigscope(&format!("http://{}", s.addr)).unwrap(),
        creds(&s.reader),
    )
    .unwrap();
    for _ in 0..2 {
        assert!(c.get_signal("sig-0000").await.unwrap().is_some());
    }
    // The third is refused once with X-RateLimit-Reset: 1, then retried after it.
    let err = c
        .send_once(
            reqwest::Method::GET,
            "/api/v2/security_monitoring/signals/sig-0000",
            &[],
            None,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert!(matches!(
        err,
        sigscope::remote::ClientError::Api {
            retry_after: Some(_),
            ..
        }
    ));
    assert!(c.get_signal("sig-0000").await.unwrap().is_some());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_carries_changes_made_beside_the_server() {
    let mut s = TestServer::start(2).await;
    let c = Client::new(
        Endpoint::sigscope(&format!("http://{}", s.addr)).unwrap(),
        creds(&s.reader),
    )
    .unwrap();
    let head = s.head;
    let waiting = tokio::spawn(async move { c.changes(head, Duration::from_secs(20)).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The CLI on the server's machine triages straight into the store file.
    let path = s.store_path.clone();
    tokio::task::spawn_blocking(move || {
        let mut engine =
            sigscope::engine::Engine::system(sigscope::store::SqliteStore::open(&path).unwrap());
        let admin = engine.resolve_actor(Some("admin@example.com")).unwrap();
        engine
            .execute(
                &admin,
                sigscope::engine::Command::SetState {
                    signals: vec![sigscope::engine::SignalRef::new("sig-0001")],
                    to: TriageState::UnderReview,
                    reason: None,
                    comment: None,
                },
            )
            .unwrap();
    })
    .await
    .unwrap();
    let page = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the feed did not notice a change made by another process")
        .unwrap()
        .unwrap();
    assert_eq!(page.changes[0].signal_ids, vec!["sig-0001".to_string()]);
    assert_eq!(page.signals[0].triage.state, TriageState::UnderReview);
    s.stop().await;
}
