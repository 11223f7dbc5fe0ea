//! Marks and batches: what a bulk action touches must be on screen. Marks go when the query
//! changes (they would otherwise act on signals no longer listed), `*` marks everything the search
//! matches after a confirmation naming the count, `Esc` clears them, and a refused batch can be
//! applied to the rest, signal by signal, with each refusal reported.
use super::changes::first_targets;
use super::navigation::refresh;
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::backend::Change;
use crate::tui::form::{Form, FormKind};
use crate::tui::said::{self, signals};

/// A search answered: marks outside its results are dropped, and a new query drops them all.
pub(super) fn follow_search(app: &mut App, query_changed: bool) {
    if app.marked.is_empty() {
        return;
    }
    let before = app.marked.len();
    if query_changed {
        app.marked.clear();
    } else {
        let rows = app.results.rows.clone();
        app.marked.retain(|id| rows.position(id).is_some());
    }
    let gone = before - app.marked.len();
    if gone > 0 {
        app.info(format!(
            "unmarked {} no longer listed ({})",
            signals(gone),
            if query_changed {
                "the query changed"
            } else {
                "the results changed"
            }
        ));
    }
}

/// `Esc` on the stream: clear the marks, if there are any.
pub(super) fn clear(app: &mut App) -> bool {
    if app.marked.is_empty() {
        return false;
    }
    let n = app.marked.len();
    app.marked.clear();
    app.info(format!("unmarked {}", signals(n)));
    true
}

/// `*`: ask before marking every signal the search matches.
pub(super) fn ask_mark_all(app: &mut App) -> Vec<Effect> {
    let n = app.row_count();
    if n == 0 {
        app.error("nothing to mark: the search matches no signal");
        return vec![];
    }
    let mut f = Form::new(FormKind::MarkAll, "Mark all", vec![]);
    f.confirm = Some(format!(
        "Mark all {} matching the search? (y/n)",
        signals(n)
    ));
    app.form = Some(f);
    vec![]
}

pub(super) fn mark_all(app: &mut App) -> Vec<Effect> {
    let rows = app.results.rows.clone();
    app.marked = (0..rows.len())
        .filter_map(|i| rows.row(i).map(|r| r.id))
        .collect();
    app.info(format!(
        "marked {} (Esc unmarks)",
        signals(app.marked.len())
    ));
    vec![]
}

/// A change was refused. A batch that can be split offers "apply to the rest"; a single change
/// reopens its form with the reason, so nothing the analyst filled in is lost.
pub(super) fn refused(app: &mut App, err: String) {
    let Some((mut form, change)) = app.sent.take() else {
        app.error(err);
        return;
    };
    let n = form.targets.len();
    if n > 1 {
        if let Some(each) = change.per_signal() {
            let ids: Vec<String> = each.iter().map(|(id, _)| id.clone()).collect();
            let mut f = Form::new(FormKind::ApplyRest, "Batch refused", ids.clone());
            f.confirm = Some(format!(
                "Refused: {}\nApply to each of the {} on its own and skip the refused ones? (y/n)\n{}",
                crate::tui::text::fit(&err, 200),
                signals(n),
                first_targets(app, &ids, 3)
            ));
            app.sent = Some((form, change));
            app.form = Some(f);
            app.error(err);
            return;
        }
    }
    if let Some(fld) = form.fields.get_mut(form.focus) {
        fld.error = Some(err.clone());
    }
    app.form = Some(form);
    app.error(err);
}

/// "Apply to the rest" confirmed. The change stays in `sent` so that the totals can say what it was.
pub(super) fn apply_rest(app: &mut App) -> Vec<Effect> {
    let Some(each) = app.sent.as_ref().and_then(|(_, c)| c.per_signal()) else {
        return vec![];
    };
    app.info("applying…");
    vec![Effect::ApplyEach(each)]
}

/// The batch applied signal by signal: one line of totals that says what was done (the archive
/// reason whole, at 80 columns too), each refusal with its reason in `:messages`.
pub(super) fn applied_each(
    app: &mut App,
    results: Vec<(String, Result<String, String>)>,
) -> Vec<Effect> {
    let change = app.sent.take().map(|(_, c)| c);
    let n = results.len();
    let refused: Vec<(String, String)> = results
        .into_iter()
        .filter_map(|(id, r)| r.err().map(|e| (id, e)))
        .collect();
    for (id, e) in &refused {
        app.error(format!(
            "refused {}: {}",
            crate::tui::text::fit(&crate::sanitize::clean(id), 40),
            e
        ));
    }
    let done = n - refused.len();
    let line = said::partly_applied(change.as_ref(), done, n, refused.len());
    if refused.is_empty() {
        app.info(match &change {
            Some(Change::SetState { state, reason, .. }) => said::state_change(n, *state, *reason),
            _ => format!("changed {}", signals(n)),
        });
    } else if done == 0 {
        app.error(line);
    } else {
        app.info(line);
    }
    app.marked.clear();
    refresh(app)
}
