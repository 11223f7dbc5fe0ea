//! `LocalBackend` over a real SQLite store filled with demo data: search, facets, details, changes
//! through the engine, refusals, and changes made by another process showing up.
use chrono::Utc;
use sigscope::demo::{self, DemoOptions};
use sigscope::engine::{Command, Engine, SignalRef};
use sigscope::model::{ArchiveReason, TriageState};
use sigscope::store::SqliteStore;
use sigscope::tui::backend::{Backend, Change, ChangeKind, SearchRequest, WorkflowOutcome};
use sigscope::tui::LocalBackend;

fn store(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("signals.db");
    demo::populate_at(
        &path,
        &DemoOptions {
            signals: 300,
            seed: 7,
            days: 30,
            now: demo::default_now(),
        },
    )
    .unwrap();
    path
}

fn all(q: &str) -> SearchRequest {
    SearchRequest {
        query: q.into(),
        from: None,
        to: None,
    }
}

#[test]
fn search_counts_facets_and_reports_a_bad_query_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::open(&store(dir.path()), Some("alice@sigscope.test")).unwrap();
    let r = b.search(&all("")).unwrap();
    assert_eq!(r.rows.len(), 300);
    assert_eq!(r.total, 300);
    let state = r
        .facets
        .iter()
        .find(|f| f.label == "Signal State")
        .expect("a state facet");
    assert_eq!(state.key, "@workflow.triage.state");
    assert_eq!(state.values.iter().map(|v| v.count).sum::<usize>(), 300);
    // Newest first.
    let first = r.rows.row(0).unwrap();
    let second = r.rows.row(1).unwrap();
    assert!(first.timestamp >= second.timestamp);
    assert_eq!(r.rows.position(&first.id), Some(0));

    let open = b.search(&all("@workflow.triage.state:open")).unwrap();
    assert!(open.rows.len() < 300 && !open.rows.is_empty());
    assert!((0..open.rows.len()).all(|i| open.rows.row(i).unwrap().state == TriageState::Open));

    let bad = b.search(&all("status:(high")).unwrap();
    let e = bad.error.expect("a parse error");
    assert!(e.start >= 7, "{e:?}");
}

#[test]
fn detail_has_rule_owner_and_timeline_and_changes_go_through_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::open(&store(dir.path()), Some("alice@sigscope.test")).unwrap();
    let r = b.search(&all("@workflow.triage.state:open")).unwrap();
    let id = r.rows.row(0).unwrap().id.to_string();
    let d = b.detail(&id).unwrap().expect("the signal");
    assert!(d
        .rule
        .as_ref()
        .is_some_and(|r| !r.description.is_empty() && !r.runbook.is_empty()));
    assert!(d.service_owner.is_some());

    let msg = b
        .apply(&Change::SetState {
            ids: vec![id.clone()],
            state: TriageState::Archived,
            reason: Some(ArchiveReason::FalsePositive),
            comment: Some("checked".into()),
            version: Some(d.signal.version),
        })
        .unwrap();
    assert!(msg.contains("Archived"), "{msg}");
    let d = b.detail(&id).unwrap().unwrap();
    assert_eq!(d.signal.triage.state, TriageState::Archived);
    assert!(
        d.timeline.iter().any(|e| e.text.contains("archived")),
        "{:?}",
        d.timeline
    );
    // The index follows at once: the signal has left the open ones.
    let r = b.search(&all("@workflow.triage.state:open")).unwrap();
    assert_eq!(r.rows.position(&id), None);
}

#[test]
fn read_only_user_is_refused_with_the_missing_permission() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::open(&store(dir.path()), Some("ro@sigscope.test")).unwrap();
    assert_eq!(
        b.allowed(ChangeKind::SetState),
        Err("security_monitoring_signals_write".into())
    );
    assert_eq!(
        b.allowed(ChangeKind::Block),
        Err("appsec_protect_write".into())
    );
    let id = b
        .search(&all(""))
        .unwrap()
        .rows
        .row(0)
        .unwrap()
        .id
        .to_string();
    let e = b
        .apply(&Change::Assign {
            ids: vec![id],
            user: None,
            version: None,
        })
        .unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let alice =
        LocalBackend::open(&dir.path().join("signals.db"), Some("alice@sigscope.test")).unwrap();
    assert_eq!(alice.allowed(ChangeKind::SetState), Ok(()));
}

#[test]
fn changes_by_another_process_show_up_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    let b = LocalBackend::open(&path, Some("alice@sigscope.test")).unwrap();
    let r = b.search(&all("@workflow.triage.state:open")).unwrap();
    let id = r.rows.row(5).unwrap().id.to_string();
    let g0 = b.generation();
    // Another writer (the CLI, a second explorer) triages a signal and adds new ones.
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
    demo::populate_at(
        &path,
        &DemoOptions {
            signals: 10,
            seed: 99,
            days: 1,
            now: Utc::now(),
        },
    )
    .unwrap();
    let g1 = b.generation();
    assert!(g1 > g0);
    let r = b.search(&all("")).unwrap();
    assert_eq!(r.total, 310);
    let pos = r.rows.position(&id).unwrap();
    assert_eq!(r.rows.row(pos).unwrap().state, TriageState::UnderReview);
    assert_eq!(b.generation(), g1, "nothing new, same generation");
}

#[test]
fn a_large_store_shows_its_newest_signals_first_and_loads_the_rest_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    demo::populate_at(
        &path,
        &DemoOptions {
            signals: 2600,
            seed: 3,
            days: 30,
            now: demo::default_now(),
        },
    )
    .unwrap();
    // One row the loader cannot read, deep in the part loaded behind: it is skipped, not fatal.
    let s = SqliteStore::open(&path).unwrap();
    let broken: String = s
        .conn()
        .query_row(
            "SELECT id FROM signals ORDER BY ts DESC, id DESC LIMIT 1 OFFSET 2000",
            [],
            |r| r.get(0),
        )
        .unwrap();
    s.conn()
        .execute("UPDATE signals SET raw = '{' WHERE id = ?1", [&broken])
        .unwrap();
    drop(s);
    let b = LocalBackend::open(&path, Some("alice@sigscope.test")).unwrap();
    let first = b.search(&all("")).unwrap();
    assert_eq!(first.total, 2600);
    // The newest ones are there from the first answer.
    let newest = first.rows.row(0).unwrap();
    let g0 = b.generation();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let r = b.search(&all("")).unwrap();
        if r.loading.is_none() {
            assert_eq!(r.rows.len(), 2599, "all but the unreadable one");
            assert_eq!(r.rows.position(&broken), None);
            assert_eq!(r.rows.row(0).unwrap().id, newest.id);
            let times: Vec<_> = (0..r.rows.len())
                .map(|i| r.rows.row(i).unwrap().timestamp)
                .collect();
            assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
            // Live mode hears of the load: the generation moves on past the first answer's. (The
            // loader marks itself done just before it bumps the generation, so wait for it.)
            while b.generation() <= g0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the generation never moved"
                );
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the store never finished loading"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_change_made_since_the_analyst_looked_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    let b = LocalBackend::open(&path, Some("alice@sigscope.test")).unwrap();
    let id = b
        .search(&all("@workflow.triage.state:open"))
        .unwrap()
        .rows
        .row(0)
        .unwrap()
        .id
        .to_string();
    let seen = b.detail(&id).unwrap().unwrap().signal.version;
    // Someone else moves it first.
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
    let e = b
        .apply(&Change::SetState {
            ids: vec![id.clone()],
            state: TriageState::Archived,
            reason: Some(ArchiveReason::Other),
            comment: None,
            version: Some(seen),
        })
        .unwrap_err();
    assert_eq!(e.exit_code(), 5, "{e}");
    assert_eq!(
        b.detail(&id).unwrap().unwrap().signal.triage.state,
        TriageState::UnderReview
    );
}

#[test]
fn the_denylist_view_extends_and_lifts_through_the_engine() {
    use sigscope::model::BlockKind;
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    let b = LocalBackend::open(&path, Some("alice@sigscope.test")).unwrap();
    let extend = |d: chrono::TimeDelta| Change::ExtendBlock {
        kind: BlockKind::Ip,
        value: "192.0.2.99".into(),
        duration: Some(d),
    };
    let mine = |all: bool| -> Vec<sigscope::model::Block> {
        b.blocks(all)
            .unwrap()
            .into_iter()
            .filter(|x| x.value == "192.0.2.99")
            .collect()
    };
    b.apply(&extend(chrono::TimeDelta::hours(1))).unwrap();
    let first = mine(false);
    assert_eq!(first.len(), 1, "{first:?}");
    let until = first[0].expires_at.expect("a timed block");
    b.apply(&extend(chrono::TimeDelta::days(7))).unwrap();
    let now = mine(false);
    assert_eq!(now.len(), 1, "extending keeps one entry: {now:?}");
    assert_eq!(now[0].id, first[0].id);
    assert!(now[0].expires_at.expect("still timed") > until + chrono::TimeDelta::days(6));

    let ro = LocalBackend::open(&path, Some("ro@sigscope.test")).unwrap();
    let e = ro.apply(&Change::Unblock { id: now[0].id }).unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    assert!(e.to_string().contains("appsec_protect_write"), "{e}");

    b.apply(&Change::Unblock { id: now[0].id }).unwrap();
    assert!(mine(false).is_empty());
    let lifted = mine(true);
    assert_eq!(lifted.len(), 1);
    assert!(lifted[0].lifted_at.is_some());
}

#[test]
fn notification_rules_reach_the_explorer_with_targets_masked() {
    use sigscope::notify::{Author, NotificationRule, Target};
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    let s = SqliteStore::open(&path).unwrap();
    let mut r = NotificationRule::new(
        NotificationRule::new_id(),
        "page the on-call".into(),
        Utc::now(),
        Author::default(),
    );
    r.query = "service:checkout-api".into();
    r.targets =
        vec![Target::parse("webhook:https://bob:hunter2secret@hooks.example.com/in").unwrap()];
    sigscope::store::sqlite::notify_rules::insert(s.conn(), &r).unwrap();
    drop(s);
    let b = LocalBackend::open(&path, Some("alice@sigscope.test")).unwrap();
    let rules = b.notify_rules().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].name, "page the on-call");
    assert_eq!(rules[0].query, "service:checkout-api");
    assert!(rules[0].enabled);
    assert!(
        rules[0].targets[0].starts_with("webhook:https://"),
        "{:?}",
        rules[0].targets
    );
    assert!(
        !rules[0].targets[0].contains("hunter2secret"),
        "{:?}",
        rules[0].targets
    );
}

#[test]
fn a_workflow_runs_through_the_backend_and_lands_on_the_activity_timeline() {
    use sigscope::tui::local::WorkflowSetup;
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    let wdir = dir.path().join("workflows");
    std::fs::create_dir_all(&wdir).unwrap();
    std::fs::write(
        wdir.join("echo.toml"),
        r#"
name = "echo-signal"
description = "Print the signal id"

[[inputs]]
name = "times"
type = "number"
required = true

[[steps]]
type = "command"
name = "print"
argv = ["printf", "%s", "{{signal.id}}"]
"#,
    )
    .unwrap();
    let setup = WorkflowSetup {
        config: sigscope::workflow::WorkflowsConfig {
            allow_commands: true,
            ..Default::default()
        },
        dir: wdir,
        link: "https://example.com/signals/{id}".into(),
    };
    let b = LocalBackend::open(&path, Some("alice@sigscope.test"))
        .unwrap()
        .with_workflows(setup.clone());
    let all_w = b.workflows().unwrap();
    let echo = all_w
        .iter()
        .find(|w| w.name == "echo-signal")
        .expect("the user's workflow");
    assert_eq!(echo.inputs[0].name, "times");
    assert!(echo.inputs[0].required);
    assert!(
        all_w.iter().any(|w| w.name == "open-ticket"),
        "built-ins too"
    );

    let id = b
        .search(&all(""))
        .unwrap()
        .rows
        .row(0)
        .unwrap()
        .id
        .to_string();
    // Bad inputs are refused before anything runs, each named.
    let r = b
        .run_workflow(
            "echo-signal",
            &id,
            &[("times".into(), "lots".into())],
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(r.inputs.len(), 1, "{r:?}");
    assert_eq!(r.inputs[0].0, "times");
    assert!(r.inputs[0].1.contains("expected a number"), "{r:?}");
    // Each problem reaches its field whole, even when the value quoted in it reads like a list of
    // problems ("; ", ": "); nothing is read back out of the message text.
    let r = b
        .run_workflow(
            "echo-signal",
            &id,
            &[("times".into(), "1; times: 2".into())],
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(r.inputs.len(), 1, "{r:?}");
    assert_eq!(r.inputs[0].0, "times");
    assert_eq!(
        r.inputs[0].1, "expected a number, got \"1; times: 2\"",
        "{r:?}"
    );
    assert!(
        r.message
            .contains("invalid inputs: times: expected a number"),
        "{r:?}"
    );

    let mut steps = Vec::new();
    let done = b
        .run_workflow(
            "echo-signal",
            &id,
            &[("times".into(), "2".into())],
            &mut |s| steps.push(s),
        )
        .unwrap();
    assert!(
        matches!(&done, WorkflowOutcome::Succeeded { summary } if summary.starts_with("workflow echo-signal succeeded")),
        "{done:?}"
    );
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].name, "print");
    assert_eq!(steps[0].status, sigscope::workflow::StepStatus::Succeeded);
    let d = b.detail(&id).unwrap().unwrap();
    assert!(
        d.timeline.iter().any(|t| t.text.contains("echo-signal")),
        "{:?}",
        d.timeline
    );

    // Without workflows_run the engine refuses.
    let ro = LocalBackend::open(&path, Some("ro@sigscope.test"))
        .unwrap()
        .with_workflows(setup);
    let r = ro
        .run_workflow(
            "echo-signal",
            &id,
            &[("times".into(), "2".into())],
            &mut |_| {},
        )
        .unwrap_err();
    assert!(r.message.contains("workflows_run"), "{r:?}");
}

/// A wildcard inside quotes is literal, so the explorer keeps the (empty) results and says, on the
/// message line, which form would be a wildcard; that form finds the signals.
#[test]
fn a_quoted_wildcard_gets_a_note_with_the_form_that_matches() {
    use sigscope::tui::app::{App, Options};
    use sigscope::tui::harness;
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::open(&store(dir.path()), Some("alice@sigscope.test")).unwrap();
    let mut app = App::new(Options::default(), Utc::now(), 160, 30);
    harness::open(&mut app, &b);
    harness::keys(
        &mut app,
        &b,
        "/@workflow.rule.name:\"Credential stuffing*\"<Enter>",
    );
    assert_eq!(app.row_count(), 0);
    let s = harness::screen(&harness::render(&app));
    assert!(
        s.contains(r"note: for a wildcard write @workflow.rule.name:Credential\ stuffing*"),
        "{s}"
    );

    let fixed = r"@workflow.rule.name:Credential\ stuffing*";
    let want = b.search(&all(fixed)).unwrap().rows.len();
    assert!(want > 0, "the demo has credential stuffing signals");
    let clear = "<Backspace>".repeat(60);
    harness::keys(&mut app, &b, &format!("/{clear}{fixed}<Enter>"));
    assert_eq!(app.row_count(), want);
    let s = harness::screen(&harness::render(&app));
    assert!(!s.contains("note:"), "{s}");
}
