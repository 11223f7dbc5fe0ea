//! Answers from the backend that are not about one dialog: searches, the side panel's signal,
//! applied changes, and the lists forms pick from.
use super::forms::case_opts;
use super::navigation::{refresh, take_results};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::backend::{Choice, SearchResult};
use crate::tui::detail::DetailView;
use crate::tui::form::{FieldKind, Opt};
use crate::tui::lists::Overlay;
use std::sync::Arc;

/// A search finished; an older one (superseded by typing) is dropped.
pub(super) fn search_done(
    app: &mut App,
    gen: u64,
    query: String,
    result: Result<SearchResult, String>,
) -> Vec<Effect> {
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
            let changed = app.query != query;
            app.query = query;
            let mut res = res;
            if res.rows.is_empty() && res.hint.is_none() {
                res.hint = case_hint(app, &app.query);
            }
            if changed && res.hint.is_some() {
                // The note is about the query just run: an older message must not hide it.
                app.message = None;
            }
            let fx = take_results(app, res);
            super::marks::follow_search(app, changed);
            fx
        }
    }
}

/// The side panel's signal arrived; an older request is dropped.
pub(super) fn detail_done(
    app: &mut App,
    gen: u64,
    result: Result<Option<Arc<DetailView>>, String>,
) -> Vec<Effect> {
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

/// A change was applied (the stream, the side panel and an open denylist follow) or refused.
pub(super) fn applied(app: &mut App, r: Result<String, String>) -> Vec<Effect> {
    match r {
        Ok(msg) => {
            app.sent = None;
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
            super::marks::refused(app, e);
            vec![]
        }
    }
}

/// The cases arrived: an open case form's picker shows them.
pub(super) fn cases_loaded(app: &mut App, cases: Vec<Choice>) -> Vec<Effect> {
    app.cases = cases;
    let opts = case_opts(&app.cases);
    set_options(app, "case", opts);
    vec![]
}

/// The incidents arrived: an open incident form's picker shows them.
pub(super) fn incidents_loaded(app: &mut App, incidents: Vec<Choice>) -> Vec<Effect> {
    app.incidents = incidents;
    let opts = case_opts(&app.incidents);
    set_options(app, "incident", opts);
    vec![]
}

fn set_options(app: &mut App, field: &str, opts: Vec<Opt>) {
    if let Some(FieldKind::Choice { options, .. }) = app
        .form
        .as_mut()
        .and_then(|f| f.field_mut(field))
        .map(|f| &mut f.kind)
    {
        *options = opts;
    }
}

/// No result, and a `key:value` whose value differs only in case from one the facets have shown:
/// say which spelling matches (values are case-sensitive: `status:HIGH` finds nothing).
fn case_hint(app: &App, query: &str) -> Option<crate::tui::backend::QueryError> {
    let q = crate::query::parse(query).ok()?;
    for (key, value) in crate::query::field_literals(&q) {
        let Some(known) = app.known_values.get(&key) else {
            continue;
        };
        if let Some(hit) = known
            .iter()
            .find(|k| k.as_str() != value && k.eq_ignore_ascii_case(&value))
        {
            let start = query.find(&format!("{key}:")).unwrap_or(0);
            return Some(crate::tui::backend::QueryError {
                message: format!(
                    "{key}:{} matches nothing; values are case-sensitive: try {key}:{}",
                    crate::sanitize::clean(&value),
                    crate::sanitize::clean(hit)
                ),
                start,
                end: start + key.len() + 1 + value.len(),
            });
        }
    }
    None
}
