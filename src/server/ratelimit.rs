//! Request limits per key and per client address (GCRA, by `governor`), answered with the vendor's
//! `X-RateLimit-*` headers.
//!
//! Two limiters: one per application key (what the vendor's API documents), and one per client
//! address that every request passes first, authenticated or not, so a flood of bogus keys or of
//! CrowdSec requests with no key is refused before it costs a store lookup or the writer lock.
use super::errors::ApiError;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

/// Keys kept before idle ones are forgotten (an address flood must not grow memory without end).
const MAX_TRACKED_KEYS: usize = 50_000;

pub struct RateLimiter<K: Hash + Eq + Clone = String> {
    /// `None`: limiting is off.
    inner: Option<DefaultKeyedRateLimiter<K>>,
    limit: u32,
    period: Duration,
    name: &'static str,
}

/// `limit` requests per `period`, refilled evenly, with bursts of up to `limit`.
fn quota(limit: u32, period: Duration) -> Option<Quota> {
    let burst = NonZeroU32::new(limit)?;
    // period / limit, at least a nanosecond: a zero period would make the quota meaningless.
    let per = period
        .checked_div(limit)
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_nanos(1));
    Quota::with_period(per).map(|q| q.allow_burst(burst))
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `limit` requests per `period` per key; a limit of 0 disables limiting.
    pub fn new(limit: u32, period: Duration, name: &'static str) -> RateLimiter<K> {
        RateLimiter {
            inner: quota(limit, period).map(DefaultKeyedRateLimiter::keyed),
            limit,
            period,
            name,
        }
    }

    /// Count one request for `key`; the error is the 429 to send back.
    pub fn check(&self, key: &K) -> Result<(), ApiError> {
        let Some(l) = &self.inner else {
            return Ok(());
        };
        if l.len() > MAX_TRACKED_KEYS {
            l.retain_recent();
        }
        match l.check_key(key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                // Whole seconds, rounded up, at least 1: a client sleeping `reset` seconds is served.
                let reset = wait.as_secs().saturating_add(1).max(1);
                let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
                e.headers = vec![
                    header("x-ratelimit-limit", self.limit.to_string()),
                    header("x-ratelimit-period", self.period.as_secs().to_string()),
                    header("x-ratelimit-remaining", "0".to_string()),
                    header("x-ratelimit-reset", reset.to_string()),
                    header("x-ratelimit-name", self.name.to_string()),
                    header("retry-after", reset.to_string()),
                ];
                Err(e)
            }
        }
    }
}

fn header(name: &'static str, value: String) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(name),
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("0")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_with_headers_and_keys_have_their_own_budget() {
        let rl: RateLimiter = RateLimiter::new(2, Duration::from_secs(60), "sigscope_api");
        let k = "k".to_string();
        assert!(rl.check(&k).is_ok());
        assert!(rl.check(&k).is_ok());
        let e = rl.check(&k).unwrap_err();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        let reset: u64 = e
            .headers
            .iter()
            .find(|(k, _)| k == "x-ratelimit-reset")
            .and_then(|(_, v)| v.to_str().ok()?.parse().ok())
            .unwrap();
        assert!(
            (1..=31).contains(&reset),
            "one request back within 30 s: {reset}"
        );
        assert!(rl.check(&"other".to_string()).is_ok());
    }

    #[test]
    fn zero_disables() {
        let rl: RateLimiter = RateLimiter::new(0, Duration::from_secs(60), "x");
        for _ in 0..100 {
            assert!(rl.check(&"k".to_string()).is_ok());
        }
    }
}
