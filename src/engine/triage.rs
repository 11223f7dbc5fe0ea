//! The triage state machine, as the vendor documents it, as pure functions.
use crate::model::TriageState;
use chrono::{DateTime, TimeDelta, Utc};
use std::fmt;

/// An archived signal reopens only within this many days of when it was first detected.
pub const REOPEN_WINDOW_DAYS: i64 = 30;

/// Why a transition was refused, naming the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// A stable name for the rule, for scripts and tests.
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (rule {})", self.message, self.rule)
    }
}

pub const RULE_SAME_STATE: &str = "no-op";
pub const RULE_ARCHIVED_TO_OPEN_ONLY: &str = "archived-reopens-to-open-only";
pub const RULE_REOPEN_WINDOW: &str = "reopen-within-30-days";

/// Open → Under Review | Archived; Under Review → Archived | Open; Archived → Open while
/// `now` is at most 30 days after `first_seen`.
pub fn check_transition(
    from: TriageState,
    to: TriageState,
    first_seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    use TriageState::*;
    match (from, to) {
        (a, b) if a == b => Err(Refusal {
            rule: RULE_SAME_STATE,
            message: format!("already {}", a.label()),
        }),
        (Open, UnderReview) | (Open, Archived) | (UnderReview, Archived) | (UnderReview, Open) => {
            Ok(())
        }
        (Archived, UnderReview) => Err(Refusal {
            rule: RULE_ARCHIVED_TO_OPEN_ONLY,
            message: "an archived signal can only move back to Open, not to Under Review".into(),
        }),
        (Archived, Open) => {
            let deadline = reopen_deadline(first_seen);
            if now <= deadline {
                Ok(())
            } else {
                Err(Refusal {
                    rule: RULE_REOPEN_WINDOW,
                    message: format!(
                        "an archived signal can be reopened only within {REOPEN_WINDOW_DAYS} days of when it was first detected (first seen {}, window closed {})",
                        crate::model::json::fmt_time(&first_seen),
                        crate::model::json::fmt_time(&deadline)
                    ),
                })
            }
        }
        // Every pair is covered above; kept so adding a state is a compile-time review point.
        (Open, Open) | (UnderReview, UnderReview) | (Archived, Archived) => Ok(()),
    }
}

/// The last moment an archived signal first seen at `first_seen` may be reopened.
pub fn reopen_deadline(first_seen: DateTime<Utc>) -> DateTime<Utc> {
    first_seen + TimeDelta::days(REOPEN_WINDOW_DAYS)
}

/// The states a signal may move to now: what the explorer offers in its state menu.
pub fn allowed_targets(
    from: TriageState,
    first_seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<TriageState> {
    TriageState::ALL
        .into_iter()
        .filter(|to| check_transition(from, *to, first_seen, now).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use TriageState::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn allowed_transitions() {
        for (a, b) in [
            (Open, UnderReview),
            (Open, Archived),
            (UnderReview, Archived),
            (UnderReview, Open),
            (Archived, Open),
        ] {
            assert!(check_transition(a, b, t0(), t0()).is_ok(), "{a} -> {b}");
        }
    }

    #[test]
    fn archived_to_under_review_is_refused_by_name() {
        let r = check_transition(Archived, UnderReview, t0(), t0()).unwrap_err();
        assert_eq!(r.rule, RULE_ARCHIVED_TO_OPEN_ONLY);
    }

    #[test]
    fn same_state_is_named_a_no_op() {
        for s in TriageState::ALL {
            assert_eq!(
                check_transition(s, s, t0(), t0()).unwrap_err().rule,
                RULE_SAME_STATE
            );
        }
    }

    #[test]
    fn thirty_day_edge() {
        let ok = t0() + TimeDelta::days(29) + TimeDelta::hours(23);
        assert!(check_transition(Archived, Open, t0(), ok).is_ok());
        let exactly = t0() + TimeDelta::days(30);
        assert!(check_transition(Archived, Open, t0(), exactly).is_ok());
        let late = t0() + TimeDelta::days(30) + TimeDelta::seconds(1);
        let r = check_transition(Archived, Open, t0(), late).unwrap_err();
        assert_eq!(r.rule, RULE_REOPEN_WINDOW);
        // The window limits reopening only: other moves are not time-bound.
        assert!(check_transition(Open, Archived, t0(), late).is_ok());
        assert!(check_transition(UnderReview, Open, t0(), late).is_ok());
    }

    #[test]
    fn allowed_targets_follow_the_rules() {
        assert_eq!(
            allowed_targets(Open, t0(), t0()),
            vec![UnderReview, Archived]
        );
        assert_eq!(allowed_targets(Archived, t0(), t0()), vec![Open]);
        let late = t0() + TimeDelta::days(31);
        assert!(allowed_targets(Archived, t0(), late).is_empty());
    }
}
