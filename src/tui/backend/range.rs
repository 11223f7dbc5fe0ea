//! The time range the explorer searches in: the picker's presets, a custom span, and the short
//! form saved views and `:range` use. Apart from `backend.rs` because it is plain data with its own
//! parsing, shared by the views and both backends.
use chrono::{DateTime, TimeDelta, Utc};

/// The time range picker's choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeRange {
    Last(RangePreset),
    All,
    Custom {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangePreset {
    M15,
    H1,
    H4,
    D1,
    D7,
    D30,
}

impl RangePreset {
    pub const ALL: [RangePreset; 6] =
        [Self::M15, Self::H1, Self::H4, Self::D1, Self::D7, Self::D30];

    pub fn label(self) -> &'static str {
        match self {
            Self::M15 => "15m",
            Self::H1 => "1h",
            Self::H4 => "4h",
            Self::D1 => "1d",
            Self::D7 => "7d",
            Self::D30 => "30d",
        }
    }

    pub fn delta(self) -> TimeDelta {
        match self {
            Self::M15 => TimeDelta::minutes(15),
            Self::H1 => TimeDelta::hours(1),
            Self::H4 => TimeDelta::hours(4),
            Self::D1 => TimeDelta::days(1),
            Self::D7 => TimeDelta::days(7),
            Self::D30 => TimeDelta::days(30),
        }
    }
}

impl TimeRange {
    pub fn label(&self) -> String {
        match self {
            TimeRange::Last(p) => format!("last {}", p.label()),
            TimeRange::All => "all time".into(),
            TimeRange::Custom { from, to } => format!(
                "{} → {}",
                crate::tui::clock::fmt(from, "%m-%d %H:%M"),
                crate::tui::clock::fmt(to, "%m-%d %H:%M")
            ),
        }
    }

    /// The short form used in saved views and `:range`.
    pub fn spec(&self) -> String {
        match self {
            TimeRange::Last(p) => p.label().into(),
            TimeRange::All => "all".into(),
            TimeRange::Custom { from, to } => format!("{}..{}", from.to_rfc3339(), to.to_rfc3339()),
        }
    }

    pub fn parse(s: &str) -> Option<TimeRange> {
        let s = s.trim();
        if s == "all" {
            return Some(TimeRange::All);
        }
        if let Some(p) = RangePreset::ALL.into_iter().find(|p| p.label() == s) {
            return Some(TimeRange::Last(p));
        }
        let (a, b) = s.split_once("..")?;
        let from = DateTime::parse_from_rfc3339(a.trim())
            .ok()?
            .with_timezone(&Utc);
        let to = DateTime::parse_from_rfc3339(b.trim())
            .ok()?
            .with_timezone(&Utc);
        (from <= to).then_some(TimeRange::Custom { from, to })
    }

    pub fn bounds(&self, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        match *self {
            TimeRange::Last(p) => (Some(now - p.delta()), None),
            TimeRange::All => (None, None),
            TimeRange::Custom { from, to } => (Some(from), Some(to)),
        }
    }
}
