//! The full-pane lists over the stream (`:blocks`, `:notify`, `:conflicts`): opening them, their
//! keys, and their rows as they load.
use super::forms::with_duration_fields;
use crate::tui::action::{Edit, Effect};
use crate::tui::app::App;
use crate::tui::backend::{Change, ChangeKind, ConflictRow, NotifyRuleRow};
use crate::tui::form::{Form, FormKind};
use crate::tui::lists::{BlocksView, ConflictsView, NotifyView, Overlay};

pub(super) fn open_conflicts(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Conflicts(ConflictsView {
        loading: true,
        ..Default::default()
    }));
    vec![Effect::LoadConflicts]
}

pub(super) fn open_blocks(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Blocks(BlocksView {
        loading: true,
        ..Default::default()
    }));
    vec![Effect::LoadBlocks {
        include_inactive: false,
    }]
}

pub(super) fn open_notify(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Notify(NotifyView {
        loading: true,
        ..Default::default()
    }));
    vec![Effect::LoadNotifyRules]
}

/// Keys while a full-pane list is open. Letters are commands there, except after `/`.
pub(super) fn edit_overlay(app: &mut App, e: Edit) -> Vec<Effect> {
    let refusal = app.refusal(ChangeKind::Block);
    match app.overlay.as_mut() {
        Some(Overlay::Messages(_)) => super::screens::messages_key(app, e),
        Some(Overlay::Cases(_)) | Some(Overlay::Incidents(_)) => super::records::key(app, e),
        Some(Overlay::Conflicts(c)) => {
            match e {
                Edit::Cancel | Edit::Insert('q') => app.overlay = None,
                Edit::Up | Edit::Insert('k') => c.cursor = c.cursor.saturating_sub(1),
                Edit::Down | Edit::Insert('j') => {
                    c.cursor = (c.cursor + 1).min(c.rows.len().saturating_sub(1))
                }
                Edit::Insert('r') => {
                    c.loading = true;
                    return vec![Effect::LoadConflicts];
                }
                Edit::Insert('d') | Edit::Insert('x') => {
                    if let Some(row) = c.selected() {
                        return vec![Effect::DismissConflict(row.seq)];
                    }
                }
                _ => {}
            }
            vec![]
        }
        Some(Overlay::Notify(n)) => {
            match e {
                Edit::Cancel | Edit::Insert('q') => app.overlay = None,
                Edit::Up | Edit::Insert('k') => n.cursor = n.cursor.saturating_sub(1),
                Edit::Down | Edit::Insert('j') => {
                    n.cursor = (n.cursor + 1).min(n.rules.len().saturating_sub(1))
                }
                Edit::Insert('r') => {
                    n.loading = true;
                    return vec![Effect::LoadNotifyRules];
                }
                _ => {}
            }
            vec![]
        }
        Some(Overlay::Blocks(b)) => {
            if let Some(id) = b.confirm.take() {
                return match e {
                    Edit::Insert('y') | Edit::Insert('Y') | Edit::Submit => {
                        if let Some(why) = refusal {
                            app.error(format!("cannot lift the block: {why}"));
                            return vec![];
                        }
                        app.info("lifting…");
                        vec![Effect::Apply(Change::Unblock { id })]
                    }
                    _ => vec![],
                };
            }
            if b.filtering {
                match e {
                    Edit::Submit => b.filtering = false,
                    Edit::Cancel => {
                        b.filtering = false;
                        b.filter.set("");
                    }
                    other => {
                        b.filter.readline(&other);
                    }
                }
                b.cursor = b.cursor.min(b.visible().len().saturating_sub(1));
                return vec![];
            }
            let n = b.visible().len();
            match e {
                Edit::Cancel | Edit::Insert('q') => app.overlay = None,
                Edit::Insert('/') => b.filtering = true,
                Edit::Up | Edit::Insert('k') => b.cursor = b.cursor.saturating_sub(1),
                Edit::Down | Edit::Insert('j') => {
                    b.cursor = (b.cursor + 1).min(n.saturating_sub(1))
                }
                Edit::Insert('a') => {
                    b.all = !b.all;
                    b.loading = true;
                    return vec![Effect::LoadBlocks {
                        include_inactive: b.all,
                    }];
                }
                Edit::Insert('r') => {
                    b.loading = true;
                    return vec![Effect::LoadBlocks {
                        include_inactive: b.all,
                    }];
                }
                Edit::Insert(c @ ('e' | 'x' | 'd')) => {
                    let Some(sel) = b.selected().cloned() else {
                        return vec![];
                    };
                    let verb = if c == 'e' { "extend" } else { "lift" };
                    if let Some(why) = refusal {
                        app.error(format!("cannot {verb} the block: {why}"));
                        return vec![];
                    }
                    if sel.lifted_at.is_some() {
                        app.error("that block was lifted already");
                        return vec![];
                    }
                    if c == 'e' {
                        let mut f = with_duration_fields(
                            Form::new(
                                FormKind::ExtendBlock,
                                format!(
                                    "Extend the block of {}",
                                    crate::tui::text::fit(&crate::sanitize::clean(&sel.value), 50)
                                ),
                                vec![sel.id.to_string()],
                            ),
                            "From now, for",
                        );
                        if let Some(fld) = f.field_mut("duration") {
                            fld.select_value("24h");
                        }
                        app.form = Some(f);
                    } else {
                        b.confirm = Some(sel.id);
                    }
                }
                _ => {}
            }
            vec![]
        }
        None => vec![],
    }
}

pub(super) fn blocks_loaded(
    app: &mut App,
    r: Result<Vec<crate::model::Block>, String>,
) -> Vec<Effect> {
    if let Some(Overlay::Blocks(b)) = app.overlay.as_mut() {
        b.loading = false;
        match r {
            Ok(rows) => {
                b.rows = rows;
                b.cursor = b.cursor.min(b.visible().len().saturating_sub(1));
            }
            Err(e) => app.error(format!("loading the denylist failed: {e}")),
        }
    }
    vec![]
}

pub(super) fn notify_rules_loaded(
    app: &mut App,
    r: Result<Vec<NotifyRuleRow>, String>,
) -> Vec<Effect> {
    if let Some(Overlay::Notify(n)) = app.overlay.as_mut() {
        n.loading = false;
        match r {
            Ok(rules) => {
                n.cursor = n.cursor.min(rules.len().saturating_sub(1));
                n.rules = rules;
            }
            Err(e) => app.error(format!("loading the notification rules failed: {e}")),
        }
    }
    vec![]
}

pub(super) fn conflicts_loaded(app: &mut App, r: Result<Vec<ConflictRow>, String>) -> Vec<Effect> {
    if let Some(Overlay::Conflicts(c)) = app.overlay.as_mut() {
        c.loading = false;
        match r {
            Ok(rows) => {
                c.cursor = c.cursor.min(rows.len().saturating_sub(1));
                c.rows = rows;
            }
            Err(e) => app.error(format!("loading the conflicts failed: {e}")),
        }
    }
    vec![]
}

pub(super) fn conflict_dismissed(app: &mut App, r: Result<String, String>) -> Vec<Effect> {
    match r {
        Ok(m) => app.info(m),
        Err(e) => app.error(format!("dismissing failed: {e}")),
    }
    // The sync state counts the conflicts; the list shrinks.
    let mut fx = vec![Effect::PollGeneration];
    if let Some(Overlay::Conflicts(c)) = app.overlay.as_mut() {
        c.loading = true;
        fx.push(Effect::LoadConflicts);
    }
    fx
}
