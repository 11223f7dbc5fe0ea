//! `sigscope keys create|list|revoke` against a store, and graceful shutdown of `serve`.
mod common;

use sigscope::model::Role;
use sigscope::store::KeyRows;
use sigscope::store::{SqliteStore, Store};
use std::process::Command;

fn sigscope(store: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .arg("--store")
        .arg(store)
        .arg("--config")
        .arg(store.with_extension("toml"))
        .args(args)
        .env_remove("DD_API_KEY")
        .env_remove("DD_APP_KEY")
        .output()
        .unwrap()
}

#[test]
fn keys_are_printed_once_stored_hashed_and_revocable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.add_user(&common::user("admin@example.com", Role::Admin))
            .unwrap();
        s.add_user(&common::user("ana@example.com", Role::Standard))
            .unwrap();
    }
    let admin = |args: &[&str]| {
        let mut all = vec!["--as", "admin@example.com"];
        all.extend_from_slice(args);
        sigscope(&path, &all)
    };
    let out = admin(&["keys", "create", "--user", "ana@example.com"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let api = lines[0].strip_prefix("DD_API_KEY=").unwrap();
    let app = lines[1].strip_prefix("DD_APP_KEY=").unwrap();
    assert_eq!((api.len(), app.len()), (32, 40));

    // Only hashes in the file; the pair authenticates as ana.
    {
        let s = SqliteStore::open(&path).unwrap();
        s.conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(api) && !text.contains(app),
        "a secret is stored in clear"
    );
    let s = SqliteStore::open(&path).unwrap();
    let engine = sigscope::engine::Engine::open(&path).unwrap();
    let who = engine.authenticate(api, app).unwrap().unwrap();
    assert_eq!(who.handle, "ana@example.com");

    let out = admin(&["keys", "list"]);
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.contains("ana@example.com"));
    assert!(!listing.contains(api) && !listing.contains(app));
    let id = s.conn().list_keys().unwrap()[0].id.clone();

    let out = admin(&["keys", "revoke", &id]);
    assert!(out.status.success());
    assert!(engine.authenticate(api, app).unwrap().is_none());
    let out = admin(&["keys", "revoke", &id]);
    assert_eq!(out.status.code(), Some(3), "revoking twice is an error");
    let out = admin(&["keys", "create", "--user", "nobody@example.com"]);
    assert_eq!(out.status.code(), Some(3));
}

/// A key acts with its user's role, so only that user or a user manager may create, see or revoke
/// it: a standard user cannot mint an admin's key.
#[test]
fn keys_of_another_user_need_user_access_manage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.add_user(&common::user("admin@example.com", Role::Admin))
            .unwrap();
        s.add_user(&common::user("ana@example.com", Role::Standard))
            .unwrap();
    }
    let run = |who: &str, args: &[&str]| {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        sigscope(&path, &all)
    };
    let ana = "ana@example.com";
    let out = run(ana, &["keys", "create", "--user", "admin@example.com"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "a standard user minting an admin key"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("user_access_manage"));
    let s = SqliteStore::open(&path).unwrap();
    assert!(s.conn().list_keys().unwrap().is_empty(), "no key was made");

    assert!(run(ana, &["keys", "create", "--user", ana])
        .status
        .success());
    assert!(run(
        "admin@example.com",
        &["keys", "create", "--user", "admin@example.com"]
    )
    .status
    .success());
    let all = s.conn().list_keys().unwrap();
    let admins = all
        .iter()
        .find(|k| k.user_handle.as_deref() == Some("admin@example.com"))
        .unwrap();
    let anas = all
        .iter()
        .find(|k| k.user_handle.as_deref() == Some(ana))
        .unwrap();

    let listing = String::from_utf8(run(ana, &["keys", "list", "--format", "ids"]).stdout).unwrap();
    assert_eq!(listing.trim(), anas.id, "ana sees only her own key");

    let out = run(ana, &["keys", "revoke", &admins.id]);
    assert_eq!(out.status.code(), Some(4));
    assert!(s
        .conn()
        .list_keys()
        .unwrap()
        .iter()
        .all(|k| k.revoked.is_none()));
    assert!(run(ana, &["keys", "revoke", &anas.id]).status.success());
    assert!(run("admin@example.com", &["keys", "revoke", &admins.id])
        .status
        .success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests_and_closes_the_store() {
    let mut s = common::TestServer::start(2).await;
    let feed = s.url(&format!(
        "/api/v2/sigscope/changes?after={}&wait=20",
        s.head
    ));
    let waiting = {
        let r = common::authed(common::http().get(&feed), &s.reader);
        tokio::spawn(async move { r.send().await.map(|r| r.status().as_u16()) })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The long-poll in flight is answered (not cut), and the server task ends cleanly.
    tokio::time::timeout(std::time::Duration::from_secs(5), s.stop())
        .await
        .expect("shutdown did not wait out the 20 s long-poll");
    assert_eq!(waiting.await.unwrap().unwrap(), 200);
    // The store is whole and has no WAL left behind.
    let wal = s.store_path.with_extension("db-wal");
    assert!(std::fs::metadata(&wal)
        .map(|m| m.len() == 0)
        .unwrap_or(true));
    assert_eq!(s.store().count_signals().unwrap(), 2);
}

#[cfg(unix)]
#[test]
fn serve_binary_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let (ks, _) = common::seed(&path, 3);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .arg("--store")
        .arg(&path)
        .arg("--config")
        .arg(dir.path().join("c.toml"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    // The line saying where it listens; the live index may log before it.
    let mut line = String::new();
    for _ in 0..20 {
        line.clear();
        err.read_line(&mut line).unwrap();
        if line.contains("listening") {
            break;
        }
    }
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    let resp = reqwest::blocking::Client::new()
        .get(format!(
            "http://{addr}/api/v2/security_monitoring/signals/sig-0001"
        ))
        .header("DD-API-KEY", &ks[3].api)
        .header("DD-APPLICATION-KEY", &ks[3].app)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(status.success(), "{status}: {rest}");
    assert!(rest.contains("stopped cleanly"), "{rest}");
    let keys_in_output = rest.contains(&ks[3].api) || rest.contains(&ks[3].app);
    assert!(!keys_in_output, "keys never in logs");
}
