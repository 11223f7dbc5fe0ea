//! The engine's schema (migration 2) upgrades a store made before it, keeping its signals.
mod engine_support;

use engine_support::*;
use sigscope::engine::{Command, Engine, FixedClock, SignalRef};
use sigscope::model::{ArchiveReason, Signal, TriageState};
use sigscope::store::sqlite::MIGRATIONS;
use sigscope::store::{SqliteStore, Store};

#[test]
fn a_version_1_store_is_upgraded_and_triaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0].1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    {
        // Written by a sigscope that knew only version 1: signals and users, no engine tables.
        let conn = rusqlite::Connection::open(&path).unwrap();
        let s = Signal::from_json(signal_json("OLD", t0(), "open", &["198.51.100.7"])).unwrap();
        sigscope::store::SignalRows::put_signal(&conn, &s).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert!(store.schema_version().unwrap() >= 2);
    assert_eq!(store.count_signals().unwrap(), 1);
    let mut engine = Engine::new(store, Box::new(FixedClock::new(t0())));
    let me = engine.resolve_actor(Some("me@example.com")).unwrap();
    engine
        .execute(
            &me,
            Command::SetState {
                signals: vec![SignalRef::at("OLD", 1)],
                to: TriageState::Archived,
                reason: Some(ArchiveReason::Remediated),
                comment: None,
            },
        )
        .unwrap();
    assert_eq!(
        engine
            .reads(&me)
            .signal("OLD")
            .unwrap()
            .unwrap()
            .triage
            .state,
        TriageState::Archived
    );
    assert_eq!(engine.reads(&me).timeline("OLD").unwrap().len(), 1);
}
