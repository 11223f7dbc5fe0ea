//! Repeat offenders stay out longer: each new block of the same value doubles the duration, up to
//! a cap (fail2ban's `bantime.increment` with `bantime.multipliers` unset and `bantime.maxtime`).
use chrono::Duration;

/// The duration of a new block of a value already blocked `prior` times before.
/// `None` (permanent) stays permanent; the cap, when given, bounds the result.
pub fn escalated(base: Option<Duration>, prior: u32, cap: Option<Duration>) -> Option<Duration> {
    let base = base?;
    // 2^40 seconds is far past any cap anyone sets; stopping there keeps the maths in range.
    let factor = 1i64 << prior.min(40);
    let secs = base.num_seconds().saturating_mul(factor);
    let d = Duration::seconds(secs.min(100 * 365 * 86_400));
    Some(match cap {
        Some(c) if d > c => c,
        _ => d,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_per_prior_block_up_to_the_cap() {
        let h = Some(Duration::hours(1));
        let cap = Some(Duration::hours(6));
        assert_eq!(escalated(h, 0, cap), Some(Duration::hours(1)));
        assert_eq!(escalated(h, 1, cap), Some(Duration::hours(2)));
        assert_eq!(escalated(h, 2, cap), Some(Duration::hours(4)));
        assert_eq!(escalated(h, 3, cap), Some(Duration::hours(6)));
        assert_eq!(escalated(h, 1000, cap), Some(Duration::hours(6)));
        assert_eq!(escalated(h, 1000, None), Some(Duration::days(100 * 365)));
        assert_eq!(escalated(None, 3, cap), None, "permanent stays permanent");
    }
}
