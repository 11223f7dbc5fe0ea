//! The `w` dialog: pick a workflow, fill the form generated from its inputs, run it in the
//! background, watch its steps and result.
mod tui_support;

use sigscope::model::Role;
use sigscope::tui::action::Action;
use sigscope::tui::app::Level;
use sigscope::tui::backend::{WorkflowOutcome, WorkflowStep};
use sigscope::tui::harness::keys;
use sigscope::tui::update::update;
use sigscope::workflow::StepStatus;
use tui_support::*;

#[test]
fn w_picks_a_workflow_and_generates_a_form_from_its_inputs() {
    let b = fixture();
    let mut app = open(&b, 140, 40);
    keys(&mut app, &b, "w");
    let s = screen(&app);
    assert!(s.contains("Run a workflow on 1 signal"), "{s}");
    assert!(
        s.contains("notify-owner") && s.contains("open-ticket"),
        "{s}"
    );
    keys(&mut app, &b, "ticket<Enter>");
    let s = screen(&app);
    assert!(s.contains("Run open-ticket"), "{s}");
    assert!(s.contains("project *"), "required inputs are starred: {s}");
    // Defaults are filled in: the enum on P3, the bool on false, the number 1.
    assert!(s.contains("priority: P3"), "{s}");
    assert!(s.contains("urgent: false"), "{s}");
    assert!(s.contains("count: 1"), "{s}");
}

#[test]
fn input_problems_are_shown_under_each_field_and_nothing_runs() {
    let b = fixture();
    let mut app = open(&b, 140, 40);
    // Leave the project empty, make the count not a number.
    keys(
        &mut app,
        &b,
        "wticket<Enter><Enter><Enter><Enter><Backspace>x<Enter>",
    );
    assert!(b.runs.lock().unwrap().is_empty());
    let s = screen(&app);
    assert!(s.contains("Run open-ticket"), "the form is back: {s}");
    assert!(s.contains("! required"), "{s}");
    assert!(s.contains("! expected a number, got \"x\""), "{s}");
    assert_eq!(app.message.as_ref().map(|m| m.0), Some(Level::Error));
}

#[test]
fn a_run_goes_to_the_backend_and_its_result_reaches_the_message_line() {
    let b = fixture();
    let mut app = open(&b, 140, 40);
    keys(
        &mut app,
        &b,
        "wticket<Enter>SEC<Enter><Down><Enter><Down><Enter><Enter>",
    );
    let runs = b.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].0, "open-ticket");
    assert_eq!(runs[0].1, "sig-1");
    assert_eq!(
        runs[0].2,
        vec![
            ("project".to_string(), "SEC".to_string()),
            ("priority".to_string(), "P3".to_string()),
            ("urgent".to_string(), "true".to_string()),
            ("count".to_string(), "1".to_string()),
        ]
    );
    assert!(app.form.is_none());
    let s = screen(&app);
    assert!(s.contains("workflow open-ticket succeeded in 5 ms"), "{s}");
}

#[test]
fn each_step_shows_as_it_arrives() {
    let b = fixture();
    let mut app = open(&b, 140, 40);
    keys(&mut app, &b, "wnotify<Enter>");
    // Submitting asks for the run in the background; the UI goes on.
    let fx = update(&mut app, Action::Edit(sigscope::tui::action::Edit::Submit));
    assert!(
        matches!(&fx[..], [sigscope::tui::action::Effect::RunWorkflow { name, .. }] if name == "notify-owner"),
        "{fx:?}"
    );
    assert!(screen(&app).contains("running notify-owner…"));
    update(
        &mut app,
        Action::WorkflowStep(WorkflowStep {
            name: "mail".into(),
            status: StepStatus::Succeeded,
            summary: "POST https://mail.example.com -> 202".into(),
        }),
    );
    let s = screen(&app);
    assert!(
        s.contains("notify-owner: step 1 mail succeeded: POST https://mail.example.com -> 202"),
        "{s}"
    );
    update(
        &mut app,
        Action::WorkflowStep(WorkflowStep {
            name: "page".into(),
            status: StepStatus::Failed,
            summary: "POST https://pager.example.com -> 500".into(),
        }),
    );
    assert!(screen(&app).contains("notify-owner: step 2 page failed"));
    assert_eq!(app.message.as_ref().map(|m| m.0), Some(Level::Error));
    // Another `w` while it runs is refused.
    keys(&mut app, &b, "w");
    assert!(app.form.is_none());
    assert!(screen(&app).contains("a workflow is still running"));
    update(
        &mut app,
        Action::WorkflowDone(Ok(WorkflowOutcome::Failed {
            summary: "workflow notify-owner failed in 9 ms: step page".into(),
        })),
    );
    assert!(screen(&app).contains("workflow notify-owner failed in 9 ms"));
    assert!(app.workflow_steps.is_empty());
}

#[test]
fn w_is_refused_without_the_permission() {
    let b = fixture().with_role(Role::ReadOnly);
    let mut app = open(&b, 140, 40);
    keys(&mut app, &b, "w");
    assert!(app.form.is_none());
    let (lvl, msg) = app.message.clone().unwrap();
    assert_eq!(lvl, Level::Error);
    assert!(msg.contains("needs workflows_run"), "{msg}");
}

#[test]
fn help_describes_the_workflow_dialog() {
    let b = fixture();
    let mut app = open(&b, 140, 45);
    keys(&mut app, &b, "?");
    let s = screen(&app);
    assert!(
        s.contains("pick a workflow, fill its inputs, watch its steps"),
        "{s}"
    );
}

/// How a run ended decides how its result shows, never its wording: a success whose summary says
/// "failed" shows as a success, a failure whose summary does not shows as a failure.
#[test]
fn a_run_shows_as_its_outcome_says_whatever_its_summary_reads() {
    let b = fixture();
    let mut app = open(&b, 140, 40);
    let message_line = |app: &sigscope::tui::App, needle: &str| {
        let s = screen(app);
        s.lines()
            .find(|l| l.contains(needle))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{needle:?} is not on screen: {s}"))
    };

    keys(&mut app, &b, "wnotify<Enter>");
    update(&mut app, Action::Edit(sigscope::tui::action::Edit::Submit));
    update(
        &mut app,
        Action::WorkflowDone(Ok(WorkflowOutcome::Succeeded {
            summary: "workflow notify-owner succeeded in 4 ms: 1 delivery failed before a retry"
                .into(),
        })),
    );
    assert_eq!(app.message.as_ref().map(|m| m.0), Some(Level::Info));
    let line = message_line(&app, "1 delivery failed before a retry");
    assert!(
        !line.contains('✗'),
        "a success is not marked as an error: {line}"
    );

    keys(&mut app, &b, "wnotify<Enter>");
    update(&mut app, Action::Edit(sigscope::tui::action::Edit::Submit));
    update(
        &mut app,
        Action::WorkflowDone(Ok(WorkflowOutcome::Failed {
            summary: "workflow notify-owner stopped in 9 ms: the pager answered 500".into(),
        })),
    );
    assert_eq!(app.message.as_ref().map(|m| m.0), Some(Level::Error));
    let line = message_line(&app, "the pager answered 500");
    assert!(
        line.contains("✗ workflow notify-owner stopped"),
        "a failure is marked as an error: {line}"
    );
}

/// A step's status is typed: a skipped step is not an error, whatever its summary says.
#[test]
fn a_skipped_step_is_not_an_error() {
    let b = fixture();
    let mut app = open(&b, 140, 40);
    keys(&mut app, &b, "wnotify<Enter>");
    update(&mut app, Action::Edit(sigscope::tui::action::Edit::Submit));
    update(
        &mut app,
        Action::WorkflowStep(WorkflowStep {
            name: "page".into(),
            status: StepStatus::Skipped,
            summary: "skipped: the previous step failed".into(),
        }),
    );
    assert_eq!(app.message.as_ref().map(|m| m.0), Some(Level::Info));
    let s = screen(&app);
    let line = s
        .lines()
        .find(|l| {
            l.contains("notify-owner: step 1 page skipped: skipped: the previous step failed")
        })
        .unwrap_or_else(|| panic!("{s}"));
    assert!(!line.contains('✗'), "{line}");
}
