//! Reading a snapshot: bounds-checked reads of its header and body, the body decoded into an
//! index in `encode::body`'s order. Nothing read here is trusted: a length is checked against
//! the bytes that remain before anything is allocated for it, and the index is handed to `check`
//! before it leaves.
use super::super::{AssigneeKey, Combo, Extra, Multi, SignalIndex, SINGLE_COLS};
use super::encode::Le;
use super::SnapshotError;
use crate::query::intern::Dict;
use crate::query::prepare::Kind;

type Result<T> = std::result::Result<T, SnapshotError>;

/// A cursor over the snapshot's bytes.
pub(super) struct In<'a> {
    b: &'a [u8],
    at: usize,
    /// In the header, running out of bytes means the file was cut short; in the body (whose
    /// length and sum have been checked) it means a length in it is wrong.
    header: bool,
}

impl<'a> In<'a> {
    pub(super) fn header(b: &'a [u8]) -> In<'a> {
        In {
            b,
            at: 0,
            header: true,
        }
    }

    fn body(b: &'a [u8]) -> In<'a> {
        In {
            b,
            at: 0,
            header: false,
        }
    }

    fn left(&self) -> usize {
        self.b.len().saturating_sub(self.at)
    }

    pub(super) fn used(&self) -> usize {
        self.at
    }

    pub(super) fn rest(&self) -> &'a [u8] {
        self.b.get(self.at..).unwrap_or_default()
    }

    fn short(&self, what: &str, need: impl std::fmt::Display) -> SnapshotError {
        if self.header {
            SnapshotError::Truncated(format!("in the {what}"))
        } else {
            SnapshotError::corrupt(format!("{what}: {need} bytes needed, {} left", self.left()))
        }
    }

    pub(super) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        match self.rest().get(..n) {
            Some(b) => {
                self.at += n;
                Ok(b)
            }
            None => Err(self.short(what, n)),
        }
    }

    fn fixed<T: Le>(&mut self, what: &str) -> Result<T> {
        Ok(T::get(self.take(T::SIZE, what)?))
    }

    pub(super) fn u32(&mut self, what: &str) -> Result<u32> {
        self.fixed(what)
    }

    pub(super) fn u64(&mut self, what: &str) -> Result<u64> {
        self.fixed(what)
    }

    pub(super) fn i64(&mut self, what: &str) -> Result<i64> {
        self.fixed(what)
    }

    /// A count of values of `size` bytes each, which must fit in what is left.
    fn count(&mut self, size: usize, what: &str) -> Result<usize> {
        let n = self.u64(what)?;
        match usize::try_from(n).ok().and_then(|n| n.checked_mul(size)) {
            Some(bytes) if bytes <= self.left() => Ok(bytes / size.max(1)),
            _ => Err(self.short(what, format_args!("{n} × {size}"))),
        }
    }

    /// `n` values without a count of their own.
    fn values<T: Le>(&mut self, n: usize, what: &str) -> Result<Vec<T>> {
        let bytes = n
            .checked_mul(T::SIZE)
            .ok_or_else(|| self.short(what, format_args!("{n} × {}", T::SIZE)))?;
        let b = self.take(bytes, what)?;
        Ok(b.chunks_exact(T::SIZE).map(T::get).collect())
    }

    /// A column: its count, then its values.
    fn col<T: Le>(&mut self, what: &str) -> Result<Vec<T>> {
        let n = self.count(T::SIZE, what)?;
        self.values(n, what)
    }

    /// A byte column (copied whole rather than value by value).
    fn bytes(&mut self, what: &str) -> Result<Vec<u8>> {
        let n = self.count(1, what)?;
        Ok(self.take(n, what)?.to_vec())
    }

    /// Byte strings: their lengths, then their bytes end to end.
    fn blobs(&mut self, what: &str) -> Result<(Vec<u32>, &'a [u8])> {
        let lens: Vec<u32> = self.col(what)?;
        let total = lens
            .iter()
            .try_fold(0usize, |t, &l| t.checked_add(l as usize))
            .ok_or_else(|| self.short(what, "more than usize"))?;
        Ok((lens, self.take(total, what)?))
    }

    fn strs(&mut self, what: &str) -> Result<Vec<Box<str>>> {
        let (lens, bytes) = self.blobs(what)?;
        let text = std::str::from_utf8(bytes)
            .map_err(|_| SnapshotError::corrupt(format!("{what}: not UTF-8")))?;
        let mut at = 0usize;
        lens.iter()
            .map(|&l| {
                let s = at
                    .checked_add(l as usize)
                    .and_then(|end| text.get(at..end).map(|s| (s, end)));
                match s {
                    Some((s, end)) => {
                        at = end;
                        Ok(s.into())
                    }
                    None => Err(SnapshotError::corrupt(format!(
                        "{what}: an entry splits a character"
                    ))),
                }
            })
            .collect()
    }

    fn dict<K: Entry>(&mut self, what: &str) -> Result<Dict<K>> {
        let items = K::decode(self, what)?;
        Dict::from_items(items).map_err(|e| {
            SnapshotError::corrupt(format!(
                "{what}: entry {e} repeats an earlier one (or is one too many)"
            ))
        })
    }

    fn multi(&mut self, what: &str) -> Result<Multi> {
        Ok(Multi {
            rows: self.col(what)?,
            lists: self.dict(what)?,
            dict: self.dict(what)?,
            by_text: self.dict(what)?,
            by_text_list: self.col(what)?,
        })
    }
}

/// A dictionary entry type, read back as `encode::Item` wrote it.
pub(super) trait Entry: Sized + std::hash::Hash + Eq {
    fn decode(i: &mut In, what: &str) -> Result<Vec<Self>>;
}

impl Entry for Box<str> {
    fn decode(i: &mut In, what: &str) -> Result<Vec<Self>> {
        i.strs(what)
    }
}

impl Entry for Box<[u8]> {
    fn decode(i: &mut In, what: &str) -> Result<Vec<Self>> {
        let (lens, mut bytes) = i.blobs(what)?;
        Ok(lens
            .iter()
            .map(|&l| {
                // `blobs` took exactly the lengths' sum.
                let (a, b) = bytes.split_at(bytes.len().min(l as usize));
                bytes = b;
                a.into()
            })
            .collect())
    }
}

impl Entry for Box<[u32]> {
    fn decode(i: &mut In, what: &str) -> Result<Vec<Self>> {
        let lens: Vec<u32> = i.col(what)?;
        let total = lens
            .iter()
            .try_fold(0usize, |t, &l| t.checked_add(l as usize))
            .ok_or_else(|| i.short(what, "more than usize"))?;
        let values: Vec<u32> = i.values(total, what)?;
        let mut rest = &values[..];
        Ok(lens
            .iter()
            .map(|&l| {
                let (a, b) = rest.split_at(rest.len().min(l as usize));
                rest = b;
                a.into()
            })
            .collect())
    }
}

impl Entry for AssigneeKey {
    fn decode(i: &mut In, what: &str) -> Result<Vec<Self>> {
        let parts = i.strs(what)?;
        if parts.len() % 3 != 0 {
            return Err(SnapshotError::corrupt(format!(
                "{what}: {} texts, not three per assignee",
                parts.len()
            )));
        }
        let mut it = parts.into_iter();
        let mut out = Vec::with_capacity(it.len() / 3);
        while let (Some(u), Some(h), Some(n)) = (it.next(), it.next(), it.next()) {
            out.push((u, h, n));
        }
        Ok(out)
    }
}

impl Entry for Extra {
    fn decode(i: &mut In, what: &str) -> Result<Vec<Self>> {
        let paths: Vec<u32> = i.col(what)?;
        let kinds = i.bytes(what)?;
        let texts = i.strs(what)?;
        if kinds.len() != paths.len() || texts.len() != paths.len() {
            return Err(SnapshotError::corrupt(format!(
                "{what}: {} paths, {} kinds, {} texts",
                paths.len(),
                kinds.len(),
                texts.len()
            )));
        }
        paths
            .into_iter()
            .zip(kinds)
            .zip(texts)
            .map(|((p, k), t)| {
                let kind = match k {
                    0 => Kind::Str,
                    1 => Kind::Num,
                    2 => Kind::Bool,
                    _ => return Err(SnapshotError::corrupt(format!("{what}: kind {k}"))),
                };
                Ok((p, kind, t))
            })
            .collect()
    }
}

impl Entry for Combo {
    fn decode(i: &mut In, what: &str) -> Result<Vec<Self>> {
        let n = i.count(std::mem::size_of::<Combo>(), what)?;
        let flat: Vec<u32> = i.values(n * 8, what)?;
        Ok(flat
            .chunks_exact(8)
            .map(|c| {
                let mut combo = [0u32; 8];
                combo.copy_from_slice(c);
                combo
            })
            .collect())
    }
}

/// The body, in `encode::body`'s order, then checked.
pub(super) fn body(b: &[u8]) -> Result<SignalIndex> {
    let mut i = In::body(b);
    let id_arena = String::from_utf8(i.bytes("id arena")?)
        .map_err(|_| SnapshotError::corrupt("id arena: not UTF-8"))?;
    let mut ix = SignalIndex {
        id_arena,
        id_end: i.col("id ends")?,
        ts: i.col("timestamps")?,
        sev: i.bytes("severities")?,
        state: i.bytes("states")?,
        reason: i.bytes("archive reasons")?,
        assignee: i.col("assignee column")?,
        assignees: i.dict("assignees")?,
        events: i.col("event counts")?,
        first_seen: i.col("first seen")?,
        last_seen: i.col("last seen")?,
        singles_row: i.col("single-value sets column")?,
        ..SignalIndex::default()
    };
    for d in &mut ix.single_dict {
        *d = i.dict("single-value dictionary")?;
    }
    let n = i.count(SINGLE_COLS * 4, "single-value sets")?;
    let flat: Vec<u32> = i.values(n * SINGLE_COLS, "single-value sets")?;
    ix.singles_ids = flat
        .chunks_exact(SINGLE_COLS)
        .map(|c| {
            let mut ids = [0u32; SINGLE_COLS];
            ids.copy_from_slice(c);
            ids
        })
        .collect();
    ix.singles_by_text = i.dict("single-value set keys")?;
    for m in &mut ix.multi {
        *m = i.multi("multi-valued column")?;
    }
    ix.msg_tpl = i.col("message template column")?;
    ix.msg_tpl_dict = i.dict("message templates")?;
    ix.msg_digits = i.multi("message digit runs")?;
    ix.paths = i.dict("attribute paths")?;
    ix.extra_dict = i.dict("attributes")?;
    ix.extra = i.multi("attribute lists")?;
    ix.combo = i.col("facet combination column")?;
    ix.combos = i.dict("facet combinations")?;
    ix.order = i.col("order")?;
    if i.left() > 0 {
        return Err(SnapshotError::corrupt(format!(
            "{} bytes after the last column",
            i.left()
        )));
    }
    super::check::check(&mut ix)?;
    Ok(ix)
}
