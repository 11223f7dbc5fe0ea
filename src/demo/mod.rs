//! Deterministic demo data (placeholder until the generator lands).
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub signals: usize,
    pub seed: u64,
    pub days: u32,
    pub now: DateTime<Utc>,
}

/// Write `{"data":[...]}` to `out`.
pub fn write_json(_opts: &DemoOptions, _out: &mut dyn std::io::Write) -> Result<()> {
    Err(Error::Other("the demo generator is not built yet".into()))
}

/// The start of the current UTC hour: demo data is recent, yet two runs in the same hour agree.
pub fn default_now() -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = Utc::now();
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now)
}
