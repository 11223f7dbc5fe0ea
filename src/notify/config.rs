//! The `[notify]` section of the config file.
use super::pagerduty::{Action as PdAction, TriageActions};
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
    /// What PagerDuty is sent when a signal moves to Under Review: acknowledge, resolve, trigger or
    /// none.
    pub pagerduty_on_under_review: PdAction,
    /// ... when a signal is archived.
    pub pagerduty_on_archived: PdAction,
    /// ... when a signal moves back to Open.
    pub pagerduty_on_reopen: PdAction,
    /// Messages per minute to one Slack webhook (Slack allows about one a second).
    pub slack_per_minute: u32,
    /// Events per minute to one PagerDuty routing key (PagerDuty allows 120).
    pub pagerduty_per_minute: u32,
    /// Messages per minute to one Teams webhook (Teams allows about four a second).
    pub teams_per_minute: u32,
    /// Messages per minute to one generic webhook URL.
    pub webhook_per_minute: u32,
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
            pagerduty_on_under_review: PdAction::Acknowledge,
            pagerduty_on_archived: PdAction::Resolve,
            pagerduty_on_reopen: PdAction::Trigger,
            slack_per_minute: 60,
            pagerduty_per_minute: 120,
            teams_per_minute: 240,
            webhook_per_minute: 600,
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

    pub fn pagerduty_actions(&self) -> TriageActions {
        TriageActions {
            under_review: self.pagerduty_on_under_review,
            archived: self.pagerduty_on_archived,
            reopened: self.pagerduty_on_reopen,
        }
    }

    /// Sends per minute allowed to one target of this kind.
    pub fn per_minute(&self, kind: &str) -> u32 {
        match kind {
            "slack" => self.slack_per_minute,
            "pagerduty" => self.pagerduty_per_minute,
            "teams" => self.teams_per_minute,
            _ => self.webhook_per_minute,
        }
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
