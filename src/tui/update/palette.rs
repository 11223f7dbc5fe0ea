//! The `:` palette: its line editor and the commands it runs.
use super::changes::seen_version;
use super::dialogs::{apply_view, open_range_picker, open_view_picker};
use super::forms::open_form;
use super::navigation::{apply_query, search};
use super::overlays::{open_blocks, open_conflicts, open_notify};
use super::update;
use crate::model::{ArchiveReason, TriageState};
use crate::tui::action::{Action, Edit, Effect};
use crate::tui::app::App;
use crate::tui::backend::{Change, ChangeKind, TimeRange};
use crate::tui::keys::Cmd;
use crate::tui::view::layout;

pub(super) fn edit_palette(app: &mut App, e: Edit) -> Vec<Effect> {
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
        other => {
            ed.readline(&other);
        }
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
    "stats",
    "histogram",
    "workflow",
    "save",
    "view",
    "range",
    "query",
    "goto",
    "messages",
    "cases",
    "incidents",
    "sort",
    "panel",
    "refresh",
    "live",
    "facets",
    "help",
    "quit",
];

pub(super) fn run_command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let cmd = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    match cmd {
        "goto" | "g" => match rest.first() {
            Some(id) => super::navigation::goto(app, id),
            None => {
                app.error("goto needs a signal id: :goto ID");
                vec![]
            }
        },
        "q" | "quit" => {
            app.quit = true;
            vec![]
        }
        "help" => {
            app.help = true;
            app.help_scroll = 0;
            vec![]
        }
        "messages" | "msgs" => super::screens::open_messages(app),
        "cases" => super::records::open_cases(app),
        "incidents" => super::records::open_incidents(app),
        "sort" => super::screens::sort_command(app, rest.first().copied()),
        "panel" => super::screens::toggle_panel(app),
        "refresh" => update(app, Action::Cmd(Cmd::Refresh)),
        "live" => update(app, Action::Cmd(Cmd::Live)),
        "facets" => update(app, Action::Cmd(Cmd::ToggleFacets)),
        "stats" => super::stats::open_screen(app, rest.first().copied()),
        "histogram" => super::stats::toggle_histogram(app),
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
                    app.error(format!(
                        "no user matches {:?}",
                        crate::tui::text::fit(who, 40)
                    ));
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
            let view = crate::tui::views::SavedView {
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
                crate::tui::text::fit(other, 20),
                PALETTE.join(", ")
            ));
            vec![]
        }
    }
}
