//! Triage SLAs: a target per severity (`[sla]` in the config), and the rule that decides whether a
//! signal breached it. Pure: the first-triage times come from whoever holds the audit trail (the
//! engine derives them, see `engine::stats`), and `now` from its clock.
//!
//! A signal breaches when it stayed untriaged past its target: it was first triaged (state or
//! assignee changed) later than `first_seen + target`, or it is still untriaged and `now` is past
//! that. A signal that is triaged (not Open, or assigned) but has no triage event in the audit trail
//! (it was imported that way) was triaged at an unknown time: it counts as within its SLA.
use super::intern::FxBuild;
use crate::model::Severity;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Targets in seconds, by `Severity::rank` (info, low, medium, high, critical).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaTargets(pub [i64; 5]);

impl Default for SlaTargets {
    fn default() -> SlaTargets {
        // info 7d, low 3d, medium 1d, high 4h, critical 1h: the defaults.
        SlaTargets([7 * 86_400, 3 * 86_400, 86_400, 4 * 3600, 3600])
    }
}

impl SlaTargets {
    pub fn secs(&self, s: Severity) -> i64 {
        self.0.get(s.rank() as usize).copied().unwrap_or(i64::MAX)
    }

    fn millis(&self, s: Severity) -> i64 {
        self.secs(s).saturating_mul(1000)
    }
}

/// The `[sla]` config section as written (`critical = "1h"`); missing keys keep the defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    pub critical: Option<String>,
    pub high: Option<String>,
    pub medium: Option<String>,
    pub low: Option<String>,
    pub info: Option<String>,
}

impl SlaConfig {
    /// The targets, or an error naming the key whose duration does not parse.
    pub fn targets(&self) -> Result<SlaTargets, String> {
        let mut t = SlaTargets::default();
        let keys = [
            (Severity::Info, &self.info),
            (Severity::Low, &self.low),
            (Severity::Medium, &self.medium),
            (Severity::High, &self.high),
            (Severity::Critical, &self.critical),
        ];
        for (sev, v) in keys {
            let Some(text) = v else { continue };
            let secs = match crate::denylist::duration::parse(text) {
                Ok(Some(d)) => d.num_seconds(),
                Ok(None) => return Err(format!("[sla] {sev}: {text:?} is not a finite duration")),
                Err(e) => return Err(format!("[sla] {sev}: {e}")),
            };
            if let Some(slot) = t.0.get_mut(sev.rank() as usize) {
                *slot = secs;
            }
        }
        Ok(t)
    }
}

/// What the audit trail says about one signal's triage, as epoch milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TriageTimes {
    /// The first change of state or assignee.
    pub first_triage: Option<i64>,
    /// The last change that archived it (meaningful while it is archived).
    pub archived: Option<i64>,
}

/// When a signal was first triaged, as far as is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Triaged {
    At(i64),
    /// Triaged (not Open, or assigned) with no event saying when: imported that way.
    Unknown,
    Never,
}

impl Triaged {
    /// From the audit trail's time, else from the signal's current triage.
    pub fn of(first_triage: Option<i64>, touched: bool) -> Triaged {
        match (first_triage, touched) {
            (Some(t), _) => Triaged::At(t),
            (None, true) => Triaged::Unknown,
            (None, false) => Triaged::Never,
        }
    }
}

/// Did the signal stay untriaged past its target? See the module comment.
pub fn breached(
    sev: Severity,
    first_seen_ms: i64,
    triaged: Triaged,
    now_ms: i64,
    targets: &SlaTargets,
) -> bool {
    let deadline = first_seen_ms.saturating_add(targets.millis(sev));
    match triaged {
        Triaged::At(t) => t > deadline,
        Triaged::Unknown => false,
        Triaged::Never => now_ms > deadline,
    }
}

/// Triage times by signal id.
pub type TimesById = HashMap<String, TriageTimes, FxBuild>;

/// What `sla:` terms are evaluated against: the targets, the time, and the triage times the audit
/// trail gives, by signal id. Without one, `sla:` terms match no signal (see `Query::matches_sla`).
#[derive(Clone, Debug, Default)]
pub struct SlaContext {
    pub now_ms: i64,
    pub targets: SlaTargets,
    /// Shared: the engine keeps one and extends it as the audit trail grows.
    pub times: std::sync::Arc<TimesById>,
    /// The audit seq `times` was read up to, when they come from a store's trail: an index that
    /// mirrors that store reuses its join of the same times onto its rows (see `stats_scan`).
    /// `None` (ad-hoc times) joins afresh each time.
    pub version: Option<i64>,
}

impl SlaContext {
    pub fn times_of(&self, id: &str) -> TriageTimes {
        self.times.get(id).copied().unwrap_or_default()
    }
}

/// The word a signal answers to `sla:`.
pub fn word(breached: bool) -> &'static str {
    if breached {
        "breached"
    } else {
        "ok"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breach_rule_at_the_edges() {
        let t = SlaTargets::default();
        let h = 3_600_000;
        // Critical: 1h. Triaged exactly at the deadline is within it; a millisecond later is not.
        assert!(!breached(Severity::Critical, 0, Triaged::At(h), 0, &t));
        assert!(breached(Severity::Critical, 0, Triaged::At(h + 1), 0, &t));
        assert!(!breached(Severity::Critical, 0, Triaged::Never, h, &t));
        assert!(breached(Severity::Critical, 0, Triaged::Never, h + 1, &t));
        assert!(!breached(
            Severity::Critical,
            0,
            Triaged::Unknown,
            100 * h,
            &t
        ));
        // Info: 7d.
        assert!(!breached(Severity::Info, 0, Triaged::Never, 7 * 24 * h, &t));
        assert!(breached(
            Severity::Info,
            0,
            Triaged::Never,
            7 * 24 * h + 1,
            &t
        ));
    }

    #[test]
    fn config_overrides_and_names_bad_keys() {
        let c = SlaConfig {
            critical: Some("30m".into()),
            low: Some("2d".into()),
            ..Default::default()
        };
        let t = c.targets().unwrap();
        assert_eq!(t.secs(Severity::Critical), 1800);
        assert_eq!(t.secs(Severity::Low), 2 * 86_400);
        assert_eq!(t.secs(Severity::High), 4 * 3600);
        let bad = SlaConfig {
            high: Some("soon".into()),
            ..Default::default()
        };
        assert!(bad.targets().unwrap_err().contains("[sla] high"));
        let forever = SlaConfig {
            info: Some("permanent".into()),
            ..Default::default()
        };
        assert!(forever.targets().is_err());
    }
}
