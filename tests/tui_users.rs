//! Issue 17, item 5: the user list is not read once at start. A user added on the store after the
//! explorer opened is offered by the assign picker after `r`, and after any change arrives on the
//! change feed (live mode), so a first remote run or a new colleague never leaves `(unassigned)` only.
//! On a team server the feed carries the user's addition itself: no signal needs to change.
mod common;
mod remote_support;

use chrono::Utc;
use sigscope::demo::{self, DemoOptions};
use sigscope::engine::{Command, Engine, SignalRef};
use sigscope::model::{Role, TriageState};
use sigscope::tui::action::Action;
use sigscope::tui::app::{App, Options};
use sigscope::tui::backend::{Backend, SearchRequest};
use sigscope::tui::harness;
use sigscope::tui::LocalBackend;

fn store(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("signals.db");
    demo::populate_at(
        &path,
        &DemoOptions {
            signals: 40,
            seed: 7,
            days: 30,
            now: demo::default_now(),
        },
    )
    .unwrap();
    path
}

fn add_user(path: &std::path::Path, email: &str, name: &str) {
    let mut engine = Engine::open(path).unwrap();
    let admin = engine.resolve_actor(Some("admin@sigscope.test")).unwrap();
    engine
        .execute(
            &admin,
            Command::AddUser {
                email: email.into(),
                role: Role::Standard,
                name: Some(name.into()),
            },
        )
        .unwrap();
}

fn picker(app: &mut App, b: &dyn Backend, filter: &str) -> String {
    harness::keys(app, b, &format!("a{filter}"));
    let s = harness::screen(&harness::render(app));
    harness::keys(app, b, "<Esc>");
    s
}

#[test]
fn a_user_added_after_opening_is_offered_after_r_and_after_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    let b = LocalBackend::open(&path, Some("alice@sigscope.test")).unwrap();
    let mut app = App::new(Options::default(), Utc::now(), 120, 30);
    harness::open(&mut app, &b);
    assert!(!picker(&mut app, &b, "Zoe").contains("Zoe Newcomer"));

    add_user(&path, "zoe@sigscope.test", "Zoe Newcomer");
    assert!(
        !picker(&mut app, &b, "Zoe").contains("Zoe Newcomer"),
        "not before a refresh (the test would prove nothing otherwise)"
    );
    harness::keys(&mut app, &b, "r");
    let s = picker(&mut app, &b, "Zoe");
    assert!(s.contains("Zoe Newcomer"), "after r:\n{s}");

    // The change feed: another analyst triages a signal; the next tick sees the new generation
    // and reloads the users along with the results.
    add_user(&path, "yan@sigscope.test", "Yan Latecomer");
    assert!(!picker(&mut app, &b, "Yan").contains("Yan Latecomer"));
    let id = b
        .search(&SearchRequest {
            query: "@workflow.triage.state:open".into(),
            from: None,
            to: None,
        })
        .unwrap()
        .rows
        .row(0)
        .unwrap()
        .id
        .to_string();
    let mut other = Engine::open(&path).unwrap();
    let bob = other.resolve_actor(Some("bob@sigscope.test")).unwrap();
    other
        .execute(
            &bob,
            Command::SetState {
                signals: vec![SignalRef::new(&id)],
                to: TriageState::UnderReview,
                reason: None,
                comment: None,
            },
        )
        .unwrap();
    drop(other);
    harness::drive(&mut app, &b, Action::Tick(Utc::now()));
    let s = picker(&mut app, &b, "Yan");
    assert!(s.contains("Yan Latecomer"), "after a change arrived:\n{s}");
}

#[test]
fn a_user_added_on_a_team_server_reaches_a_remote_explorer_on_the_change_feed() {
    use sigscope::remote::SyncState;
    use std::time::{Duration, Instant};
    let rt = remote_support::runtime();
    let mut s = rt.block_on(common::TestServer::start(2));
    let dir = tempfile::tempdir().unwrap();
    let b = remote_support::backend(&s, &s.analyst, &dir.path().join("a.db"), "ana@example.com");
    remote_support::start(&rt, &b);
    let mut st = b.remote().status();
    rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(10),
            st.wait_for(|x| x.state == SyncState::Synced),
        )
        .await
    })
    .unwrap()
    .unwrap();
    let mut app = App::new(Options::default(), Utc::now(), 120, 30);
    harness::open(&mut app, &b);
    assert!(picker(&mut app, &b, "bob").contains("bob@example.com"));
    assert!(!picker(&mut app, &b, "Zoe").contains("Zoe Newcomer"));

    let mut engine = Engine::open(&s.store_path).unwrap();
    let admin = engine.resolve_actor(Some("admin@example.com")).unwrap();
    engine
        .execute(
            &admin,
            Command::AddUser {
                email: "zoe@example.com".into(),
                role: Role::Standard,
                name: Some("Zoe Newcomer".into()),
            },
        )
        .unwrap();
    drop(engine);
    // Ticks only, no `r`: the feed brings the addition and the explorer reloads its users.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        harness::drive(&mut app, &b, Action::Tick(Utc::now()));
        let s = picker(&mut app, &b, "Zoe");
        if s.contains("Zoe Newcomer") {
            break;
        }
        assert!(Instant::now() < deadline, "never offered:\n{s}");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(b);
    rt.block_on(s.stop());
}
