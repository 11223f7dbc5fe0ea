//! Interning: each distinct string (or tuple) stored once, rows hold its `u32` number.
use std::collections::HashMap;
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
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
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

/// An interner: entries numbered from 0 in first-seen order; never shrinks.
#[derive(Clone, Debug)]
pub struct Dict<K: Hash + Eq + Clone> {
    items: Vec<K>,
    map: HashMap<K, u32, FxBuild>,
}

impl<K: Hash + Eq + Clone> Default for Dict<K> {
    fn default() -> Self {
        Dict {
            items: Vec::new(),
            map: HashMap::default(),
        }
    }
}

impl<K: Hash + Eq + Clone> Dict<K> {
    pub fn intern(&mut self, k: K) -> u32 {
        if let Some(&i) = self.map.get(&k) {
            return i;
        }
        let i = self.items.len() as u32;
        self.items.push(k.clone());
        self.map.insert(k, i);
        i
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

    /// Approximate heap use, from capacities; `heap_of` gives the heap behind one key.
    pub fn memory_bytes(&self, heap_of: impl Fn(&K) -> usize) -> usize {
        let k = std::mem::size_of::<K>();
        let heap: usize = self.items.iter().map(&heap_of).sum();
        self.items.capacity() * k
            + self.map.capacity() * (k + 4 + 1)
            // Keys are cloned into the map: their heap is held twice.
            + 2 * heap
    }
}

impl Dict<Box<str>> {
    pub fn intern_str(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        self.intern(s.into())
    }

    pub fn str_of(&self, i: u32) -> &str {
        self.get(i).map_or("", |s| s)
    }
}

impl Dict<Box<[u32]>> {
    pub fn intern_slice(&mut self, s: &[u32]) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        self.intern(s.into())
    }
}
