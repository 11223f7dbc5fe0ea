//! The index saved to a file and loaded back (issue 14): building it from the store parses every
//! signal's JSON (~30 s at a million signals), loading a snapshot copies its columns back (well
//! under a second). The caller keeps the snapshot next to the store with the store's change-log
//! position it was taken at (`SnapshotMeta`), catches up from there on open, and rebuilds when the
//! snapshot is missing, stale, or refused here.
//!
//! A snapshot is never trusted: it is versioned and checksummed, every length in it is checked
//! against the bytes that remain before anything is allocated, and the decoded index is checked
//! for every invariant the index's code relies on (`check`) before it is handed out, so a corrupt
//! or forged file is an `Err`, never a panic or a wrong answer later.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic      8 bytes  "SIGSCIDX"
//! version    u32      FORMAT_VERSION
//! watermark  3 × i64  (row, seq, updates)
//! signals    u64
//! store_id   u32 length, then UTF-8 bytes (at most MAX_STORE_ID)
//! body_len   u64      bytes after the checksum, exactly
//! checksum   u64      sum(header ++ sum(body)), `header` being every byte before this field
//! body       the columns, in the order of `encode::body`
//! ```
//!
//! In the body, a column is a `u64` count then its values; a dictionary is its entries (lengths
//! as a `u32` column, then their bytes end to end). Dictionary tables and the id table are not
//! stored but rebuilt from the entries on load: they are derived data, and checking a stored table
//! properly (each tag against its entry's hash, each entry reachable, and once) hashes every entry
//! anyway. Measured at a million demo signals, rebuilding costs ~45 ms (all dictionaries) and
//! ~65 ms (ids, `relink_ids`) of a ~0.34 s load, where storing them would add ~17 MB for the id
//! table alone to read and sum.
use super::SignalIndex;
use std::io::{self, Read, Write};
use std::path::Path;

mod check;
mod decode;
mod encode;
#[cfg(test)]
mod tests;

/// The first bytes of every snapshot.
const MAGIC: [u8; 8] = *b"SIGSCIDX";

/// The snapshot format. Bump it whenever `SignalIndex`'s layout or the meaning of its columns
/// changes (a field added, an encoding of a column, `Dict` or `Multi` changed): a snapshot of
/// another version is refused and the index rebuilt from the store.
pub const FORMAT_VERSION: u32 = 1;

/// Bodies from this size are summed on a second thread while they are decoded.
const PARALLEL_SUM: usize = 256 << 10;

/// A longer store identity is not a store's (and is refused before allocating it).
const MAX_STORE_ID: usize = 64 * 1024;

/// What a snapshot records about where it came from; the caller fills it and checks it on load.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotMeta {
    /// The store's change-log position the index was built up to: (row, seq, updates).
    pub watermark: (i64, i64, i64),
    /// The identity of the store it was built from.
    pub store_id: String,
    /// The signals it holds, as the caller counted them.
    pub signals: u64,
}

/// Why a snapshot was refused. The caller rebuilds the index in every case.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("reading the index snapshot: {0}")]
    Io(#[from] io::Error),
    #[error("not an index snapshot (its first bytes are not sigscope's)")]
    Foreign,
    #[error("index snapshot format {found}; this build reads format {expected}")]
    Version { found: u32, expected: u32 },
    #[error("index snapshot cut short: {0}")]
    Truncated(String),
    #[error("index snapshot checksum does not match its contents")]
    Checksum,
    #[error("index snapshot corrupt: {0}")]
    Corrupt(String),
}

impl SnapshotError {
    pub(super) fn corrupt(what: impl std::fmt::Display) -> SnapshotError {
        SnapshotError::Corrupt(what.to_string())
    }
}

impl SignalIndex {
    /// Write the index as a snapshot. The body is encoded twice, once to sum it and once to write
    /// it, rather than buffered whole: the header (which holds the body's length and sum) comes
    /// first, and a copy of a million signals' columns would double the memory for a moment.
    pub fn write_snapshot(&self, w: &mut impl Write, meta: &SnapshotMeta) -> io::Result<()> {
        let mut sum = encode::Out::summing();
        encode::body(self, &mut sum)?;
        let (body_len, body_sum) = sum.finish_sum()?;
        let header = header(meta, body_len)?;
        let mut whole = Checksum::new();
        whole.update(&header);
        whole.update(&body_sum.to_le_bytes());
        w.write_all(&header)?;
        w.write_all(&whole.finish().to_le_bytes())?;
        let mut out = encode::Out::writing(w);
        encode::body(self, &mut out)?;
        if out.finish_write()? != body_len {
            // Both passes encode the same index: a difference is a bug, and the file is unusable.
            return Err(io::Error::other(
                "index snapshot body changed between passes",
            ));
        }
        Ok(())
    }

    /// Read a snapshot written by `write_snapshot`, all of it, then check it and decode it.
    pub fn read_snapshot(r: &mut impl Read) -> Result<(SignalIndex, SnapshotMeta), SnapshotError> {
        let mut file = Vec::new();
        r.read_to_end(&mut file)?;
        decode_file(&file)
    }

    /// `write_snapshot` to `path`, atomically: written to a temporary file in the same
    /// directory, synced, then renamed over `path`, so that a crash leaves the old snapshot or
    /// the new one, never half of one.
    pub fn save_snapshot(&self, path: &Path, meta: &SnapshotMeta) -> io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::other("an index snapshot path needs a file name"))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        // Unique per process and per call, so that two saves at once never share a file.
        static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tmp_name.push(format!(".{}-{n}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        let written = (|| {
            let file = std::fs::File::create(&tmp)?;
            let mut w = io::BufWriter::with_capacity(1 << 20, file);
            self.write_snapshot(&mut w, meta)?;
            let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
        // The rename itself is durable once the directory is synced; where a directory cannot
        // be opened to sync (not on Unix), the snapshot is still whole, only perhaps not there.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Load a snapshot saved by `save_snapshot`, read in one go.
    pub fn load_snapshot(path: &Path) -> Result<(SignalIndex, SnapshotMeta), SnapshotError> {
        decode_file(&std::fs::read(path)?)
    }
}

fn header(meta: &SnapshotMeta, body_len: u64) -> io::Result<Vec<u8>> {
    let id = meta.store_id.as_bytes();
    if id.len() > MAX_STORE_ID {
        return Err(io::Error::other("index snapshot: store id too long"));
    }
    let mut h = Vec::with_capacity(64 + id.len());
    h.extend_from_slice(&MAGIC);
    h.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let (row, seq, updates) = meta.watermark;
    for x in [row, seq, updates] {
        h.extend_from_slice(&x.to_le_bytes());
    }
    h.extend_from_slice(&meta.signals.to_le_bytes());
    h.extend_from_slice(&(id.len() as u32).to_le_bytes());
    h.extend_from_slice(id);
    h.extend_from_slice(&body_len.to_le_bytes());
    Ok(h)
}

/// The header, checked in the order that names the problem best (a foreign file is not
/// "corrupt"; a newer one is not "truncated"), then the sum, then the body.
fn decode_file(file: &[u8]) -> Result<(SignalIndex, SnapshotMeta), SnapshotError> {
    if file.len() < MAGIC.len() {
        return Err(if MAGIC.starts_with(file) {
            SnapshotError::Truncated("in the magic bytes".into())
        } else {
            SnapshotError::Foreign
        });
    }
    if file[..MAGIC.len()] != MAGIC {
        return Err(SnapshotError::Foreign);
    }
    let mut h = decode::In::header(&file[MAGIC.len()..]);
    let found = h.u32("version")?;
    if found != FORMAT_VERSION {
        return Err(SnapshotError::Version {
            found,
            expected: FORMAT_VERSION,
        });
    }
    let watermark = (
        h.i64("watermark")?,
        h.i64("watermark")?,
        h.i64("watermark")?,
    );
    let signals = h.u64("signal count")?;
    let id_len = h.u32("store id length")? as usize;
    if id_len > MAX_STORE_ID {
        return Err(SnapshotError::corrupt(format!(
            "store id of {id_len} bytes (at most {MAX_STORE_ID})"
        )));
    }
    let store_id = std::str::from_utf8(h.take(id_len, "store id")?)
        .map_err(|_| SnapshotError::corrupt("store id is not UTF-8"))?
        .to_string();
    let body_len = h.u64("body length")?;
    let header_len = MAGIC.len() + h.used();
    let sum = h.u64("checksum")?;
    let body = h.rest();
    match usize::try_from(body_len) {
        Ok(n) if n == body.len() => {}
        Ok(n) if n > body.len() => {
            return Err(SnapshotError::Truncated(format!(
                "body of {} bytes, {n} expected",
                body.len()
            )))
        }
        _ => {
            return Err(SnapshotError::corrupt(format!(
                "body of {} bytes, {body_len} declared",
                body.len()
            )))
        }
    }
    let sums = || {
        let mut body_sum = Checksum::new();
        body_sum.update(body);
        let mut whole = Checksum::new();
        whole.update(&file[..header_len]);
        whole.update(&body_sum.finish().to_le_bytes());
        whole.finish() == sum
    };
    // A big body is summed on a second thread while it is decoded: decoding is safe on any
    // bytes (everything is bounds-checked, then `check`ed), and its result is dropped unless the
    // sum agrees.
    let (sum_ok, ix) = if body.len() >= PARALLEL_SUM {
        std::thread::scope(|scope| {
            let summing = scope.spawn(sums);
            let ix = decode::body(body);
            match summing.join() {
                Ok(ok) => (ok, ix),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    } else if sums() {
        (true, decode::body(body))
    } else {
        return Err(SnapshotError::Checksum);
    };
    if !sum_ok {
        return Err(SnapshotError::Checksum);
    }
    let ix = ix?;
    let meta = SnapshotMeta {
        watermark,
        store_id,
        signals,
    };
    Ok((ix, meta))
}

/// The snapshot's checksum: the Fx step of `intern.rs` (rotate, xor a little-endian word,
/// multiply by an odd constant) on four interleaved lanes, so that four multiplies are in flight
/// and summing runs at memory speed; the lanes and the length are folded and finalised at the
/// end. Each step is a bijection of the lane for a given word and of the word for a given lane,
/// so any change confined to one 8-byte word (every single bit flip) changes the sum. It guards
/// against damage, not against forgery: what a forged file can do is bounded by `check`.
pub(super) struct Checksum {
    lanes: [u64; 4],
    /// Bytes not yet making a whole block of four words.
    carry: [u8; 32],
    carried: usize,
    len: u64,
}

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[inline]
fn step(lane: u64, w: u64) -> u64 {
    (lane.rotate_left(5) ^ w).wrapping_mul(K)
}

/// Up to eight bytes as a little-endian word, missing bytes zero.
#[inline]
fn le64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    w[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(w)
}

impl Checksum {
    pub(super) fn new() -> Checksum {
        Checksum {
            lanes: [1, 2, 3, 4],
            carry: [0; 32],
            carried: 0,
            len: 0,
        }
    }

    #[inline]
    fn block(&mut self, b: &[u8]) {
        for (lane, w) in self.lanes.iter_mut().zip(b.chunks_exact(8)) {
            *lane = step(*lane, le64(w));
        }
    }

    /// Add bytes; the sum depends on the bytes only, not on how they are split into calls.
    pub(super) fn update(&mut self, mut b: &[u8]) {
        self.len = self.len.wrapping_add(b.len() as u64);
        if self.carried > 0 {
            let take = (32 - self.carried).min(b.len());
            self.carry[self.carried..self.carried + take].copy_from_slice(&b[..take]);
            self.carried += take;
            b = &b[take..];
            if self.carried < 32 {
                return;
            }
            let block = self.carry;
            self.block(&block);
            self.carried = 0;
        }
        let mut blocks = b.chunks_exact(32);
        for block in &mut blocks {
            self.block(block);
        }
        let rest = blocks.remainder();
        self.carry[..rest.len()].copy_from_slice(rest);
        self.carried = rest.len();
    }

    pub(super) fn finish(&self) -> u64 {
        let mut lanes = self.lanes;
        // The last 0-31 bytes, zero-padded: the length folded in below tells the padding apart.
        for (lane, w) in lanes.iter_mut().zip(self.carry[..self.carried].chunks(8)) {
            *lane = step(*lane, le64(w));
        }
        let mut x = lanes.iter().fold(self.len, |h, &l| step(h, l));
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }
}
