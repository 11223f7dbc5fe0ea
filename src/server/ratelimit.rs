//! A fixed-window request limit per key, answered with the vendor's `X-RateLimit-*` headers.
use super::errors::ApiError;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    limit: u32,
    period: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// `limit` requests per `period` per key; a limit of 0 disables limiting.
    pub fn new(limit: u32, period: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            period,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Count one request for `key`; the error is the 429 to send back.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), ApiError> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let entry = windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.period {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let reset = self
                .period
                .saturating_sub(now.duration_since(entry.0))
                .as_secs()
                .max(1);
            let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            e.headers = vec![
                header("x-ratelimit-limit", self.limit.to_string()),
                header("x-ratelimit-period", self.period.as_secs().to_string()),
                header("x-ratelimit-remaining", "0".to_string()),
                header("x-ratelimit-reset", reset.to_string()),
                header("x-ratelimit-name", "sigscope_api".to_string()),
            ];
            return Err(e);
        }
        entry.1 += 1;
        Ok(())
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
    fn refuses_past_the_limit_with_headers_and_resets_next_window() {
        let rl = RateLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(rl.check("k", t0).is_ok());
        assert!(rl.check("k", t0).is_ok());
        let e = rl.check("k", t0).unwrap_err();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(e
            .headers
            .iter()
            .any(|(k, v)| k == "x-ratelimit-reset" && v == "60"));
        assert!(rl.check("other", t0).is_ok());
        assert!(rl.check("k", t0 + Duration::from_secs(61)).is_ok());
    }
}
