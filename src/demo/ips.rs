//! Attacker addresses, only from the documentation ranges (RFC 5737 and RFC 3849), so demo data can
//! never point at a real host.
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

pub const V4_NETS: [&str; 3] = ["192.0.2", "198.51.100", "203.0.113"];
pub const POOL_SIZE: usize = 300;
const V6_SHARE: usize = 60;

/// The attacker pool, shuffled so the heavy hitters land anywhere in the ranges.
pub fn pool(seed: u64) -> Vec<String> {
    // Its own stream, so changing how signals draw does not move the pool.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5157_5c09_e1a7_0001);
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(POOL_SIZE);
    while out.len() < POOL_SIZE - V6_SHARE {
        let net = V4_NETS[rng.gen_range(0..V4_NETS.len())];
        let ip = format!("{net}.{}", rng.gen_range(1..=254u8));
        if seen.insert(ip.clone()) {
            out.push(ip);
        }
    }
    while out.len() < POOL_SIZE {
        let ip = format!(
            "2001:db8:{:x}:{:x}::{:x}",
            rng.gen_range(0..0x100u16),
            rng.gen_range(0..0x10u16),
            rng.gen_range(1..0xffffu16)
        );
        if seen.insert(ip.clone()) {
            out.push(ip);
        }
    }
    out.shuffle(&mut rng);
    out
}

/// An index into the pool with a heavy tail: a few addresses get a large share of all signals, so
/// "related signals by IP" has something to show.
pub fn heavy_index(rng: &mut impl Rng, len: usize) -> usize {
    let u: f64 = rng.gen();
    ((len as f64) * u.powf(2.5)).min(len as f64 - 1.0) as usize
}
