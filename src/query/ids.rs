//! Signal ids in queries: `id:ID` (wildcards and comparisons as for any value) and a free-text
//! term that is a whole id, as written (issue 17: an analyst pastes an id from a ticket into the
//! query bar and expects the signal). The slow path (`eval`) and the index agree on both.
//!
//! A free-text term matches an id only whole and case-sensitively: ids are opaque keys, and a
//! substring match would make every short word hit the random letters of some id.
use super::ast::{Pattern, Value};
use super::index::SignalIndex;
use super::search::{bits_new, Bits};

/// The id a free-text term names, if it can name one: a literal without wildcards.
pub(crate) fn text_as_id(p: &Pattern) -> Option<&str> {
    p.as_literal().filter(|s| !s.is_empty())
}

/// Does this free-text term name the signal `id`? (The slow path.)
pub(crate) fn text_names(p: &Pattern, id: &str) -> bool {
    text_as_id(p) == Some(id)
}

/// The id an `id:` value names outright (no wildcard, no comparison).
pub(crate) fn exact_literal(v: &Value) -> Option<&str> {
    match v {
        Value::Pattern(p) => p.as_literal(),
        _ => None,
    }
}

fn one_row(ix: &SignalIndex, row: Option<u32>) -> Bits {
    let mut b = bits_new(ix.rows(), false);
    if let Some(r) = row.map(|r| r as usize) {
        if let Some(w) = b.get_mut(r >> 6) {
            *w |= 1u64 << (r & 63);
        }
    }
    b
}

/// The row a free-text term names by id, as a bitmap; `None` when it names no signal (the usual
/// case, which then costs one hash lookup and no bitmap).
pub(crate) fn text_rows(ix: &SignalIndex, p: &Pattern) -> Option<Bits> {
    let row = ix.row_of(text_as_id(p)?)?;
    Some(one_row(ix, Some(row)))
}

/// The rows whose id satisfies `test`. A plain literal is one hash lookup; a wildcard or a
/// comparison looks at every id (dead rows too: the search only walks live ones).
pub(crate) fn field_rows(
    ix: &SignalIndex,
    exact: Option<&str>,
    test: &dyn Fn(&str) -> bool,
) -> Bits {
    if let Some(id) = exact {
        return one_row(ix, ix.row_of(id));
    }
    let n = ix.rows();
    let mut b = bits_new(n, false);
    for r in 0..n {
        if test(ix.id_of(r as u32)) {
            if let Some(w) = b.get_mut(r >> 6) {
                *w |= 1u64 << (r & 63);
            }
        }
    }
    b
}
