//! Running a workflow from the explorer: the picker, the form generated from the workflow's typed
//! inputs, and the steps and result as they come back.
use super::navigation::refresh;
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::backend::{WorkflowInfo, WorkflowOutcome, WorkflowRefusal, WorkflowStep};
use crate::tui::form::{Field, FieldKind, Form, FormKind, Opt};
use crate::workflow::StepStatus;

/// `w`: pick a workflow for the selected signal (one signal: a run is about one signal).
pub(super) fn open_workflow_picker(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_row().map(|r| r.id.to_string()) else {
        app.error("no signal selected");
        return vec![];
    };
    if app.marked.len() > 1 {
        app.error("a workflow runs on one signal: unmark the others first");
        return vec![];
    }
    if !app.workflow_steps.is_empty() || app.workflow_form.is_some() {
        app.error("a workflow is still running");
        return vec![];
    }
    app.form = Some(
        Form::new(
            FormKind::WorkflowPick,
            "Run a workflow on 1 signal",
            vec![id],
        )
        .field(Field::filtered(
            "workflow",
            "Workflow (type to filter)",
            workflow_opts(&app.workflows),
        )),
    );
    vec![Effect::LoadWorkflows]
}

fn workflow_opts(list: &[WorkflowInfo]) -> Vec<Opt> {
    list.iter()
        .map(|w| {
            Opt::new(
                &format!("{}  {}", w.name, crate::tui::text::fit(&w.description, 50)),
                &w.name,
            )
        })
        .collect()
}

/// The form generated from a workflow's typed inputs: text for strings and numbers, a choice for
/// booleans and enums, defaults filled in, required ones starred.
fn workflow_form(signal: String, w: &WorkflowInfo) -> Form {
    use crate::workflow::InputKind;
    let mut f = Form::new(
        FormKind::Workflow,
        format!("Run {}", crate::sanitize::clean(&w.name)),
        vec![signal, w.name.clone()],
    );
    for i in &w.inputs {
        let mut label = crate::sanitize::clean(&i.name);
        if i.required {
            label.push_str(" *");
        }
        if !i.description.is_empty() {
            label.push_str(&format!(
                " ({})",
                crate::tui::text::fit(&crate::sanitize::clean(&i.description), 30)
            ));
        }
        let default = i.default.clone().unwrap_or_default();
        let mut field = match i.kind {
            InputKind::String | InputKind::Number => Field::text(i.name.clone(), label, &default),
            InputKind::Bool => Field::choice(
                i.name.clone(),
                label,
                vec![Opt::new("false", "false"), Opt::new("true", "true")],
            ),
            InputKind::Enum => {
                let mut opts = Vec::new();
                if !i.required && i.default.is_none() {
                    opts.push(Opt::new("(unset)", ""));
                }
                opts.extend(i.choices.iter().map(|c| Opt::new(c, c)));
                Field::choice(i.name.clone(), label, opts)
            }
        };
        if !default.is_empty() {
            field.select_value(&default);
        }
        f = f.field(field);
    }
    f
}

/// A completed picker: the chosen workflow's inputs form replaces it.
pub(super) fn submit_pick(app: &mut App, f: Form) -> Vec<Effect> {
    let name = f.get("workflow").unwrap_or_default();
    match app.workflows.iter().find(|w| w.name == name) {
        Some(w) => {
            let signal = f.targets.first().cloned().unwrap_or_default();
            app.form = Some(workflow_form(signal, w));
        }
        None => {
            app.error("no workflow picked (there may be none)");
            app.form = Some(f);
        }
    }
    vec![]
}

/// A completed inputs form: run the workflow, keeping the form to reopen if the run is refused.
pub(super) fn submit_inputs(app: &mut App, f: Form) -> Vec<Effect> {
    let (Some(signal_id), Some(name)) = (f.targets.first(), f.targets.get(1)) else {
        return vec![];
    };
    // Empty fields are left out, so that defaults apply and required ones are named.
    let inputs: Vec<(String, String)> = f
        .fields
        .iter()
        .filter_map(|fld| {
            let v = fld.value()?;
            (!v.trim().is_empty()).then(|| (fld.name.to_string(), v))
        })
        .collect();
    let fx = vec![Effect::RunWorkflow {
        name: name.clone(),
        signal_id: signal_id.clone(),
        inputs,
    }];
    app.info(format!("running {}…", crate::sanitize::clean(name)));
    app.workflow_steps.clear();
    app.workflow_form = Some(f);
    fx
}

/// The workflows there are, for the picker (open or about to open).
pub(super) fn listed(app: &mut App, r: Result<Vec<WorkflowInfo>, String>) -> Vec<Effect> {
    match r {
        Ok(w) => {
            app.workflows = w;
            let opts = workflow_opts(&app.workflows);
            if let Some(FieldKind::Choice { options, .. }) = app
                .form
                .as_mut()
                .filter(|f| f.kind == FormKind::WorkflowPick)
                .and_then(|f| f.field_mut("workflow"))
                .map(|f| &mut f.kind)
            {
                *options = opts;
            }
        }
        Err(e) => app.error(format!("loading the workflows failed: {e}")),
    }
    vec![]
}

/// A step of the running workflow finished: one line on the message line, an error if it did not
/// go well.
pub(super) fn step_done(app: &mut App, s: WorkflowStep) -> Vec<Effect> {
    let n = app.workflow_steps.len() + 1;
    let name = app
        .workflow_form
        .as_ref()
        .and_then(|f| f.targets.get(1).cloned())
        .unwrap_or_default();
    let line = format!(
        "{}: step {n} {} {}: {}",
        crate::sanitize::clean(&name),
        crate::sanitize::clean(&s.name),
        s.status.as_str(),
        crate::sanitize::clean(&s.summary)
    );
    if matches!(s.status, StepStatus::Succeeded | StepStatus::Skipped) {
        app.info(line);
    } else {
        app.error(line);
    }
    app.workflow_steps.push(s);
    vec![]
}

/// The run ended, or was refused before it started (then the inputs form comes back with each
/// problem under its field).
pub(super) fn run_done(app: &mut App, r: Result<WorkflowOutcome, WorkflowRefusal>) -> Vec<Effect> {
    app.workflow_steps.clear();
    let form = app.workflow_form.take();
    match r {
        Ok(outcome) => {
            let summary = crate::sanitize::clean(outcome.summary());
            match outcome {
                WorkflowOutcome::Succeeded { .. } => app.info(summary),
                WorkflowOutcome::Failed { .. } => app.error(summary),
            }
            // The run is on the signal's timeline now.
            refresh(app)
        }
        Err(refusal) => {
            app.error(crate::sanitize::clean(&refusal.message));
            if let (Some(mut f), false) = (form, refusal.inputs.is_empty()) {
                for fld in f.fields.iter_mut() {
                    fld.error = refusal
                        .inputs
                        .iter()
                        .find(|(k, _)| *k == fld.name)
                        .map(|(_, v)| v.clone());
                }
                if app.form.is_none() {
                    app.form = Some(f);
                }
            }
            vec![]
        }
    }
}
