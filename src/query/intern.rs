//! Interning: each distinct string (or tuple) stored once, rows hold its `u32` number.
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// "No value" in a single-valued column.
pub const NONE: u32 = u32::MAX;

/// A small fast hash (the Fx multiply-rotate), for interning and id lookup: keys here are short
/// strings from our own data, where SipHash's flood resistance buys nothing and costs build time.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(word(c));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            // The last 1-7 bytes as one word, their count in the top byte.
            self.add(word(tail) | (tail.len() as u64) << 56);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Up to eight bytes as a little-endian word (missing bytes zero).
#[inline]
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    w[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(w)
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// 64-bit hash of an id, for the id → row table (which stores hashes, not the ids again).
pub fn hash_id(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    // Finalise (Fx alone mixes the last word weakly).
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x
}

/// The hash the tables use for a key's borrowed form `q`: `intern_hashed` takes it computed
/// ahead (see `PreparedSignal`).
pub(crate) fn fx<Q: Hash + ?Sized>(q: &Q) -> u64 {
    let mut h = FxHasher::default();
    q.hash(&mut h);
    // Full avalanche (murmur3's finaliser): slots are picked by the low bits, which Fx's last
    // multiply leaves weakly mixed, and the long probe runs that made cost more than the hash.
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x
}

/// An empty slot: no entry number reaches `u32::MAX`.
const EMPTY: u64 = u64::MAX;

/// A slot holds the low 32 bits of its entry's hash above the entry number. Probing compares
/// those first, so a lookup reads the key it passes over (a cache miss each, in a big table)
/// only when its hash agrees; and growing re-places the slots from those bits (the table never
/// exceeds 2^32 slots) without hashing a key again.
#[inline]
fn slot(hash: u64, e: u32) -> u64 {
    (hash << 32) | u64::from(e)
}

/// An interner: entries numbered from 0 in first-seen order; never shrinks.
///
/// Entries are stored once, in `items`; the open-addressing `slots` table holds entry numbers
/// (with a tag of their hash), so a lookup needs only a borrowed form of the key (`&str` for
/// `Box<str>`, a tuple of `&str`...) hashing like the key, and no allocation when the entry exists.
#[derive(Clone, Debug)]
pub struct Dict<K> {
    items: Vec<K>,
    slots: Vec<u64>,
}

impl<K> Default for Dict<K> {
    fn default() -> Self {
        Dict {
            items: Vec::new(),
            slots: Vec::new(),
        }
    }
}

impl<K: Hash> Dict<K> {
    /// The entry equal to `q`, else the empty slot where it goes; with `q`'s hash.
    fn find<Q: Hash + ?Sized>(
        &self,
        h: u64,
        q: &Q,
        eq: &impl Fn(&K, &Q) -> bool,
    ) -> (Result<u32, usize>, u64) {
        if self.slots.is_empty() {
            return (Err(0), h);
        }
        let mask = self.slots.len() - 1;
        let tag = h << 32;
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                return (Err(i), h);
            }
            if s & !0xffff_ffff == tag {
                let e = s as u32;
                if eq(&self.items[e as usize], q) {
                    return (Ok(e), h);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The number of the entry equal to `q` (by `eq`), made with `make` when new. `q` must hash
    /// like the key it equals.
    pub fn intern_by<Q: Hash + ?Sized>(
        &mut self,
        q: &Q,
        eq: impl Fn(&K, &Q) -> bool,
        make: impl FnOnce(&Q) -> K,
    ) -> u32 {
        self.intern_hashed(fx(q), q, eq, make)
    }

    /// `intern_by` with `q`'s hash already computed: it must be `fx(q)`.
    pub fn intern_hashed<Q: Hash + ?Sized>(
        &mut self,
        h: u64,
        q: &Q,
        eq: impl Fn(&K, &Q) -> bool,
        make: impl FnOnce(&Q) -> K,
    ) -> u32 {
        debug_assert_eq!(h, fx(q), "a prepared hash differs from the key's");
        let (slot_at, h) = match self.find(h, q, &eq) {
            (Ok(e), _) => return e,
            (Err(i), h) => (i, h),
        };
        let e = self.items.len() as u32;
        self.items.push(make(q));
        if self.items.len() * 4 > self.slots.len() * 3 {
            self.grow();
            self.put(slot(h, e));
        } else {
            self.slots[slot_at] = slot(h, e);
        }
        e
    }

    /// Double the table (at least 16 slots), re-placing the slots from their hash tags.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        for s in old.into_iter().filter(|&s| s != EMPTY) {
            self.put(s);
        }
    }

    fn put(&mut self, s: u64) {
        let mask = self.slots.len() - 1;
        let mut i = (s >> 32) as usize & mask;
        while self.slots[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = s;
    }

    pub fn get(&self, i: u32) -> Option<&K> {
        self.items.get(i as usize)
    }

    pub fn items(&self) -> &[K] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
    }

    /// Heap use, from capacities; `heap_of` gives the heap behind one key.
    pub fn memory_bytes(&self, heap_of: impl Fn(&K) -> usize) -> usize {
        let heap: usize = self.items.iter().map(&heap_of).sum();
        self.items.capacity() * std::mem::size_of::<K>() + self.slots.capacity() * 8 + heap
    }
}

impl<K: Hash + Eq> Dict<K> {
    /// A dictionary of these entries, numbered in this order, its table rebuilt from their
    /// hashes: what a snapshot loads (`index/snapshot`), which stores entries but not tables, so
    /// that a table is never taken on trust. The table is sized as interning them one by one would
    /// have left it.
    ///
    /// `Err(e)`: entry `e` cannot be numbered: it equals an earlier entry (a lookup would only
    /// ever find one of them), or there are too many entries for `u32` numbers below `NONE`.
    pub(crate) fn from_items(items: Vec<K>) -> Result<Dict<K>, usize> {
        if items.len() >= NONE as usize {
            return Err(NONE as usize);
        }
        let mut size = 0;
        if !items.is_empty() {
            size = 16;
            while items.len() * 4 > size * 3 {
                size *= 2;
            }
        }
        let mut d = Dict {
            items,
            slots: vec![EMPTY; size],
        };
        let mask = size.wrapping_sub(1);
        for (e, k) in d.items.iter().enumerate() {
            let h = fx(k);
            let tag = h << 32;
            let mut i = h as usize & mask;
            loop {
                let s = d.slots[i];
                if s == EMPTY {
                    d.slots[i] = slot(h, e as u32);
                    break;
                }
                if s & !0xffff_ffff == tag && d.items.get(s as u32 as usize) == Some(k) {
                    return Err(e);
                }
                i = (i + 1) & mask;
            }
        }
        Ok(d)
    }
}

impl Dict<Box<str>> {
    pub fn intern_str(&mut self, s: &str) -> u32 {
        self.intern_by(s, |k, q| &**k == q, |q| q.into())
    }

    pub fn str_of(&self, i: u32) -> &str {
        self.get(i).map_or("", |s| s)
    }
}

impl Dict<Box<[u32]>> {
    pub fn intern_slice(&mut self, s: &[u32]) -> u32 {
        self.intern_by(s, |k, q| &**k == q, |q| q.into())
    }
}
