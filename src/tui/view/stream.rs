//! The signal stream: only the visible rows are built, so a million rows draw like ten.
use super::{padded, pane};
use crate::tui::app::{App, Pane};
use crate::tui::backend::Row;
use crate::tui::text::SafeText;
use crate::tui::theme::{severity_name, severity_tag, state_name, state_tag};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

struct Cols {
    time: usize,
    long_time: bool,
    /// `Medium`, `Under Review` rather than `MED`, `review` (see `columns`).
    full_names: bool,
    sev: usize,
    service: usize,
    attackers: usize,
    state: usize,
    assignee: usize,
    title: usize,
}

/// `Critical`, the longest severity name.
const FULL_SEV: usize = 8;
/// `Under Review`, the longest state name.
const FULL_STATE: usize = 12;
/// The narrowest title the full names may leave (`SQL injectio…` still says what it is).
const MIN_TITLE: usize = 12;

/// How wide the full names of the results' severities and states are (from the facet counts, so
/// the widths change with the query, not while scrolling): `status:high` needs 4 cells for
/// `High`, not 8 for a `Critical` that is not there. Unknown counts: the longest names.
fn names_needed(app: &App) -> (usize, usize) {
    let widest = |key: &str, name: &dyn Fn(&str) -> Option<&'static str>, longest: usize| {
        app.results
            .facets
            .iter()
            .find(|f| f.key == key)
            .map(|f| {
                f.values
                    .iter()
                    .filter(|v| v.count > 0)
                    .map(|v| name(&v.raw).map_or(longest, str::len))
                    .max()
                    .unwrap_or(longest)
            })
            .unwrap_or(longest)
    };
    let sev = widest(
        "status",
        &|raw| crate::model::Severity::parse(raw).map(severity_name),
        FULL_SEV,
    );
    let state = widest(
        "@workflow.triage.state",
        &|raw| crate::model::TriageState::parse(raw).map(state_name),
        FULL_STATE,
    );
    // Wide enough for the headers `SEV` and `STATE`.
    (sev.max(3), state.max(5))
}

/// Who owns what matters more than seconds and long service names: ASSIGNEE (first name) comes
/// in from 70 cells, ATTACKERS (one IPv4 address) from 84, before the roomier forms.
fn columns(w: usize, (need_sev, need_state): (usize, usize)) -> Cols {
    let long_time = w >= 110;
    let time = if long_time { 14 } else { 11 };
    let service = if w >= 110 {
        16
    } else if w >= 60 {
        12
    } else {
        0
    };
    let attackers = if w >= 120 {
        18
    } else if w >= 84 {
        15
    } else {
        0
    };
    let state = if w >= 50 { 8 } else { 0 };
    let assignee = if w >= 120 {
        14
    } else if w >= 70 {
        8
    } else {
        0
    };
    // Marker (2) + severity + one space after each column.
    let fixed = |sev: usize, state: usize| {
        2 + time
            + 1
            + sev
            + 1
            + [service, attackers, state, assignee]
                .iter()
                .filter(|&&c| c > 0)
                .map(|c| c + 1)
                .sum::<usize>()
    };
    // Full names (`Critical`, `Under Review`) wherever the title keeps a readable width; the
    // short tags only when it would not (issue 17: `MED` and `review` where the names fit).
    let full_state = if state > 0 { need_state } else { 0 };
    let full_names = w.saturating_sub(fixed(need_sev, full_state)) >= MIN_TITLE;
    let (sev, state) = if full_names {
        (need_sev, full_state)
    } else {
        (4, state)
    };
    Cols {
        time,
        long_time,
        full_names,
        sev,
        service,
        attackers,
        state,
        assignee,
        title: w.saturating_sub(fixed(sev, state)).max(8),
    }
}

fn header(c: &Cols) -> Vec<Span<'static>> {
    let mut s = vec![
        Span::raw("  "),
        // Times are in the zone shown, which the header names (`TIME UTC`, `TIME +02:00`).
        Span::raw(format!(
            "{:<w$} ",
            format!("TIME {}", crate::tui::clock::short_label()),
            w = c.time
        )),
        Span::raw(format!(
            "{:<w$} ",
            if c.sev >= FULL_SEV { "SEVERITY" } else { "SEV" },
            w = c.sev
        )),
    ];
    s.push(Span::raw(format!("{:<w$}", "TITLE", w = c.title)));
    for (w, name) in [
        (c.service, "SERVICE"),
        (c.attackers, "ATTACKERS"),
        (c.state, "STATE"),
        (c.assignee, "ASSIGNEE"),
    ] {
        if w > 0 {
            s.push(Span::raw(format!(" {name:<w$}")));
        }
    }
    s
}

fn text_cell(t: &SafeText, w: usize, style: Style, dim: Style) -> Vec<Span<'static>> {
    padded(t.spans(w, style, dim), w)
}

fn row_line(app: &App, r: &Row, c: &Cols, selected: bool) -> Line<'static> {
    let th = &app.opts.theme;
    let marked = app.marked.contains(&r.id);
    // Past its triage SLA: `!` (the glyph, not only its colour, so NO_COLOR shows it too).
    let breached = !marked && app.stats.is_breached(&r.id);
    let mut s = Vec::with_capacity(16);
    s.push(Span::styled(
        if selected { ">" } else { " " },
        if marked { th.marked } else { th.base },
    ));
    s.push(if marked {
        Span::styled("*", th.marked)
    } else if breached {
        Span::styled("!", super::histogram::breach_style(app))
    } else {
        Span::raw(" ")
    });
    let time = crate::tui::clock::fmt(
        &r.timestamp,
        if c.long_time {
            "%m-%d %H:%M:%S"
        } else {
            "%m-%d %H:%M"
        },
    );
    s.push(Span::styled(format!("{time} "), th.dim));
    // A row newer than the counts the widths came from may need a longer name: its tag, then.
    let fit = |name: &'static str, tag: &'static str, w: usize| -> &'static str {
        if c.full_names && name.len() <= w {
            name
        } else {
            tag.get(..w.min(tag.len())).unwrap_or(tag)
        }
    };
    let sev = fit(severity_name(r.severity), severity_tag(r.severity), c.sev);
    let state = fit(state_name(r.state), state_tag(r.state), c.state);
    s.push(Span::styled(
        format!("{sev:<w$} ", w = c.sev),
        th.severity(r.severity),
    ));
    s.extend(text_cell(&r.title, c.title, th.base, th.escape));
    if c.service > 0 {
        s.push(Span::raw(" "));
        s.extend(text_cell(&r.service, c.service, th.base, th.escape));
    }
    if c.attackers > 0 {
        s.push(Span::raw(" "));
        s.extend(text_cell(&r.attackers, c.attackers, th.base, th.escape));
    }
    if c.state > 0 {
        s.push(Span::styled(
            format!(" {state:<w$}", w = c.state),
            th.state(r.state),
        ));
    }
    if c.assignee > 0 {
        s.push(Span::raw(" "));
        match &r.assignee {
            // The short form is the first name (or the handle before `@`).
            Some(a) if c.assignee < 14 && a.width() > c.assignee => {
                let first = a.as_str().split([' ', '@']).next().unwrap_or("");
                let t = SafeText::new(first);
                s.extend(text_cell(&t, c.assignee, th.base, th.escape))
            }
            Some(a) => s.extend(text_cell(a, c.assignee, th.base, th.escape)),
            None => s.push(Span::styled(format!("{:<w$}", "-", w = c.assignee), th.dim)),
        }
    }
    Line::from(s)
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let mut title = format!("Signals {}", app.row_count());
    if !app.marked.is_empty() {
        title.push_str(&format!(" · {} marked", app.marked.len()));
    }
    if app.sort != crate::tui::sort::Sort::Time {
        title.push_str(&format!(" · {}", app.sort.label()));
    }
    if app.searching {
        title.push_str(" · searching…");
    }
    let block = pane(app, title, app.focus == Pane::Stream);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let c = columns(inner.width as usize, names_needed(app));
    buf.set_line(
        inner.x,
        inner.y,
        &Line::from(header(&c)).style(th.header),
        inner.width,
    );
    if app.window.is_empty() {
        let msg: &[&str] = if app.searching {
            &["searching…"]
        } else if app.results.total == 0 && app.results.loading.is_none() {
            // An empty store is a first run, not a query problem: say how to get data.
            &[
                "the store holds no signals yet. To get some:",
                "  sigscope --demo           open a demo store",
                "  sigscope import FILE      import signals (vendor JSON, NDJSON)",
                "  sigscope ingest --format modsecurity|aws-waf|events FILE",
            ]
        } else {
            &["no signals match the query and time range"]
        };
        for (i, m) in msg.iter().enumerate() {
            let y = inner.y + 1 + i as u16;
            if y < inner.y + inner.height {
                buf.set_stringn(
                    inner.x + 2,
                    y,
                    m,
                    inner.width.saturating_sub(2) as usize,
                    th.dim,
                );
            }
        }
        return;
    }
    let visible = inner.height.saturating_sub(1) as usize;
    for (i, r) in app.window.iter().take(visible).enumerate() {
        let idx = app.offset + i;
        let y = inner.y + 1 + i as u16;
        let selected = idx == app.selected;
        buf.set_line(inner.x, y, &row_line(app, r, &c, selected), inner.width);
        if selected {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), th.selected);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::columns;

    #[test]
    fn full_names_unless_the_title_would_drop_below_its_minimum() {
        // 160x45 with facets and panel (87 cells) and 80x24 (78): full names, a readable title.
        let longest = (super::FULL_SEV, super::FULL_STATE);
        for w in [78, 87, 120, 200] {
            let c = columns(w, longest);
            assert!(c.full_names && c.title >= super::MIN_TITLE, "{w}");
        }
        // 85 cells bring ATTACKERS in: the names would leave the title 11 cells, the tags 19.
        let c = columns(85, longest);
        assert!(!c.full_names && c.title == 19, "{}", c.title);
        // Results that are all High and Open need no room for `Critical` or `Under Review`.
        let c = columns(85, (4, 5));
        assert!(c.full_names && c.title == 22, "{}", c.title);
    }
}
