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
