//! The PostgreSQL store against a real server (a throwaway cluster, tests/pg_support): migrations,
//! the schema guard, and the rows every backend must keep alike.
mod pg_support;

use sigscope::store::{self, Storage};
use std::path::Path;

fn open(url: &str) -> Box<dyn Storage> {
    store::open(Path::new(url)).unwrap()
}

#[test]
fn a_new_database_is_migrated_to_this_builds_schema() {
    let url = pg_support::fresh_db();
    let s = open(&url);
    let (current, newest) = s.db().schema_versions().unwrap();
    assert_eq!(current, newest);
    assert!(newest >= 8);
    // A second open (another replica) finds nothing to do.
    let again = open(&url);
    assert_eq!(again.db().schema_versions().unwrap(), (current, newest));
}

#[test]
fn a_newer_schema_is_refused_by_name() {
    let url = pg_support::fresh_db();
    drop(open(&url));
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute("UPDATE sigscope_schema SET version = 999")
        .unwrap();
    let err = store::open(Path::new(&url)).err().unwrap().to_string();
    assert!(
        err.contains("999") && err.contains("upgrade sigscope"),
        "{err}"
    );
}

#[test]
fn the_location_never_shows_the_password() {
    let url = pg_support::fresh_db();
    let with_pw = url.replacen("sigscope@", "sigscope:hunter2@", 1);
    let s = open(&with_pw);
    assert!(!s.location().contains("hunter2"), "{}", s.location());
}

#[test]
fn two_replicas_migrating_at_once_both_succeed() {
    let url = pg_support::fresh_db();
    let a = {
        let u = url.clone();
        std::thread::spawn(move || store::open(Path::new(&u)).map(|_| ()))
    };
    let b = {
        let u = url.clone();
        std::thread::spawn(move || store::open(Path::new(&u)).map(|_| ()))
    };
    a.join().unwrap().unwrap();
    b.join().unwrap().unwrap();
}

/// What a database restart or fail-over looks like to a client: the server ends every session.
fn end_sessions(url: &str) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let n: i64 = c
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(n >= 1, "a session was ended");
}

#[test]
fn a_database_restart_costs_no_call_outside_a_transaction() {
    let url = pg_support::fresh_db();
    let s = open(&url);
    assert_eq!(s.db().count_signals().unwrap(), 0);
    end_sessions(&url);
    assert_eq!(
        s.db().count_signals().unwrap(),
        0,
        "the call is made again on a new connection"
    );
}

#[test]
fn a_session_lost_inside_a_transaction_is_an_error_not_a_silent_retry() {
    let url = pg_support::fresh_db();
    let mut s = open(&url);
    s.begin().unwrap();
    end_sessions(&url);
    assert!(
        s.db().count_signals().is_err(),
        "the transaction's earlier writes are gone: the caller must know"
    );
    let _ = s.finish(false);
    // Once the transaction is over, the store connects again.
    assert_eq!(s.db().count_signals().unwrap(), 0);
}

/// The signals table keeps only the indexes a query reads (by time; the id is the key): the
/// ones by state, severity and service cost every write and served nothing (migration 9).
#[test]
fn the_signals_table_has_only_the_indexes_queries_use() {
    let url = pg_support::fresh_db();
    drop(open(&url));
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut names: Vec<String> = c
        .query(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'signals'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    names.sort();
    // The key, the time index and the change feed's row order.
    assert!(names.iter().any(|n| n == "signals_ts"), "{names:?}");
    for gone in ["signals_state", "signals_severity", "signals_service"] {
        assert!(!names.iter().any(|n| n == gone), "{names:?}");
    }
}
