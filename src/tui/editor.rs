//! A one-line text editor (the query bar, the palette, dialog text fields) with history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineEditor {
    pub text: String,
    /// Byte offset, always on a char boundary.
    pub cursor: usize,
    pub history: Vec<String>,
    /// Position while browsing history; `None` when editing a fresh line.
    hist_pos: Option<usize>,
    /// The line being edited before history browsing began.
    draft: String,
}

impl LineEditor {
    pub fn new(text: &str) -> LineEditor {
        LineEditor {
            text: text.to_string(),
            cursor: text.len(),
            ..Default::default()
        }
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
    }

    pub fn insert(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    pub fn insert_str(&mut self, s: &str) {
        self.text.insert_str(self.cursor, s);
        self.cursor += s.len();
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
            .unwrap_or(self.cursor)
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            let p = self.prev_boundary();
            self.text.replace_range(p..self.cursor, "");
            self.cursor = p;
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.len() {
            let n = self.next_boundary();
            self.text.replace_range(self.cursor..n, "");
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.prev_boundary();
    }

    pub fn right(&mut self) {
        self.cursor = self.next_boundary();
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }

    pub fn kill_to_start(&mut self) {
        self.text.replace_range(..self.cursor, "");
        self.cursor = 0;
    }

    pub fn kill_to_end(&mut self) {
        self.text.truncate(self.cursor);
    }

    /// The word before the cursor and the spaces after it, as readline's Ctrl-W.
    pub fn kill_word_back(&mut self) {
        let before = self.text[..self.cursor].trim_end_matches(' ');
        let start = before.rfind(' ').map(|i| i + 1).unwrap_or(0);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// The line-editing keys every text field shares; false when `e` is not one of them.
    pub fn readline(&mut self, e: &crate::tui::action::Edit) -> bool {
        use crate::tui::action::Edit;
        match e {
            Edit::Insert(c) => self.insert(*c),
            Edit::Backspace => self.backspace(),
            Edit::Delete => self.delete(),
            Edit::Left => self.left(),
            Edit::Right => self.right(),
            Edit::Home => self.home(),
            Edit::End => self.end(),
            Edit::KillStart => self.kill_to_start(),
            Edit::KillEnd => self.kill_to_end(),
            Edit::KillWord => self.kill_word_back(),
            _ => return false,
        }
        true
    }

    /// Remember a submitted line (no immediate duplicates).
    pub fn remember(&mut self) {
        let t = self.text.trim().to_string();
        if !t.is_empty() && self.history.last() != Some(&t) {
            self.history.push(t);
        }
        self.hist_pos = None;
    }

    pub fn history_prev(&mut self) {
        if self.history.is_empty() {
            return;
        }
        let pos = match self.hist_pos {
            None => {
                self.draft = self.text.clone();
                self.history.len() - 1
            }
            Some(0) => 0,
            Some(p) => p - 1,
        };
        self.hist_pos = Some(pos);
        let t = self.history[pos].clone();
        self.set(&t);
    }

    pub fn history_next(&mut self) {
        match self.hist_pos {
            None => {}
            Some(p) if p + 1 < self.history.len() => {
                self.hist_pos = Some(p + 1);
                let t = self.history[p + 1].clone();
                self.set(&t);
            }
            Some(_) => {
                self.hist_pos = None;
                let d = std::mem::take(&mut self.draft);
                self.set(&d);
            }
        }
    }

    /// The word before the cursor (from the last space or open paren) and where it starts.
    pub fn current_word(&self) -> (usize, &str) {
        let before = &self.text[..self.cursor];
        let start = before.rfind([' ', '(']).map(|i| i + 1).unwrap_or(0);
        (start, &before[start..])
    }

    pub fn replace_word(&mut self, start: usize, with: &str) {
        self.text.replace_range(start..self.cursor, with);
        self.cursor = start + with.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_in_place_with_multibyte_text() {
        let mut e = LineEditor::new("hé");
        e.left();
        e.insert('x');
        assert_eq!(e.text, "hxé");
        e.end();
        e.backspace();
        assert_eq!(e.text, "hx");
        e.home();
        e.delete();
        assert_eq!(e.text, "x");
    }

    #[test]
    fn readline_kills_words_and_line_ends() {
        let mut e = LineEditor::new("service:auth status:high  ");
        e.kill_word_back();
        assert_eq!(e.text, "service:auth ");
        e.home();
        e.right();
        e.kill_to_end();
        assert_eq!(e.text, "s");
        e.kill_to_start();
        assert_eq!((e.text.as_str(), e.cursor), ("", 0));
    }

    #[test]
    fn history_walks_back_and_returns_to_the_draft() {
        let mut e = LineEditor::new("a");
        e.remember();
        e.set("b");
        e.remember();
        e.set("draft");
        e.history_prev();
        assert_eq!(e.text, "b");
        e.history_prev();
        assert_eq!(e.text, "a");
        e.history_next();
        e.history_next();
        assert_eq!(e.text, "draft");
    }
}
