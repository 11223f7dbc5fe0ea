//! Per-target send rates: each target (a Slack webhook, a PagerDuty routing key, a Teams or generic
//! webhook URL) gets its service's documented rate (GCRA, through `governor`), and a target that
//! answered `429`/`503` with `Retry-After` is left alone until then. A delivery that may not go now is
//! put off to the time the throttle names, without counting as an attempt.
//!
//! The throttle lives in one sending process: several processes on one store each keep their own.
use super::config::NotifyConfig;
use super::rule::Target;
use chrono::{DateTime, Utc};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    /// One limiter per kind of target, keyed by the target itself.
    limiters: HashMap<&'static str, DefaultKeyedRateLimiter<String>>,
    /// Targets that asked to be left alone, and until when.
    holds: Mutex<HashMap<String, Instant>>,
}

/// A rate of `per_minute`, with bursts of about one second's worth.
fn quota(per_minute: u32) -> Option<Quota> {
    let n = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(per_minute.div_ceil(60).max(1))?;
    Some(Quota::per_minute(n).allow_burst(burst))
}

/// The key a target is limited by: the routing key for PagerDuty (one endpoint, many keys), else the
/// URL.
fn key(t: &Target) -> String {
    format!("{}:{}", t.kind(), t.value())
}

impl Throttle {
    pub fn new(cfg: &NotifyConfig) -> Throttle {
        let mut limiters = HashMap::new();
        for kind in ["slack", "pagerduty", "teams", "webhook"] {
            if let Some(q) = quota(cfg.per_minute(kind)) {
                limiters.insert(kind, DefaultKeyedRateLimiter::keyed(q));
            }
        }
        Throttle {
            limiters,
            holds: Mutex::new(HashMap::new()),
        }
    }

    /// May a message go to `t` now? If not, how long until it may. Admitting takes the slot.
    pub fn admit(&self, t: &Target) -> Result<(), Duration> {
        let k = key(t);
        if let Ok(mut holds) = self.holds.lock() {
            if let Some(until) = holds.get(&k).copied() {
                let now = Instant::now();
                if until > now {
                    return Err(until - now);
                }
                holds.remove(&k);
            }
        }
        let Some(limiter) = self.limiters.get(t.kind()) else {
            return Ok(());
        };
        limiter
            .check_key(&k)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// Leave `t` alone for `d` (its `Retry-After`).
    pub fn hold(&self, t: &Target, d: Duration) {
        let until = Instant::now() + d;
        if let Ok(mut holds) = self.holds.lock() {
            let slot = holds.entry(key(t)).or_insert(until);
            *slot = (*slot).max(until);
        }
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the past is no
/// wait; anything unreadable is ignored.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cfg(per_minute: u32) -> NotifyConfig {
        NotifyConfig {
            slack_per_minute: per_minute,
            webhook_per_minute: 0,
            ..NotifyConfig::default()
        }
    }

    #[test]
    fn slack_is_held_to_its_rate_per_webhook() {
        let t = Throttle::new(&cfg(60));
        let a = Target::Slack("https://hooks.slack.com/services/T/B/a".into());
        let b = Target::Slack("https://hooks.slack.com/services/T/B/b".into());
        assert!(t.admit(&a).is_ok());
        let wait = t.admit(&a).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(t.admit(&b).is_ok(), "another webhook has its own budget");
    }

    #[test]
    fn zero_means_unlimited_and_holds_win() {
        let t = Throttle::new(&cfg(60));
        let w = Target::Webhook {
            url: "https://h.example/x".into(),
            secret: None,
        };
        for _ in 0..100 {
            assert!(t.admit(&w).is_ok());
        }
        t.hold(&w, Duration::from_secs(120));
        let wait = t.admit(&w).unwrap_err();
        assert!(wait > Duration::from_secs(119), "{wait:?}");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 27, 0).unwrap();
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
