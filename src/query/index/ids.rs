//! The id → row table: open addressing over `(hash tag, row)` slots, with tombstones for removed
//! rows, so an id is found without a string per signal in a map.
use super::*;

const EMPTY: u64 = u64::MAX;
/// A removed row's slot; no row number reaches `u32::MAX - 1`.
pub(super) const TOMB: u64 = u64::MAX - 1;

fn id_slot(hash: u64, row: u32) -> u64 {
    (hash << 32) | u64::from(row)
}

impl SignalIndex {
    /// The table slot holding the live row of this id; `h` is `hash_id(id)`.
    pub(super) fn slot_of(&self, id: &str, h: u64) -> Option<usize> {
        if self.id_slots.is_empty() {
            return None;
        }
        let mask = self.id_slots.len() - 1;
        let tag = h << 32;
        let mut i = h as usize & mask;
        loop {
            match self.id_slots[i] {
                EMPTY => return None,
                TOMB => {}
                s if s & !0xffff_ffff == tag && self.id_of(s as u32) == id => return Some(i),
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    pub(super) fn slot_insert(&mut self, row: u32, h: u64) {
        // Keep the table at most 3/4 full (tombstones included) so probes stay short. Growing
        // drops the tombstones and re-places the live slots by their hash tags.
        if (self.id_used + 1) * 4 > self.id_slots.len() * 3 {
            self.rehash(((self.live + 1) * 2).next_power_of_two().max(16));
        }
        self.slot_put(id_slot(h, row));
    }

    /// Re-place the live slots into a table of `size` slots, dropping the tombstones.
    pub(super) fn rehash(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.id_slots, vec![EMPTY; size]);
        self.id_used = 0;
        for s in old.into_iter().filter(|&s| s != EMPTY && s != TOMB) {
            self.slot_put(s);
        }
    }

    pub(super) fn slot_put(&mut self, s: u64) {
        let mask = self.id_slots.len() - 1;
        let mut i = (s >> 32) as usize & mask;
        while self.id_slots[i] != EMPTY && self.id_slots[i] != TOMB {
            i = (i + 1) & mask;
        }
        if self.id_slots[i] == EMPTY {
            self.id_used += 1;
        }
        self.id_slots[i] = s;
    }
}

impl SignalIndex {
    /// Build the id table afresh from the live rows (a loaded snapshot stores none): sized for
    /// them, without tombstones. `Err` names two live rows with one id.
    ///
    /// Inserting row by row touches the table at random, a cache and TLB miss per row (~0.3 s at
    /// a million rows); here the slots are sorted by their home position first, so that linear
    /// probing fills the table front to back. Sorting by the whole hash tag keeps equal hashes
    /// together, which is where repeated ids are looked for.
    pub(super) fn relink_ids(&mut self) -> Result<(), (u32, u32)> {
        let live = self.state.iter().filter(|&&s| s != DEAD).count();
        let size = (live * 4).div_ceil(3).next_power_of_two().max(16);
        let (mask, bits) = (size - 1, size.trailing_zeros());
        let mut placed: Vec<u64> = (0..self.rows())
            .filter(|&r| self.state[r] != DEAD)
            .map(|r| id_slot(hash_id(self.id_of(r as u32)), r as u32))
            .collect();
        // The tag's low bits (the home position) first, then its other bits.
        placed.sort_unstable_by_key(|&s| ((s >> 32) as u32).rotate_right(bits));
        for run in placed.chunk_by(|a, b| a >> 32 == b >> 32) {
            if run.len() > 1 {
                let mut ids: Vec<(&str, u32)> = run
                    .iter()
                    .map(|&s| (self.id_of(s as u32), s as u32))
                    .collect();
                ids.sort_unstable();
                if let Some(w) = ids.windows(2).find(|w| w[0].0 == w[1].0) {
                    return Err((w[0].1, w[1].1));
                }
            }
        }
        self.id_slots = vec![EMPTY; size];
        self.id_used = 0;
        self.live = live;
        // Slots before `next` are all taken: a slot goes to the first free one from its home.
        let mut next = 0;
        let mut wrapped = Vec::new();
        for s in placed {
            let at = ((s >> 32) as usize & mask).max(next);
            match self.id_slots.get_mut(at) {
                Some(slot) => {
                    *slot = s;
                    self.id_used += 1;
                    next = at + 1;
                }
                // Past the end: probing wraps to the front, which `slot_put` does.
                None => wrapped.push(s),
            }
        }
        for s in wrapped {
            self.slot_put(s);
        }
        Ok(())
    }
}
