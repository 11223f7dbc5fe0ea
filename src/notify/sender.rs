//! Sending deliveries over HTTP, and the loops that drain the queue: once, for a while (an import
//! waiting for its own deliveries), or in a background thread (the explorer, `serve`).
//!
//! This uses reqwest's blocking client: call it from plain threads, never from inside a tokio runtime
//! (wrap it in `spawn_blocking` there).
use super::config::NotifyConfig;
use super::mask::mask_text;
use super::queue::{Delivery, DeliveryState, Outcome, Policy};
use super::rule::Target;
use super::throttle::{retry_after, Throttle};
use crate::engine::Engine;
use crate::error::{Error, Result};
use chrono::Utc;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Deliveries sent concurrently per round, so one slow target does not hold back the rest.
const BATCH: usize = 16;

pub struct Sender {
    client: reqwest::blocking::Client,
    cfg: NotifyConfig,
    throttle: Throttle,
}

/// An answer from a target, for `notify rules test`.
#[derive(Clone, Debug)]
pub struct Answer {
    pub outcome: Outcome,
    /// The start of the response body.
    pub body: String,
}

fn error_chain(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        src = s.source();
    }
    msg
}

impl Sender {
    pub fn new(cfg: NotifyConfig) -> Result<Sender> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_secs.max(1)))
            .user_agent(concat!("sigscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Other(format!("HTTP client: {e}")))?;
        Ok(Sender {
            client,
            throttle: Throttle::new(&cfg),
            cfg,
        })
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.cfg
    }

    pub fn policy(&self) -> Policy {
        self.cfg.policy()
    }

    /// Where a target's messages go.
    pub fn url_for(&self, t: &Target) -> String {
        match t {
            Target::Webhook { url: u, .. } | Target::Teams(u) => u.clone(),
            Target::Slack(u) if u.contains("://") => u.clone(),
            Target::Slack(path) => format!(
                "{}/{}",
                self.cfg.slack_base_url.trim_end_matches('/'),
                path.trim_start_matches('/')
            ),
            Target::PagerDuty(_) => self.cfg.pagerduty_url.clone(),
        }
    }

    /// POST one JSON body (a one-off message: its webhook id is new); every failure is described
    /// with its secrets masked.
    pub fn send(&self, t: &Target, body: &str) -> Answer {
        let id = super::sign::message_id(&[&uuid::Uuid::new_v4().to_string()]);
        self.send_as(t, body, &id)
    }

    /// POST one JSON body as message `msg_id` (a webhook's `webhook-id`, the same on every retry).
    pub fn send_as(&self, t: &Target, body: &str, msg_id: &str) -> Answer {
        let started = Instant::now();
        let url = self.url_for(t);
        let mut secrets = vec![url.clone(), t.value().to_string()];
        secrets.extend(t.secret().map(str::to_string));
        let mut req = self
            .client
            .post(&url)
            .header("content-type", "application/json");
        if let Some(secret) = t.secret() {
            match super::sign::sign(secret, msg_id, Utc::now().timestamp(), body) {
                Ok(sig) => {
                    req = req
                        .header("webhook-id", sig.id)
                        .header("webhook-timestamp", sig.timestamp.to_string())
                        .header("webhook-signature", sig.signature);
                }
                Err(e) => {
                    return Answer {
                        outcome: Outcome {
                            error: Some(e.to_string()),
                            permanent: true,
                            ..Outcome::default()
                        },
                        body: String::new(),
                    }
                }
            }
        }
        let result = req.body(body.to_string()).send();
        let mut outcome = Outcome::default();
        let mut text = String::new();
        match result {
            Ok(resp) => {
                let status = resp.status();
                outcome.status = Some(status.as_u16());
                if status.as_u16() == 429 || status.as_u16() == 503 {
                    outcome.retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry_after(v, Utc::now()));
                }
                text = resp.text().unwrap_or_default();
                text = crate::sanitize::truncate(&text, 500);
                if !status.is_success() {
                    let code = status.as_u16();
                    outcome.permanent = status.is_client_error() && code != 408 && code != 429;
                    outcome.error = Some(format!(
                        "HTTP {code}{}",
                        if text.trim().is_empty() {
                            String::new()
                        } else {
                            format!(": {}", crate::sanitize::truncate(text.trim(), 200))
                        }
                    ));
                }
            }
            Err(e) => {
                outcome.error = Some(error_chain(&e.without_url()));
            }
        }
        outcome.error = outcome
            .error
            .map(|e| mask_text(&super::mask::redact(&e, &secrets)));
        outcome.duration_ms = started.elapsed().as_millis() as i64;
        Answer {
            outcome,
            body: mask_text(&super::mask::redact(&text, &secrets)),
        }
    }

    /// Whether a delivery may go now (taking its slot), or how long it must wait.
    fn admit(&self, d: &Delivery) -> std::result::Result<(), Duration> {
        match Target::parse(&d.target) {
            Ok(t) => self.throttle.admit(&t),
            Err(_) => Ok(()),
        }
    }

    fn deliver(&self, d: &Delivery) -> Outcome {
        match Target::parse(&d.target) {
            Ok(t) => {
                let id =
                    super::sign::message_id(&[&d.rule_id, &d.signal_id, &d.change_key, t.value()]);
                let outcome = self.send_as(&t, &d.payload, &id).outcome;
                if let Some(wait) = outcome.retry_after {
                    self.throttle.hold(&t, wait);
                }
                outcome
            }
            Err(e) => Outcome {
                error: Some(e.to_string()),
                permanent: true,
                ..Outcome::default()
            },
        }
    }
}

/// What a drain did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
    /// Put off by the target's rate limit (or its `Retry-After`), without an attempt.
    pub throttled: usize,
    /// Still queued or failed (to be retried later) when the drain stopped.
    pub pending: u64,
}

impl FlushReport {
    fn add(&mut self, s: DeliveryState) {
        match s {
            DeliveryState::Sent => self.sent += 1,
            DeliveryState::Failed => self.failed += 1,
            DeliveryState::Dead => self.dead += 1,
            DeliveryState::Queued => {}
        }
    }
}

/// Send every delivery that is due now, concurrently in batches; record each attempt.
pub fn flush_once(engine: &mut Engine, sender: &Sender) -> Result<FlushReport> {
    let policy = sender.policy();
    let mut report = FlushReport::default();
    loop {
        let claimed = engine.claim_deliveries(&policy, BATCH)?;
        if claimed.is_empty() {
            break;
        }
        // Ask the throttle in claim order, before any thread starts, so the rates hold exactly.
        let mut outcomes: Vec<(i64, Outcome)> = Vec::new();
        let mut to_send = Vec::new();
        for d in &claimed {
            match sender.admit(d) {
                Ok(()) => to_send.push(d),
                Err(wait) => {
                    report.throttled += 1;
                    outcomes.push((
                        d.id,
                        Outcome {
                            deferred: Some(wait),
                            ..Outcome::default()
                        },
                    ))
                }
            }
        }
        let sent: Vec<(i64, Outcome)> = std::thread::scope(|scope| {
            let handles: Vec<_> = to_send
                .iter()
                .map(|d| scope.spawn(move || (d.id, sender.deliver(d))))
                .collect();
            handles
                .into_iter()
                .zip(to_send.iter())
                .map(|(h, d)| {
                    h.join().unwrap_or_else(|_| {
                        (
                            d.id,
                            Outcome {
                                error: Some("the sending thread panicked".into()),
                                ..Outcome::default()
                            },
                        )
                    })
                })
                .collect()
        });
        outcomes.extend(sent);
        let states = engine.record_deliveries(&outcomes, &policy)?;
        for (s, (_, o)) in states.into_iter().zip(&outcomes) {
            if o.deferred.is_none() {
                report.add(s);
            }
        }
    }
    report.pending = engine.delivery_backlog()?.0;
    Ok(report)
}

/// Drain the queue, retrying as backoff allows, until nothing is pending or `wait` has passed.
pub fn flush_for(engine: &mut Engine, sender: &Sender, wait: Duration) -> Result<FlushReport> {
    let deadline = Instant::now() + wait;
    let mut total = FlushReport::default();
    loop {
        let r = flush_once(engine, sender)?;
        total.sent += r.sent;
        total.failed += r.failed;
        total.dead += r.dead;
        total.throttled += r.throttled;
        total.pending = r.pending;
        if r.pending == 0 {
            return Ok(total);
        }
        let Some(next) = engine.delivery_backlog()?.1 else {
            return Ok(total);
        };
        let until_next = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        let now = Instant::now();
        if now + until_next > deadline {
            return Ok(total);
        }
        std::thread::sleep(until_next.max(Duration::from_millis(10)));
    }
}

/// A thread that keeps draining the queue of one store until stopped (or dropped).
pub struct Background {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Background {
    pub fn stop(mut self) {
        self.halt();
    }

    /// Stop, waiting a moment for a send in flight; past that the thread is left to die with the
    /// process (its delivery's lease runs out and the next process retries it).
    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let waited = Instant::now();
            while !h.is_finished() && waited.elapsed() < Duration::from_secs(2) {
                std::thread::sleep(Duration::from_millis(20));
            }
            if h.is_finished() {
                let _ = h.join();
            }
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Start draining the store at `path` in the background, checking for due deliveries every `poll`.
/// Errors are logged and retried, never fatal: notifications must not take the explorer down.
pub fn spawn_background(path: PathBuf, cfg: NotifyConfig, poll: Duration) -> Result<Background> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::Builder::new()
        .name("sigscope-notify".into())
        .spawn(move || {
            let sender = match Sender::new(cfg) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("notifications disabled: {e}");
                    return;
                }
            };
            let mut store = None;
            while !flag.load(Ordering::SeqCst) {
                if store.is_none() {
                    store = Engine::open(&path)
                        .map_err(|e| tracing::warn!("notify: {e}"))
                        .ok();
                }
                if let Some(s) = store.as_mut() {
                    if let Err(e) = flush_once(s, &sender) {
                        tracing::warn!("notify: {e}");
                    }
                }
                let slept = Instant::now();
                while !flag.load(Ordering::SeqCst) && slept.elapsed() < poll {
                    std::thread::sleep(Duration::from_millis(50).min(poll));
                }
            }
        })
        .map_err(|e| Error::Other(format!("cannot start the notification thread: {e}")))?;
    Ok(Background {
        stop,
        handle: Some(handle),
    })
}
