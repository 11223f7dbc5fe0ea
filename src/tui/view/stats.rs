//! The `:stats` screen: per group (severity, rule, service or assignee; `Tab` switches) the
//! signals as a bar chart beside time to triage and to archive, then open signals by age and the
//! SLA. `Enter` on a group shows its signals in the stream. Group names come from signals, so
//! they are drawn through `SafeText` (escaped, cut to fit).
use super::pane;
use crate::model::Severity;
use crate::query::stats::{human_secs, human_target, GroupBy, Stats};
use crate::tui::app::App;
use crate::tui::text::SafeText;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

/// Lines that are not group rows: summary, blank, header, blank, open, ages, blank, SLA, keys.
const FIXED: u16 = 9;

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(screen) = app.stats.screen.as_ref() else {
        return;
    };
    let th = &app.opts.theme;
    Clear.render(area, buf);
    let by = screen.by;
    let title = format!(
        "Stats · by {} ({})",
        by.as_str(),
        GroupBy::ALL
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    );
    let block = pane(app, title, true);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 20 || inner.height < 4 {
        return;
    }
    let w = inner.width as usize;
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let line = |buf: &mut Buffer, l: Line<'_>, y: &mut u16| {
        if *y < bottom {
            buf.set_line(inner.x, *y, &l, inner.width);
            *y += 1;
        }
    };
    let stats = match (app.stats.latest.as_ref(), &screen.error) {
        (_, Some(e)) => {
            let msg = format!(
                "stats unavailable: {}",
                crate::tui::text::fit(SafeText::new(e).as_str(), w.saturating_sub(20))
            );
            line(buf, Line::styled(msg, th.error), &mut y);
            return;
        }
        (Some(s), None) if s.by == by => s,
        _ => {
            line(buf, Line::styled("loading…", th.dim), &mut y);
            return;
        }
    };
    let q = if app.query.trim().is_empty() {
        "all signals".to_string()
    } else {
        crate::tui::text::fit(SafeText::new(&app.query).as_str(), 40)
    };
    line(
        buf,
        Line::from(format!(
            "{} signals · {q} · {}{}",
            stats.total,
            app.range.label(),
            if app.stats.loading {
                " · updating…"
            } else {
                ""
            }
        )),
        &mut y,
    );
    line(buf, Line::from(""), &mut y);
    let c = Cols::new(w);
    line(buf, Line::styled(c.header(), th.header), &mut y);
    let rows = inner.height.saturating_sub(FIXED) as usize;
    let rows = rows.max(1);
    let first = screen.cursor.saturating_sub(rows.saturating_sub(1));
    let max = stats.groups.0.iter().map(|(_, n)| *n).max().unwrap_or(0);
    for (i, (name, n)) in stats.groups.0.iter().enumerate().skip(first).take(rows) {
        let sel = i == screen.cursor;
        let bar_style = match (by, Severity::parse(name)) {
            (GroupBy::Severity, Some(s)) => th.severity(s),
            _ => th.key,
        };
        let l = c.row(stats, name, *n, max, sel, bar_style, th.escape);
        let l = if sel { l.style(th.selected) } else { l };
        line(buf, l, &mut y);
    }
    if stats.groups.0.is_empty() {
        line(buf, Line::styled("  no signals match", th.dim), &mut y);
    }
    line(buf, Line::from(""), &mut y);
    line(
        buf,
        Line::from(vec![
            Span::styled("Open ", th.header),
            Span::raw(format!("{}", stats.open.count)),
        ]),
        &mut y,
    );
    let ages: Vec<Span<'static>> = stats
        .open
        .age_buckets
        .0
        .iter()
        .flat_map(|(k, n)| {
            [
                Span::styled(format!("  {k} "), th.dim),
                Span::raw(n.to_string()),
            ]
        })
        .collect();
    line(buf, Line::from(ages), &mut y);
    line(buf, Line::from(""), &mut y);
    let targets: Vec<String> = stats
        .sla
        .targets_s
        .0
        .iter()
        .map(|(k, v)| format!("{k} {}", human_target(*v)))
        .collect();
    line(
        buf,
        Line::from(vec![
            Span::styled("SLA ", th.header),
            Span::styled(
                format!("{} breached", stats.sla.breached),
                if stats.sla.breached > 0 {
                    th.error
                } else {
                    th.ok
                },
            ),
            Span::styled(format!(" · targets {}", targets.join(", ")), th.dim),
        ]),
        &mut y,
    );
    let keys = "Tab group by · j/k move · Enter show in stream · r reload · Esc back";
    buf.set_stringn(inner.x, bottom - 1, keys, w, th.dim);
}

/// Column widths for the screen's width: wider screens get the archive p90 and max too.
struct Cols {
    name: usize,
    bar: usize,
    wide: bool,
}

impl Cols {
    fn new(w: usize) -> Cols {
        let wide = w >= 120;
        let name = if wide { 28 } else { 16 };
        // Marker 2, name, count 8, then 8 per duration column.
        let durations = if wide { 6 } else { 4 };
        let bar = w
            .saturating_sub(2 + name + 1 + 8 + 8 * durations + 1)
            .max(4);
        Cols { name, bar, wide }
    }

    fn header(&self) -> String {
        let mut s = format!(
            "  {:<n$} {:>7} {:<b$}{:>8}{:>8}{:>8}{:>8}",
            "GROUP",
            "SIGNALS",
            "",
            "TTT p50",
            "p90",
            "max",
            "TTA p50",
            n = self.name,
            b = self.bar + 1
        );
        if self.wide {
            s.push_str(&format!("{:>8}{:>8}", "p90", "max"));
        }
        s
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        stats: &Stats,
        name: &str,
        n: usize,
        max: usize,
        selected: bool,
        bar: Style,
        escape: Style,
    ) -> Line<'static> {
        let t = stats.time_to_triage.get(name).cloned().unwrap_or_default();
        let a = stats.time_to_archive.get(name).cloned().unwrap_or_default();
        let mut spans = vec![Span::raw(if selected { "> " } else { "  " })];
        spans.extend(super::padded(
            SafeText::new(name).spans(self.name, Style::default(), escape),
            self.name,
        ));
        spans.push(Span::raw(format!(" {n:>7} ")));
        let len = if max == 0 {
            0
        } else {
            (n * self.bar).div_ceil(max).min(self.bar)
        };
        spans.push(Span::styled("█".repeat(len), bar));
        spans.push(Span::raw(" ".repeat(self.bar - len + 1)));
        let d = |x: Option<i64>| format!("{:>8}", human_secs(x));
        let mut tail = format!("{}{}{}{}", d(t.p50_s), d(t.p90_s), d(t.max_s), d(a.p50_s));
        if self.wide {
            tail.push_str(&format!("{}{}", d(a.p90_s), d(a.max_s)));
        }
        spans.push(Span::raw(tail));
        Line::from(spans)
    }
}
