//! `update(app, action)`: the only place the explorer's state changes. It returns the effects to
//! run (searches, loads, changes); it never blocks and never touches a terminal.
use super::action::{Action, Edit, Effect};
use super::app::{App, Pane, Tab};
use super::backend::{Change, ChangeKind, RangePreset, Row, SearchRequest, TimeRange};
use super::form::{Field, FieldKind, Form, FormKind, Opt};
use super::keys::Cmd;
use super::lists::{BlocksView, ConflictsView, NotifyView, Overlay};
use super::query_edit::quote_value;
use super::view::layout;
use crate::model::{ArchiveReason, TriageState};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::sync::Arc;

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
        return Some(Action::Cmd(Cmd::Back));
    }
    if app.palette.is_some() || app.form.is_some() || app.editing || app.overlay.is_some() {
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

fn search(app: &mut App, query: &str) -> Effect {
    app.search_gen += 1;
    app.searching = true;
    let (from, to) = app.range.bounds(app.now);
    Effect::Search {
        gen: app.search_gen,
        req: SearchRequest {
            query: query.to_string(),
            from,
            to,
        },
    }
}

fn side_visible(app: &App) -> bool {
    layout::side_inline(app) || app.side_open
}

/// Load the side panel for the selection when it is on screen and not loaded yet (or `force`).
fn load_detail(app: &mut App, force: bool) -> Option<Effect> {
    if !side_visible(app) {
        return None;
    }
    let id = app.selected_row()?.id.to_string();
    if !force && app.detail.as_ref().is_some_and(|d| d.id == id) {
        return None;
    }
    app.detail_gen += 1;
    app.detail_loading = true;
    Some(Effect::Detail {
        gen: app.detail_gen,
        id,
    })
}

fn ensure_visible(app: &mut App) {
    let page = layout::stream_rows(app);
    if app.selected < app.offset {
        app.offset = app.selected;
    } else if app.selected >= app.offset + page {
        app.offset = app.selected + 1 - page;
    }
    let len = app.row_count();
    if app.offset + page > len {
        app.offset = len.saturating_sub(page);
    }
    // Build (and clean) the rows now on screen; everything else stays row numbers.
    let end = (app.offset + page).min(len);
    app.window = (app.offset..end)
        .filter_map(|i| app.results.rows.row(i))
        .collect();
}

fn select(app: &mut App, idx: usize) -> Vec<Effect> {
    let len = app.row_count();
    if len == 0 {
        app.window.clear();
        app.selected = 0;
        app.offset = 0;
        app.selected_id = None;
        return vec![];
    }
    app.selected = idx.min(len - 1);
    ensure_visible(app);
    app.selected_id = app.selected_row().map(|r| r.id.clone());
    load_detail(app, false).into_iter().collect()
}

fn move_by(app: &mut App, delta: isize) -> Vec<Effect> {
    match app.focus {
        Pane::Stream => {
            let to = (app.selected as isize + delta).max(0) as usize;
            select(app, to)
        }
        Pane::Facets => {
            let n = app.facet_items().len();
            if n > 0 {
                app.facet_cursor =
                    (app.facet_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
            }
            vec![]
        }
        Pane::Side => {
            if app.tab == Tab::Related {
                let n = app.detail.as_ref().map(|d| d.related.len()).unwrap_or(0);
                if n > 0 {
                    app.related_cursor =
                        (app.related_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
                }
            } else {
                app.side_scroll = (app.side_scroll as isize + delta).clamp(0, 10_000) as u16;
            }
            vec![]
        }
    }
}

fn panes(app: &App) -> Vec<Pane> {
    let l = layout::compute(app);
    let mut v = Vec::new();
    if l.facets.is_some() {
        v.push(Pane::Facets);
    }
    if l.stream.is_some() {
        v.push(Pane::Stream);
    }
    if l.side.is_some() {
        v.push(Pane::Side);
    }
    v
}

/// Put the results of a search on screen, keeping the selected signal where it was on screen.
fn take_results(app: &mut App, result: super::backend::SearchResult) -> Vec<Effect> {
    let screen_pos = app.selected.saturating_sub(app.offset);
    for f in &result.facets {
        let known = app.known_values.entry(f.key.clone()).or_default();
        for v in &f.values {
            if known.len() < 500 && !known.contains(&v.raw) {
                known.push(v.raw.clone());
            }
        }
    }
    app.results = result;
    let len = app.row_count();
    let found = app
        .selected_id
        .as_ref()
        .and_then(|id| app.results.rows.position(id));
    match found {
        Some(i) => {
            app.selected = i;
            app.offset = i.saturating_sub(screen_pos);
        }
        None => {
            app.selected = app.selected.min(len.saturating_sub(1));
        }
    }
    let n = app.facet_items().len();
    app.facet_cursor = app.facet_cursor.min(n.saturating_sub(1));
    if app.focus == Pane::Side {
        // The analyst is reading a signal: new results must not swap it for another one.
        app.selected = app.selected.min(len.saturating_sub(1));
        ensure_visible(app);
        app.selected_id = app.selected_row().map(|r| r.id.clone());
        return vec![];
    }
    select(app, app.selected)
}

/// The facet value under the cursor: its query key and raw value.
fn facet_pick(app: &App) -> Option<(String, String)> {
    let (fi, vi) = *app.facet_items().get(app.facet_cursor)?;
    let f = &app.results.facets[fi];
    Some((f.key.clone(), f.values[vi].raw.clone()))
}

fn apply_query(app: &mut App, q: String) -> Vec<Effect> {
    app.editor.set(&q);
    app.editor.remember();
    vec![search(app, &q)]
}

fn open_form(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let kind = match cmd {
        Cmd::Assign => ChangeKind::Assign,
        Cmd::State => ChangeKind::SetState,
        Cmd::Case => ChangeKind::Case,
        Cmd::Incident => ChangeKind::Incident,
        Cmd::Workflow => ChangeKind::Workflow,
        _ => ChangeKind::Block,
    };
    if let Some(why) = app.refusal(kind) {
        let name = super::keys::TABLE
            .iter()
            .find(|b| b.cmd == cmd)
            .map(|b| b.help)
            .unwrap_or("that");
        app.error(format!("cannot {name}: {why}"));
        return vec![];
    }
    if cmd == Cmd::Workflow {
        return open_workflow_picker(app);
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
            let mut opts = vec![Opt::new("(unassigned)", "")];
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
            let reasons = ArchiveReason::ALL
                .iter()
                .map(|r| Opt::new(r.as_str(), r.as_str()))
                .collect();
            let mut f = Form::new(FormKind::State, format!("Set state of {what}"), targets)
                .field(Field::choice("state", "State", states))
                .field(
                    Field::choice("reason", "Archive reason", reasons).when("state", &["archived"]),
                )
                .field(Field::text("comment", "Comment", ""));
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
                .field(
                    Field::choice(
                        "priority",
                        "Priority",
                        ["P1", "P2", "P3", "P4", "P5", "NOT_DEFINED"]
                            .iter()
                            .map(|p| Opt::new(p, p))
                            .collect(),
                    )
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
            let mut commanders = vec![Opt::new("(none)", "")];
            for u in app.users.iter().filter(|u| !u.disabled) {
                commanders.push(Opt::new(&format!("{} <{}>", u.name, u.handle), &u.uuid));
            }
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
                        ["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5", "UNKNOWN"]
                            .iter()
                            .map(|p| Opt::new(p, p))
                            .collect(),
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

/// `w`: pick a workflow for the selected signal (one signal: a run is about one signal).
fn open_workflow_picker(app: &mut App) -> Vec<Effect> {
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

fn workflow_opts(list: &[super::backend::WorkflowInfo]) -> Vec<Opt> {
    list.iter()
        .map(|w| {
            Opt::new(
                &format!("{}  {}", w.name, super::text::fit(&w.description, 50)),
                &w.name,
            )
        })
        .collect()
}

/// The form generated from a workflow's typed inputs: text for strings and numbers, a choice for
/// booleans and enums, defaults filled in, required ones starred.
fn workflow_form(signal: String, w: &super::backend::WorkflowInfo) -> Form {
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
                super::text::fit(&crate::sanitize::clean(&i.description), 30)
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

fn case_opts(list: &[super::backend::Choice]) -> Vec<Opt> {
    list.iter()
        .map(|c| Opt::new(&format!("{} {}", c.id, c.title), &c.id))
        .collect()
}

fn open_range_picker(app: &mut App) {
    let mut opts: Vec<Opt> = RangePreset::ALL
        .iter()
        .map(|p| Opt::new(&format!("last {}", p.label()), p.label()))
        .collect();
    opts.push(Opt::new("all time", "all"));
    opts.push(Opt::new("custom…", "custom"));
    let spec = app.range.spec();
    let mut f = Form::new(FormKind::TimeRange, "Time range", vec![])
        .field(Field::choice("range", "Range", opts))
        .field(
            Field::text(
                "custom",
                "From..To (RFC 3339)",
                &format!(
                    "{}..{}",
                    (app.now - chrono::TimeDelta::days(1)).format("%Y-%m-%dT%H:%M:%SZ"),
                    app.now.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            )
            .when("range", &["custom"]),
        );
    if let Some(fld) = f.field_mut("range") {
        fld.select_value(if matches!(app.range, TimeRange::Custom { .. }) {
            "custom"
        } else {
            &spec
        });
    }
    app.form = Some(f);
}

fn open_view_picker(app: &mut App) {
    let opts = app
        .opts
        .views
        .iter()
        .map(|v| {
            Opt::new(
                &format!("{:<10} {} [{}]", v.name, v.query, v.range),
                &v.name,
            )
        })
        .collect();
    app.form = Some(
        Form::new(FormKind::View, "Saved views", vec![]).field(Field::filtered(
            "view",
            "View (type to filter)",
            opts,
        )),
    );
}

fn apply_view(app: &mut App, name: &str) -> Vec<Effect> {
    let Some(v) = app.opts.views.iter().find(|v| v.name == name).cloned() else {
        app.error(format!("no view named {:?}", super::text::fit(name, 40)));
        return vec![];
    };
    if let Some(r) = TimeRange::parse(&v.range) {
        app.range = r;
    }
    app.facets_shown = Some(v.facets);
    app.info(format!("view {}", v.name));
    apply_query(app, v.query.clone())
}

fn parse_duration(s: &str) -> Option<Option<chrono::TimeDelta>> {
    match s {
        "permanent" => Some(None),
        _ => {
            let (n, unit) = s.split_at(s.len().checked_sub(1)?);
            let n: i64 = n.parse().ok()?;
            Some(Some(match unit {
                "m" => chrono::TimeDelta::minutes(n),
                "h" => chrono::TimeDelta::hours(n),
                "d" => chrono::TimeDelta::days(n),
                _ => return None,
            }))
        }
    }
}

/// The version on screen when the change is about the one signal the side panel shows.
fn seen_version(app: &App, ids: &[String]) -> Option<i64> {
    match (ids, app.detail.as_ref()) {
        ([id], Some(d)) if *id == d.id => Some(d.version),
        _ => None,
    }
}

/// The change a completed form asks for, or why it cannot be made.
fn form_change(app: &App, f: &Form) -> Result<Change, String> {
    let ids = f.targets.clone();
    let get = |n: &str| f.get(n).unwrap_or_default();
    match f.kind {
        FormKind::Assign => {
            let u = get("user");
            Ok(Change::Assign {
                version: seen_version(app, &ids),
                ids,
                user: (!u.is_empty()).then_some(u),
            })
        }
        FormKind::State => {
            let state = TriageState::parse(&get("state")).ok_or("pick a state")?;
            let reason = if state == TriageState::Archived {
                ArchiveReason::parse(&get("reason"))
            } else {
                None
            };
            let c = get("comment");
            Ok(Change::SetState {
                version: seen_version(app, &ids),
                ids,
                state,
                reason,
                comment: (!c.trim().is_empty()).then(|| c.trim().to_string()),
            })
        }
        FormKind::Case => {
            if get("mode") == "existing" {
                let id = get("case");
                if id.is_empty() {
                    return Err("no case picked (there may be none yet)".into());
                }
                Ok(Change::AddToCase { ids, case_id: id })
            } else {
                let title = get("title").trim().to_string();
                if title.is_empty() {
                    return Err("a case needs a title".into());
                }
                Ok(Change::NewCase {
                    ids,
                    title,
                    priority: get("priority"),
                })
            }
        }
        FormKind::Incident => {
            if get("mode") == "existing" {
                let id = get("incident");
                if id.is_empty() {
                    return Err("no incident picked (there may be none yet)".into());
                }
                Ok(Change::AddToIncident {
                    ids,
                    incident_id: id,
                })
            } else {
                let title = get("title").trim().to_string();
                if title.is_empty() {
                    return Err("an incident needs a title".into());
                }
                let c = get("commander");
                Ok(Change::NewIncident {
                    ids,
                    title,
                    severity: get("severity"),
                    commander: (!c.is_empty()).then_some(c),
                })
            }
        }
        FormKind::BlockIps | FormKind::BlockUsers => {
            let duration = chosen_duration(f)?;
            Ok(if f.kind == FormKind::BlockIps {
                Change::BlockIps { ids, duration }
            } else {
                Change::BlockUsers { ids, duration }
            })
        }
        FormKind::ExtendBlock => {
            let duration = chosen_duration(f)?;
            let id: Option<i64> = ids.first().and_then(|i| i.parse().ok());
            let block = match app.overlay.as_ref() {
                Some(Overlay::Blocks(b)) => b.rows.iter().find(|r| Some(r.id) == id),
                _ => None,
            }
            .ok_or("that block is no longer listed")?;
            Ok(Change::ExtendBlock {
                kind: block.kind,
                value: block.value.clone(),
                duration,
            })
        }
        FormKind::TimeRange | FormKind::View | FormKind::WorkflowPick | FormKind::Workflow => {
            Err("not a change".into())
        }
    }
}

/// The block duration picker: the presets the seed's "block for a duration or permanently" needs,
/// and a free duration (`45m`, `12h`, `90d`) when none fits.
fn with_duration_fields(form: Form, label: &'static str) -> Form {
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

/// The duration a block form asks for: a preset, or the custom text when "custom" is picked.
fn chosen_duration(f: &Form) -> Result<Option<chrono::TimeDelta>, String> {
    let picked = f.get("duration").unwrap_or_default();
    if picked == "custom" {
        let text = f.get("custom_duration").unwrap_or_default();
        let text = text.trim();
        return match parse_duration(text) {
            Some(Some(d)) if d > chrono::TimeDelta::zero() => Ok(Some(d)),
            _ => Err(format!(
                "custom duration {:?}: expected a number and m, h or d (45m, 12h, 90d)",
                crate::sanitize::clean(text)
            )),
        };
    }
    parse_duration(&picked).ok_or_else(|| "pick a duration".to_string())
}

fn confirm_text(app: &App, f: &Form) -> String {
    let picked = f.get("duration").unwrap_or_default();
    let dur = if picked == "custom" {
        f.get("custom_duration")
            .unwrap_or_default()
            .trim()
            .to_string()
    } else {
        picked
    };
    let how = if dur == "permanent" {
        "for good".to_string()
    } else {
        format!("for {dur}")
    };
    let single = app
        .detail
        .as_ref()
        .filter(|d| f.targets.len() == 1 && f.targets[0] == d.id);
    let what = match (f.kind, single) {
        (FormKind::BlockIps, Some(d)) => format!(
            "{} IP(s): {}",
            d.ips.len(),
            super::text::fit(&crate::sanitize::clean(&d.ips.join(", ")), 60)
        ),
        (FormKind::BlockUsers, Some(d)) => format!(
            "{} user(s): {}",
            d.user_ids.len(),
            super::text::fit(&crate::sanitize::clean(&d.user_ids.join(", ")), 60)
        ),
        (FormKind::BlockIps, None) => format!("all attacking IPs of {} signals", f.targets.len()),
        _ => format!("all attacking users of {} signals", f.targets.len()),
    };
    format!("Block {what} {how}? (y/n)")
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
        FormKind::TimeRange => {
            let v = f.get("range").unwrap_or_default();
            let parsed = if v == "custom" {
                TimeRange::parse(&f.get("custom").unwrap_or_default())
            } else {
                TimeRange::parse(&v)
            };
            match parsed {
                Some(r) => {
                    app.range = r;
                    let q = app.query.clone();
                    vec![search(app, &q)]
                }
                None => {
                    app.error("custom range: FROM..TO, both RFC 3339, FROM first");
                    app.form = Some(f);
                    vec![]
                }
            }
        }
        FormKind::View => {
            let v = f.get("view").unwrap_or_default();
            apply_view(app, &v)
        }
        FormKind::WorkflowPick => {
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
        FormKind::Workflow => {
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
        _ => match form_change(app, &f) {
            Err(e) => {
                app.error(e);
                app.form = Some(f);
                vec![]
            }
            Ok(change) => {
                if f.dangerous && f.confirm.is_none() {
                    f.confirm = Some(confirm_text(app, &f));
                    app.form = Some(f);
                    return vec![];
                }
                app.info("applying…");
                vec![Effect::Apply(change)]
            }
        },
    }
}

fn edit_form(app: &mut App, e: Edit) -> Vec<Effect> {
    let Some(f) = app.form.as_mut() else {
        return vec![];
    };
    if f.confirm.is_some() {
        return match e {
            Edit::Insert('y') | Edit::Insert('Y') | Edit::Submit => {
                let Some(f) = app.form.take() else {
                    return vec![];
                };
                match form_change(app, &f) {
                    Ok(c) => {
                        app.info("applying…");
                        vec![Effect::Apply(c)]
                    }
                    Err(e) => {
                        app.error(e);
                        vec![]
                    }
                }
            }
            Edit::Insert(_) | Edit::Cancel => {
                f.confirm = None;
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
                    match other {
                        Edit::Insert(c) => ed.insert(c),
                        Edit::Backspace => ed.backspace(),
                        Edit::Delete => ed.delete(),
                        Edit::Left => ed.left(),
                        Edit::Right => ed.right(),
                        Edit::Home => ed.home(),
                        Edit::End => ed.end(),
                        _ => {}
                    }
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

fn completions(app: &App, word: &str) -> Vec<String> {
    const KEYS: &[&str] = &[
        "service:",
        "env:",
        "status:",
        "host:",
        "source:",
        "@workflow.triage.state:",
        "@workflow.rule.type:",
        "@workflow.rule.name:",
        "@network.client.ip:",
        "@usr.id:",
        "@appsec.type:",
    ];
    let (neg, w) = match word.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", word),
    };
    let mut out: Vec<String> = Vec::new();
    if let Some((key, val)) = w.split_once(':') {
        for raw in app.known_values.get(key).into_iter().flatten() {
            let q = quote_value(raw);
            if q.starts_with(val) || raw.starts_with(val) {
                out.push(format!("{neg}{key}:{q}"));
            }
        }
    } else {
        let mut keys: Vec<String> = app.known_values.keys().map(|k| format!("{k}:")).collect();
        keys.extend(KEYS.iter().map(|s| s.to_string()));
        for k in keys {
            if k.starts_with(w) && !out.contains(&format!("{neg}{k}")) {
                out.push(format!("{neg}{k}"));
            }
        }
    }
    out
}

fn edit_query(app: &mut App, e: Edit) -> Vec<Effect> {
    if e != Edit::Complete {
        app.completion = None;
    }
    let ed = &mut app.editor;
    match e {
        Edit::Submit => {
            app.editing = false;
            app.editor.remember();
            let q = app.editor.text.clone();
            return vec![search(app, &q)];
        }
        Edit::Cancel => {
            app.editing = false;
            return vec![];
        }
        Edit::Insert(c) => ed.insert(c),
        Edit::Backspace => ed.backspace(),
        Edit::Delete => ed.delete(),
        Edit::Left => {
            ed.left();
            return vec![];
        }
        Edit::Right => {
            ed.right();
            return vec![];
        }
        Edit::Home => {
            ed.home();
            return vec![];
        }
        Edit::End => {
            ed.end();
            return vec![];
        }
        Edit::Up => ed.history_prev(),
        Edit::Down => ed.history_next(),
        Edit::BackTab => return vec![],
        Edit::Complete => {
            let (start, cands, idx) = match app.completion.take() {
                Some((start, cands, idx)) => {
                    let next = (idx + 1) % cands.len().max(1);
                    (start, cands, next)
                }
                None => {
                    let (start, word) = app.editor.current_word();
                    let cands = completions(app, word);
                    if cands.is_empty() {
                        return vec![];
                    }
                    (start, cands, 0)
                }
            };
            let pick = cands[idx].clone();
            app.editor.replace_word(start, &pick);
            app.completion = Some((start, cands, idx));
            if !pick.ends_with(':') {
                let q = app.editor.text.clone();
                return vec![search(app, &q)];
            }
            return vec![];
        }
    }
    // Results follow the text as it is typed.
    let q = app.editor.text.clone();
    vec![search(app, &q)]
}

fn edit_palette(app: &mut App, e: Edit) -> Vec<Effect> {
    let Some(ed) = app.palette.as_mut() else {
        return vec![];
    };
    match e {
        Edit::Cancel => app.palette = None,
        Edit::Submit => {
            let line = ed.text.trim().to_string();
            app.palette = None;
            if !line.is_empty() {
                app.palette_history.push(line.clone());
                return update(app, Action::Run(line));
            }
        }
        Edit::Insert(c) => ed.insert(c),
        Edit::Backspace => ed.backspace(),
        Edit::Delete => ed.delete(),
        Edit::Left => ed.left(),
        Edit::Right => ed.right(),
        Edit::Home => ed.home(),
        Edit::End => ed.end(),
        Edit::Up => ed.history_prev(),
        Edit::Down => ed.history_next(),
        Edit::Complete => {
            let (start, word) = ed.current_word();
            if start == 0 {
                if let Some(c) = PALETTE.iter().find(|c| c.starts_with(word)) {
                    let c = format!("{c} ");
                    ed.replace_word(0, &c);
                }
            }
        }
        Edit::BackTab => {}
    }
    vec![]
}

/// The palette's commands, for completion and help.
pub const PALETTE: &[&str] = &[
    "assign",
    "state",
    "case",
    "incident",
    "block",
    "block-users",
    "blocks",
    "notify",
    "conflicts",
    "workflow",
    "save",
    "view",
    "range",
    "query",
    "refresh",
    "live",
    "facets",
    "help",
    "quit",
];

fn run_command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let cmd = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    match cmd {
        "q" | "quit" => {
            app.quit = true;
            vec![]
        }
        "help" => {
            app.help = true;
            vec![]
        }
        "refresh" => update(app, Action::Cmd(Cmd::Refresh)),
        "live" => update(app, Action::Cmd(Cmd::Live)),
        "facets" => update(app, Action::Cmd(Cmd::ToggleFacets)),
        "case" => open_form(app, Cmd::Case),
        "incident" => open_form(app, Cmd::Incident),
        "block" => open_form(app, Cmd::BlockIps),
        "block-users" => open_form(app, Cmd::BlockUsers),
        "blocks" => open_blocks(app),
        "notify" => open_notify(app),
        "conflicts" => open_conflicts(app),
        "workflow" => open_form(app, Cmd::Workflow),
        "query" => apply_query(app, rest.join(" ")),
        "range" => match rest.first().and_then(|r| TimeRange::parse(r)) {
            Some(r) => {
                app.range = r;
                let q = app.query.clone();
                vec![search(app, &q)]
            }
            None => {
                open_range_picker(app);
                vec![]
            }
        },
        "assign" => {
            let Some(who) = rest.first() else {
                return open_form(app, Cmd::Assign);
            };
            if let Some(why) = app.refusal(ChangeKind::Assign) {
                app.error(format!("cannot assign: {why}"));
                return vec![];
            }
            let who_l = who.to_lowercase();
            let user = if who_l == "none" || who_l == "nobody" {
                Some(None)
            } else {
                app.users
                    .iter()
                    .find(|u| {
                        u.handle.to_lowercase() == who_l
                            || u.uuid == *who
                            || u.handle.to_lowercase().starts_with(&format!("{who_l}@"))
                            || u.name.to_lowercase().starts_with(&who_l)
                    })
                    .map(|u| Some(u.uuid.clone()))
            };
            match user {
                Some(user) => {
                    let ids = app.targets();
                    app.info("applying…");
                    let version = seen_version(app, &ids);
                    vec![Effect::Apply(Change::Assign { ids, user, version })]
                }
                None => {
                    app.error(format!("no user matches {:?}", super::text::fit(who, 40)));
                    vec![]
                }
            }
        }
        "state" => {
            let Some(state) = rest.first().and_then(|s| TriageState::parse(s)) else {
                return open_form(app, Cmd::State);
            };
            let reason = rest.get(1).and_then(|r| ArchiveReason::parse(r));
            if state == TriageState::Archived && reason.is_none() {
                let fx = open_form(app, Cmd::State);
                if let Some(f) = app.form.as_mut().and_then(|f| f.field_mut("state")) {
                    f.select_value("archived");
                }
                return fx;
            }
            if let Some(why) = app.refusal(ChangeKind::SetState) {
                app.error(format!("cannot set state: {why}"));
                return vec![];
            }
            let comment = rest.get(2..).map(|c| c.join(" ")).filter(|c| !c.is_empty());
            let ids = app.targets();
            app.info("applying…");
            vec![Effect::Apply(Change::SetState {
                version: seen_version(app, &ids),
                ids,
                state,
                reason,
                comment,
            })]
        }
        "save" => {
            let Some(name) = rest.first() else {
                app.error("usage: :save NAME");
                return vec![];
            };
            if !app.opts.can_save {
                app.error("no config file to save views in");
                return vec![];
            }
            let view = super::views::SavedView {
                name: name.to_string(),
                query: app.query.clone(),
                range: app.range.spec(),
                sort: "-timestamp".into(),
                facets: layout::facets_visible(app),
            };
            app.opts.views.retain(|v| v.name != view.name);
            app.opts.views.push(view.clone());
            vec![Effect::SaveView(view)]
        }
        "view" | "views" => match rest.first() {
            Some(name) => apply_view(app, name),
            None => {
                open_view_picker(app);
                vec![]
            }
        },
        other => {
            app.error(format!(
                "unknown command {:?}; try {}",
                super::text::fit(other, 20),
                PALETTE.join(", ")
            ));
            vec![]
        }
    }
}

fn refresh(app: &mut App) -> Vec<Effect> {
    let q = app.query.clone();
    let mut fx = vec![search(app, &q)];
    // Reload the signal on display (it may have just changed), whichever row is selected.
    match app.detail.as_ref().map(|d| d.id.clone()) {
        Some(id) if side_visible(app) => {
            app.detail_gen += 1;
            app.detail_loading = true;
            fx.push(Effect::Detail {
                gen: app.detail_gen,
                id,
            });
        }
        _ => fx.extend(load_detail(app, true)),
    }
    fx
}

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
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
                refresh(app)
            } else {
                vec![]
            }
        }
        Action::Run(line) => run_command(app, &line),
        Action::Edit(e) => {
            if app.palette.is_some() {
                edit_palette(app, e)
            } else if app.form.is_some() {
                edit_form(app, e)
            } else if app.overlay.is_some() {
                edit_overlay(app, e)
            } else if app.editing {
                edit_query(app, e)
            } else {
                vec![]
            }
        }
        Action::SearchDone { gen, query, result } => {
            if gen != app.search_gen {
                return vec![];
            }
            app.searching = false;
            match result {
                Err(e) => {
                    app.error(format!("search failed: {e}"));
                    vec![]
                }
                Ok(res) => {
                    if let Some(err) = res.error {
                        app.query_error = Some(err);
                        app.error_query = query;
                        return vec![];
                    }
                    app.query_error = None;
                    app.query = query;
                    take_results(app, res)
                }
            }
        }
        Action::DetailDone { gen, result } => {
            if gen != app.detail_gen {
                return vec![];
            }
            app.detail_loading = false;
            match result {
                Ok(Some(d)) => {
                    if app.detail.as_ref().map(|x| &x.id) != Some(&d.id) {
                        app.side_scroll = 0;
                        app.related_cursor = 0;
                    }
                    app.detail = Some(d);
                }
                Ok(None) => {
                    app.detail = None;
                    app.error("the signal is no longer in the store");
                }
                Err(e) => app.error(format!("loading the signal failed: {e}")),
            }
            vec![]
        }
        Action::Applied(r) => match r {
            Ok(msg) => {
                app.info(msg);
                app.marked.clear();
                let mut fx = refresh(app);
                if let Some(Overlay::Blocks(b)) = app.overlay.as_mut() {
                    b.loading = true;
                    fx.push(Effect::LoadBlocks {
                        include_inactive: b.all,
                    });
                }
                fx
            }
            Err(e) => {
                app.error(e);
                vec![]
            }
        },
        Action::Users(u) => {
            app.users = u;
            vec![]
        }
        Action::Cases(c) => {
            app.cases = c;
            let opts = case_opts(&app.cases);
            if let Some(FieldKind::Choice { options, .. }) = app
                .form
                .as_mut()
                .and_then(|f| f.field_mut("case"))
                .map(|f| &mut f.kind)
            {
                *options = opts;
            }
            vec![]
        }
        Action::Incidents(c) => {
            app.incidents = c;
            let opts = case_opts(&app.incidents);
            if let Some(FieldKind::Choice { options, .. }) = app
                .form
                .as_mut()
                .and_then(|f| f.field_mut("incident"))
                .map(|f| &mut f.kind)
            {
                *options = opts;
            }
            vec![]
        }
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
        Action::Workflows(r) => {
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
        Action::WorkflowStep(s) => {
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
                s.status,
                crate::sanitize::clean(&s.summary)
            );
            if s.status == "succeeded" || s.status == "skipped" {
                app.info(line);
            } else {
                app.error(line);
            }
            app.workflow_steps.push(s);
            vec![]
        }
        Action::WorkflowDone(r) => {
            app.workflow_steps.clear();
            let form = app.workflow_form.take();
            match r {
                Ok(msg) => {
                    let clean = crate::sanitize::clean(&msg);
                    if clean.contains(" failed") {
                        app.error(clean);
                    } else {
                        app.info(clean);
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
        Action::Blocks(r) => {
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
        Action::NotifyRules(r) => {
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
        Action::Conflicts(r) => {
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
        Action::ConflictDismissed(r) => {
            match r {
                Ok(m) => app.info(m),
                Err(e) => app.error(format!("dismissing failed: {e}")),
            }
            let mut fx = vec![Effect::PollGeneration];
            if let Some(Overlay::Conflicts(c)) = app.overlay.as_mut() {
                c.loading = true;
                fx.push(Effect::LoadConflicts);
            }
            fx
        }
        Action::Cmd(cmd) => command(app, cmd),
    }
}

fn open_conflicts(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Conflicts(ConflictsView {
        loading: true,
        ..Default::default()
    }));
    vec![Effect::LoadConflicts]
}

fn open_blocks(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Blocks(BlocksView {
        loading: true,
        ..Default::default()
    }));
    vec![Effect::LoadBlocks {
        include_inactive: false,
    }]
}

fn open_notify(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Notify(NotifyView {
        loading: true,
        ..Default::default()
    }));
    vec![Effect::LoadNotifyRules]
}

/// Keys while a full-pane list is open. Letters are commands there, except after `/`.
fn edit_overlay(app: &mut App, e: Edit) -> Vec<Effect> {
    let refusal = app.refusal(ChangeKind::Block);
    match app.overlay.as_mut() {
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
                    Edit::Insert(c) => b.filter.insert(c),
                    Edit::Backspace => b.filter.backspace(),
                    Edit::Delete => b.filter.delete(),
                    Edit::Left => b.filter.left(),
                    Edit::Right => b.filter.right(),
                    _ => {}
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
                                    super::text::fit(&crate::sanitize::clean(&sel.value), 50)
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

fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    if app.help {
        app.help = false;
        return vec![];
    }
    let page = layout::stream_rows(app) as isize;
    match cmd {
        Cmd::Up => move_by(app, -1),
        Cmd::Down => move_by(app, 1),
        Cmd::PageUp => move_by(app, -page),
        Cmd::PageDown => move_by(app, page),
        Cmd::Top => move_by(app, -(isize::MAX / 2)),
        Cmd::Bottom => move_by(app, isize::MAX / 2),
        Cmd::Open => match app.focus {
            Pane::Stream => {
                if app.selected_row().is_none() {
                    return vec![];
                }
                app.side_open = true;
                app.focus = Pane::Side;
                load_detail(app, false).into_iter().collect()
            }
            // The query module edits the query text, keeping the analyst's own spelling.
            Pane::Facets => match facet_pick(app) {
                Some((key, value)) => {
                    let q = crate::query::toggle_facet(&app.query, &key, &value);
                    apply_query(app, q)
                }
                None => vec![],
            },
            Pane::Side => {
                let Some(d) = app.detail.clone() else {
                    return vec![];
                };
                if app.tab != Tab::Related {
                    return vec![];
                }
                let Some(r) = d.related.get(app.related_cursor) else {
                    return vec![];
                };
                jump_to(app, r)
            }
        },
        Cmd::Back => {
            app.message = None;
            if app.side_open && !layout::side_inline(app) {
                app.side_open = false;
            }
            app.focus = Pane::Stream;
            vec![]
        }
        Cmd::NextPane => {
            let p = panes(app);
            if let Some(i) = p.iter().position(|x| *x == app.focus) {
                app.focus = p[(i + 1) % p.len()];
            } else if let Some(first) = p.first() {
                app.focus = *first;
            }
            if app.focus == Pane::Side {
                return load_detail(app, false).into_iter().collect();
            }
            vec![]
        }
        Cmd::Tab1 | Cmd::Tab2 | Cmd::Tab3 | Cmd::Tab4 => {
            app.tab = match cmd {
                Cmd::Tab1 => Tab::Flow,
                Cmd::Tab2 => Tab::Activity,
                Cmd::Tab3 => Tab::Rule,
                _ => Tab::Related,
            };
            app.side_scroll = 0;
            vec![]
        }
        Cmd::PrevTab | Cmd::NextTab => {
            let i = app.tab.index() as isize + if cmd == Cmd::NextTab { 1 } else { -1 };
            app.tab = Tab::ALL[i.rem_euclid(4) as usize];
            app.side_scroll = 0;
            vec![]
        }
        Cmd::Search => {
            app.editing = true;
            app.editor.end();
            app.completion = None;
            vec![]
        }
        Cmd::TimeRange => {
            open_range_picker(app);
            vec![]
        }
        Cmd::ToggleFacets => {
            app.facets_shown = Some(!layout::facets_visible(app));
            if !panes(app).contains(&app.focus) {
                app.focus = Pane::Stream;
            }
            ensure_visible(app);
            vec![]
        }
        Cmd::Exclude => {
            if app.focus != Pane::Facets {
                return vec![];
            }
            match facet_pick(app) {
                Some((key, value)) => {
                    let q = crate::query::exclude_facet(&app.query, &key, &value);
                    apply_query(app, q)
                }
                None => vec![],
            }
        }
        Cmd::Mark => {
            if let Some(id) = app.selected_row().map(|r| r.id.clone()) {
                if !app.marked.remove(&id) {
                    app.marked.insert(id);
                }
                let next = app.selected + 1;
                return select(app, next);
            }
            vec![]
        }
        Cmd::Assign
        | Cmd::State
        | Cmd::Case
        | Cmd::Incident
        | Cmd::Workflow
        | Cmd::BlockIps
        | Cmd::BlockUsers => open_form(app, cmd),
        Cmd::Refresh => refresh(app),
        Cmd::Live => {
            app.live = !app.live;
            app.info(if app.live { "live: on" } else { "live: paused" });
            if app.live {
                vec![Effect::PollGeneration]
            } else {
                vec![]
            }
        }
        Cmd::Copy => {
            let value = match app.focus {
                Pane::Facets => app
                    .facet_items()
                    .get(app.facet_cursor)
                    .map(|&(fi, vi)| app.results.facets[fi].values[vi].raw.clone()),
                Pane::Side if app.tab == Tab::Related => app
                    .detail
                    .as_ref()
                    .and_then(|d| d.related.get(app.related_cursor))
                    .map(|r| r.id.to_string()),
                Pane::Side => app.detail.as_ref().map(|d| d.id.clone()),
                Pane::Stream => app.selected_row().map(|r| r.id.to_string()),
            };
            match value {
                Some(v) => {
                    app.info(format!(
                        "copied {}",
                        super::text::fit(&crate::sanitize::clean(&v), 50)
                    ));
                    vec![Effect::Copy(v)]
                }
                None => vec![],
            }
        }
        Cmd::Palette => {
            let mut ed = super::editor::LineEditor::default();
            ed.history = app.palette_history.clone();
            app.palette = Some(ed);
            vec![]
        }
        Cmd::Help => {
            app.help = true;
            vec![]
        }
        Cmd::Quit => {
            app.quit = true;
            vec![]
        }
    }
}

fn jump_to(app: &mut App, r: &Row) -> Vec<Effect> {
    let id: Arc<str> = r.id.clone();
    match app.results.rows.position(&id) {
        Some(i) => {
            app.tab = Tab::Flow;
            select(app, i)
        }
        None => {
            app.info("that signal is outside the current search; showing it here");
            app.tab = Tab::Flow;
            app.detail_gen += 1;
            app.detail_loading = true;
            vec![Effect::Detail {
                gen: app.detail_gen,
                id: id.to_string(),
            }]
        }
    }
}
