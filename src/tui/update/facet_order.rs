//! The facets as an analyst reads them (issue 17): severity and state in their own order with
//! their full names, a value excluded with `-key:value` still listed (marked `-`) so that the
//! exclusion can be undone where it was made, and the cursor kept on its value when the counts
//! change under it.
use crate::model::{Severity, TriageState};
use crate::tui::backend::{Facet, FacetValue};
use crate::tui::query_edit::{quote_value, terms};
use crate::tui::text::SafeText;
use crate::tui::theme::{severity_name, state_name};

/// A query value back to the raw value (`"a \"b\""` → `a "b"`).
fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => v.to_string(),
    }
}

pub(super) fn arrange(query: &str, facets: &mut [Facet]) {
    let terms = terms(query);
    for f in facets.iter_mut() {
        let prefix = format!("-{}:", f.key);
        for t in &terms {
            let Some(v) = t.strip_prefix(&prefix) else {
                continue;
            };
            if !f.values.iter().any(|x| quote_value(&x.raw) == v) {
                let raw = unquote(v);
                f.values.push(FacetValue {
                    text: SafeText::new(&raw),
                    raw,
                    count: 0,
                });
            }
        }
        match f.key.as_str() {
            "status" => {
                // Most severe first, whatever the counts.
                f.values.sort_by_key(|v| {
                    std::cmp::Reverse(Severity::parse(&v.raw).map(|s| s as u8 + 1).unwrap_or(0))
                });
                for v in &mut f.values {
                    if let Some(s) = Severity::parse(&v.raw) {
                        v.text = SafeText::new(severity_name(s));
                    }
                }
            }
            "@workflow.triage.state" => {
                let rank = |v: &FacetValue| match TriageState::parse(&v.raw) {
                    Some(TriageState::Open) => 0,
                    Some(TriageState::UnderReview) => 1,
                    Some(TriageState::Archived) => 2,
                    None => 3,
                };
                f.values.sort_by_key(rank);
                for v in &mut f.values {
                    if let Some(s) = TriageState::parse(&v.raw) {
                        v.text = SafeText::new(state_name(s));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Where `(key, raw)` is in the flattened facet values.
pub(super) fn position(facets: &[Facet], key: &str, raw: &str) -> Option<usize> {
    let mut i = 0;
    for f in facets {
        for v in &f.values {
            if f.key == key && v.raw == raw {
                return Some(i);
            }
            i += 1;
        }
    }
    None
}
