//! Automated attacker blocking: a rule selects signals with a query and blocks their attackers.
//!
//! `plan` decides, for one signal, what a rule would do to each of its attackers, from the block
//! history alone; the engine applies the plan (or, in simulation mode, records it). Being a pure
//! function of the history is what makes re-imports idempotent: a rule acts once per signal and
//! value, so an analyst who lifts an automated block does not see it come back on the next sync.
use super::allowlist::{self, Allowlist};
use super::duration;
use super::entry::{BlockValue, HistoryAction, HistoryEvent, ValueKind};
use super::escalation::escalated;
use crate::error::{Error, Result};
use crate::model::Signal;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockWhat {
    Ips,
    Users,
    Both,
}

impl BlockWhat {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockWhat::Ips => "ips",
            BlockWhat::Users => "users",
            BlockWhat::Both => "both",
        }
    }

    pub fn parse(s: &str) -> Result<BlockWhat> {
        match s {
            "ips" | "ip" => Ok(BlockWhat::Ips),
            "users" | "user" => Ok(BlockWhat::Users),
            "both" => Ok(BlockWhat::Both),
            _ => Err(Error::Usage(format!(
                "{:?}: block ips, users or both",
                crate::sanitize::clean(s)
            ))),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AutoblockRule {
    /// Also the actor of its blocks: `autoblock:<name>`.
    pub name: String,
    /// Search syntax selecting the signals whose attackers are blocked.
    pub query: String,
    pub what: BlockWhat,
    /// `None` is permanent.
    #[serde(serialize_with = "ser_duration")]
    pub duration: Option<Duration>,
    /// Double the duration for each earlier block of the same value.
    pub escalate: bool,
    /// Upper bound of an escalated duration.
    #[serde(serialize_with = "ser_duration")]
    pub cap: Option<Duration>,
    /// Record what would have been blocked, block nothing.
    pub simulate: bool,
    pub enabled: bool,
}

fn ser_duration<S: serde::Serializer>(
    d: &Option<Duration>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&duration::human(Some(*d))),
        None => s.serialize_none(),
    }
}

impl AutoblockRule {
    /// The audit actor of this rule's blocks.
    pub fn actor(&self) -> String {
        format!("autoblock:{}", self.name)
    }

    /// Names end up in actors, history and other tools' comments, so they stay plain.
    pub fn validate(&self) -> Result<()> {
        let ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(Error::Usage(format!(
                "rule name {:?}: use 1-64 letters, digits, '-', '_' or '.'",
                crate::sanitize::clean(&self.name)
            )));
        }
        if self.query.trim().is_empty() {
            return Err(Error::Usage(
                "an autoblock rule needs a query; a rule matching every signal is too broad".into(),
            ));
        }
        for (what, d) in [("duration", self.duration), ("cap", self.cap)] {
            if let Some(d) = d {
                let b = crate::timing::BLOCK;
                if d < b.min || d > b.max {
                    return Err(Error::Usage(format!(
                        "rule {}: {what} {} is out of range (1s to {}; or permanent)",
                        self.name,
                        duration::human(Some(d)),
                        duration::human(Some(b.max))
                    )));
                }
            }
        }
        if let (Some(d), Some(c)) = (self.duration, self.cap) {
            if c < d {
                return Err(Error::Usage(format!(
                    "cap {} is shorter than the duration {}",
                    duration::human(Some(c)),
                    duration::human(Some(d))
                )));
            }
        }
        if self.cap.is_some() && !self.escalate {
            return Err(Error::Usage("--cap only applies with --escalate".into()));
        }
        Ok(())
    }
}

/// A rule already acted on a value for a signal (made, extended, or in simulation recorded a block):
/// the idempotency key of automated blocking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub rule: String,
    pub signal_id: String,
    pub value: BlockValue,
    pub simulated: bool,
}

/// Whether a signal is selected by a rule's query. `query::Query` implements it; tests use closures.
pub trait Matcher {
    fn matches(&self, signal: &Signal) -> bool;
}

impl<F: Fn(&Signal) -> bool> Matcher for F {
    fn matches(&self, signal: &Signal) -> bool {
        self(signal)
    }
}

impl Matcher for crate::query::Query {
    fn matches(&self, signal: &Signal) -> bool {
        crate::query::Query::matches(self, signal)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Decision {
    /// A new entry. `prior` is how many earlier blocks of the value escalated it.
    Block {
        expires_at: Option<DateTime<Utc>>,
        prior: u32,
    },
    /// The value is blocked, but not for as long as this rule wants: push the expiry out.
    Extend {
        entry_id: i64,
        expires_at: Option<DateTime<Utc>>,
        prior: u32,
    },
    Skip {
        why: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedBlock {
    pub rule: String,
    pub signal_id: String,
    pub value: BlockValue,
    pub kind: ValueKind,
    pub decision: Decision,
    /// The rule is in simulation mode: record, do not block.
    pub simulate: bool,
    pub reason: String,
}

impl PlannedBlock {
    /// True when the engine has something to do (block, extend or record a simulation).
    pub fn acts(&self) -> bool {
        !matches!(self.decision, Decision::Skip { .. })
    }
}

/// How a skip for a value the signal carries but that may not be blocked begins, so the engine can
/// log those (a range in a signal is a sign of tampering, not a reason to block more).
pub const NOT_BLOCKABLE: &str = "not a blockable value";

/// Loopback, unspecified and `/0` values are never blocked (the engine refuses them too); a rule
/// skips them rather than failing the whole import.
pub fn never_blocked(value: &BlockValue) -> Option<&'static str> {
    super::address::never_blocked(&value.net()?)
}

/// The state of each entry after its last event.
struct EntryState<'a> {
    last: &'a HistoryEvent,
}

fn entry_states(history: &[HistoryEvent]) -> HashMap<i64, EntryState<'_>> {
    let mut m: HashMap<i64, EntryState> = HashMap::new();
    for e in history {
        match m.get(&e.entry_id) {
            Some(s) if s.last.seq > e.seq => {}
            _ => {
                m.insert(e.entry_id, EntryState { last: e });
            }
        }
    }
    m
}

fn is_active(e: &HistoryEvent, now: DateTime<Utc>) -> bool {
    matches!(e.action, HistoryAction::Made | HistoryAction::Extended)
        && e.expires_at.is_none_or(|t| t > now)
}

/// Names a block in a skip reason: its id, or for a block `dry_run` only imagined (negative ids),
/// the signal that would have made it.
fn who(e: &HistoryEvent) -> String {
    if e.entry_id < 0 {
        format!(
            "(planned earlier in this run, signal {})",
            e.signal_id.as_deref().unwrap_or("-")
        )
    } else {
        format!("(block #{})", e.entry_id)
    }
}

/// `a` lasts at least as long as `b` (`None` is forever).
fn outlasts(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> bool {
    match (a, b) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a >= b,
    }
}

fn attackers(
    rule: &AutoblockRule,
    signal: &Signal,
    v6_prefix: u8,
) -> Vec<(String, Result<BlockValue>)> {
    let mut out: Vec<(String, Result<BlockValue>)> = Vec::new();
    if matches!(rule.what, BlockWhat::Ips | BlockWhat::Both) {
        for ip in &signal.attacker_ips {
            // Signal data: one address, never a range (see `address::from_signal`).
            out.push((ip.clone(), BlockValue::from_signal_ip(ip, v6_prefix)));
        }
    }
    if matches!(rule.what, BlockWhat::Users | BlockWhat::Both) {
        for u in &signal.attacker_users {
            out.push((u.clone(), BlockValue::parse_user(u)));
        }
    }
    let mut seen = Vec::new();
    out.retain(|(raw, v)| {
        let key = v.as_ref().map(|v| v.to_string()).unwrap_or(raw.clone());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    out
}

/// What `rule` does to `signal`'s attackers, given the block history of those values (and of any
/// range covering them). Empty when the rule is disabled or its query does not select the signal.
/// IPv6 attackers are blocked as single addresses (`plan_with` takes a configured prefix).
pub fn plan(
    rule: &AutoblockRule,
    matcher: &dyn Matcher,
    signal: &Signal,
    history: &[HistoryEvent],
    runs: &[Run],
    allow: &Allowlist,
    now: DateTime<Utc>,
) -> Vec<PlannedBlock> {
    let ctx = PlanCtx {
        history,
        runs,
        allow,
        now,
        v6_prefix: super::address::DEFAULT_SIGNAL_V6_PREFIX,
    };
    plan_with(rule, matcher, signal, &ctx)
}

/// What a plan reads besides the rule and the signal.
pub struct PlanCtx<'a> {
    pub history: &'a [HistoryEvent],
    pub runs: &'a [Run],
    pub allow: &'a Allowlist,
    pub now: DateTime<Utc>,
    /// The prefix an IPv6 attacker is blocked as (`address::from_signal`).
    pub v6_prefix: u8,
}

/// `plan`, with the IPv6 prefix the engine is configured with.
pub fn plan_with(
    rule: &AutoblockRule,
    matcher: &dyn Matcher,
    signal: &Signal,
    c: &PlanCtx,
) -> Vec<PlannedBlock> {
    let PlanCtx {
        history,
        runs,
        allow,
        now,
        v6_prefix,
    } = *c;
    if !rule.enabled || !matcher.matches(signal) {
        return Vec::new();
    }
    let actor = rule.actor();
    let states = entry_states(history);
    let reason = crate::sanitize::truncate(
        &format!(
            "autoblock {}: {}",
            rule.name,
            crate::sanitize::clean(&signal.title)
        ),
        200,
    );
    let mut out = Vec::new();
    for (raw, parsed) in attackers(rule, signal, v6_prefix) {
        let value = match parsed {
            Ok(v) => v,
            Err(e) => {
                out.push(PlannedBlock {
                    rule: rule.name.clone(),
                    signal_id: signal.id.clone(),
                    value: BlockValue::User(crate::sanitize::clean(&raw)),
                    kind: ValueKind::User,
                    decision: Decision::Skip {
                        why: format!("{NOT_BLOCKABLE}: {e}"),
                    },
                    simulate: rule.simulate,
                    reason: reason.clone(),
                });
                continue;
            }
        };
        let ctx = Ctx {
            rule,
            actor: &actor,
            signal,
            history,
            runs,
            states: &states,
            allow,
            now,
        };
        let decision = decide(&ctx, &value);
        out.push(PlannedBlock {
            rule: rule.name.clone(),
            signal_id: signal.id.clone(),
            kind: value.kind(),
            value,
            decision,
            simulate: rule.simulate,
            reason: reason.clone(),
        });
    }
    out
}

struct Ctx<'a> {
    rule: &'a AutoblockRule,
    actor: &'a str,
    signal: &'a Signal,
    history: &'a [HistoryEvent],
    runs: &'a [Run],
    states: &'a HashMap<i64, EntryState<'a>>,
    allow: &'a Allowlist,
    now: DateTime<Utc>,
}

fn decide(c: &Ctx, value: &BlockValue) -> Decision {
    let Ctx {
        rule,
        actor,
        signal,
        history,
        runs,
        states,
        allow,
        now,
    } = *c;
    let skip = |why: String| Decision::Skip { why };
    if let Some(why) = never_blocked(value) {
        return skip(why.into());
    }
    if let Some(a) = allow.find(value) {
        return skip(allowlist::refusal(value, a));
    }
    // A simulation recorded while the rule simulated does not stop it acting for real once the
    // analyst switches simulation off.
    let ran = runs.iter().any(|r| {
        r.rule == rule.name
            && r.signal_id == signal.id
            && &r.value == value
            && (!r.simulated || rule.simulate)
    });
    // The block history says it too, should a run record have been lost.
    let made = history.iter().any(|e| {
        e.by == actor
            && e.signal_id.as_deref() == Some(signal.id.as_str())
            && &e.value == value
            && e.action == HistoryAction::Made
    });
    let done = ran || made;
    if done {
        return skip(format!("already handled by {actor} for this signal"));
    }
    let prior = if rule.escalate {
        history
            .iter()
            .filter(|e| e.action == HistoryAction::Made && &e.value == value)
            .count() as u32
    } else {
        0
    };
    let wanted = escalated(rule.duration, prior, rule.cap).map(|d| {
        now.checked_add_signed(d)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    });
    let mut exact = None;
    for s in states.values().filter(|s| is_active(s.last, now)) {
        let e = s.last;
        if &e.value == value {
            exact = Some(e);
        } else if e
            .value
            .net()
            .zip(value.net())
            .is_some_and(|(a, b)| a.contains(&b))
            && outlasts(e.expires_at, wanted)
        {
            return skip(format!("covered by the block of {} {}", e.value, who(e)));
        }
    }
    match exact {
        Some(e) if outlasts(e.expires_at, wanted) => skip(format!(
            "already blocked {} {}",
            who(e),
            match e.expires_at {
                Some(t) => format!("until {}", crate::model::json::fmt_time(&t)),
                None => "permanently".into(),
            }
        )),
        Some(e) => Decision::Extend {
            entry_id: e.entry_id,
            expires_at: wanted,
            prior,
        },
        None => Decision::Block {
            expires_at: wanted,
            prior,
        },
    }
}

pub use super::dry_run::{dry_run, dry_run_with};

#[cfg(test)]
#[path = "autoblock_tests.rs"]
mod tests;
