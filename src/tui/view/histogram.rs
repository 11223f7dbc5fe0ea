//! The signal-volume histogram above the stream: one column per time bucket, bars stacked by
//! severity (critical at the bottom, where it is seen first). One row on a small terminal; with room,
//! a row of scale and range over four rows of bars. Without colour (`NO_COLOR`), the bars' heights
//! still tell the volume and the scale row the numbers.
use crate::model::Severity;
use crate::query::stats::{human_secs, VolumeBucket};
use crate::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Eighths of a cell, empty to full.
const BARS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// Severities from the bottom of a bar up.
const STACK: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(stats) = app.stats.latest.as_ref() else {
        return;
    };
    if area.width == 0 || area.height == 0 || stats.volume.is_empty() {
        return;
    }
    let th = &app.opts.theme;
    let max = stats.volume.iter().map(|b| b.count).max().unwrap_or(0);
    let mut bars = area;
    if area.height > 1 {
        let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or(String::new(), |t| t.format("%m-%d %H:%M").to_string())
        };
        let first = stats.volume.first().map(|b| b.start);
        let end = stats.volume.last().and_then(|b| {
            b.start
                .checked_add_signed(chrono::TimeDelta::seconds(stats.bucket_s))
        });
        let label = format!(
            " Signals over time · {} per bar · peak {max} · {} → {} ",
            human_secs(Some(stats.bucket_s)),
            at(first),
            at(end),
        );
        buf.set_stringn(area.x, area.y, &label, area.width as usize, th.dim);
        bars = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    }
    let n = stats.volume.len();
    let per = (bars.width as usize / n).max(1);
    let units = bars.height as usize * 8;
    for (i, b) in stats.volume.iter().enumerate() {
        let x0 = i * per;
        if x0 >= bars.width as usize {
            break;
        }
        let height = scaled(b.count, max, units);
        for row in 0..bars.height as usize {
            // Rows count from the bottom.
            let fill = height.saturating_sub(row * 8).min(8);
            if fill == 0 {
                continue;
            }
            let style = severity_at(b, row * 8, height).map_or(th.base, |s| th.severity(s));
            let y = bars.y + bars.height - 1 - row as u16;
            for dx in 0..per.min(bars.width as usize - x0) {
                buf.set_string(bars.x + (x0 + dx) as u16, y, BARS[fill], style);
            }
        }
    }
}

/// `count` of `max` in `units` eighths; any signal shows at least one eighth.
fn scaled(count: usize, max: usize, units: usize) -> usize {
    if count == 0 || max == 0 {
        return 0;
    }
    (count * units).div_ceil(max).clamp(1, units)
}

/// The severity drawn at `unit` eighths up a bar `height` eighths tall.
fn severity_at(b: &VolumeBucket, unit: usize, height: usize) -> Option<Severity> {
    if height == 0 || b.count == 0 {
        return None;
    }
    // The signal index at this height, in stack order.
    let target = unit * b.count / height;
    let mut seen = 0;
    for s in STACK {
        seen += b.by_severity.get(s.rank() as usize).copied().unwrap_or(0);
        if target < seen {
            return Some(s);
        }
    }
    None
}

/// The style of the stream's SLA mark.
pub fn breach_style(app: &App) -> Style {
    app.opts.theme.error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_and_stack() {
        assert_eq!(scaled(0, 10, 8), 0);
        assert_eq!(scaled(1, 1000, 8), 1);
        assert_eq!(scaled(10, 10, 32), 32);
        let b = VolumeBucket {
            start: chrono::DateTime::default(),
            count: 4,
            by_severity: [1, 0, 0, 0, 3],
        };
        // Critical (3 of 4) at the bottom, info on top.
        assert_eq!(severity_at(&b, 0, 32), Some(Severity::Critical));
        assert_eq!(severity_at(&b, 24, 32), Some(Severity::Info));
    }
}
