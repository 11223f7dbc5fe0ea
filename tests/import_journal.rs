//! An import into a SQLite store nobody else has open goes through a rollback journal (each page
//! written once, not to the WAL and then into the file), and the store is back in WAL mode after
//! it, whether the import succeeded or not; with another connection open it goes through the WAL.
mod engine_support;

use engine_support::*;
use rusqlite::Connection;
use serde_json::json;
use sigscope::engine::{Command, SignalRef};
use sigscope::error::Error;
use sigscope::import::{read_chunks, Prepared};
use sigscope::model::TriageState;
use sigscope::notify::NotifyConfig;
use std::path::Path;

/// The journal mode another connection sees now.
fn mode(path: &Path) -> String {
    Connection::open(path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

fn count(path: &Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("SELECT count(*) FROM signals", [], |r| r.get(0))
        .unwrap()
}

fn file(n: usize) -> String {
    let data: Vec<_> = (0..n)
        .map(|i| signal_json(&format!("J{i}"), t0(), "open", &["192.0.2.9"]))
        .collect();
    json!({ "data": data }).to_string()
}

/// Import `text`, noting the journal mode seen while the chunks are written; `fail` makes the
/// feed fail after writing them.
fn import(env: &mut Env, text: &str, fail: bool) -> (Vec<String>, sigscope::Result<usize>) {
    let admin = env.user(ADMIN);
    let path = env.path.clone();
    let mut seen = Vec::new();
    let out = env
        .engine
        .import_stream(&admin, &NotifyConfig::default(), |detail, write| {
            read_chunks(text.as_bytes(), detail, &mut |chunk| {
                seen.push(mode(&path));
                write(
                    chunk
                        .into_iter()
                        .map(|r| r.unwrap())
                        .collect::<Vec<Prepared>>(),
                )
            })?;
            if fail {
                return Err(Error::Invalid("the file ended badly".into()));
            }
            Ok(())
        })
        .map(|done| done.inserted);
    (seen, out)
}

#[test]
fn an_import_nobody_else_has_open_uses_a_rollback_journal_then_wal_again() {
    let mut env = env();
    let before = count(&env.path);
    let (seen, out) = import(&mut env, &file(1200), false);
    assert_eq!(out.unwrap(), 1200);
    assert!(
        !seen.is_empty() && seen.iter().all(|m| m == "delete"),
        "{seen:?}"
    );
    assert_eq!(mode(&env.path), "wal");
    assert_eq!(count(&env.path), before + 1200);
    // The store goes on as before: a triage change, read back by another connection.
    let admin = env.user(ADMIN);
    env.engine
        .execute(
            &admin,
            Command::SetState {
                signals: vec![SignalRef::new("J7")],
                to: TriageState::UnderReview,
                reason: None,
                comment: None,
            },
        )
        .unwrap();
    assert_eq!(env.signal("J7").triage.state.as_str(), "under_review");
}

#[test]
fn a_failed_import_in_a_rollback_journal_writes_nothing_and_returns_to_wal() {
    let mut env = env();
    let before = count(&env.path);
    let (seen, out) = import(&mut env, &file(1200), true);
    assert!(out.is_err());
    assert!(seen.iter().all(|m| m == "delete"), "{seen:?}");
    assert_eq!(mode(&env.path), "wal");
    assert_eq!(count(&env.path), before);
}

#[test]
fn with_another_connection_open_the_import_goes_through_the_wal() {
    let mut env = env();
    let before = count(&env.path);
    let other = Connection::open(&env.path).unwrap();
    let n: i64 = other
        .query_row("SELECT count(*) FROM signals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, before);
    let (seen, out) = import(&mut env, &file(600), false);
    assert_eq!(out.unwrap(), 600);
    assert!(
        !seen.is_empty() && seen.iter().all(|m| m == "wal"),
        "{seen:?}"
    );
    let n: i64 = other
        .query_row("SELECT count(*) FROM signals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, before + 600);
}
