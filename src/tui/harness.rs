//! Runs the explorer without a terminal: actions in, effects run at once against a backend.
//! Tests and benchmarks drive the real `update` and `view` through it.
use super::action::{Action, Effect};
use super::app::App;
use super::backend::{Backend, ChangeKind};
use super::detail::DetailView;
use std::sync::Arc;

/// The actions an effect's result becomes, each handed to `emit` as it happens (a workflow reports
/// every step before its result; everything else answers once).
pub fn execute_each(
    backend: &dyn Backend,
    app_now: chrono::DateTime<chrono::Utc>,
    fx: Effect,
    emit: &mut dyn FnMut(Action),
) {
    if let Effect::RunWorkflow {
        name,
        signal_id,
        inputs,
    } = fx
    {
        let r = backend.run_workflow(&name, &signal_id, &inputs, &mut |s| {
            emit(Action::WorkflowStep(s))
        });
        emit(Action::WorkflowDone(r));
        return;
    }
    if let Some(a) = execute(backend, app_now, fx) {
        emit(a);
    }
}

/// The action an effect's result becomes (what the runtime sends back over its channel).
pub fn execute(
    backend: &dyn Backend,
    app_now: chrono::DateTime<chrono::Utc>,
    fx: Effect,
) -> Option<Action> {
    Some(match fx {
        Effect::Search { gen, req, sort } => Action::SearchDone {
            gen,
            query: req.query.clone(),
            result: backend
                .search(&req)
                .map(|mut r| {
                    r.rows = super::sort::sorted(r.rows, sort);
                    r
                })
                .map_err(|e| e.to_string()),
        },
        Effect::Detail { gen, id } => Action::DetailDone {
            gen,
            result: backend
                .detail(&id)
                .map(|o| o.map(|d| Arc::new(DetailView::build(&d, app_now))))
                .map_err(|e| e.to_string()),
        },
        Effect::Apply(c) => Action::Applied(backend.apply(&c).map_err(|e| e.to_string())),
        Effect::ApplyEach(list) => Action::AppliedEach(
            list.into_iter()
                .map(|(id, c)| (id, backend.apply(&c).map_err(|e| e.to_string())))
                .collect(),
        ),
        Effect::LoadUsers => Action::Users(backend.users().unwrap_or_default()),
        Effect::LoadCases => Action::Cases(backend.cases().unwrap_or_default()),
        Effect::LoadIncidents => Action::Incidents(backend.incidents().unwrap_or_default()),
        Effect::LoadPermissions => Action::Permissions(
            ChangeKind::ALL
                .iter()
                .map(|k| (*k, backend.allowed(*k)))
                .collect(),
            backend.acting(),
        ),
        Effect::LoadBlocks { include_inactive } => {
            Action::Blocks(backend.blocks(include_inactive).map_err(|e| e.to_string()))
        }
        Effect::LoadWorkflows => Action::Workflows(backend.workflows().map_err(|e| e.to_string())),
        Effect::RunWorkflow { .. } => {
            let mut last = None;
            execute_each(backend, app_now, fx, &mut |a| last = Some(a));
            return last;
        }
        Effect::LoadNotifyRules => {
            Action::NotifyRules(backend.notify_rules().map_err(|e| e.to_string()))
        }
        Effect::LoadConflicts => Action::Conflicts(backend.conflicts().map_err(|e| e.to_string())),
        Effect::LoadCaseList => Action::CaseList(backend.case_list().map_err(|e| e.to_string())),
        Effect::LoadIncidentList => {
            Action::IncidentList(backend.incident_list().map_err(|e| e.to_string()))
        }
        Effect::DismissConflict(seq) => {
            Action::ConflictDismissed(backend.dismiss_conflict(seq).map_err(|e| e.to_string()))
        }
        Effect::PollGeneration => Action::Generation(backend.generation(), backend.sync_state()),
        Effect::LoadStats { gen, req } => Action::StatsDone {
            gen,
            result: backend.stats(&req).map(Arc::new).map_err(|e| e.to_string()),
        },
        Effect::Copy(_) | Effect::SaveView(_) => return None,
    })
}

/// Apply `action` and every effect it leads to, synchronously, until nothing is left to do.
pub fn drive(app: &mut App, backend: &dyn Backend, action: Action) {
    let mut queue = std::collections::VecDeque::from(super::update::update(app, action));
    while let Some(fx) = queue.pop_front() {
        let mut out = Vec::new();
        execute_each(backend, app.now, fx, &mut |a| out.push(a));
        for a in out {
            queue.extend(super::update::update(app, a));
        }
    }
}

/// Open the explorer: the start-up loads, run to completion.
pub fn open(app: &mut App, backend: &dyn Backend) {
    let mut queue = std::collections::VecDeque::from(super::update::start(app));
    while let Some(fx) = queue.pop_front() {
        let mut out = Vec::new();
        execute_each(backend, app.now, fx, &mut |a| out.push(a));
        for a in out {
            queue.extend(super::update::update(app, a));
        }
    }
}

/// Press keys as a user would: characters are typed, `<Enter>`-style names are keys, `<C-w>` is
/// Ctrl-W.
pub fn keys(app: &mut App, backend: &dyn Backend, input: &str) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut rest = input;
    while !rest.is_empty() {
        let mut mods = KeyModifiers::NONE;
        let (code, len) = if rest.starts_with('<') {
            match rest.find('>') {
                Some(end) => {
                    let mut name = &rest[1..end];
                    if let Some(c) = name.strip_prefix("C-") {
                        mods = KeyModifiers::CONTROL;
                        name = c;
                    }
                    let code = match name {
                        "Enter" => KeyCode::Enter,
                        "Esc" => KeyCode::Esc,
                        "Tab" => KeyCode::Tab,
                        "BackTab" => KeyCode::BackTab,
                        "Up" => KeyCode::Up,
                        "Down" => KeyCode::Down,
                        "Left" => KeyCode::Left,
                        "Right" => KeyCode::Right,
                        "Backspace" => KeyCode::Backspace,
                        "PageDown" => KeyCode::PageDown,
                        "PageUp" => KeyCode::PageUp,
                        "Space" => KeyCode::Char(' '),
                        "Home" => KeyCode::Home,
                        "End" => KeyCode::End,
                        c if c.chars().count() == 1 => {
                            KeyCode::Char(c.chars().next().unwrap_or(' '))
                        }
                        "lt" => KeyCode::Char('<'),
                        _ => KeyCode::Char('<'),
                    };
                    (code, end + 1)
                }
                None => (KeyCode::Char('<'), 1),
            }
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            (KeyCode::Char(c), c.len_utf8())
        };
        rest = &rest[len..];
        let ev = KeyEvent::new(code, mods);
        if let Some(a) = super::update::on_key(app, ev) {
            drive(app, backend, a);
        }
    }
}

/// Draw the explorer into a test buffer.
pub fn render(app: &App) -> ratatui::buffer::Buffer {
    let area = ratatui::layout::Rect::new(0, 0, app.width, app.height);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    super::view::draw(app, area, &mut buf);
    buf
}

/// The buffer as text, one line per row (trailing spaces kept off).
pub fn screen(buf: &ratatui::buffer::Buffer) -> String {
    let a = buf.area;
    let mut out = String::new();
    for y in a.y..a.y + a.height {
        let mut line = String::new();
        for x in a.x..a.x + a.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
