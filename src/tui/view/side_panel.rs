//! The selected signal: a header, then four tabs.
use super::pane;
use crate::tui::app::{App, Pane, Tab};
use crate::tui::detail::{DetailView, Verdict};
use crate::tui::text::SafeText;
use crate::tui::theme::{severity_name, severity_tag, state_name, state_tag, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// Whole text (the detail view never cuts), escapes dimmed.
fn whole(t: &SafeText, th: &Theme, style: Style) -> Vec<Span<'static>> {
    t.spans(usize::MAX / 2, style, th.escape)
}

fn kv(th: &Theme, k: &str, v: &SafeText) -> Line<'static> {
    let mut s = vec![Span::styled(format!("{k}: "), th.dim)];
    s.extend(whole(v, th, th.base));
    Line::from(s)
}

fn flow(d: &DetailView, th: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if d.flow.is_empty() {
        out.push(Line::from(Span::styled(
            "no attack attempts recorded",
            th.dim,
        )));
        return out;
    }
    for n in &d.flow {
        let indent = "  ".repeat(n.depth as usize);
        let arrow = if n.depth == 0 { "" } else { "└ " };
        let style = match (n.depth, n.verdict) {
            (_, Some(Verdict::Blocked)) => th.ok,
            (_, Some(Verdict::Exploited)) => th.error,
            (0, _) => th.header,
            _ => th.base,
        };
        let mut s = vec![Span::raw(format!("{indent}{arrow}"))];
        s.extend(whole(&n.label, th, style));
        s.push(Span::styled(format!(" ×{}", n.count), th.dim));
        out.push(Line::from(s));
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        format!("Attempts ({})", d.attempts.len()),
        th.header,
    )));
    for a in &d.attempts {
        let mut s = vec![Span::styled(format!("{} ", a.time), th.dim)];
        s.extend(whole(&a.ip, th, th.base));
        s.push(Span::raw(" "));
        s.extend(whole(&a.user, th, th.base));
        s.push(Span::raw(" "));
        s.extend(whole(&a.method, th, th.base));
        s.push(Span::raw(" "));
        s.extend(whole(&a.path, th, th.base));
        s.push(Span::styled(
            format!(" {}", a.blocked.label()),
            if a.blocked == Verdict::Blocked {
                th.ok
            } else {
                th.error
            },
        ));
        out.push(Line::from(s));
        let mut p = vec![Span::styled("    payload in ", th.dim)];
        p.extend(whole(&a.location, th, th.base));
        p.push(Span::styled(": ", th.dim));
        p.extend(whole(&a.payload, th, th.base));
        out.push(Line::from(p));
        let mut r = vec![Span::styled("    waf: ", th.dim)];
        r.extend(whole(&a.waf_rule, th, th.base));
        r.push(Span::styled("  trace: ", th.dim));
        r.extend(whole(&a.trace, th, th.base));
        out.push(Line::from(r));
        out.push(kv(th, "    user agent", &a.user_agent));
    }
    out
}

fn counts(title: &str, list: &[(SafeText, usize)], th: &Theme, out: &mut Vec<Line<'static>>) {
    out.push(Line::from(Span::styled(title.to_string(), th.header)));
    if list.is_empty() {
        out.push(Line::from(Span::styled("  none", th.dim)));
    }
    for (k, n) in list {
        let mut s = vec![Span::styled(format!("  {n:>5}  "), th.dim)];
        s.extend(whole(k, th, th.base));
        out.push(Line::from(s));
    }
}

fn activity(d: &DetailView, th: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    counts("Attackers", &d.attacker_counts, th, &mut out);
    counts("Attack types", &d.attack_types, th, &mut out);
    counts("Endpoints", &d.endpoints, th, &mut out);
    out.push(Line::from(Span::styled("Timeline", th.header)));
    if d.timeline.is_empty() {
        out.push(Line::from(Span::styled("  no triage actions yet", th.dim)));
    }
    for (when, who, what) in &d.timeline {
        let mut s = vec![Span::styled(format!("  {when} "), th.dim)];
        s.extend(whole(who, th, th.key));
        s.push(Span::raw(" "));
        s.extend(whole(what, th, th.base));
        out.push(Line::from(s));
    }
    out
}

fn rule(d: &DetailView, th: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![
        kv(th, "id", &d.rule_id),
        kv(th, "name", &d.rule_name),
        kv(th, "type", &d.rule_type),
        Line::from(vec![
            Span::styled("version: ", th.dim),
            Span::raw(d.rule_version.clone()),
        ]),
        Line::from(vec![
            Span::styled("severity: ", th.dim),
            Span::styled(d.severity.as_str().to_string(), th.severity(d.severity)),
        ]),
        kv(th, "condition", &d.condition),
        Line::from(""),
        Line::from(Span::styled("Description", th.header)),
    ];
    for l in d.description.as_str().split("\\x0a") {
        out.push(Line::from(whole(&SafeText::new(l), th, th.base)));
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled("Runbook", th.header)));
    for l in d.runbook.as_str().split("\\x0a") {
        out.push(Line::from(whole(&SafeText::new(l), th, th.base)));
    }
    out
}

fn related(app: &App, d: &DetailView, th: &Theme, w: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if d.related.is_empty() {
        out.push(Line::from(Span::styled(
            "no other signals from these IPs or users",
            th.dim,
        )));
        return out;
    }
    out.push(Line::from(Span::styled(
        "Same attacker IPs or users — Enter opens",
        th.dim,
    )));
    // Full names where the title still gets 20 cells (the panel full screen at 80 columns);
    // the short tags in a 45-column panel beside the stream.
    let full = w >= 36 + 20;
    for (i, r) in d.related.iter().enumerate() {
        let cur = app.focus == Pane::Side && i == app.related_cursor;
        let (sev, state) = if full {
            (severity_name(r.severity), state_name(r.state))
        } else {
            (severity_tag(r.severity), state_tag(r.state))
        };
        let mut s = vec![
            Span::raw(if cur { "> " } else { "  " }),
            Span::styled(
                format!("{} ", crate::tui::clock::fmt(&r.timestamp, "%m-%d %H:%M")),
                th.dim,
            ),
            Span::styled(
                format!("{sev:<w$} ", w = if full { 8 } else { 4 }),
                th.severity(r.severity),
            ),
        ];
        s.extend(r.title.spans(
            w.saturating_sub(if full { 36 } else { 30 }),
            th.base,
            th.escape,
        ));
        s.push(Span::styled(format!(" {state}"), th.state(r.state)));
        let mut line = Line::from(s);
        if cur {
            line = line.style(th.selected);
        }
        out.push(line);
    }
    out
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let block = pane(app, "Signal".into(), app.focus == Pane::Side);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(d) = app.detail.as_ref().filter(|d| {
        // The panel follows the selection; a jump to a related signal outside the results shows it.
        app.selected_row().is_none_or(|r| *r.id == *d.id) || app.focus == Pane::Side
    }) else {
        let msg = if app.detail_loading || app.selected_row().is_some() {
            "loading…"
        } else {
            "no signal selected"
        };
        buf.set_string(inner.x + 1, inner.y, msg, th.dim);
        return;
    };
    // Header lines are cut at the edge; the tabs below show everything whole, wrapped.
    let mut lines = super::header::header(d, th, inner.width as usize);
    // Full names, on two lines when one is too narrow; short names only on a very narrow panel.
    let short = inner.width < 36;
    let mut tabs: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for t in Tab::ALL {
        let style = if t == app.tab { th.tab_active } else { th.dim };
        let name = if short { t.short() } else { t.title() };
        let label = if t == app.tab {
            format!("[{} {}]", t.index() + 1, name)
        } else {
            format!(" {} {} ", t.index() + 1, name)
        };
        let w = label.chars().count();
        if used + w > inner.width as usize && !tabs.is_empty() {
            lines.push(Line::from(std::mem::take(&mut tabs)));
            used = 0;
        }
        used += w;
        tabs.push(Span::styled(label, style));
    }
    lines.push(Line::from(tabs));
    lines.push(Line::from(Span::styled(
        "─".repeat(inner.width as usize),
        th.border,
    )));
    for (i, l) in lines.iter().enumerate() {
        if i as u16 >= inner.height {
            return;
        }
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
    let used = lines.len() as u16;
    if used >= inner.height {
        return;
    }
    let body = Rect::new(inner.x, inner.y + used, inner.width, inner.height - used);
    let content = match app.tab {
        Tab::Flow => flow(d, th),
        Tab::Activity => activity(d, th),
        Tab::Rule => rule(d, th),
        Tab::Related => related(app, d, th, inner.width as usize),
    };
    let scroll = if app.tab == Tab::Related {
        (app.related_cursor as u16 + 2).saturating_sub(body.height)
    } else {
        app.side_scroll
    };
    Paragraph::new(content)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(body, buf);
}
