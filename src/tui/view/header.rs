//! The side panel's header: title, severity and state, owner, env, id, times, attacker IPs and
//! users. Values are never cut mid-value: fields that do not fit move to the next line, lists
//! end with `… +N` after the last whole value, and only a single value wider than the panel is
//! cut (with `…`).
use crate::tui::detail::{fmt_when, DetailView};
use crate::tui::text::SafeText;
use crate::tui::theme::{severity_name, state_name, Theme};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

type Item = Vec<Span<'static>>;

fn width(item: &[Span]) -> usize {
    item.iter().map(|s| s.width()).sum()
}

/// `k: v` as one item.
fn field(th: &Theme, k: &str, v: &SafeText, style: Style) -> Item {
    let mut s = vec![Span::styled(format!("{k}: "), th.dim)];
    s.extend(v.spans(usize::MAX / 2, style, th.escape));
    s
}

/// Cut an item wider than the line, with `…`.
fn cut(item: Item, w: usize) -> Item {
    if width(&item) <= w {
        return item;
    }
    let mut out = Vec::new();
    let mut used = 0;
    for s in item {
        let sw = s.width();
        if used + sw < w {
            used += sw;
            out.push(s);
            continue;
        }
        let room = w.saturating_sub(used + 1);
        let text: String = s.content.chars().take(room).collect();
        out.push(Span::styled(text, s.style));
        break;
    }
    out.push(Span::raw("…"));
    out
}

/// Items on as few lines as they fit, two spaces apart, each whole.
fn pack(items: Vec<Item>, w: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut cur: Item = Vec::new();
    for item in items {
        let iw = width(&item);
        let used = width(&cur);
        if !cur.is_empty() && used + 2 + iw > w {
            lines.push(Line::from(std::mem::take(&mut cur)));
        }
        if !cur.is_empty() {
            cur.push(Span::raw("  "));
        }
        cur.extend(cut(item, w));
    }
    if !cur.is_empty() {
        lines.push(Line::from(cur));
    }
    lines
}

/// `label: a, b, c, … +N`: whole values while they fit with room left for the count of the rest.
fn list(th: &Theme, label: &str, values: Vec<Item>, w: usize) -> Line<'static> {
    let mut line = vec![Span::styled(format!("{label}: "), th.dim)];
    if values.is_empty() {
        line.push(Span::styled("none", th.dim));
        return Line::from(line);
    }
    let n = values.len();
    for (i, v) in values.into_iter().enumerate() {
        let sep = if i > 0 { 2 } else { 0 };
        let left = n - i - 1;
        let more = if left > 0 {
            format!(", … +{left}").len()
        } else {
            0
        };
        if i > 0 && width(&line) + sep + width(&v) + more > w {
            line.push(Span::styled(format!(", … +{}", n - i), th.dim));
            return Line::from(line);
        }
        if i > 0 {
            line.push(Span::raw(", "));
        }
        let room = w.saturating_sub(width(&line) + more);
        line.extend(cut(v, room.max(4)));
    }
    Line::from(line)
}

pub fn header(d: &DetailView, th: &Theme, w: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    out.push(Line::from(cut(
        d.title.spans(usize::MAX / 2, th.header, th.escape),
        w,
    )));
    let mut sev: Item = vec![
        Span::styled(severity_name(d.severity), th.severity(d.severity)),
        Span::raw("  "),
        Span::styled(state_name(d.state), th.state(d.state)),
    ];
    if let Some(r) = &d.archive_reason {
        sev.push(Span::styled(format!(" ({r})"), th.dim));
    }
    let assignee = match &d.assignee {
        Some(a) => field(th, "assignee", a, th.base),
        None => vec![
            Span::styled("assignee: ", th.dim),
            Span::styled("unassigned", th.dim),
        ],
    };
    out.extend(pack(vec![sev, assignee], w));
    let mut svc = vec![field(th, "service", &d.service, th.base)];
    if let Some(o) = &d.owner {
        svc.push(field(th, "owner", o, th.base));
    }
    if let Some(e) = &d.env {
        svc.push(field(th, "env", e, th.base));
    }
    svc.push(field(th, "id", &d.id_text, th.base));
    out.extend(pack(svc, w));
    let zone = crate::tui::clock::label();
    out.extend(pack(
        vec![
            field(
                th,
                &format!("first ({zone})"),
                &SafeText::new(&fmt_when(&d.first_seen)),
                th.base,
            ),
            field(th, "last", &SafeText::new(&fmt_when(&d.last_seen)), th.base),
        ],
        w,
    ));
    let ips = d
        .attackers
        .iter()
        .map(|a| {
            let mut s = a.ip.spans(usize::MAX / 2, th.base, th.escape);
            if !a.block.is_empty() {
                s.push(Span::styled(format!(" [{}]", a.block), th.error));
            }
            s
        })
        .collect();
    out.push(list(th, "IPs", ips, w));
    if !d.users.is_empty() {
        let users = d
            .users
            .iter()
            .map(|u| u.spans(usize::MAX / 2, th.base, th.escape))
            .collect();
        out.push(list(th, "users", users, w));
    }
    for (label, items) in [("cases", &d.cases), ("incidents", &d.incidents)] {
        if !items.is_empty() {
            let v = items
                .iter()
                .map(|c| c.spans(usize::MAX / 2, th.key, th.escape))
                .collect();
            out.push(list(th, label, v, w));
        }
    }
    out
}
