//! The SQLite store on a real file: migrations, upsert, reads, transactions.
use sigscope::model::{Role, Signal, User};
use sigscope::store::{ListFilter, SqliteStore, Store};

fn sig(id: &str, ts: &str) -> Signal {
    Signal::from_json(serde_json::json!({
        "id": id, "type": "signal",
        "attributes": {"timestamp": ts, "status": "medium", "service": ["payments"],
                       "custom": {"title": format!("t {id}"), "workflow": {"triage": {"state": "open"}}}}
    }))
    .unwrap()
}

#[test]
fn migrations_apply_once_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/s.db");
    let s = SqliteStore::open(&path).unwrap();
    let v = s.schema_version().unwrap();
    assert_eq!(v, sigscope::store::sqlite::MIGRATIONS.last().unwrap().0);
    drop(s);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), v);
    let mode: String = s
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_store_from_a_newer_sigscope_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let s = SqliteStore::open(&path).unwrap();
    s.conn().pragma_update(None, "user_version", 9999).unwrap();
    drop(s);
    let err = SqliteStore::open(&path).err().unwrap().to_string();
    assert!(err.contains("newer"), "{err}");
}

#[test]
fn upsert_get_list_and_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let r = s
        .upsert_signals(&[
            sig("a", "2026-01-01T00:00:00Z"),
            sig("b", "2026-01-02T00:00:00Z"),
        ])
        .unwrap();
    assert_eq!((r.inserted, r.updated), (2, 0));
    let r = s
        .upsert_signals(&[sig("a", "2026-01-03T00:00:00Z")])
        .unwrap();
    assert_eq!((r.inserted, r.updated), (0, 1));
    assert_eq!(s.count_signals().unwrap(), 2);
    let newest = s.list_signals(&ListFilter::default()).unwrap();
    assert_eq!(
        newest.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(s.get_signal("zzz").unwrap().is_none());
    let mut seen = Vec::new();
    s.for_each_signal(&mut |x| {
        seen.push(x.id);
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, ["a", "b"]);
}

#[test]
fn a_failed_write_rolls_back_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let res: sigscope::Result<()> = s.write(|tx| {
        sigscope::store::SignalRows::put_signal(tx, &sig("a", "2026-01-01T00:00:00Z"))?;
        Err(sigscope::Error::Invalid("boom".into()))
    });
    assert!(res.is_err());
    assert_eq!(s.count_signals().unwrap(), 0);
}

#[test]
fn users_are_found_by_handle_case_insensitively_or_uuid() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let u = User {
        uuid: "u-1".into(),
        handle: "Alice@Example.com".into(),
        name: "Alice".into(),
        role: Role::Standard,
        disabled: false,
    };
    s.add_user(&u).unwrap();
    assert_eq!(s.find_user("alice@example.com").unwrap().unwrap(), u);
    assert_eq!(s.find_user("u-1").unwrap().unwrap(), u);
    assert!(s.add_user(&u).is_err());
    assert_eq!(s.list_users().unwrap().len(), 1);
}

/// A triage change names only the triage columns in its UPDATE, so SQLite leaves the `ts`,
/// `severity` and `service` indexes alone (it rewrites an index's entry whenever a column of it is
/// in the SET list). A trigger on those columns fires exactly when they are named; it must stay
/// quiet for a triage change and fire for a change of the signal itself, whose columns must follow.
#[test]
fn a_triage_change_rewrites_only_the_triage_columns() {
    use sigscope::model::{Severity, TriageState};
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    s.upsert_signals(&[sig("a", "2026-01-01T00:00:00Z")])
        .unwrap();
    s.conn()
        .execute_batch(
            "CREATE TABLE fixed_named (n INTEGER);
             INSERT INTO fixed_named VALUES (0);
             CREATE TRIGGER fixed_named AFTER UPDATE OF ts, first_seen, severity, service, env, title, rule_name
             ON signals BEGIN UPDATE fixed_named SET n = n + 1; END;",
        )
        .unwrap();
    let named = |s: &SqliteStore| -> i64 {
        s.conn()
            .query_row("SELECT n FROM fixed_named", [], |r| r.get(0))
            .unwrap()
    };

    let mut a = s.get_signal("a").unwrap().unwrap();
    let mut t = a.triage.clone();
    t.state = TriageState::UnderReview;
    a.set_triage(t, a.version + 1);
    let r = s.upsert_signals(std::slice::from_ref(&a)).unwrap();
    assert_eq!((r.inserted, r.updated), (0, 1));
    assert_eq!(named(&s), 0, "a triage change named the fixed columns");
    let (state, version): (String, i64) = s
        .conn()
        .query_row(
            "SELECT state, version FROM signals WHERE id = 'a'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), version), ("under_review", a.version));
    let back = s.get_signal("a").unwrap().unwrap();
    assert_eq!(back.triage.state, TriageState::UnderReview);
    assert_eq!(back.to_json(), a.to_json());

    // The signal itself changed: every column is written.
    let mut b = sig("a", "2026-01-05T00:00:00Z");
    b.set_triage(back.triage.clone(), back.version);
    s.upsert_signals(&[b]).unwrap();
    assert_eq!(named(&s), 1);
    let ts: i64 = s
        .conn()
        .query_row("SELECT ts FROM signals WHERE id = 'a'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ts, 1_767_571_200_000);
    assert_eq!(
        s.get_signal("a").unwrap().unwrap().severity,
        Severity::Medium
    );
}

/// The signals table keeps only the indexes a query reads (by time; the id is the key): the
/// ones by state, severity and service cost every write and served nothing (migration 9).
#[test]
fn the_signals_table_has_only_the_indexes_queries_use() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let mut st = s
        .conn()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signals' ORDER BY name")
        .unwrap();
    let names: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["signals_ts", "sqlite_autoindex_signals_1"]);
}
