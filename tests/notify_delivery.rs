//! Notification rules end to end against a real HTTP receiver on 127.0.0.1 and a real SQLite file.
mod receiver;

use receiver::{signal, Receiver};
use sigscope::engine::Engine;
use sigscope::model::Severity;
use sigscope::model::Signal;
use sigscope::notify::queue::DeliveryState;
use sigscope::notify::{self, Author, NotificationRule, NotifyConfig, Sender, Target};
use sigscope::store::sqlite::{notify_queue as queue, notify_rules as rules, signals};
use sigscope::store::SqliteStore;

/// Upsert and queue in one transaction, as an ingest does: the queue's own behaviour under test.
fn upsert_and_queue(
    store: &mut SqliteStore,
    c: &NotifyConfig,
    list: &[Signal],
) -> sigscope::Result<((), usize)> {
    store.write(|tx| {
        let mut before = Vec::new();
        for s in list {
            before.push(signals::get_signal(tx, &s.id)?);
            sigscope::store::SignalRows::put_signal(tx, s)?;
        }
        let n = notify::queue_changes(tx, c, &before, list, chrono::Utc::now())?;
        Ok(((), n))
    })
}

/// The engine the sender works through, on the same file.
fn engine(store: &SqliteStore) -> Engine {
    Engine::open(store.path()).unwrap()
}
use std::time::Duration;

fn cfg(rx: &Receiver) -> NotifyConfig {
    NotifyConfig {
        slack_base_url: rx.url("/slack"),
        pagerduty_url: rx.url("/pd/v2/enqueue"),
        signal_link: "https://sigscope.example/signals/{id}".into(),
        max_attempts: 3,
        backoff_base_ms: 20,
        backoff_max_secs: 1,
        timeout_secs: 5,
        import_wait_secs: 5,
        ..NotifyConfig::default()
    }
}

fn add_rule(
    store: &mut SqliteStore,
    name: &str,
    query: &str,
    targets: &[String],
) -> NotificationRule {
    let mut r = NotificationRule::new(
        NotificationRule::new_id(),
        name.into(),
        chrono::Utc::now(),
        Author::default(),
    );
    r.query = query.into();
    r.targets = targets.iter().map(|t| Target::parse(t).unwrap()).collect();
    store.write(|tx| rules::insert(tx, &r)).unwrap();
    r
}

fn setup() -> (tempfile::TempDir, SqliteStore, Receiver) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    (dir, store, Receiver::start())
}

#[test]
fn each_target_gets_its_payload_shape() {
    let (_d, mut store, rx) = setup();
    let c = cfg(&rx);
    add_rule(
        &mut store,
        "all four",
        "",
        &[
            format!("webhook:{}", rx.url("/hook")),
            "slack:T01/B02/slacktoken".into(),
            format!("teams:{}", rx.url("/teams")),
            "pagerduty:R0UT1NGKEY".into(),
        ],
    );
    let s = signal("sig-1", "critical", "SQL injection on /login");
    let (_, queued) = upsert_and_queue(&mut store, &c, std::slice::from_ref(&s)).unwrap();
    assert_eq!(queued, 4);
    let sender = Sender::new(c).unwrap();
    let r = notify::flush_for(&mut engine(&store), &sender, Duration::from_secs(5)).unwrap();
    assert_eq!(r.sent, 4, "{r:?}");

    let hook = rx.to("/hook");
    assert_eq!(hook.len(), 1);
    let h = hook[0].json();
    assert_eq!(hook[0].method, "POST");
    assert_eq!(hook[0].header("content-type"), Some("application/json"));
    assert_eq!(&h["data"], s.to_json());
    assert_eq!(h["meta"]["event"], "signal.created");

    let slack = rx.to("/slack/T01/B02/slacktoken");
    assert_eq!(slack.len(), 1, "{:?}", rx.requests());
    let sl = slack[0].json();
    let text = sl["text"].as_str().unwrap();
    assert!(
        text.contains("CRITICAL")
            && text.contains("SQL injection on /login")
            && text.contains("checkout-api"),
        "{text}"
    );
    let fields = sl["blocks"][1]["fields"].to_string();
    assert!(fields.contains("198.51.100.7"), "{fields}");
    assert!(sl["blocks"][2]
        .to_string()
        .contains("https://sigscope.example/signals/sig-1"));

    let teams = rx.to("/teams");
    assert_eq!(teams.len(), 1);
    let t = teams[0].json();
    assert_eq!(t["type"], "message");
    assert_eq!(
        t["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(t["attachments"][0]["content"]["type"], "AdaptiveCard");

    let pd = rx.to("/pd/v2/enqueue");
    assert_eq!(pd.len(), 1);
    let p = pd[0].json();
    assert_eq!(p["routing_key"], "R0UT1NGKEY");
    assert_eq!(p["event_action"], "trigger");
    assert_eq!(p["dedup_key"], "sig-1");
    assert_eq!(p["payload"]["severity"], "critical");
    assert_eq!(p["payload"]["source"], "web-1");
    assert!(p["payload"]["summary"]
        .as_str()
        .unwrap()
        .contains("SQL injection on /login"));
    assert_eq!(
        p["payload"]["custom_details"]["attacker_ips"][0],
        "198.51.100.7"
    );
}

#[test]
fn a_500_then_200_target_is_retried_and_delivered_once() {
    let (_d, mut store, rx) = setup();
    let c = cfg(&rx);
    rx.script("/flaky", &[500, 200]);
    add_rule(
        &mut store,
        "flaky",
        "",
        &[format!("webhook:{}", rx.url("/flaky"))],
    );
    upsert_and_queue(&mut store, &c, &[signal("s1", "high", "t")]).unwrap();
    let sender = Sender::new(c).unwrap();
    let r = notify::flush_for(&mut engine(&store), &sender, Duration::from_secs(5)).unwrap();
    assert_eq!((r.sent, r.failed, r.pending), (1, 1, 0), "{r:?}");
    // Draining again sends nothing more.
    notify::flush_for(&mut engine(&store), &sender, Duration::from_secs(1)).unwrap();
    assert_eq!(rx.to("/flaky").len(), 2);
    let ds = queue::list(store.conn(), false, 10).unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].state, DeliveryState::Sent);
    assert_eq!(ds[0].attempts, 2);
    let attempts = queue::attempts(store.conn(), ds[0].id).unwrap();
    assert_eq!(
        attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        vec![Some(500), Some(200)]
    );
    assert!(attempts[0].error.as_deref().unwrap().contains("HTTP 500"));
    assert!(attempts[1].error.is_none());
}

#[test]
fn a_dead_target_does_not_block_another() {
    let (_d, mut store, rx) = setup();
    let c = cfg(&rx);
    rx.script("/down", &[503]);
    // Nothing listens on a port we bound and closed: connection refused.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    add_rule(
        &mut store,
        "mixed",
        "",
        &[
            format!("webhook:{}", rx.url("/down")),
            format!("webhook:http://{closed}/refused"),
            format!("webhook:{}", rx.url("/up")),
        ],
    );
    upsert_and_queue(&mut store, &c, &[signal("s1", "high", "t")]).unwrap();
    let sender = Sender::new(c).unwrap();
    let r = notify::flush_for(&mut engine(&store), &sender, Duration::from_secs(10)).unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(r.dead, 2, "{r:?}");
    assert_eq!(rx.to("/up").len(), 1);
    assert_eq!(rx.to("/down").len(), 3, "max_attempts tries, then dead");
    let failed = queue::list(store.conn(), true, 10).unwrap();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|d| d.state == DeliveryState::Dead));
    let refused = failed
        .iter()
        .find(|d| d.target.contains("refused"))
        .unwrap();
    assert!(refused.last_status.is_none());
    assert!(refused.last_error.is_some());
}

#[test]
fn a_4xx_answer_is_not_retried() {
    let (_d, mut store, rx) = setup();
    let c = cfg(&rx);
    rx.script("/gone", &[404]);
    add_rule(
        &mut store,
        "gone",
        "",
        &[format!("webhook:{}", rx.url("/gone"))],
    );
    upsert_and_queue(&mut store, &c, &[signal("s1", "high", "t")]).unwrap();
    let r = notify::flush_for(
        &mut engine(&store),
        &Sender::new(c).unwrap(),
        Duration::from_secs(2),
    )
    .unwrap();
    assert_eq!(r.dead, 1);
    assert_eq!(rx.to("/gone").len(), 1);
}

#[test]
fn a_rule_whose_query_does_not_match_sends_nothing() {
    let (_d, mut store, rx) = setup();
    let c = cfg(&rx);
    add_rule(
        &mut store,
        "web only",
        "service:web-store",
        &[format!("webhook:{}", rx.url("/q"))],
    );
    let mut sev = add_rule(
        &mut store,
        "crit only",
        "",
        &[format!("webhook:{}", rx.url("/sev"))],
    );
    sev.severities = vec![Severity::Critical];
    store.write(|tx| rules::update(tx, &sev, 1)).unwrap();
    let (_, queued) = upsert_and_queue(&mut store, &c, &[signal("s1", "high", "t")]).unwrap();
    assert_eq!(queued, 0);
    notify::flush_for(
        &mut engine(&store),
        &Sender::new(c).unwrap(),
        Duration::from_secs(1),
    )
    .unwrap();
    assert!(rx.requests().is_empty(), "{:?}", rx.requests());
}

#[test]
fn one_delivery_per_change_and_a_severity_rise_is_a_change() {
    let (_d, mut store, rx) = setup();
    let c = cfg(&rx);
    add_rule(
        &mut store,
        "all",
        "env:prod",
        &[format!("webhook:{}", rx.url("/all"))],
    );
    let q = |store: &mut SqliteStore, sev: &str| {
        upsert_and_queue(store, &c, &[signal("s1", sev, "t")])
            .unwrap()
            .1
    };
    assert_eq!(q(&mut store, "medium"), 1);
    assert_eq!(q(&mut store, "medium"), 0, "re-import without change");
    assert_eq!(q(&mut store, "low"), 0, "a lower severity is not a rise");
    assert_eq!(q(&mut store, "critical"), 1);
    assert_eq!(q(&mut store, "critical"), 0);
    notify::flush_for(
        &mut engine(&store),
        &Sender::new(c).unwrap(),
        Duration::from_secs(5),
    )
    .unwrap();
    let got = rx.to("/all");
    assert_eq!(got.len(), 2);
    assert_eq!(
        got.iter()
            .filter(|r| r.json()["meta"]["change"] == "severity:critical")
            .count(),
        1
    );
}

#[test]
fn restart_in_the_middle_of_a_retry_loses_no_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let rx = Receiver::start();
    let c = cfg(&rx);
    rx.script("/r", &[500, 200]);
    rx.script("/leased", &[200]);
    {
        let mut store = SqliteStore::open(&path).unwrap();
        add_rule(&mut store, "r", "", &[format!("webhook:{}", rx.url("/r"))]);
        add_rule(
            &mut store,
            "leased",
            "",
            &[format!("webhook:{}", rx.url("/leased"))],
        );
        upsert_and_queue(&mut store, &c, &[signal("s1", "high", "t")]).unwrap();
        // One attempt of "/r" fails; then the process dies while it holds the lease on "/leased"
        // (claimed but never sent): both must be there for the next process.
        let sender = Sender::new(c.clone()).unwrap();
        let p = c.policy();
        // A lease of zero stands for one that ran out while the process was gone.
        let expired = sigscope::notify::queue::Policy {
            lease: Duration::ZERO,
            ..p
        };
        let claimed = store
            .write(|tx| queue::claim_due(tx, chrono::Utc::now(), &expired, 10))
            .unwrap();
        assert_eq!(claimed.len(), 2);
        let r = claimed.iter().find(|d| d.target.ends_with("/r")).unwrap();
        let a = sender.send(&Target::parse(&r.target).unwrap(), &r.payload);
        store
            .write(|tx| queue::record(tx, r.id, &a.outcome, chrono::Utc::now(), &p))
            .unwrap();
        assert_eq!(queue::pending(store.conn()).unwrap(), 2);
    }
    let store = SqliteStore::open(&path).unwrap();
    let r = notify::flush_for(
        &mut engine(&store),
        &Sender::new(c).unwrap(),
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!((r.sent, r.pending), (2, 0), "{r:?}");
    assert_eq!(rx.to("/r").len(), 2);
    assert_eq!(rx.to("/leased").len(), 1);
}

#[test]
fn errors_and_listings_never_show_the_secret() {
    let (_d, mut store, _rx) = setup();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut c = NotifyConfig {
        max_attempts: 1,
        ..NotifyConfig::default()
    };
    c.slack_base_url = format!("http://{closed}/services");
    add_rule(
        &mut store,
        "s",
        "",
        &["slack:T01/B02/SuperSecretToken123".into()],
    );
    upsert_and_queue(&mut store, &c, &[signal("s1", "high", "t")]).unwrap();
    notify::flush_for(
        &mut engine(&store),
        &Sender::new(c).unwrap(),
        Duration::from_secs(2),
    )
    .unwrap();
    let d = &queue::list(store.conn(), true, 10).unwrap()[0];
    let err = d.last_error.clone().unwrap();
    assert!(!err.contains("SuperSecretToken123"), "{err}");
    let rule = &rules::list(store.conn()).unwrap()[0];
    assert!(!rule
        .to_json_masked()
        .to_string()
        .contains("SuperSecretToken123"));
}

#[test]
fn the_background_sender_delivers_what_another_process_queued() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let rx = Receiver::start();
    let c = cfg(&rx);
    {
        // The importing process queues and exits without sending.
        let mut store = SqliteStore::open(&path).unwrap();
        add_rule(
            &mut store,
            "bg",
            "",
            &[format!("webhook:{}", rx.url("/bg"))],
        );
        upsert_and_queue(&mut store, &c, &[signal("s1", "high", "t")]).unwrap();
    }
    // The next process on the store (the explorer, serve) drains it in the background.
    let bg = notify::spawn_background(path.clone(), c, Duration::from_millis(20)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    for _ in 0..500 {
        if queue::pending(store.conn()).unwrap() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bg.stop();
    assert_eq!(queue::pending(store.conn()).unwrap(), 0);
    assert_eq!(rx.to("/bg").len(), 1);
    assert_eq!(
        queue::list(store.conn(), false, 1).unwrap()[0].state,
        DeliveryState::Sent
    );
}
