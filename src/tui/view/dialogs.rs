//! Forms drawn as a centred box: each visible field, the focused one highlighted; a confirm step
//! replaces the fields with its question.
use super::centered;
use crate::tui::app::App;
use crate::tui::form::{FieldKind, Form};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

const LIST: usize = 6;

fn lines(app: &App, f: &Form, w: usize) -> Vec<Line<'static>> {
    let th = &app.opts.theme;
    let mut out = Vec::new();
    if let Some(q) = &f.confirm {
        out.push(Line::from(""));
        let mut first = true;
        for l in q.split('\n') {
            // The question stands out; the signals it lists under it are plain.
            let style = if first { th.error } else { th.base };
            first = false;
            out.push(Line::from(Span::styled(l.to_string(), style)));
        }
        out.push(Line::from(""));
        out.push(Line::from(vec![
            Span::styled("y", th.key),
            Span::raw(" / Enter: do it    "),
            Span::styled("n", th.key),
            Span::raw(" / Esc: back"),
        ]));
        return out;
    }
    for i in f.visible() {
        let fld = &f.fields[i];
        let focused = i == f.focus;
        let label_style = if focused { th.key } else { th.dim };
        match &fld.kind {
            FieldKind::Text(ed) => {
                let mut s = vec![Span::styled(format!("{}: ", fld.label), label_style)];
                s.extend(crate::tui::text::SafeText::new(&ed.text).spans(
                    w.saturating_sub(fld.label.len() + 4),
                    th.base,
                    th.escape,
                ));
                if focused {
                    s.push(Span::styled("▏", th.key));
                }
                out.push(Line::from(s));
            }
            FieldKind::Choice { cursor, filter, .. } => {
                let opts = fld.visible_options();
                let mut head = vec![Span::styled(format!("{}:", fld.label), label_style)];
                if let Some(ed) = filter {
                    head.push(Span::raw(" "));
                    head.extend(
                        crate::tui::text::SafeText::new(&ed.text).spans(30, th.base, th.escape),
                    );
                    if focused {
                        head.push(Span::styled("▏", th.key));
                    }
                }
                if !focused {
                    // A folded field shows its current choice on the label line.
                    if let Some((_, o)) = opts.get(*cursor) {
                        head.push(Span::raw(" "));
                        head.extend(o.label.spans(
                            w.saturating_sub(fld.label.len() + 3),
                            th.base,
                            th.escape,
                        ));
                    }
                    out.push(Line::from(head));
                    continue;
                }
                out.push(Line::from(head));
                if opts.is_empty() {
                    out.push(Line::from(Span::styled(
                        "   (nothing matches: Enter changes nothing)",
                        th.dim,
                    )));
                }
                let top = cursor.saturating_sub(LIST - 1);
                for (j, (_, o)) in opts.iter().enumerate().skip(top).take(LIST) {
                    let cur = j == *cursor;
                    let mut s = vec![Span::raw(if cur { " > " } else { "   " })];
                    s.extend(o.label.spans(w.saturating_sub(4), th.base, th.escape));
                    let mut line = Line::from(s);
                    if cur {
                        line = line.style(th.selected);
                    }
                    out.push(line);
                }
                if opts.len() > top + LIST {
                    out.push(Line::from(Span::styled(
                        format!("   … {} more", opts.len() - top - LIST),
                        th.dim,
                    )));
                }
            }
        }
        if let Some(e) = &fld.error {
            let mut s = vec![Span::styled("  ! ", th.error)];
            s.extend(crate::tui::text::SafeText::new(e).spans(
                w.saturating_sub(4),
                th.error,
                th.escape,
            ));
            out.push(Line::from(s));
        }
    }
    out.push(Line::from(""));
    out.push(Line::from(vec![
        Span::styled("↑↓", th.key),
        Span::raw(" choose  "),
        Span::styled("Enter", th.key),
        Span::raw(" next/apply  "),
        Span::styled("Tab", th.key),
        Span::raw(" field  "),
        Span::styled("Esc", th.key),
        Span::raw(" cancel"),
    ]));
    out
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(f) = &app.form else {
        return;
    };
    let w = area.width.saturating_sub(4).min(72);
    let body = lines(app, f, w.saturating_sub(2) as usize);
    let h = (body.len() as u16 + 2).min(area.height.saturating_sub(2));
    let r = centered(area, w, h);
    Clear.render(r, buf);
    let th = &app.opts.theme;
    let title = crate::tui::text::fit(
        &crate::sanitize::clean(&f.title),
        w.saturating_sub(4) as usize,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(format!(" {title} "), th.header));
    Paragraph::new(body)
        .block(block)
        .wrap(Wrap { trim: false })
        .render(r, buf);
}
