//! A multi-valued column: each row holds the number of its interned value list.
use super::*;

/// A multi-valued column. Rows hold the number of their interned value *list*: lists repeat far
/// more than rows do (the tags of a rule on a service, the IPs of a campaign), so a row costs one
/// `u32`, and predicates and facet counts run once per distinct list.
#[derive(Default, Debug)]
pub(crate) struct Multi {
    pub rows: Vec<u32>,
    pub lists: Dict<Box<[u32]>>,
    pub dict: Dict<Box<str>>,
    /// Each distinct input list, as length-prefixed text (or, for event attributes, the
    /// flattened event), to its list number in `lists`, so one hash of the whole list replaces
    /// one per value plus the list's own.
    pub(super) by_text: Dict<Box<[u8]>>,
    pub(super) by_text_list: Vec<u32>,
}

impl Multi {
    pub fn get(&self, row: u32) -> &[u32] {
        self.rows
            .get(row as usize)
            .and_then(|&l| self.lists.get(l))
            .map_or(&[], |l| l)
    }

    pub(crate) fn dict_str(&self, i: u32) -> &str {
        self.dict.str_of(i)
    }

    /// Set a row to the list of a prepared key's values, deduplicated, without empty strings,
    /// through the whole-list cache.
    pub(super) fn set_cached(&mut self, row: u32, key: &[u8], hash: u64, buf: &mut Vec<u32>) {
        let l = self.cached_list(key, hash, buf, |dict, buf| {
            for s in texts_of(key) {
                if s.is_empty() {
                    continue;
                }
                let i = dict.intern_str(s);
                if !buf.contains(&i) {
                    buf.push(i);
                }
            }
        });
        self.set_list(row, l);
    }

    /// The list number of these values (with their prepared hashes), deduplicated, without
    /// empty strings: `set_cached` without the cache, each value interned, then the list.
    pub(super) fn list_each<'a>(
        &mut self,
        items: impl Iterator<Item = (&'a str, u64)>,
        buf: &mut Vec<u32>,
    ) -> u32 {
        buf.clear();
        for (s, h) in items {
            if s.is_empty() {
                continue;
            }
            let i = self
                .dict
                .intern_hashed(h, s, |k, q| &**k == q, |q| q.into());
            if !buf.contains(&i) {
                buf.push(i);
            }
        }
        self.lists.intern_slice(buf)
    }

    /// The list number for a whole-list key (an unambiguous encoding of the input) and its
    /// hash: `fill` makes the list (given this column's dictionary) only the first time the key
    /// is seen, so a repeated list costs one lookup rather than one per value plus the list's own.
    pub(super) fn cached_list(
        &mut self,
        key: &[u8],
        hash: u64,
        buf: &mut Vec<u32>,
        fill: impl FnOnce(&mut Dict<Box<str>>, &mut Vec<u32>),
    ) -> u32 {
        let e = self
            .by_text
            .intern_hashed(hash, key, |k, q| &**k == q, |q| q.into()) as usize;
        if let Some(&l) = self.by_text_list.get(e) {
            return l;
        }
        buf.clear();
        fill(&mut self.dict, buf);
        let l = self.lists.intern_slice(buf);
        self.by_text_list.push(l);
        l
    }

    /// Set a row's list; `row` is an existing row or exactly the next.
    pub(super) fn set_list(&mut self, row: u32, l: u32) {
        match self.rows.get_mut(row as usize) {
            Some(x) => *x = l,
            None => self.rows.push(l),
        }
    }

    pub(super) fn memory_bytes(&self) -> usize {
        self.rows.capacity() * 4
            + self.lists.memory_bytes(|l| l.len() * 4)
            + self.dict.memory_bytes(|s| s.len())
            + self.by_text.memory_bytes(|k| k.len())
            + self.by_text_list.capacity() * 4
    }
}
