//! Each notification target as its service documents it, against a real receiver on 127.0.0.1:
//! PagerDuty following triage, Teams cards with inert attacker Markdown, per-target rates and
//! `Retry-After`, and Standard Webhooks signatures checked by independent verifiers.
mod receiver;

use base64::Engine as _;
use receiver::{signal, Receiver, Request};
use sigscope::engine::{Command, Engine, SignalRef};
use sigscope::model::{ArchiveReason, TriageState, User};
use sigscope::notify::pagerduty::Action;
use sigscope::notify::{self, Author, NotificationRule, NotifyConfig, Sender, Target};
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
        ..NotifyConfig::default()
    }
}

struct Env {
    _dir: tempfile::TempDir,
    engine: Engine,
    admin: User,
    rx: Receiver,
    cfg: NotifyConfig,
}

fn env_with(f: impl FnOnce(&mut NotifyConfig)) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start();
    let mut c = cfg(&rx);
    f(&mut c);
    let mut engine = Engine::open(&dir.path().join("s.db")).unwrap();
    engine.set_notify_config(c.clone());
    let admin = engine.resolve_actor(Some("admin@example.com")).unwrap();
    Env {
        _dir: dir,
        engine,
        admin,
        rx,
        cfg: c,
    }
}

impl Env {
    fn rule(&mut self, query: &str, targets: &[String]) {
        let mut r = NotificationRule::new(
            NotificationRule::new_id(),
            "r".into(),
            chrono::Utc::now(),
            Author::default(),
        );
        r.query = query.into();
        r.targets = targets.iter().map(|t| Target::parse(t).unwrap()).collect();
        self.engine.add_notify_rule(&self.admin, r).unwrap();
    }

    fn ingest(&mut self, ids: &[&str], title: &str) {
        let list = ids.iter().map(|id| signal(id, "critical", title)).collect();
        self.engine.ingest(&self.admin, list, &self.cfg).unwrap();
    }

    fn flush(&mut self, secs: u64) -> notify::FlushReport {
        let sender = Sender::new(self.cfg.clone()).unwrap();
        notify::flush_for(&mut self.engine, &sender, Duration::from_secs(secs)).unwrap()
    }

    fn set_state(&mut self, id: &str, to: TriageState) {
        let reason = (to == TriageState::Archived).then_some(ArchiveReason::FalsePositive);
        self.engine
            .execute(
                &self.admin,
                Command::SetState {
                    signals: vec![SignalRef::new(id)],
                    to,
                    reason,
                    comment: None,
                },
            )
            .unwrap();
    }
}

fn actions(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .map(|r| r.json()["event_action"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pagerduty_acknowledges_and_resolves_the_page_the_signal_opened() {
    let mut env = env_with(|_| {});
    // A rule on open signals still hears that its signal was moved on.
    let hook = env.rx.url("/hook");
    env.rule(
        "@workflow.triage.state:open",
        &["pagerduty:R0UT1NGKEY".into(), format!("webhook:{hook}")],
    );
    env.ingest(&["sig-1"], "SQL injection");
    env.flush(5);
    env.set_state("sig-1", TriageState::UnderReview);
    env.flush(5);
    env.set_state("sig-1", TriageState::Archived);
    let r = env.flush(5);
    assert_eq!(r.pending, 0, "{r:?}");

    let pd = env.rx.to("/pd/v2/enqueue");
    assert_eq!(actions(&pd), ["trigger", "acknowledge", "resolve"]);
    for p in &pd {
        assert_eq!(p.json()["dedup_key"], "sig-1");
        assert_eq!(p.json()["routing_key"], "R0UT1NGKEY");
    }
    // acknowledge and resolve carry what the Events API asks for and nothing else.
    for p in &pd[1..] {
        let keys: Vec<String> = p.json().as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["routing_key", "event_action", "dedup_key"]);
    }
    // Optional trigger fields are left out, never null or empty.
    let payload = pd[0].json()["payload"].clone();
    assert!(payload
        .as_object()
        .unwrap()
        .values()
        .all(|v| !v.is_null() && v != ""));
    // Triage is PagerDuty's business only: the webhook heard of the new signal once.
    assert_eq!(env.rx.to("/hook").len(), 1);
}

#[test]
fn pagerduty_triage_actions_follow_the_config() {
    let mut env = env_with(|c| {
        c.pagerduty_on_under_review = Action::None;
        c.pagerduty_on_reopen = Action::Trigger;
    });
    env.rule("", &["pagerduty:R0UT1NGKEY".into()]);
    env.ingest(&["sig-2"], "t");
    env.set_state("sig-2", TriageState::UnderReview);
    env.set_state("sig-2", TriageState::Archived);
    env.set_state("sig-2", TriageState::Open);
    env.set_state("sig-2", TriageState::Archived);
    env.flush(5);
    let pd = env.rx.to("/pd/v2/enqueue");
    // Each move is its own event, even the second archive of the same signal.
    assert_eq!(
        actions(&pd),
        ["trigger", "resolve", "trigger", "resolve"],
        "{pd:?}"
    );
}

#[test]
fn teams_gets_an_adaptive_card_whose_attacker_text_is_no_link() {
    let mut env = env_with(|_| {});
    let teams = env.rx.url("/teams");
    env.rule("", &[format!("teams:{teams}")]);
    env.ingest(
        &["sig-3"],
        "[Click to reset MFA](https://evil.example/phish)",
    );
    env.flush(5);
    let got = env.rx.to("/teams");
    assert_eq!(got.len(), 1);
    let v = got[0].json();
    assert_eq!(v["type"], "message");
    let a = &v["attachments"][0];
    assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
    let card = &a["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    let text = card["body"][0]["text"].as_str().unwrap();
    assert!(!text.contains("](") && !text.contains("://"), "{text}");
    for f in card["body"][1]["facts"].as_array().unwrap() {
        let v = f["value"].as_str().unwrap();
        assert!(!v.contains("://"), "{v}");
    }
    assert_eq!(
        card["actions"][0]["url"],
        "https://sigscope.example/signals/sig-3"
    );
}

#[test]
fn retired_teams_connectors_and_unsigned_webhooks_are_warned_about() {
    let t =
        Target::parse("teams:https://contoso.webhook.office.com/webhookb2/a/IncomingWebhook/b/c")
            .unwrap();
    let w = t.warnings();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("retired") && w[0].contains("Workflows"),
        "{w:?}"
    );
    let ok = Target::parse("teams:https://prod-1.westus.logic.azure.com/workflows/x").unwrap();
    assert!(ok.warnings().is_empty());
    let unsigned = Target::parse("webhook:https://h.example/x").unwrap();
    assert!(unsigned.warnings()[0].contains("unsigned"));
    assert!(unsigned.with_new_secret().warnings().is_empty());
}

#[test]
fn a_429_with_retry_after_is_retried_no_sooner() {
    let mut env = env_with(|_| {});
    env.rx.script("/rl", &[429, 200]);
    env.rx.answer_headers("/rl", &[("Retry-After", "2")]);
    let url = env.rx.url("/rl");
    env.rule("", &[format!("webhook:{url}")]);
    env.ingest(&["sig-4"], "t");
    let r = env.flush(6);
    assert_eq!((r.sent, r.failed, r.pending), (1, 1, 0), "{r:?}");
    let got = env.rx.to("/rl");
    assert_eq!(got.len(), 2);
    let gap = got[1].at - got[0].at;
    // The backoff alone would retry after 20 ms.
    assert!(gap >= Duration::from_millis(1900), "{gap:?}");
}

#[test]
fn one_slack_webhook_gets_at_most_its_rate() {
    let mut env = env_with(|c| c.slack_per_minute = 60);
    env.rule("", &["slack:T01/B02/slacktoken".into()]);
    env.ingest(&["s-a", "s-b", "s-c"], "t");
    let r = env.flush(6);
    assert_eq!((r.sent, r.pending), (3, 0), "{r:?}");
    assert!(r.throttled >= 2, "{r:?}");
    let got = env.rx.to("/slack/T01/B02/slacktoken");
    assert_eq!(got.len(), 3);
    for w in got.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap >= Duration::from_millis(900), "{gap:?}");
    }
}

/// A verifier written from the Standard Webhooks specification alone (not sigscope's signer):
/// decode the secret, HMAC `id.timestamp.body`, compare against each `v1,` signature, and refuse
/// timestamps more than five minutes away.
fn reference_verify(secret: &str, r: &Request) -> bool {
    use hmac::{Hmac, Mac};
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.trim_start_matches("whsec_")).unwrap();
    let (Some(id), Some(ts), Some(sigs)) = (
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        r.header("webhook-signature"),
    ) else {
        return false;
    };
    let Ok(ts_n) = ts.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - ts_n).abs() > 300 {
        return false;
    }
    sigs.split(' ').any(|s| {
        let Some(sig) = s.strip_prefix("v1,") else {
            return false;
        };
        let Ok(sig) = b64.decode(sig) else {
            return false;
        };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{ts}.{}", r.body).as_bytes());
        mac.verify_slice(&sig).is_ok()
    })
}

/// The same check in Python's standard library, a second implementation that shares no code.
fn python_verify(secret: &str, r: &Request) -> bool {
    let script = r#"
import base64, hashlib, hmac, sys
secret, msg_id, ts, sigs, body = sys.argv[1:6]
key = base64.b64decode(secret.removeprefix("whsec_"))
mac = hmac.new(key, f"{msg_id}.{ts}.{body}".encode(), hashlib.sha256).digest()
want = base64.b64encode(mac).decode()
sys.exit(0 if any(s.split(",", 1)[1] == want for s in sigs.split(" ") if s.startswith("v1,")) else 1)
"#;
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            secret,
            r.header("webhook-id").unwrap_or(""),
            r.header("webhook-timestamp").unwrap_or(""),
            r.header("webhook-signature").unwrap_or(""),
            &r.body,
        ])
        .status()
        .expect("python3 is needed for this test (it is on every sigscope build machine)");
    out.success()
}

#[test]
fn signed_webhooks_verify_with_reference_implementations_and_keep_their_id_on_retry() {
    let mut env = env_with(|_| {});
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    env.rx.script("/signed", &[500, 200]);
    let url = env.rx.url("/signed");
    env.rule("", &[format!("webhook:{secret}@{url}")]);
    env.ingest(&["sig-5"], "t");
    env.flush(5);
    let got = env.rx.to("/signed");
    assert_eq!(got.len(), 2);
    for r in &got {
        assert!(reference_verify(secret, r), "{r:?}");
        assert!(python_verify(secret, r), "{r:?}");
        // A different secret does not verify: the check is real.
        assert!(!reference_verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            r
        ));
        assert!(r.header("webhook-id").unwrap().starts_with("msg_"));
    }
    assert_eq!(
        got[0].header("webhook-id"),
        got[1].header("webhook-id"),
        "a retry is the same message"
    );
    // A tampered body fails.
    let mut forged = got[1].clone();
    forged.body = forged.body.replace("sig-5", "sig-6");
    assert!(!reference_verify(secret, &forged));
    assert!(!python_verify(secret, &forged));
}

#[test]
fn unsigned_webhooks_carry_no_signature_headers() {
    let mut env = env_with(|_| {});
    let url = env.rx.url("/plain");
    env.rule("", &[format!("webhook:{url}")]);
    env.ingest(&["sig-7"], "t");
    env.flush(5);
    let got = env.rx.to("/plain");
    assert_eq!(got.len(), 1);
    assert!(got[0].header("webhook-signature").is_none());
}
