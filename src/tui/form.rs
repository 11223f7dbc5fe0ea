//! Dialogs as data: a form is a list of fields (a choice or a line of text) with an optional
//! confirm step. Every action dialog (assign, state, case, incident, block) and the pickers use it,
//! so they all move, filter and render the same way.
use super::editor::LineEditor;
use super::text::SafeText;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKind {
    Assign,
    State,
    Case,
    Incident,
    BlockIps,
    BlockUsers,
    TimeRange,
    View,
    /// Extend a denylist entry; the target is the block id.
    ExtendBlock,
    /// Pick a workflow to run on the signal.
    WorkflowPick,
    /// The chosen workflow's inputs; the first target is the signal, the second the workflow.
    Workflow,
    /// `*`: mark every signal the search matches (a confirmation naming the count).
    MarkAll,
    /// A batch was refused: apply the same change signal by signal, skipping the refused ones.
    ApplyRest,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Opt {
    pub label: SafeText,
    pub value: String,
}

impl Opt {
    pub fn new(label: &str, value: &str) -> Opt {
        Opt {
            label: SafeText::new(label),
            value: value.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum FieldKind {
    Choice {
        options: Vec<Opt>,
        /// Index into the filtered list.
        cursor: usize,
        /// Type-to-filter, for long lists (users, cases).
        filter: Option<LineEditor>,
    },
    Text(LineEditor),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Static for the built-in dialogs; owned for forms generated from data (workflow inputs).
    pub name: Cow<'static, str>,
    pub label: Cow<'static, str>,
    pub kind: FieldKind,
    /// What is wrong with the value, shown under the field.
    pub error: Option<String>,
    /// Shown only while another field (by name) has one of these values.
    pub show_if: Option<(&'static str, &'static [&'static str])>,
}

impl Field {
    pub fn choice(
        name: impl Into<Cow<'static, str>>,
        label: impl Into<Cow<'static, str>>,
        options: Vec<Opt>,
    ) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            error: None,
            kind: FieldKind::Choice {
                options,
                cursor: 0,
                filter: None,
            },
            show_if: None,
        }
    }

    pub fn filtered(
        name: impl Into<Cow<'static, str>>,
        label: impl Into<Cow<'static, str>>,
        options: Vec<Opt>,
    ) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            error: None,
            kind: FieldKind::Choice {
                options,
                cursor: 0,
                filter: Some(LineEditor::default()),
            },
            show_if: None,
        }
    }

    pub fn text(
        name: impl Into<Cow<'static, str>>,
        label: impl Into<Cow<'static, str>>,
        initial: &str,
    ) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            error: None,
            kind: FieldKind::Text(LineEditor::new(initial)),
            show_if: None,
        }
    }

    pub fn when(mut self, field: &'static str, values: &'static [&'static str]) -> Field {
        self.show_if = Some((field, values));
        self
    }

    /// The options left after the filter, with their index in `options`.
    pub fn visible_options(&self) -> Vec<(usize, &Opt)> {
        match &self.kind {
            FieldKind::Choice {
                options, filter, ..
            } => {
                let f = filter
                    .as_ref()
                    .map(|e| e.text.to_lowercase())
                    .unwrap_or_default();
                options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| {
                        f.is_empty()
                            || o.label.as_str().to_lowercase().contains(&f)
                            || o.value.to_lowercase().contains(&f)
                    })
                    .collect()
            }
            FieldKind::Text(_) => Vec::new(),
        }
    }

    pub fn value(&self) -> Option<String> {
        match &self.kind {
            FieldKind::Choice { cursor, .. } => self
                .visible_options()
                .get(*cursor)
                .map(|(_, o)| o.value.clone()),
            FieldKind::Text(e) => Some(e.text.clone()),
        }
    }

    pub fn select_value(&mut self, value: &str) {
        let idx = self
            .visible_options()
            .iter()
            .position(|(_, o)| o.value == value);
        if let (Some(i), FieldKind::Choice { cursor, .. }) = (idx, &mut self.kind) {
            *cursor = i;
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The signals (or values) the form acts on.
    pub targets: Vec<String>,
    /// Dangerous forms ask once more before they act.
    pub dangerous: bool,
    /// The question being asked, once the form was submitted and needs a yes.
    pub confirm: Option<String>,
}

impl Form {
    pub fn new(kind: FormKind, title: impl Into<String>, targets: Vec<String>) -> Form {
        Form {
            kind,
            title: title.into(),
            fields: Vec::new(),
            focus: 0,
            targets,
            dangerous: false,
            confirm: None,
        }
    }

    pub fn field(mut self, f: Field) -> Form {
        self.fields.push(f);
        self
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .filter(|f| self.is_visible(f))
            .and_then(Field::value)
    }

    pub fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.name == name)
    }

    pub fn is_visible(&self, f: &Field) -> bool {
        match f.show_if {
            None => true,
            Some((other, values)) => self
                .fields
                .iter()
                .find(|x| x.name == other)
                .and_then(Field::value)
                .is_some_and(|v| values.contains(&v.as_str())),
        }
    }

    pub fn visible(&self) -> Vec<usize> {
        (0..self.fields.len())
            .filter(|&i| self.is_visible(&self.fields[i]))
            .collect()
    }

    /// Move focus to the next visible field; false when there is none (the form is complete).
    pub fn next_field(&mut self) -> bool {
        let vis = self.visible();
        match vis.iter().position(|&i| i == self.focus) {
            Some(p) if p + 1 < vis.len() => {
                self.focus = vis[p + 1];
                true
            }
            _ => false,
        }
    }

    pub fn prev_field(&mut self) {
        let vis = self.visible();
        if let Some(p) = vis.iter().position(|&i| i == self.focus) {
            if p > 0 {
                self.focus = vis[p - 1];
            }
        }
    }

    pub fn focused(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    pub fn move_choice(&mut self, delta: isize) {
        let n = self
            .fields
            .get(self.focus)
            .map(|f| f.visible_options().len())
            .unwrap_or(0);
        if let Some(Field {
            kind: FieldKind::Choice { cursor, .. },
            ..
        }) = self.fields.get_mut(self.focus)
        {
            if n == 0 {
                *cursor = 0;
            } else {
                *cursor = (*cursor as isize + delta).clamp(0, n as isize - 1) as usize;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_fields_follow_the_choice() {
        let mut f = Form::new(FormKind::State, "t", vec![])
            .field(Field::choice(
                "state",
                "State",
                vec![Opt::new("Open", "open"), Opt::new("Archived", "archived")],
            ))
            .field(
                Field::choice("reason", "Reason", vec![Opt::new("FP", "false_positive")])
                    .when("state", &["archived"]),
            );
        assert_eq!(f.visible(), vec![0]);
        assert!(!f.next_field());
        f.move_choice(1);
        assert_eq!(f.visible(), vec![0, 1]);
        assert!(f.next_field());
        assert_eq!(f.get("reason").as_deref(), Some("false_positive"));
    }

    #[test]
    fn filter_narrows_choices() {
        let mut fld = Field::filtered(
            "u",
            "User",
            vec![Opt::new("alice", "1"), Opt::new("bob", "2")],
        );
        if let FieldKind::Choice {
            filter: Some(e), ..
        } = &mut fld.kind
        {
            e.insert('b');
        }
        assert_eq!(fld.value().as_deref(), Some("2"));
    }
}
