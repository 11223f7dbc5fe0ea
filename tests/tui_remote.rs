//! The explorer on a team server: two `RemoteBackend`s on one `sigscope serve` over loopback, each
//! with its own SQLite cache, driven through the real `update` and drawn into a test buffer.
mod common;
mod needs;
mod remote_support;

use common::TestServer;
use remote_support::{backend, opts, runtime, start};
use sigscope::model::{ArchiveReason, TriageState};
use sigscope::remote::{Credentials, Endpoint, Remote};
use sigscope::store::Store;
use sigscope::tui::action::Action;
use sigscope::tui::app::{App, Options};
use sigscope::tui::backend::{Backend, Change, SearchRequest};
use sigscope::tui::harness;
use sigscope::tui::RemoteBackend;
use std::time::{Duration, Instant};

fn open(b: &RemoteBackend) -> App {
    let mut app = App::new(Options::default(), chrono::Utc::now(), 140, 30);
    harness::open(&mut app, b);
    app
}

fn screen(app: &App) -> String {
    harness::screen(&harness::render(app))
}

fn status_line(app: &App) -> String {
    screen(app)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

fn state_in_stream(app: &App, id: &str) -> Option<TriageState> {
    let rows = &app.results.rows;
    rows.position(id).and_then(|i| rows.row(i)).map(|r| r.state)
}

fn set_state(
    ids: &[&str],
    state: TriageState,
    reason: Option<ArchiveReason>,
    v: Option<i64>,
) -> Change {
    Change::SetState {
        ids: ids.iter().map(|s| s.to_string()).collect(),
        state,
        reason,
        comment: None,
        version: v,
    }
}

#[test]
fn b_sees_a_archive_in_its_stream_within_two_seconds() {
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(20));
    let dir = tempfile::tempdir().unwrap();
    let a = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    let b = backend(&s, &s.analyst2, &dir.path().join("b.db"), "bob@example.com");
    rt.block_on(a.remote().sync_once()).unwrap();
    rt.block_on(b.remote().sync_once()).unwrap();
    start(&rt, &a);
    start(&rt, &b);
    let mut app_b = open(&b);
    assert_eq!(app_b.row_count(), 20, "B's explorer reads its cache");
    assert_eq!(state_in_stream(&app_b, "sig-0003"), Some(TriageState::Open));
    // B follows the change feed before A acts.
    assert!(eventually(Duration::from_secs(5), || b
        .sync_state()
        .is_some_and(|l| l.text.starts_with("synced"))));

    let msg = a
        .apply(&set_state(
            &["sig-0003"],
            TriageState::Archived,
            Some(ArchiveReason::FalsePositive),
            Some(1),
        ))
        .unwrap();
    assert!(msg.contains("1 signal"), "{msg}");
    let mut app_a = open(&a);
    assert_eq!(
        state_in_stream(&app_a, "sig-0003"),
        Some(TriageState::Archived),
        "A's stream shows its own change at once"
    );

    // B's live mode polls every second; here as fast as it likes. That it arrives is checked here;
    // how fast is `cargo bench --bench propagation`.
    let seen = eventually(Duration::from_secs(20), || {
        harness::drive(&mut app_b, &b, Action::Tick(chrono::Utc::now()));
        state_in_stream(&app_b, "sig-0003") == Some(TriageState::Archived)
    });
    assert!(seen, "B's stream never showed A's archive");
    let r = b
        .search(&SearchRequest {
            query: "@workflow.triage.state:archived".into(),
            from: None,
            to: None,
        })
        .unwrap();
    assert_eq!(r.rows.len(), 1);
    harness::drive(&mut app_a, &a, Action::Tick(chrono::Utc::now()));
    // B's side panel has the server's activity for it: who archived it, and why.
    let d = b.detail("sig-0003").unwrap().unwrap();
    let entry = d
        .timeline
        .iter()
        .find(|e| e.actor == "ana@example.com")
        .unwrap_or_else(|| panic!("ana's change in B's activity: {:?}", d.timeline));
    assert!(
        entry.text.to_lowercase().contains("archived") && entry.text.contains("false"),
        "{entry:?}"
    );
    drop((a, b));
    rt.block_on(s.stop());
}

#[test]
fn the_loser_of_a_race_sees_both_versions_in_conflicts_and_can_dismiss() {
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(3));
    let dir = tempfile::tempdir().unwrap();
    let a = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    let b = backend(&s, &s.analyst2, &dir.path().join("b.db"), "bob@example.com");
    rt.block_on(a.remote().sync_once()).unwrap();
    rt.block_on(b.remote().sync_once()).unwrap();
    let mut app_b = open(&b);

    // Both looked at version 1. A's change reaches the server first.
    a.apply(&set_state(
        &["sig-0001"],
        TriageState::Archived,
        Some(ArchiveReason::Remediated),
        Some(1),
    ))
    .unwrap();
    rt.block_on(a.remote().flush()).unwrap();
    let msg = b
        .apply(&set_state(
            &["sig-0001"],
            TriageState::UnderReview,
            None,
            Some(1),
        ))
        .unwrap();
    assert!(
        msg.contains("Under review") || msg.contains("1 signal"),
        "{msg}"
    );
    rt.block_on(b.remote().flush()).unwrap();

    // One wins: the server keeps A's change; B's change is not applied on top of it.
    let server = s.store().get_signal("sig-0001").unwrap().unwrap();
    assert_eq!(server.triage.state, TriageState::Archived);
    assert_eq!(server.version, 2);
    assert!(a.conflicts().unwrap().is_empty());

    harness::drive(&mut app_b, &b, Action::Tick(chrono::Utc::now()));
    let status = status_line(&app_b);
    assert!(
        status.contains("1 conflict — :conflicts"),
        "status line: {status}"
    );
    // The marker stands out from the rest of the status line.
    let buf = harness::render(&app_b);
    let sc = harness::screen(&buf);
    let lines: Vec<&str> = sc.lines().collect();
    let y = lines.iter().rposition(|l| *l == status).unwrap() as u16;
    let x = status[..status.find("1 conflict").unwrap()].chars().count() as u16;
    let (marker, plain) = (buf[(x, y)].style(), buf[(1, y)].style());
    let th = &app_b.opts.theme;
    assert_ne!(marker, plain, "the conflict marker stands out");
    assert!(
        th.error.fg.is_none_or(|c| marker.fg == Some(c))
            && marker.add_modifier.contains(th.error.add_modifier),
        "the conflict marker is drawn in the error style: {marker:?}"
    );
    assert_eq!(
        state_in_stream(&app_b, "sig-0001"),
        Some(TriageState::Archived),
        "B's stream shows what the server holds"
    );

    harness::keys(&mut app_b, &b, ":conflicts<Enter>");
    let sc = screen(&app_b);
    assert!(
        sc.contains("conflict #") && sc.contains("state on sig-0001"),
        "{sc}"
    );
    assert!(sc.contains("from version 1"), "{sc}");
    assert!(sc.contains("yours:    state Under Review"), "{sc}");
    assert!(
        sc.contains("theirs:   Archived (Remediated), unassigned (version 2)"),
        "{sc}"
    );
    assert!(
        sc.contains("remote:   signal sig-0001 changed by ana@example.com"),
        "the remote's answer is shown: {sc}"
    );

    harness::keys(&mut app_b, &b, "d");
    let sc = screen(&app_b);
    assert!(sc.contains("no conflicts"), "{sc}");
    assert!(b.conflicts().unwrap().is_empty());
    harness::keys(&mut app_b, &b, "<Esc>");
    harness::drive(&mut app_b, &b, Action::Tick(chrono::Utc::now()));
    let status = status_line(&app_b);
    assert!(!status.contains("conflict"), "status line: {status}");
    // Dismissing never re-sends: the server still holds A's version.
    let server = s.store().get_signal("sig-0001").unwrap().unwrap();
    assert_eq!(server.triage.state, TriageState::Archived);
    drop((a, b));
    rt.block_on(s.stop());
}

#[test]
fn status_line_shows_offline_and_changes_waiting_even_when_paused() {
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(5));
    let dir = tempfile::tempdir().unwrap();
    let a = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    rt.block_on(a.remote().sync_once()).unwrap();
    start(&rt, &a);
    let mut app = open(&a);
    assert!(eventually(Duration::from_secs(5), || {
        harness::drive(&mut app, &a, Action::Tick(chrono::Utc::now()));
        status_line(&app).contains("synced")
    }));

    // Paused, the stream holds still but the status line keeps up.
    harness::keys(&mut app, &a, "L");
    assert!(status_line(&app).contains("paused"));
    rt.block_on(s.kill());
    a.apply(&set_state(
        &["sig-0002"],
        TriageState::UnderReview,
        None,
        None,
    ))
    .unwrap();
    assert_eq!(
        state_in_stream(
            &{
                let mut app = open(&a);
                harness::drive(&mut app, &a, Action::Tick(chrono::Utc::now()));
                app
            },
            "sig-0002"
        ),
        Some(TriageState::UnderReview),
        "the change shows at once, offline"
    );
    let offline = eventually(Duration::from_secs(10), || {
        harness::drive(&mut app, &a, Action::Tick(chrono::Utc::now()));
        let l = status_line(&app);
        l.contains("offline since") && l.contains("1 change waiting")
    });
    assert!(offline, "status line: {}", status_line(&app));
    drop(a);
    drop(rt);
}

#[test]
fn remote_is_refused_by_the_commands_that_do_not_speak_to_it_yet() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let store = dir.path().join("local.db");
    let run = |args: &[&str]| {
        let mut all = vec![
            "sigscope",
            "--config",
            config.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
            "--remote",
            "http://127.0.0.1:9",
        ];
        all.extend_from_slice(args);
        sigscope::cli::run(sigscope::cli::Cli::try_parse_from(all).unwrap())
    };
    let e = run(&["signals", "list"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string().contains("work with the explorer"),
        "the refusal names what does work: {e}"
    );
    let e = run(&["--demo"]).unwrap_err();
    assert!(e.to_string().contains("--demo"), "{e}");

    // With `[remote]` in the config instead, the command runs on the local store and says so (a
    // store that exists: a read never creates one).
    sigscope::store::SqliteStore::open(&store).unwrap();
    std::fs::write(&config, "[remote]\nurl = \"http://127.0.0.1:9\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .args(["--config", config.to_str().unwrap()])
        .args(["--store", store.to_str().unwrap()])
        .args(["signals", "list"])
        .env_remove("DD_API_KEY")
        .env_remove("DD_APP_KEY")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: [remote] in") && err.contains("uses the local store"),
        "{err}"
    );
}

#[test]
fn permissions_follow_the_role_the_server_gives_the_acting_user() {
    use sigscope::tui::backend::ChangeKind;
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(2));
    let dir = tempfile::tempdir().unwrap();
    let reader = backend(
        &s,
        &s.reader,
        &dir.path().join("r.db"),
        "reader@example.com",
    );
    let ana = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    start(&rt, &reader);
    start(&rt, &ana);
    assert_eq!(
        reader.allowed(ChangeKind::SetState),
        Err("security_monitoring_signals_write".to_string())
    );
    assert_eq!(
        reader.acting().as_deref(),
        Some("reader@example.com (read_only)")
    );
    assert_eq!(ana.allowed(ChangeKind::SetState), Ok(()));
    assert_eq!(ana.allowed(ChangeKind::Incident), Ok(()));
    // Blocking needs appsec_protect_write, which a read-only key lacks.
    assert_eq!(ana.allowed(ChangeKind::Block), Ok(()));
    assert_eq!(
        reader.allowed(ChangeKind::Block),
        Err("appsec_protect_write".to_string())
    );
    drop((reader, ana));

    // Without `--as`, the server says whom the keys belong to, and the role follows.
    let remote = Remote::open(
        &dir.path().join("anon.db"),
        Endpoint::sigscope(&format!("http://{}", s.addr)).unwrap(),
        Credentials {
            api_key: s.reader.api.clone(),
            app_key: s.reader.app.clone(),
        },
        opts(),
    )
    .unwrap();
    let anon = RemoteBackend::new(remote, &dir.path().join("anon.db"), None).unwrap();
    start(&rt, &anon);
    assert_eq!(
        anon.allowed(ChangeKind::SetState),
        Err("security_monitoring_signals_write".to_string())
    );
    assert_eq!(
        anon.acting().as_deref(),
        Some("reader@example.com (read_only)")
    );
    drop(anon);
    rt.block_on(s.stop());
}

#[test]
fn an_incident_declared_from_a_remote_explorer_links_its_signal_on_the_server() {
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(3));
    let dir = tempfile::tempdir().unwrap();
    let a = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    rt.block_on(a.remote().sync_once()).unwrap();
    start(&rt, &a);
    let msg = a
        .apply(&Change::NewIncident {
            ids: vec!["sig-0002".into()],
            title: "Credential stuffing".into(),
            severity: "SEV-2".into(),
            commander: None,
            customer_impacted: false,
        })
        .unwrap();
    assert!(msg.starts_with("declared incident IR-"), "{msg}");
    let listed = a.incidents().unwrap();
    assert!(
        listed
            .iter()
            .any(|c| c.title == "Credential stuffing" && msg.ends_with(&c.id)),
        "{listed:?}"
    );
    let n: i64 = msg.rsplit('-').next().unwrap().parse().unwrap();
    let linked = eventually(Duration::from_secs(5), || {
        s.store()
            .get_signal("sig-0002")
            .unwrap()
            .unwrap()
            .triage
            .incident_ids
            .contains(&n)
    });
    assert!(linked, "the server's signal lists IR-{n}");
    drop(a);
    rt.block_on(s.stop());
}

/// The cache changes behind the index's back (same rowid, no audit row): the reader hears of each
/// update through the cache's update log, the second update of a signal as well as the first.
#[test]
fn a_reader_follows_updates_written_by_another_connection() {
    use sigscope::model::{Role, Signal, User};
    use sigscope::store::SignalRows;
    use sigscope::store::SqliteStore;
    use sigscope::tui::LocalBackend;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let writer = SqliteStore::open(&path).unwrap();
    // What the remote's cache does when it opens: log every update of a signal row.
    sigscope::store::sqlite::signals::track_updates(writer.conn()).unwrap();
    let sigs: Vec<Signal> = (0..3)
        .map(|i| Signal::from_json(common::signal_json(i)).unwrap())
        .collect();
    for s in &sigs {
        writer.conn().put_signal(s).unwrap();
    }
    let me = User {
        uuid: String::new(),
        handle: "ana@example.com".into(),
        name: String::new(),
        role: Role::ReadOnly,
        disabled: false,
    };
    let r = LocalBackend::reader(&path, me).unwrap();
    let archived = SearchRequest {
        query: "@workflow.triage.state:archived".into(),
        from: None,
        to: None,
    };
    assert_eq!(r.search(&archived).unwrap().rows.len(), 0);
    for (round, state) in [
        TriageState::Archived,
        TriageState::Open,
        TriageState::Archived,
    ]
    .into_iter()
    .enumerate()
    {
        let g = r.generation();
        let mut s = sigs[1].clone();
        let mut t = s.triage.clone();
        t.state = state;
        s.set_triage(t, 2 + round as i64);
        writer.conn().put_signal(&s).unwrap();
        assert!(r.generation() > g, "update {round} bumps the generation");
        let n = r.search(&archived).unwrap().rows.len();
        assert_eq!(
            n,
            usize::from(state == TriageState::Archived),
            "update {round}"
        );
    }
}

/// The real binary in tmux: `sigscope --remote URL` opens the explorer on the team server, syncs on
/// its own runtime, sends a change through the outbox, and says when the server is gone.
/// Fails, saying why, when tmux is not installed (CI installs it; see tests/needs).
#[test]
fn the_binary_explores_a_team_server_in_tmux() {
    use std::process::Command;
    if Command::new("tmux").arg("-V").output().is_err() {
        needs::missing(
            "the_binary_explores_a_team_server_in_tmux",
            "tmux is not installed",
        );
        return;
    }
    struct Tmux(String);
    impl Tmux {
        fn run(&self, args: &[&str]) -> String {
            let out = Command::new("tmux")
                .arg("-L")
                .arg(&self.0)
                .args(args)
                .output()
                .expect("tmux runs");
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
        fn wait(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
            let deadline = Instant::now() + Duration::from_secs(secs);
            loop {
                let s = self.run(&["capture-pane", "-p", "-t", "remote"]);
                if pred(&s) {
                    return s;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}; screen:\n{s}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    impl Drop for Tmux {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .args(["-L", &self.0, "kill-server"])
                .output();
        }
    }

    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(5));
    let dir = tempfile::tempdir().unwrap();
    // The test signals are from January 2026: a window and a range that reach them.
    std::fs::write(
        dir.path().join("config.toml"),
        "[remote]\nwindow_days = 3650\n[ui]\nrange = \"all\"\n",
    )
    .unwrap();
    let cmd = format!(
        "env TERM=xterm-256color HOME={home} XDG_DATA_HOME={home}/data XDG_CONFIG_HOME={home}/config \
         DD_API_KEY={api} DD_APP_KEY={app} {bin} --config {home}/config.toml --remote http://{addr} \
         --as ana@example.com",
        home = dir.path().display(),
        api = s.analyst.api,
        app = s.analyst.app,
        bin = env!("CARGO_BIN_EXE_sigscope"),
        addr = s.addr,
    );
    let t = Tmux(format!("sigscope-remote-{}", std::process::id()));
    t.run(&[
        "new-session",
        "-d",
        "-s",
        "remote",
        "-x",
        "130",
        "-y",
        "30",
        &cmd,
    ]);
    let sc = t.wait("the first sync", 120, |s| {
        s.contains("5 of 5") && s.contains("synced")
    });
    assert!(
        !sc.contains(&s.analyst.app) && !sc.contains(&s.analyst.api),
        "keys never on screen"
    );
    assert!(sc.contains("ana@example.com (standard)"), "{sc}");

    // Archive the selected signal from the palette; it reaches the server through the outbox.
    t.run(&["send-keys", "-t", "remote", ":"]);
    t.run(&[
        "send-keys",
        "-t",
        "remote",
        "-l",
        "state archived false_positive from the remote explorer",
    ]);
    t.run(&["send-keys", "-t", "remote", "Enter"]);
    t.wait("the confirmation", 20, |s| {
        s.contains("1 signal → Archived")
    });
    let on_server = eventually(Duration::from_secs(10), || {
        s.store()
            .list_signals(&Default::default())
            .unwrap()
            .iter()
            .any(|x| {
                x.triage.state == TriageState::Archived
                    && x.triage.archive_comment.as_deref() == Some("from the remote explorer")
            })
    });
    assert!(on_server, "the server holds the archive");

    rt.block_on(s.kill());
    t.wait("the offline status", 60, |s| s.contains("offline since"));
    t.run(&["send-keys", "-t", "remote", "q"]);
}

/// A change the server refuses for good (a read-only key) is listed as refused, with the server's
/// answer, and the stream goes back to what the server holds.
#[test]
fn a_refused_change_is_listed_with_the_servers_answer() {
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(2));
    let dir = tempfile::tempdir().unwrap();
    // No acting user: the explorer cannot know the key is read-only, the server can.
    let remote = Remote::open(
        &dir.path().join("r.db"),
        Endpoint::sigscope(&format!("http://{}", s.addr)).unwrap(),
        Credentials {
            api_key: s.reader.api.clone(),
            app_key: s.reader.app.clone(),
        },
        opts(),
    )
    .unwrap();
    let r = RemoteBackend::new(remote, &dir.path().join("r.db"), None).unwrap();
    rt.block_on(r.remote().sync_once()).unwrap();
    let mut app = open(&r);
    r.apply(&set_state(
        &["sig-0001"],
        TriageState::Archived,
        Some(ArchiveReason::Other),
        Some(1),
    ))
    .unwrap();
    rt.block_on(r.remote().flush()).unwrap();
    harness::drive(&mut app, &r, Action::Tick(chrono::Utc::now()));
    assert_eq!(state_in_stream(&app, "sig-0001"), Some(TriageState::Open));
    assert!(status_line(&app).contains("1 conflict — :conflicts"));
    harness::keys(&mut app, &r, ":conflicts<Enter>");
    let sc = screen(&app);
    assert!(
        sc.contains("refused #") && sc.contains("state on sig-0001"),
        "{sc}"
    );
    assert!(sc.contains("yours:    state Archived (Other)"), "{sc}");
    assert!(sc.contains("security_monitoring_signals_write"), "{sc}");
    drop(r);
    rt.block_on(s.stop());
}

/// The analyst saw version 1; the sync has brought version 2 since: the change is refused at once
/// instead of being queued on top of a version they never saw.
#[test]
fn a_change_from_a_version_the_cache_has_moved_past_is_refused() {
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(2));
    let dir = tempfile::tempdir().unwrap();
    let a = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    let b = backend(&s, &s.analyst2, &dir.path().join("b.db"), "bob@example.com");
    rt.block_on(a.remote().sync_once()).unwrap();
    rt.block_on(b.remote().sync_once()).unwrap();
    a.apply(&set_state(
        &["sig-0000"],
        TriageState::UnderReview,
        None,
        Some(1),
    ))
    .unwrap();
    rt.block_on(a.remote().flush()).unwrap();
    rt.block_on(b.remote().sync_once()).unwrap();
    let e = b
        .apply(&set_state(
            &["sig-0000"],
            TriageState::Archived,
            Some(ArchiveReason::Other),
            Some(1),
        ))
        .unwrap_err();
    assert_eq!(e.exit_code(), 5, "{e}");
    assert!(
        e.to_string().contains("changed since you looked at it"),
        "{e}"
    );
    assert!(b.remote().pending().unwrap().is_empty(), "nothing queued");
    drop((a, b));
    rt.block_on(s.stop());
}

/// Blocking from an explorer on a team server acts on the server's denylist: the attacking IP is
/// blocked there, the side panel shows it, `:blocks` lists it, and lifting it lifts it there.
#[test]
fn blocking_from_a_remote_explorer_acts_on_the_servers_denylist() {
    use sigscope::model::{BlockKind, Signal};
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(2));
    let mut v = common::signal_json(7);
    v["attributes"]["attributes"]["samples"] = serde_json::json!([
        {"eventId": "e1", "content": {"http": {"client_ip": "198.51.100.23"}}}
    ]);
    let attacked = Signal::from_json(v).unwrap();
    assert_eq!(attacked.attacker_ips, vec!["198.51.100.23".to_string()]);
    s.store().upsert_signals(&[attacked]).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let ana = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    start(&rt, &ana);
    rt.block_on(ana.remote().sync_once()).unwrap();
    let before = ana.detail("sig-0007").unwrap().unwrap();
    assert_eq!(before.blocks.len(), 1);
    assert_eq!(
        before.blocks[0].blocked, None,
        "not blocked yet, as the server says"
    );

    let msg = ana
        .apply(&Change::BlockIps {
            ids: vec!["sig-0007".into()],
            duration: Some(chrono::TimeDelta::hours(1)),
        })
        .unwrap();
    assert_eq!(msg, "blocked 1 IP");
    let on_server = common::pg_support::count(
        &s.store_path,
        "SELECT COUNT(*) FROM blocks WHERE value = '198.51.100.23' AND lifted_at IS NULL",
    );
    assert_eq!(on_server, 1);

    let after = ana.detail("sig-0007").unwrap().unwrap();
    assert!(
        matches!(after.blocks[0].blocked, Some(Some(_))),
        "the side panel shows the block and its end: {:?}",
        after.blocks
    );
    let listed = ana.blocks(false).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].kind, BlockKind::Ip);
    assert_eq!(listed[0].signal_id.as_deref(), Some("sig-0007"));
    assert_eq!(listed[0].created_by, "ana@example.com");

    ana.apply(&Change::Unblock { id: listed[0].id }).unwrap();
    assert!(ana.blocks(false).unwrap().is_empty());
    assert_eq!(ana.blocks(true).unwrap().len(), 1, "kept, as lifted");
    assert_eq!(
        ana.detail("sig-0007").unwrap().unwrap().blocks[0].blocked,
        None
    );
    drop(ana);
    rt.block_on(s.stop());
}

/// `:notify` on a remote lists the server's notification rules, their targets masked as the
/// server sends them.
#[test]
fn notification_rules_of_the_server_reach_a_remote_explorer_masked() {
    let rt = runtime();
    let mut s = rt.block_on(TestServer::start(1));
    let body = serde_json::json!({"data": {"type": "notification_rules", "attributes": {
        "name": "prod criticals", "enabled": true,
        "selectors": {"trigger_source": "security_signals", "severities": ["critical"],
                      "query": "env:prod"},
        "targets": ["pagerduty:R0UT1NGKEY0123456789abcdef"], "time_aggregation": 0}}});
    let url = s.url("/api/v2/security/signals/notification_rules");
    let st = rt.block_on(async {
        common::authed(common::http().post(&url), &s.admin)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(st.as_u16(), 201);

    let dir = tempfile::tempdir().unwrap();
    let ana = backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    start(&rt, &ana);
    let rules = ana.notify_rules().unwrap();
    assert_eq!(rules.len(), 1);
    let r = &rules[0];
    assert_eq!((r.name.as_str(), r.enabled), ("prod criticals", true));
    assert_eq!(r.severities, vec!["critical".to_string()]);
    assert_eq!(r.query, "env:prod");
    assert_eq!(r.targets.len(), 1);
    assert!(r.targets[0].starts_with("pagerduty:"), "{:?}", r.targets);
    assert!(!r.targets[0].contains("R0UT1NGKEY0123456789abcdef"));
    drop(ana);
    rt.block_on(s.stop());
}
