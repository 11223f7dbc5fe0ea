//! What a decoded index must satisfy before it is used: every invariant the index's code relies
//! on when it indexes a column or follows a number, so that a snapshot forged with a valid sum
//! is refused here rather than panicking (or answering wrongly) later. Then the derived parts
//! the snapshot does not store: the id table and the live count.
use super::super::{
    Combo, Multi, MultiCol, SignalIndex, SingleCol, COMBO_ASSIGNEE, COMBO_ENV, COMBO_RULE,
    COMBO_SERVICES, COMBO_SEV, COMBO_STATE, COMBO_TAGS, COMBO_TYPES, DEAD, NO_REASON,
};
use super::SnapshotError;
use crate::model::{ArchiveReason, Severity, TriageState};
use crate::query::intern::NONE;

type Result<T> = std::result::Result<T, SnapshotError>;

fn bad<T>(what: impl std::fmt::Display) -> Result<T> {
    Err(SnapshotError::corrupt(what))
}

/// Every value of `col` is below `bound` (or `NONE`, where `none_ok`).
fn refs(col: &[u32], bound: usize, none_ok: bool, what: &str) -> Result<()> {
    match col
        .iter()
        .position(|&v| !(none_ok && v == NONE) && v as usize >= bound)
    {
        Some(i) => bad(format!("{what}: entry {i} refers to {} of {bound}", col[i])),
        None => Ok(()),
    }
}

fn codes(col: &[u8], count: usize, other: Option<u8>, what: &str) -> Result<()> {
    match col
        .iter()
        .position(|&c| c as usize >= count && Some(c) != other)
    {
        Some(i) => bad(format!("{what}: row {i} has code {}", col[i])),
        None => Ok(()),
    }
}

/// A multi-valued column whose lists hold numbers below `values` (its own dictionary's size,
/// or for the event attributes, `extra_dict`'s).
fn multi(m: &Multi, rows: usize, values: usize, what: &str) -> Result<()> {
    if m.rows.len() != rows {
        return bad(format!("{what}: {} rows of {rows}", m.rows.len()));
    }
    refs(&m.rows, m.lists.len(), true, what)?;
    for l in m.lists.items() {
        refs(l, values, false, what)?;
    }
    if m.by_text.len() != m.by_text_list.len() {
        return bad(format!(
            "{what}: {} cached keys for {} lists",
            m.by_text.len(),
            m.by_text_list.len()
        ));
    }
    refs(&m.by_text_list, m.lists.len(), false, what)
}

pub(super) fn check(ix: &mut SignalIndex) -> Result<()> {
    let rows = ix.ts.len();
    // Row numbers must stay clear of the id table's EMPTY and TOMB markers.
    if rows >= (u32::MAX - 1) as usize {
        return bad(format!("{rows} rows"));
    }
    let lens = [
        ("id ends", ix.id_end.len()),
        ("severities", ix.sev.len()),
        ("states", ix.state.len()),
        ("archive reasons", ix.reason.len()),
        ("assignee column", ix.assignee.len()),
        ("event counts", ix.events.len()),
        ("first seen", ix.first_seen.len()),
        ("last seen", ix.last_seen.len()),
        ("single-value sets column", ix.singles_row.len()),
        ("message template column", ix.msg_tpl.len()),
        ("facet combination column", ix.combo.len()),
    ];
    if let Some((what, n)) = lens.iter().find(|x| x.1 != rows) {
        return bad(format!("{what}: {n} rows, {rows} timestamps"));
    }
    ids(ix)?;
    codes(&ix.sev, Severity::ALL.len(), None, "severities")?;
    codes(&ix.state, TriageState::ALL.len(), Some(DEAD), "states")?;
    codes(
        &ix.reason,
        ArchiveReason::ALL.len(),
        Some(NO_REASON),
        "archive reasons",
    )?;
    refs(&ix.assignee, ix.assignees.len(), true, "assignee column")?;
    refs(
        &ix.singles_row,
        ix.singles_ids.len(),
        false,
        "single-value sets column",
    )?;
    for (c, d) in ix.single_dict.iter().enumerate() {
        if let Some(ids) = ix
            .singles_ids
            .iter()
            .find(|ids| ids[c] != NONE && ids[c] as usize >= d.len())
        {
            return bad(format!("single-value set {ids:?}: column {c} out of range"));
        }
    }
    if ix.singles_by_text.len() != ix.singles_ids.len() {
        return bad("single-value sets: keys and sets differ in number");
    }
    for (c, m) in ix.multi.iter().enumerate() {
        multi(m, rows, m.dict.len(), &format!("multi-valued column {c}"))?;
    }
    refs(
        &ix.msg_tpl,
        ix.msg_tpl_dict.len(),
        false,
        "message template column",
    )?;
    multi(
        &ix.msg_digits,
        rows,
        ix.msg_digits.dict.len(),
        "message digit runs",
    )?;
    if let Some(e) = ix
        .extra_dict
        .items()
        .iter()
        .find(|e| e.0 as usize >= ix.paths.len())
    {
        return bad(format!("attribute with path {} out of range", e.0));
    }
    multi(&ix.extra, rows, ix.extra_dict.len(), "attribute lists")?;
    refs(
        &ix.combo,
        ix.combos.len(),
        false,
        "facet combination column",
    )?;
    combos(ix)?;
    order(ix)?;
    link_ids(ix)
}

/// Ids end to end: ends never go back, fall on character boundaries, and the last is the end.
fn ids(ix: &SignalIndex) -> Result<()> {
    let mut start = 0;
    for (r, &end) in ix.id_end.iter().enumerate() {
        if end < start || !ix.id_arena.is_char_boundary(end as usize) {
            return bad(format!("id of row {r} ends at {end}"));
        }
        start = end;
    }
    if start as usize != ix.id_arena.len() {
        return bad(format!(
            "ids end at {start}, the arena at {}",
            ix.id_arena.len()
        ));
    }
    Ok(())
}

/// Each live row's facet combination is the one its columns make (`write_main`), so that facet
/// counts agree with the search; dead rows keep the one they last had.
fn combos(ix: &SignalIndex) -> Result<()> {
    for r in 0..ix.rows() {
        if ix.state[r] == DEAD {
            continue;
        }
        let row = r as u32;
        let mut want: Combo = [0; 8];
        want[COMBO_STATE] = ix.state[r] as u32;
        want[COMBO_SEV] = ix.sev[r] as u32;
        want[COMBO_ASSIGNEE] = ix.assignee[r];
        want[COMBO_ENV] = ix.single_at(SingleCol::Env, row);
        want[COMBO_RULE] = ix.single_at(SingleCol::RuleName, row);
        want[COMBO_SERVICES] = ix.multi[MultiCol::Service as usize].rows[r];
        want[COMBO_TAGS] = ix.multi[MultiCol::Tag as usize].rows[r];
        want[COMBO_TYPES] = ix.multi[MultiCol::AttackType as usize].rows[r];
        if ix.combos.get(ix.combo[r]) != Some(&want) {
            return bad(format!(
                "row {r}: facet combination disagrees with its columns"
            ));
        }
    }
    Ok(())
}

/// `order` holds every live row once, newest first (ties: lower row first), as `link` keeps it.
fn order(ix: &SignalIndex) -> Result<()> {
    let (ts, state) = (&ix.ts, &ix.state);
    let live = state.iter().filter(|&&s| s != DEAD).count();
    if let Some(&r) = ix
        .order
        .iter()
        .find(|&&r| state.get(r as usize).is_none_or(|&s| s == DEAD))
    {
        return bad(format!("order holds row {r}, which is not a live row"));
    }
    // Strictly before in (time descending, row ascending): sorted, and no row twice.
    if let Some(w) = ix.order.windows(2).find(|w| {
        let (a, b) = (w[0] as usize, w[1] as usize);
        !(ts[a] > ts[b] || (ts[a] == ts[b] && a < b))
    }) {
        return bad(format!("order: row {} before row {}", w[0], w[1]));
    }
    // Distinct live rows, as many as there are live rows: all of them.
    if ix.order.len() != live {
        return bad(format!(
            "order holds {} rows, {live} are live",
            ix.order.len()
        ));
    }
    Ok(())
}

/// Rebuild the id table from the live rows, whose ids must differ.
fn link_ids(ix: &mut SignalIndex) -> Result<()> {
    ix.relink_ids()
        .or_else(|(a, b)| bad(format!("id {:?} on live rows {a} and {b}", ix.id_of(a))))
}
