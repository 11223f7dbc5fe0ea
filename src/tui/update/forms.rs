//! The change forms (assign, state, case, incident, block) and the keys while any form is open:
//! opening one, moving through its fields, submitting it.
use super::{changes, dialogs, workflow};
use crate::model::{ArchiveReason, TriageState};
use crate::tui::action::{Edit, Effect};
use crate::tui::app::App;
use crate::tui::backend::ChangeKind;
use crate::tui::form::{Field, FieldKind, Form, FormKind, Opt};
use crate::tui::keys::Cmd;

pub(super) fn open_form(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let kind = match cmd {
        Cmd::Assign => ChangeKind::Assign,
        Cmd::State => ChangeKind::SetState,
        Cmd::Case => ChangeKind::Case,
        Cmd::Incident => ChangeKind::Incident,
        Cmd::Workflow => ChangeKind::Workflow,
        _ => ChangeKind::Block,
    };
    if let Some(why) = app.refusal(kind) {
        // A verb, not the key's help text (which read `cannot new or existing case`).
        let name = match cmd {
            Cmd::Assign => "assign",
            Cmd::State => "change the state",
            Cmd::Case => "add to a case",
            Cmd::Incident => "declare an incident",
            Cmd::Workflow => "run a workflow",
            Cmd::BlockUsers => "block users",
            _ => "block IPs",
        };
        app.error(format!("cannot {name}: {why}"));
        return vec![];
    }
    if cmd == Cmd::Workflow {
        return workflow::open_workflow_picker(app);
    }
    let targets = app.targets();
    if targets.is_empty() {
        app.error("no signal selected");
        return vec![];
    }
    let n = targets.len();
    let what = if n == 1 {
        "1 signal".to_string()
    } else {
        format!("{n} signals")
    };
    let mut fx = vec![];
    let form = match cmd {
        Cmd::Assign => {
            let mut opts = vec![Opt::new("(unassign)", "")];
            for u in app.users.iter().filter(|u| !u.disabled) {
                opts.push(Opt::new(&format!("{} <{}>", u.name, u.handle), &u.uuid));
            }
            Form::new(FormKind::Assign, format!("Assign {what}"), targets).field(Field::filtered(
                "user",
                "User (type to filter)",
                opts,
            ))
        }
        Cmd::State => {
            let states = TriageState::ALL
                .iter()
                .map(|s| Opt::new(s.label(), s.as_str()))
                .collect();
            // `none` is no reason to archive (the engine refuses it): never offered, so the
            // picker starts on a valid one; reasons read as words.
            let reasons = ArchiveReason::ALL
                .iter()
                .filter(|r| **r != ArchiveReason::None)
                .map(|r| Opt::new(&crate::tui::text::reason_words(*r), r.as_str()))
                .collect();
            // A comment only goes with archiving (the engine's rule), so it is only offered then.
            let mut f = Form::new(FormKind::State, format!("Set state of {what}"), targets)
                .field(Field::choice("state", "State", states))
                .field(
                    Field::choice("reason", "Archive reason", reasons).when("state", &["archived"]),
                )
                .field(Field::text("comment", "Comment", "").when("state", &["archived"]));
            // Start on the next state an analyst usually wants.
            let next = match app.selected_row().map(|r| r.state) {
                Some(TriageState::Open) => "under_review",
                Some(TriageState::UnderReview) => "archived",
                _ => "open",
            };
            if let Some(fld) = f.field_mut("state") {
                fld.select_value(next);
            }
            f
        }
        Cmd::Case => {
            fx.push(Effect::LoadCases);
            let title = app
                .selected_row()
                .map(|r| r.title.as_str().to_string())
                .unwrap_or_default();
            Form::new(FormKind::Case, format!("Case for {what}"), targets)
                .field(Field::choice(
                    "mode",
                    "Case",
                    vec![
                        Opt::new("New case", "new"),
                        Opt::new("Existing case", "existing"),
                    ],
                ))
                .field(Field::text("title", "Title", &title).when("mode", &["new"]))
                .field(Field::text("description", "Description", "").when("mode", &["new"]))
                .field(
                    // Not set unless the analyst says so: P1 by default paged people for nothing.
                    Field::choice(
                        "priority",
                        "Priority",
                        [
                            ("Not set", "NOT_DEFINED"),
                            ("P1", "P1"),
                            ("P2", "P2"),
                            ("P3", "P3"),
                            ("P4", "P4"),
                            ("P5", "P5"),
                        ]
                        .iter()
                        .map(|(l, v)| Opt::new(l, v))
                        .collect(),
                    )
                    .when("mode", &["new"]),
                )
                .field(
                    Field::filtered("assignee", "Assignee", user_opts(app, "(unassigned)"))
                        .when("mode", &["new"]),
                )
                .field(
                    Field::filtered("case", "Existing case", case_opts(&app.cases))
                        .when("mode", &["existing"]),
                )
        }
        Cmd::Incident => {
            fx.push(Effect::LoadIncidents);
            let title = app
                .selected_row()
                .map(|r| r.title.as_str().to_string())
                .unwrap_or_default();
            let commanders = user_opts(app, "(none)");
            Form::new(FormKind::Incident, format!("Incident for {what}"), targets)
                .field(Field::choice(
                    "mode",
                    "Incident",
                    vec![
                        Opt::new("Declare a new incident", "new"),
                        Opt::new("Add to an existing incident", "existing"),
                    ],
                ))
                .field(Field::text("title", "Title", &title).when("mode", &["new"]))
                .field(
                    Field::choice(
                        "severity",
                        "Severity",
                        [
                            "UNKNOWN", "SEV-0", "SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5",
                        ]
                        .iter()
                        .map(|p| Opt::new(p, p))
                        .collect(),
                    )
                    .when("mode", &["new"]),
                )
                .field(
                    Field::choice(
                        "impact",
                        "Customer impact",
                        vec![Opt::new("No", "no"), Opt::new("Yes", "yes")],
                    )
                    .when("mode", &["new"]),
                )
                .field(Field::filtered("commander", "Commander", commanders).when("mode", &["new"]))
                .field(
                    Field::filtered("incident", "Existing incident", case_opts(&app.incidents))
                        .when("mode", &["existing"]),
                )
        }
        Cmd::BlockIps | Cmd::BlockUsers => {
            let (kind, noun) = if cmd == Cmd::BlockIps {
                (FormKind::BlockIps, "attacking IPs")
            } else {
                (FormKind::BlockUsers, "attacking users")
            };
            let mut f = with_duration_fields(
                Form::new(kind, format!("Block the {noun} of {what}"), targets),
                "For",
            );
            if let Some(fld) = f.field_mut("duration") {
                fld.select_value("24h");
            }
            f.dangerous = true;
            f
        }
        _ => return vec![],
    };
    app.form = Some(form);
    fx
}

pub(super) fn case_opts(list: &[crate::tui::backend::Choice]) -> Vec<Opt> {
    list.iter()
        .map(|c| Opt::new(&format!("{} {}", c.id, c.title), &c.id))
        .collect()
}

/// The block duration picker: the presets the seed's "block for a duration or permanently" needs,
/// and a free duration (`45m`, `12h`, `90d`) when none fits.
pub(super) fn with_duration_fields(form: Form, label: &'static str) -> Form {
    let presets = ["30m", "1h", "24h", "7d", "30d", "permanent", "custom"]
        .iter()
        .map(|d| Opt::new(d, d))
        .collect();
    form.field(Field::choice("duration", label, presets)).field(
        Field::text(
            "custom_duration",
            "Custom duration (e.g. 45m, 12h, 90d)",
            "",
        )
        .when("duration", &["custom"]),
    )
}

fn submit_form(app: &mut App) -> Vec<Effect> {
    let Some(mut f) = app.form.take() else {
        return vec![];
    };
    if f.next_field() {
        app.form = Some(f);
        return vec![];
    }
    match f.kind {
        FormKind::TimeRange => dialogs::submit_range(app, f),
        FormKind::View => {
            let v = f.get("view").unwrap_or_default();
            dialogs::apply_view(app, &v)
        }
        FormKind::WorkflowPick => workflow::submit_pick(app, f),
        FormKind::Workflow => workflow::submit_inputs(app, f),
        _ => match changes::form_change(app, &f) {
            Err(e) => {
                app.error(e);
                app.form = Some(f);
                vec![]
            }
            Ok(change) => {
                // Dangerous changes, and every change to more than one signal, say what they will
                // touch and wait for a yes.
                if (f.dangerous || f.targets.len() > 1) && f.confirm.is_none() {
                    f.confirm = Some(changes::confirm_text(app, &f));
                    app.form = Some(f);
                    return vec![];
                }
                send(app, f, change)
            }
        },
    }
}

/// Send a change, keeping its form: a refusal reopens it with the reason instead of losing what
/// the analyst filled in, and a refused batch can be applied to the rest.
fn send(app: &mut App, mut f: Form, change: crate::tui::backend::Change) -> Vec<Effect> {
    f.confirm = None;
    app.sent = Some((f, change.clone()));
    app.info("applying…");
    vec![Effect::Apply(change)]
}

pub(super) fn edit_form(app: &mut App, e: Edit) -> Vec<Effect> {
    let Some(f) = app.form.as_mut() else {
        return vec![];
    };
    if f.confirm.is_some() {
        return match e {
            Edit::Insert('y') | Edit::Insert('Y') | Edit::Submit => {
                let Some(f) = app.form.take() else {
                    return vec![];
                };
                if f.kind == FormKind::MarkAll {
                    return super::marks::mark_all(app);
                }
                if f.kind == FormKind::ApplyRest {
                    return super::marks::apply_rest(app);
                }
                match changes::form_change(app, &f) {
                    Ok(c) => send(app, f, c),
                    Err(e) => {
                        app.error(e);
                        vec![]
                    }
                }
            }
            Edit::Insert(_) | Edit::Cancel => {
                // A bare question (mark all, apply to the rest) has no fields to go back to.
                if f.fields.is_empty() {
                    app.form = None;
                    app.sent = None;
                    app.info("nothing changed");
                } else {
                    f.confirm = None;
                }
                vec![]
            }
            _ => vec![],
        };
    }
    match e {
        Edit::Cancel => {
            app.form = None;
            return vec![];
        }
        Edit::Submit => return submit_form(app),
        Edit::Complete => {
            f.next_field();
        }
        Edit::BackTab => f.prev_field(),
        Edit::Up => f.move_choice(-1),
        Edit::Down => f.move_choice(1),
        other => {
            let Some(fld) = f.focused() else {
                return vec![];
            };
            let filtered = match &mut fld.kind {
                FieldKind::Text(ed) => Some(ed),
                FieldKind::Choice { filter, .. } => filter.as_mut(),
            };
            match filtered {
                Some(ed) => {
                    ed.readline(&other);
                    if let FieldKind::Choice { cursor, .. } = &mut fld.kind {
                        *cursor = 0;
                    }
                }
                None => match other {
                    Edit::Insert('j') => f.move_choice(1),
                    Edit::Insert('k') => f.move_choice(-1),
                    _ => {}
                },
            }
        }
    }
    vec![]
}

/// The users to pick from, after an entry for nobody.
fn user_opts(app: &App, nobody: &str) -> Vec<Opt> {
    let mut v = vec![Opt::new(nobody, "")];
    for u in app.users.iter().filter(|u| !u.disabled) {
        v.push(Opt::new(&format!("{} <{}>", u.name, u.handle), &u.uuid));
    }
    v
}
