//! `update(app, action)`: the only place the explorer's state changes. It returns the effects to
//! run (searches, loads, changes); it never blocks and never touches a terminal.
//!
//! This module routes; each job has its own: `navigation` (selection, panes, search), `commands`
//! (bound keys), `query` (the query bar), `palette` (`:` commands), `forms` and `changes` (change
//! forms and the `Change` they make), `dialogs` (range and view pickers), `overlays` (full-pane
//! lists), `workflow` (running a workflow) and `results` (answers from the backend).
mod changes;
mod commands;
mod dialogs;
mod facet_order;
mod forms;
mod marks;
mod navigation;
mod overlays;
mod palette;
mod query;
mod records;
mod results;
mod screens;
mod stats;
mod workflow;

pub use palette::PALETTE;

use super::action::{Action, Edit, Effect};
use super::app::{App, Pane};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use navigation::{ensure_visible, load_detail, panes, refresh, search};

/// Turn a key press into an action, given what is focused.
pub fn on_key(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::ForceQuit);
    }
    if app.help {
        // The help scrolls; only Esc, q or ? close it (a stray key must not lose it).
        return app.opts.keys.lookup(&key).map(Action::Cmd);
    }
    if app.palette.is_some()
        || app.form.is_some()
        || app.editing
        || app.overlay.is_some()
        || app.stats.screen.is_some()
    {
        let e = match key.code {
            KeyCode::Esc => Edit::Cancel,
            KeyCode::Enter => Edit::Submit,
            KeyCode::Backspace => Edit::Backspace,
            KeyCode::Delete => Edit::Delete,
            KeyCode::Left => Edit::Left,
            KeyCode::Right => Edit::Right,
            KeyCode::Home => Edit::Home,
            KeyCode::End => Edit::End,
            KeyCode::Up => Edit::Up,
            KeyCode::Down => Edit::Down,
            KeyCode::Tab => Edit::Complete,
            KeyCode::BackTab => Edit::BackTab,
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                Edit::Insert(c)
            }
            // Readline keys, as in a shell.
            KeyCode::Char('a') if ctrl => Edit::Home,
            KeyCode::Char('e') if ctrl => Edit::End,
            KeyCode::Char('u') if ctrl => Edit::KillStart,
            KeyCode::Char('k') if ctrl => Edit::KillEnd,
            KeyCode::Char('w') if ctrl => Edit::KillWord,
            _ => return None,
        };
        return Some(Action::Edit(e));
    }
    app.opts.keys.lookup(&key).map(Action::Cmd)
}

/// What the explorer asks for when it opens.
pub fn start(app: &mut App) -> Vec<Effect> {
    let mut fx = vec![
        Effect::LoadPermissions,
        Effect::LoadUsers,
        Effect::PollGeneration,
    ];
    let q = app.query.clone();
    fx.push(search(app, &q));
    fx
}

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        // A terminal sends Esc then a key pressed quickly after it as one Alt+key (tmux does so
        // within its escape-time): nothing is bound to Alt, so it is both keys, not a lost one.
        Action::Key(k)
            if k.modifiers == KeyModifiers::ALT && matches!(k.code, KeyCode::Char(_)) =>
        {
            let mut fx = update(
                app,
                Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            );
            let plain = KeyEvent::new(k.code, KeyModifiers::NONE);
            fx.extend(update(app, Action::Key(plain)));
            fx
        }
        Action::Key(k) => match on_key(app, k) {
            Some(a) => update(app, a),
            None => vec![],
        },
        Action::ForceQuit => {
            app.quit = true;
            vec![]
        }
        Action::Resize(w, h) => {
            app.width = w;
            app.height = h;
            if !panes(app).contains(&app.focus) {
                app.focus = Pane::Stream;
            }
            ensure_visible(app);
            load_detail(app, false).into_iter().collect()
        }
        Action::Tick(now) => {
            app.now = now;
            // Paused too: the sync state (offline, changes waiting, conflicts) stays current.
            vec![Effect::PollGeneration]
        }
        Action::Generation(g, sync) => {
            app.sync = sync;
            if g == app.generation {
                return vec![];
            }
            let first = app.generation == 0;
            if !app.live && !first {
                // Left unseen, so that resuming live mode searches again.
                return vec![];
            }
            app.generation = g;
            if app.live && !first {
                // Users come and go with the store (a remote's first sync brings them): the
                // assign dialog must not offer a stale list.
                let mut fx = refresh(app);
                fx.push(Effect::LoadUsers);
                fx
            } else {
                vec![]
            }
        }
        Action::Run(line) => palette::run_command(app, &line),
        Action::Edit(e) => {
            if app.palette.is_some() {
                palette::edit_palette(app, e)
            } else if app.form.is_some() {
                forms::edit_form(app, e)
            } else if app.overlay.is_some() {
                overlays::edit_overlay(app, e)
            } else if app.stats.screen.is_some() {
                stats::edit_screen(app, e)
            } else if app.editing {
                query::edit_query(app, e)
            } else {
                vec![]
            }
        }
        Action::SearchDone { gen, query, result } => {
            // The histogram and the SLA marks follow every search that answered.
            let answered = gen == app.search_gen && matches!(&result, Ok(r) if r.error.is_none());
            let mut fx = results::search_done(app, gen, query, result);
            if answered {
                fx.extend(stats::load(app));
            }
            fx
        }
        Action::StatsDone { gen, result } => stats::done(app, gen, result),
        Action::DetailDone { gen, result } => results::detail_done(app, gen, result),
        Action::Applied(r) => results::applied(app, r),
        Action::AppliedEach(r) => marks::applied_each(app, r),
        Action::Users(u) => {
            app.users = u;
            vec![]
        }
        Action::Cases(c) => results::cases_loaded(app, c),
        Action::Incidents(c) => results::incidents_loaded(app, c),
        Action::Permissions(p, acting) => {
            app.permissions = p.into_iter().collect();
            app.acting = acting;
            vec![]
        }
        Action::ViewSaved(r) => {
            match r {
                Ok(m) => app.info(m),
                Err(e) => app.error(e),
            }
            vec![]
        }
        Action::Workflows(r) => workflow::listed(app, r),
        Action::WorkflowStep(s) => workflow::step_done(app, s),
        Action::WorkflowDone(r) => workflow::run_done(app, r),
        Action::Blocks(r) => overlays::blocks_loaded(app, r),
        Action::NotifyRules(r) => overlays::notify_rules_loaded(app, r),
        Action::Conflicts(r) => overlays::conflicts_loaded(app, r),
        Action::CaseList(r) => records::cases_loaded(app, r),
        Action::IncidentList(r) => records::incidents_loaded(app, r),
        Action::ConflictDismissed(r) => overlays::conflict_dismissed(app, r),
        Action::Cmd(cmd) => commands::command(app, cmd),
    }
}
