//! The `[notify]` section of the config file.
use super::queue::Policy;
use serde::Deserialize;
use std::time::Duration;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Where `slack:T000/B000/XXXX` targets (a path, not a full URL) are sent.
    pub slack_base_url: String,
    /// The PagerDuty Events API v2 endpoint.
    pub pagerduty_url: String,
    /// The link messages carry to a signal; `{id}` is replaced by the signal id.
    pub signal_link: String,
    /// Attempts before a delivery is given up as dead.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles after each further one.
    pub backoff_base_ms: u64,
    pub backoff_max_secs: u64,
    /// Per-request timeout.
    pub timeout_secs: u64,
    /// How long `sigscope import` waits for its deliveries before it exits (the rest is retried by the
    /// next sigscope process on the store).
    pub import_wait_secs: u64,
}

impl Default for NotifyConfig {
    fn default() -> NotifyConfig {
        NotifyConfig {
            slack_base_url: "https://hooks.slack.com/services".into(),
            pagerduty_url: "https://events.pagerduty.com/v2/enqueue".into(),
            signal_link: "https://app.datadoghq.com/security?event={id}".into(),
            max_attempts: 8,
            backoff_base_ms: 2000,
            backoff_max_secs: 3600,
            timeout_secs: 10,
            import_wait_secs: 5,
        }
    }
}

impl NotifyConfig {
    pub fn from_config(c: &crate::config::Config) -> crate::Result<NotifyConfig> {
        let cfg: NotifyConfig = c.section("notify")?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Every timing within its bounds, checked once when the config is read, so no later
    /// `Instant + Duration` can overflow; the error names the setting.
    pub fn validate(&self) -> crate::Result<()> {
        use crate::timing::{millis, seconds, BACKOFF, TIMEOUT, WAIT};
        millis(self.backoff_base_ms, "[notify] backoff_base_ms", BACKOFF)?;
        seconds(self.backoff_max_secs, "[notify] backoff_max_secs", BACKOFF)?;
        seconds(self.timeout_secs, "[notify] timeout_secs", TIMEOUT)?;
        seconds(self.import_wait_secs, "[notify] import_wait_secs", WAIT)?;
        if !(1..=100).contains(&self.max_attempts) {
            return Err(crate::error::Error::Usage(format!(
                "[notify] max_attempts: {} is out of range (1 to 100)",
                self.max_attempts
            )));
        }
        Ok(())
    }

    pub fn policy(&self) -> Policy {
        Policy {
            max_attempts: self.max_attempts.max(1),
            backoff_base: Duration::from_millis(self.backoff_base_ms),
            backoff_max: Duration::from_secs(self.backoff_max_secs),
            // Longer than one request can take, so a live sender never loses its lease.
            lease: Duration::from_secs(
                self.timeout_secs.max(1).saturating_mul(3).saturating_add(5),
            ),
        }
    }
}
