//! The durable delivery queue: rows in the store, claimed with a lease so that several sigscope
//! processes on one file never send the same delivery at once, and a process killed mid-send leaves
//! the delivery to be retried when the lease runs out.
use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Queued,
    Sent,
    /// The last attempt failed; another is scheduled.
    Failed,
    /// Given up: too many attempts, or an answer that retrying cannot change.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "queued" => Some(DeliveryState::Queued),
            "sent" => Some(DeliveryState::Sent),
            "failed" => Some(DeliveryState::Failed),
            "dead" => Some(DeliveryState::Dead),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub rule_id: String,
    pub rule_name: String,
    pub signal_id: String,
    pub change_key: String,
    /// The full target (`kind:value`): a secret; show `Target::masked()`.
    pub target: String,
    pub payload: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What one send came to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub status: Option<u16>,
    /// Set when the attempt failed (transport error or a non-2xx answer), already masked.
    pub error: Option<String>,
    /// A failure that retrying cannot fix (a 4xx other than 408/429).
    pub permanent: bool,
    pub duration_ms: i64,
    /// The target's `Retry-After` (on a 429 or 503): the next attempt waits at least this long.
    pub retry_after: Option<Duration>,
    /// Not sent: the target's rate limit puts it off this long. No attempt is counted.
    pub deferred: Option<Duration>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// How hard to try.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a claimed delivery is reserved for its sender.
    pub lease: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_attempts: 8,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(60),
        }
    }
}

/// The wait after the `attempts`-th failure: base × 2^(attempts-1), capped.
pub fn backoff(attempts: u32, p: &Policy) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1).min(30))
        .unwrap_or(u32::MAX);
    p.backoff_base
        .checked_mul(factor)
        .unwrap_or(p.backoff_max)
        .min(p.backoff_max)
}

/// A delivery to queue.
#[derive(Clone, Copy, Debug)]
pub struct NewDelivery<'a> {
    pub rule_id: &'a str,
    pub rule_name: &'a str,
    pub signal_id: &'a str,
    pub change_key: &'a str,
    pub target: &'a str,
    pub payload: &'a str,
}

/// A `std` duration as chrono's, saturating.
pub fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}
