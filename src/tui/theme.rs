//! Colour themes. Selection and marks are always shown with a marker and bold (reverse where colour
//! is on), never by colour alone; the monochrome theme uses no colour and no reverse, because
//! crossterm's NO_COLOR handling resets attributes such as reverse.
use crate::model::{Severity, TriageState};
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Palette {
    Truecolor,
    #[serde(rename = "256")]
    Ansi256,
    #[serde(rename = "16")]
    Ansi16,
    Mono,
}

impl Palette {
    /// From the config's choice, else `NO_COLOR`, `COLORTERM` and `TERM`.
    pub fn detect(config: Option<Palette>, env: &dyn Fn(&str) -> Option<String>) -> Palette {
        if let Some(p) = config {
            return p;
        }
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return Palette::Mono;
        }
        if env("COLORTERM").is_some_and(|v| v == "truecolor" || v == "24bit") {
            return Palette::Truecolor;
        }
        match env("TERM").as_deref() {
            Some("dumb") => Palette::Mono,
            Some(t) if t.contains("256color") => Palette::Ansi256,
            _ => Palette::Ansi16,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Theme {
    pub palette: Palette,
    pub base: Style,
    pub dim: Style,
    /// Escapes standing for unsafe characters in attacker text.
    pub escape: Style,
    pub header: Style,
    pub selected: Style,
    pub marked: Style,
    pub border: Style,
    pub border_focus: Style,
    pub error: Style,
    pub ok: Style,
    pub key: Style,
    pub disabled: Style,
    pub tab_active: Style,
}

impl Theme {
    pub fn new(palette: Palette) -> Theme {
        let mono = palette == Palette::Mono;
        let c = |tc: Color, c256: u8, c16: Color| -> Style {
            match palette {
                Palette::Truecolor => Style::default().fg(tc),
                Palette::Ansi256 => Style::default().fg(Color::Indexed(c256)),
                Palette::Ansi16 => Style::default().fg(c16),
                Palette::Mono => Style::default(),
            }
        };
        Theme {
            palette,
            base: Style::default(),
            dim: Style::default().add_modifier(Modifier::DIM),
            escape: Style::default().add_modifier(Modifier::DIM | Modifier::ITALIC),
            header: Style::default().add_modifier(Modifier::BOLD),
            selected: if mono {
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            } else {
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            },
            marked: c(Color::Rgb(230, 180, 80), 179, Color::Yellow).add_modifier(Modifier::BOLD),
            border: c(Color::Rgb(90, 90, 100), 240, Color::DarkGray),
            border_focus: c(Color::Rgb(120, 170, 240), 75, Color::Cyan)
                .add_modifier(Modifier::BOLD),
            error: c(Color::Rgb(240, 90, 90), 203, Color::Red).add_modifier(Modifier::BOLD),
            ok: c(Color::Rgb(120, 200, 120), 114, Color::Green),
            key: c(Color::Rgb(120, 170, 240), 75, Color::Cyan).add_modifier(Modifier::BOLD),
            disabled: Style::default().add_modifier(Modifier::DIM | Modifier::CROSSED_OUT),
            tab_active: if mono {
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            } else {
                c(Color::Rgb(120, 170, 240), 75, Color::Cyan)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            },
        }
    }

    pub fn severity(&self, s: Severity) -> Style {
        let (tc, c256, c16) = match s {
            Severity::Critical => (Color::Rgb(255, 70, 70), 196, Color::LightRed),
            Severity::High => (Color::Rgb(240, 130, 60), 208, Color::Red),
            Severity::Medium => (Color::Rgb(230, 190, 70), 178, Color::Yellow),
            Severity::Low => (Color::Rgb(110, 160, 220), 74, Color::Blue),
            Severity::Info => (Color::Rgb(150, 150, 150), 245, Color::Gray),
        };
        let st = match self.palette {
            Palette::Truecolor => Style::default().fg(tc),
            Palette::Ansi256 => Style::default().fg(Color::Indexed(c256)),
            Palette::Ansi16 => Style::default().fg(c16),
            Palette::Mono => Style::default(),
        };
        if s >= Severity::High {
            st.add_modifier(Modifier::BOLD)
        } else {
            st
        }
    }

    pub fn state(&self, s: TriageState) -> Style {
        match s {
            TriageState::Open => self.base,
            TriageState::UnderReview => self.marked.remove_modifier(Modifier::BOLD),
            TriageState::Archived => self.dim,
        }
    }
}

pub fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED ",
        Severity::Low => "LOW ",
        Severity::Info => "INFO",
    }
}

/// The severity's full name, where it fits (the side panel).
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// The triage state's full name, where it fits.
pub fn state_name(s: TriageState) -> &'static str {
    match s {
        TriageState::Open => "Open",
        TriageState::UnderReview => "Under Review",
        TriageState::Archived => "Archived",
    }
}

pub fn state_tag(s: TriageState) -> &'static str {
    match s {
        TriageState::Open => "open",
        TriageState::UnderReview => "review",
        TriageState::Archived => "archived",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_follows_no_color_colorterm_and_term() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Palette::detect(None, &env(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])),
            Palette::Mono
        );
        assert_eq!(
            Palette::detect(None, &env(&[("COLORTERM", "truecolor")])),
            Palette::Truecolor
        );
        assert_eq!(
            Palette::detect(None, &env(&[("TERM", "screen-256color")])),
            Palette::Ansi256
        );
        assert_eq!(
            Palette::detect(None, &env(&[("TERM", "xterm")])),
            Palette::Ansi16
        );
        assert_eq!(
            Palette::detect(Some(Palette::Mono), &env(&[("TERM", "xterm")])),
            Palette::Mono
        );
    }

    #[test]
    fn mono_selection_does_not_rely_on_colour_or_reverse() {
        let t = Theme::new(Palette::Mono);
        assert!(t.selected.fg.is_none() && t.selected.bg.is_none());
        assert!(!t.selected.add_modifier.contains(Modifier::REVERSED));
        assert!(t.selected.add_modifier.contains(Modifier::BOLD));
    }
}
