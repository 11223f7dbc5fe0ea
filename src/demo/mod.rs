//! Deterministic demo data: realistic application-security signals in the vendor's list format.
//!
//! The same options (seed, count, days, now) always give the same bytes, so demos, tests and
//! benchmarks can rely on the data. Everything is drawn from one seeded ChaCha stream in a fixed order.
mod catalog;
mod generator;
mod ips;
mod payloads;
mod users;

pub use catalog::{
    rule_catalog, rule_info, service_info, service_owner, RuleInfo, ServiceInfo, SERVICES,
};
pub use generator::Generator;
pub use ips::{POOL_SIZE, V4_NETS};
pub use payloads::HOSTILE_USER;
pub use users::{demo_users, demo_uuid};

use crate::error::{Error, Result};
use crate::model::Signal;
use crate::store::sqlite::{signals::put_signal, users as user_rows};
use crate::store::SqliteStore;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub signals: usize,
    pub seed: u64,
    pub days: u32,
    pub now: DateTime<Utc>,
}

/// The signals, newest first, as vendor JSON; generated lazily so a million need no more memory
/// than one.
pub fn signals(opts: &DemoOptions) -> Generator {
    Generator::new(opts)
}

/// Write `{"data":[...]}` to `out`, one signal per line.
pub fn write_json(opts: &DemoOptions, out: &mut dyn std::io::Write) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("writing demo data: {e}"));
    out.write_all(b"{\"data\":[").map_err(io)?;
    for (k, v) in signals(opts).enumerate() {
        out.write_all(if k == 0 { b"\n" } else { b",\n" })
            .map_err(io)?;
        serde_json::to_writer(&mut *out, &v)
            .map_err(|e| Error::Io(format!("writing demo data: {e}")))?;
    }
    out.write_all(b"\n]}\n").map_err(io)?;
    Ok(())
}

/// Fill `store` with the demo signals (one transaction) and the demo users it does not have yet.
/// Returns how many signals were written.
pub fn populate(store: &mut SqliteStore, opts: &DemoOptions) -> Result<usize> {
    store.write(|tx| {
        let mut n = 0;
        for v in signals(opts) {
            put_signal(tx, &Signal::from_json(v)?)?;
            n += 1;
        }
        for u in demo_users() {
            if user_rows::find(tx, &u.handle)?.is_none() && user_rows::find(tx, &u.uuid)?.is_none()
            {
                user_rows::insert(tx, &u)?;
            }
        }
        Ok(n)
    })
}

/// The start of the current UTC hour: demo data is recent, yet two runs in the same hour agree.
pub fn default_now() -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = Utc::now();
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now)
}
