//! The query bar: editing, history, and Tab completion of keys and the values seen so far.
use super::navigation::search;
use crate::tui::action::{Edit, Effect};
use crate::tui::app::App;
use crate::tui::query_edit::quote_value;

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

pub(super) fn edit_query(app: &mut App, e: Edit) -> Vec<Effect> {
    if e != Edit::Complete {
        app.completion = None;
    }
    let ed = &mut app.editor;
    match e {
        Edit::Submit => {
            app.editing = false;
            app.edit_origin = None;
            app.editor.remember();
            let q = app.editor.text.clone();
            return vec![search(app, &q)];
        }
        Edit::Cancel => {
            // Esc cancels the edit: the query from before `/` comes back, and its results with it
            // (results followed the typing).
            app.editing = false;
            let before = app.edit_origin.take().unwrap_or_else(|| app.query.clone());
            app.editor.set(&before);
            // Search it again even when it is the query last answered: a search of the typed
            // text may still be on its way, and its answer (now stale) must not replace the
            // restored results. The new search supersedes it. The restored query is also the
            // one in force at once, so a sort or refresh pressed before its results arrive does
            // not search the cancelled text again.
            app.query = before.clone();
            return vec![search(app, &before)];
        }
        Edit::Left | Edit::Right | Edit::Home | Edit::End => {
            ed.readline(&e);
            return vec![];
        }
        Edit::Insert(_)
        | Edit::Backspace
        | Edit::Delete
        | Edit::KillStart
        | Edit::KillEnd
        | Edit::KillWord => {
            ed.readline(&e);
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
