//! Triage metrics in the explorer: asking for them after each search (the histogram and the SLA
//! marks follow the stream's query and range), `h`, the `:stats` screen's keys, and the jump from a
//! group to the stream filtered on it.
use super::navigation::apply_query;
use crate::query::stats::{NO_GROUP, UNASSIGNED};
use crate::query::{GroupBy, Stats, StatsParams};
use crate::tui::action::{Edit, Effect};
use crate::tui::app::App;
use crate::tui::backend::SearchRequest;
use crate::tui::stats::{StatsRequest, StatsScreen, BREACHED_MARKS};
use crate::tui::view::layout;
use std::sync::Arc;

/// Ask for the figures of the query and range on screen.
pub(super) fn load(app: &mut App) -> Vec<Effect> {
    app.stats.gen += 1;
    app.stats.loading = true;
    let (from, to) = app.range.bounds(app.now);
    // One bucket per column of the histogram (the backend picks a width that fits).
    let columns = layout::compute(app)
        .stream
        .map_or(60, |r| r.width.saturating_sub(2) as usize);
    vec![Effect::LoadStats {
        gen: app.stats.gen,
        req: StatsRequest {
            search: SearchRequest {
                query: app.query.clone(),
                from,
                to,
            },
            params: StatsParams {
                by: app.stats.by(),
                max_buckets: columns.clamp(4, 240),
                breached_limit: BREACHED_MARKS,
            },
        },
    }]
}

/// The figures arrived; an older request's are dropped. A backend without stats leaves the
/// explorer as it was (no histogram), and says so only on the `:stats` screen.
pub(super) fn done(app: &mut App, gen: u64, result: Result<Arc<Stats>, String>) -> Vec<Effect> {
    if gen != app.stats.gen {
        return vec![];
    }
    app.stats.loading = false;
    match result {
        Ok(s) => {
            app.stats.breached = s.sla.breached_ids.iter().cloned().collect();
            if let Some(screen) = app.stats.screen.as_mut() {
                screen.error = None;
                screen.cursor = screen.cursor.min(s.groups.0.len().saturating_sub(1));
            }
            app.stats.latest = Some(s);
        }
        Err(e) => {
            tracing::debug!("stats: {e}");
            app.stats.latest = None;
            app.stats.breached.clear();
            if let Some(screen) = app.stats.screen.as_mut() {
                screen.error = Some(e);
            }
        }
    }
    vec![]
}

/// `h`: the histogram on or off.
pub(super) fn toggle_histogram(app: &mut App) -> Vec<Effect> {
    app.stats.histogram = !app.stats.histogram;
    app.info(if app.stats.histogram {
        "histogram on"
    } else {
        "histogram off"
    });
    vec![]
}

/// `:stats [severity|rule|service|assignee]`.
pub(super) fn open_screen(app: &mut App, by: Option<&str>) -> Vec<Effect> {
    let by = match by {
        None => app.stats.by(),
        Some(b) => match GroupBy::parse(b) {
            Some(g) => g,
            None => {
                app.error(format!(
                    ":stats {}: expected severity, rule, service or assignee",
                    crate::sanitize::clean(b)
                ));
                return vec![];
            }
        },
    };
    app.stats.screen = Some(StatsScreen {
        by,
        ..Default::default()
    });
    load(app)
}

/// Keys on the `:stats` screen: Tab switches the grouping, j/k move, Enter shows the group's
/// signals in the stream, Esc or q goes back.
pub(super) fn edit_screen(app: &mut App, e: Edit) -> Vec<Effect> {
    let groups = app.stats.latest.as_ref().map_or(0, |s| s.groups.0.len());
    let Some(screen) = app.stats.screen.as_mut() else {
        return vec![];
    };
    match e {
        Edit::Cancel | Edit::Insert('q') => app.stats.screen = None,
        Edit::Complete => {
            screen.by = screen.by.next();
            screen.cursor = 0;
            return load(app);
        }
        Edit::Up | Edit::Insert('k') => screen.cursor = screen.cursor.saturating_sub(1),
        Edit::Down | Edit::Insert('j') => {
            screen.cursor = (screen.cursor + 1).min(groups.saturating_sub(1))
        }
        Edit::Insert('r') => return load(app),
        Edit::Submit => return jump(app),
        _ => {}
    }
    vec![]
}

/// The stream filtered on the group under the cursor.
fn jump(app: &mut App) -> Vec<Effect> {
    let Some(screen) = app.stats.screen.as_ref() else {
        return vec![];
    };
    let Some(name) = app
        .stats
        .latest
        .as_ref()
        .and_then(|s| s.groups.0.get(screen.cursor))
        .map(|(n, _)| n.clone())
    else {
        return vec![];
    };
    let key = screen.by.query_key();
    let q = if name == UNASSIGNED || name == NO_GROUP {
        // The group of signals without a value: exclude every value.
        let not_any = format!("-{key}:*");
        match app.query.trim() {
            "" => not_any,
            q => format!("{q} {not_any}"),
        }
    } else {
        crate::query::toggle_facet(&app.query, key, &name)
    };
    app.stats.screen = None;
    apply_query(app, q)
}
