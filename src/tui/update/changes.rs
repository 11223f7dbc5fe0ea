//! What a completed form asks the backend to change, or why it cannot: the one place a form's
//! fields become a typed `Change`.
use crate::model::{ArchiveReason, TriageState};
use crate::tui::app::App;
use crate::tui::backend::Change;
use crate::tui::form::{Form, FormKind};
use crate::tui::lists::Overlay;

/// A preset or custom block duration, through the one checked parser (a huge number is an
/// error on the form, never a panic on the UI thread).
fn parse_duration(s: &str) -> Result<Option<chrono::TimeDelta>, String> {
    match s.trim() {
        "permanent" => Ok(None),
        t => crate::timing::parse(t, "custom duration", crate::timing::BLOCK)
            .map(Some)
            .map_err(|e| e.to_string()),
    }
}

/// The version on screen when the change is about the one signal the side panel shows.
pub(super) fn seen_version(app: &App, ids: &[String]) -> Option<i64> {
    match (ids, app.detail.as_ref()) {
        ([id], Some(d)) if *id == d.id => Some(d.version),
        _ => None,
    }
}

/// The change a completed form asks for, or why it cannot be made.
pub(super) fn form_change(app: &App, f: &Form) -> Result<Change, String> {
    let ids = f.targets.clone();
    let get = |n: &str| f.get(n).unwrap_or_default();
    match f.kind {
        FormKind::Assign => {
            // A filter that matches nobody picks nothing, and nothing must change: unassigning
            // takes the explicit `(unassign)` entry (issue 17: `a zzz Enter` wiped the assignee).
            let u = picked(f, "user", "user")?;
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
                let a = picked(f, "assignee", "user")?;
                Ok(Change::NewCase {
                    ids,
                    title,
                    description: get("description").trim().to_string(),
                    priority: get("priority"),
                    assignee: (!a.is_empty()).then_some(a),
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
                let c = picked(f, "commander", "commander")?;
                Ok(Change::NewIncident {
                    ids,
                    title,
                    severity: get("severity"),
                    commander: (!c.is_empty()).then_some(c),
                    customer_impacted: get("impact") == "yes",
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
        FormKind::TimeRange
        | FormKind::View
        | FormKind::WorkflowPick
        | FormKind::Workflow
        | FormKind::MarkAll
        | FormKind::ApplyRest => Err("not a change".into()),
    }
}

/// The option a picker's cursor is on; an error (and no change) when the filter matches none.
fn picked(f: &Form, field: &str, what: &str) -> Result<String, String> {
    if let Some(v) = f.get(field) {
        return Ok(v);
    }
    let typed = f
        .fields
        .iter()
        .find(|x| x.name == field)
        .and_then(|x| match &x.kind {
            crate::tui::form::FieldKind::Choice {
                filter: Some(ed), ..
            } => Some(ed.text.clone()),
            _ => None,
        })
        .unwrap_or_default();
    Err(format!(
        "no {what} matches {:?}: nothing changed (clear the filter to see every choice)",
        crate::tui::text::fit(&crate::sanitize::clean(&typed), 30)
    ))
}

/// The duration a block form asks for: a preset, or the custom text when "custom" is picked.
fn chosen_duration(f: &Form) -> Result<Option<chrono::TimeDelta>, String> {
    let picked = f.get("duration").unwrap_or_default();
    if picked == "custom" {
        let text = f.get("custom_duration").unwrap_or_default();
        let text = text.trim();
        return match parse_duration(text) {
            Ok(Some(d)) => Ok(Some(d)),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
    }
    parse_duration(&picked).map_err(|_| "pick a duration".to_string())
}

/// What a confirmation asks: for a block, what is blocked and for how long; for any change to
/// several signals, the change; then, for both, the first signals and IPs it will touch.
pub(super) fn confirm_text(app: &App, f: &Form) -> String {
    let head = if matches!(f.kind, FormKind::BlockIps | FormKind::BlockUsers) {
        block_question(app, f)
    } else {
        format!("{} — {}? (y/n)", f.title, chosen_labels(f))
    };
    if f.targets.len() < 2 {
        return head;
    }
    format!("{head}\n{}", first_targets(app, &f.targets, 3))
}

/// `State: Archived, Archive reason: False positive`: the visible fields' current choices.
fn chosen_labels(f: &Form) -> String {
    f.visible()
        .into_iter()
        .filter_map(|i| {
            let fld = &f.fields[i];
            let v = match &fld.kind {
                crate::tui::form::FieldKind::Choice { cursor, .. } => fld
                    .visible_options()
                    .get(*cursor)
                    .map(|(_, o)| o.label.as_str().to_string())?,
                crate::tui::form::FieldKind::Text(ed) if !ed.text.trim().is_empty() => {
                    crate::tui::text::fit(&crate::sanitize::clean(ed.text.trim()), 30)
                }
                crate::tui::form::FieldKind::Text(_) => return None,
            };
            Some(format!("{}: {v}", fld.label))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first `n` signals of a batch as `• title — IPs` lines, then how many more.
pub(super) fn first_targets(app: &App, ids: &[String], n: usize) -> String {
    let mut out: Vec<String> = ids
        .iter()
        .take(n)
        .map(|id| {
            let row = app
                .results
                .rows
                .position(id)
                .and_then(|i| app.results.rows.row(i));
            match row {
                Some(r) => format!(
                    "• {} — {}",
                    crate::tui::text::fit(r.title.as_str(), 36),
                    crate::tui::text::fit(r.attackers.as_str(), 34)
                ),
                None => format!(
                    "• {}",
                    crate::tui::text::fit(&crate::sanitize::clean(id), 40)
                ),
            }
        })
        .collect();
    if ids.len() > n {
        out.push(format!("… and {} more", ids.len() - n));
    }
    out.join("\n")
}

fn block_question(app: &App, f: &Form) -> String {
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
            crate::tui::text::fit(&crate::sanitize::clean(&d.ips.join(", ")), 60)
        ),
        (FormKind::BlockUsers, Some(d)) => format!(
            "{} user(s): {}",
            d.user_ids.len(),
            crate::tui::text::fit(&crate::sanitize::clean(&d.user_ids.join(", ")), 60)
        ),
        (FormKind::BlockIps, None) => format!("all attacking IPs of {}", signals(f.targets.len())),
        _ => format!("all attacking users of {}", signals(f.targets.len())),
    };
    format!("Block {what} {how}? (y/n)")
}

/// `1 signal`, `2 signals` (a message read `of 1 signals`).
fn signals(n: usize) -> String {
    if n == 1 {
        "1 signal".into()
    } else {
        format!("{n} signals")
    }
}
