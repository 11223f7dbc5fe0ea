//! Shared fixtures for the engine tests: a real store (a SQLite file in a tempdir, or with
//! `SIGSCOPE_TEST_BACKEND=postgres` a fresh database on the throwaway PostgreSQL cluster), a settable
//! clock, three users (one per role) and small vendor-JSON signals.
#![allow(dead_code)]
#[path = "../pg_support/mod.rs"]
pub mod pg_support;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use sigscope::engine::{Engine, FixedClock};
use sigscope::model::AuditFilter;
use sigscope::model::{Role, Signal, User};
use sigscope::store::{Storage, Store};
use std::path::PathBuf;
use tempfile::TempDir;

pub const ADMIN: &str = "admin@example.com";
pub const STANDARD: &str = "std@example.com";
pub const READ_ONLY: &str = "ro@example.com";

/// When the fixture signals were first detected.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).unwrap()
}

pub fn signal_json(id: &str, first_seen: DateTime<Utc>, state: &str, ips: &[&str]) -> Value {
    let fs = first_seen.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({
        "id": id, "type": "signal",
        "attributes": {
            "timestamp": fs, "status": "high", "service": ["checkout-api"], "tags": ["env:prod"],
            "message": "SQL injection", "version": 1,
            "custom": {
                "title": format!("SQLi on checkout-api ({id})"),
                "workflow": {"rule": {"id": "r1", "name": "SQL injection", "type": "Application Security"},
                             "first_seen": fs, "last_seen": fs,
                             "triage": {"state": state}},
                "samples": ips.iter().map(|ip| json!({"eventId": format!("e-{ip}"), "content": {"http": {"client_ip": ip}}})).collect::<Vec<_>>()
            }
        }
    })
}

pub struct Env {
    pub dir: TempDir,
    pub path: PathBuf,
    pub engine: Engine,
    pub clock: FixedClock,
}

impl Env {
    /// A second connection to the engine's store: the harness reads and seeds the real database
    /// itself (the engine hands its own connection to nobody).
    pub fn store(&self) -> Box<dyn Storage> {
        sigscope::store::open(&self.path).unwrap()
    }

    pub fn user(&self, handle: &str) -> User {
        self.store().find_user(handle).unwrap().unwrap()
    }

    pub fn signal(&self, id: &str) -> Signal {
        self.store().get_signal(id).unwrap().unwrap()
    }

    pub fn audit_count(&self) -> i64 {
        let all = self
            .store()
            .db()
            .audit_list(&AuditFilter::default())
            .unwrap();
        i64::try_from(all.len()).unwrap()
    }

    pub fn add_signals(&mut self, signals: &[Value]) {
        let parsed: Vec<Signal> = signals
            .iter()
            .map(|v| Signal::from_json(v.clone()).unwrap())
            .collect();
        self.store().upsert_signals(&parsed).unwrap();
    }
}

/// Five open signals S1..S5 first seen at t0 (S1 attacked from two IPs), the clock at t0 + 1h, and one
/// user per role.
pub fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let path = pg_support::store_location(dir.path(), "signals.db");
    let mut store = sigscope::store::open(&path).unwrap();
    for (handle, role) in [
        (ADMIN, Role::Admin),
        (STANDARD, Role::Standard),
        (READ_ONLY, Role::ReadOnly),
    ] {
        store
            .add_user(&User {
                uuid: format!("uuid-{}", handle.split('@').next().unwrap()),
                handle: handle.into(),
                name: handle.split('@').next().unwrap().into(),
                role,
                disabled: false,
            })
            .unwrap();
    }
    let clock = FixedClock::new(t0() + chrono::TimeDelta::hours(1));
    let engine = Engine::new(store, Box::new(clock.clone()));
    let mut env = Env {
        dir,
        path,
        engine,
        clock,
    };
    let sigs: Vec<Value> = (1..=5)
        .map(|i| {
            let ips: &[&str] = if i == 1 {
                &["198.51.100.7", "203.0.113.9"]
            } else {
                &["192.0.2.50"]
            };
            signal_json(&format!("S{i}"), t0(), "open", ips)
        })
        .collect();
    env.add_signals(&sigs);
    env
}
