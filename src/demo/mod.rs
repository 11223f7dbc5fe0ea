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

use crate::engine::{Engine, RuleEntry};
use crate::error::{Error, Result};
use crate::model::Signal;
use crate::model::User;
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

/// Fill the store behind `engine`, as `actor`, with the demo users it does not have yet, the demo
/// signals and the rule and service catalogues, all in one change. Returns how many signals were
/// written.
pub fn populate(engine: &mut Engine, actor: &User, opts: &DemoOptions) -> Result<usize> {
    const CHUNK: usize = 5000;
    let notify = crate::notify::NotifyConfig::default();
    engine.all_or_nothing(|e| {
        e.add_known_users(actor, &demo_users())?;
        let mut n = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        for v in signals(opts) {
            chunk.push(Signal::from_json(v)?);
            if chunk.len() == CHUNK {
                n += chunk.len();
                e.import(actor, std::mem::take(&mut chunk), &notify)?;
            }
        }
        n += chunk.len();
        if !chunk.is_empty() {
            e.import(actor, chunk, &notify)?;
        }
        let rules: Vec<RuleEntry> = rule_catalog()
            .iter()
            .map(|r| RuleEntry {
                id: r.id.to_string(),
                name: r.name.to_string(),
                condition: r.condition.to_string(),
                description: r.description.to_string(),
                runbook: r.runbook.to_string(),
            })
            .collect();
        let owners: Vec<(String, String)> = SERVICES
            .iter()
            .map(|s| (s.name.to_string(), s.owner.to_string()))
            .collect();
        e.update_catalog(actor, &rules, &owners)?;
        Ok(n)
    })
}

/// Fill the store at `path` as the demo's admin: a fresh store gets the demo team first. Used by
/// `--demo`, `sigscope demo --store`, the tests and the benches.
pub fn populate_at(path: &std::path::Path, opts: &DemoOptions) -> Result<usize> {
    let mut engine = Engine::open(path)?;
    match engine.seed_users(&demo_users()) {
        Ok(()) | Err(Error::PermissionDenied(_)) => {}
        Err(e) => return Err(e),
    }
    let admin = engine.resolve_actor(Some("admin@sigscope.test"))?;
    populate(&mut engine, &admin, opts)
}

/// The start of the current UTC hour: demo data is recent, yet two runs in the same hour agree.
pub fn default_now() -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = Utc::now();
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now)
}
