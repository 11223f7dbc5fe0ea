//! Writing a snapshot's body: every column the index keeps, in a fixed order (`body`), which
//! `decode::body` reads back in the same order.
use super::super::{AssigneeKey, Combo, Extra, Multi, SignalIndex, SINGLE_COLS};
use super::Checksum;
use crate::query::intern::Dict;
use std::io::{self, Write};

/// Bytes gathered before they are summed or written.
const CAP: usize = 1 << 20;

/// Where encoded bytes go: summed (the first pass, for the header) or written (the second).
enum Dest<'a> {
    Sum(Checksum),
    Write(&'a mut dyn Write),
}

pub(super) struct Out<'a> {
    buf: Vec<u8>,
    dest: Dest<'a>,
    /// Bytes passed on so far.
    done: u64,
}

impl<'a> Out<'a> {
    pub(super) fn summing() -> Out<'static> {
        Out {
            buf: Vec::with_capacity(CAP),
            dest: Dest::Sum(Checksum::new()),
            done: 0,
        }
    }

    pub(super) fn writing(w: &'a mut dyn Write) -> Out<'a> {
        Out {
            buf: Vec::with_capacity(CAP),
            dest: Dest::Write(w),
            done: 0,
        }
    }

    fn drain(&mut self) -> io::Result<()> {
        match &mut self.dest {
            Dest::Sum(s) => s.update(&self.buf),
            Dest::Write(w) => w.write_all(&self.buf)?,
        }
        self.done += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// The body's length and sum.
    pub(super) fn finish_sum(mut self) -> io::Result<(u64, u64)> {
        self.drain()?;
        match self.dest {
            Dest::Sum(s) => Ok((self.done, s.finish())),
            Dest::Write(_) => Err(io::Error::other("not a summing pass")),
        }
    }

    /// The body's length, all of it written.
    pub(super) fn finish_write(mut self) -> io::Result<u64> {
        self.drain()?;
        Ok(self.done)
    }

    fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        for part in b.chunks(CAP) {
            if self.buf.len() + part.len() > CAP {
                self.drain()?;
            }
            self.buf.extend_from_slice(part);
        }
        Ok(())
    }

    fn u64(&mut self, x: u64) -> io::Result<()> {
        self.bytes(&x.to_le_bytes())
    }

    fn len(&mut self, n: usize) -> io::Result<()> {
        self.u64(n as u64)
    }

    /// A column: its length, then its values.
    pub(super) fn col<T: Le>(&mut self, v: &[T]) -> io::Result<()> {
        self.len(v.len())?;
        self.values(v)
    }

    /// Values without their count (the count is known from elsewhere).
    fn values<T: Le>(&mut self, v: &[T]) -> io::Result<()> {
        for part in v.chunks(CAP / T::SIZE) {
            let n = part.len() * T::SIZE;
            if self.buf.len() + n > CAP {
                self.drain()?;
            }
            let at = self.buf.len();
            self.buf.resize(at + n, 0);
            for (d, x) in self.buf[at..].chunks_exact_mut(T::SIZE).zip(part) {
                x.put(d);
            }
        }
        Ok(())
    }

    /// Byte strings: their lengths (a `u32` column), then their bytes end to end.
    fn blobs<'b>(&mut self, items: impl Iterator<Item = &'b [u8]> + Clone) -> io::Result<()> {
        let lens = items
            .clone()
            .map(|b| u32::try_from(b.len()))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|_| io::Error::other("index snapshot: an entry over 4 GiB"))?;
        self.col(&lens)?;
        for b in items {
            self.bytes(b)?;
        }
        Ok(())
    }

    fn dict<K: Item>(&mut self, d: &Dict<K>) -> io::Result<()> {
        K::encode(d.items(), self)
    }

    fn multi(&mut self, m: &Multi) -> io::Result<()> {
        self.col(&m.rows)?;
        self.dict(&m.lists)?;
        self.dict(&m.dict)?;
        self.dict(&m.by_text)?;
        self.col(&m.by_text_list)
    }
}

/// A fixed-size little-endian value of a column.
pub(super) trait Le: Copy {
    const SIZE: usize;
    fn put(self, d: &mut [u8]);
    fn get(s: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, d: &mut [u8]) {
                d.copy_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(s: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(s);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}
le!(u8, u32, u64, i64);

/// A dictionary entry type, written as a list of entries (`decode` reads it back).
pub(super) trait Item: Sized + std::hash::Hash + Eq {
    fn encode(items: &[Self], out: &mut Out) -> io::Result<()>;
}

impl Item for Box<str> {
    fn encode(items: &[Self], out: &mut Out) -> io::Result<()> {
        out.blobs(items.iter().map(|s| s.as_bytes()))
    }
}

impl Item for Box<[u8]> {
    fn encode(items: &[Self], out: &mut Out) -> io::Result<()> {
        out.blobs(items.iter().map(|s| &s[..]))
    }
}

impl Item for Box<[u32]> {
    fn encode(items: &[Self], out: &mut Out) -> io::Result<()> {
        let lens = items
            .iter()
            .map(|l| u32::try_from(l.len()))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|_| io::Error::other("index snapshot: a list over 4G entries"))?;
        out.col(&lens)?;
        for l in items {
            out.values(&l[..])?;
        }
        Ok(())
    }
}

impl Item for AssigneeKey {
    fn encode(items: &[Self], out: &mut Out) -> io::Result<()> {
        out.blobs(
            items
                .iter()
                .flat_map(|(u, h, n)| [u.as_bytes(), h.as_bytes(), n.as_bytes()]),
        )
    }
}

impl Item for Extra {
    fn encode(items: &[Self], out: &mut Out) -> io::Result<()> {
        let paths: Vec<u32> = items.iter().map(|e| e.0).collect();
        let kinds: Vec<u8> = items.iter().map(|e| e.1 as u8).collect();
        out.col(&paths)?;
        out.col(&kinds)?;
        out.blobs(items.iter().map(|e| e.2.as_bytes()))
    }
}

impl Item for Combo {
    fn encode(items: &[Self], out: &mut Out) -> io::Result<()> {
        out.len(items.len())?;
        for c in items {
            out.values(&c[..])?;
        }
        Ok(())
    }
}

/// The body. `decode::body` reads exactly this order: change both together, and bump
/// `FORMAT_VERSION`.
pub(super) fn body(ix: &SignalIndex, out: &mut Out) -> io::Result<()> {
    out.col(ix.id_arena.as_bytes())?;
    out.col(&ix.id_end)?;
    out.col(&ix.ts)?;
    out.col(&ix.sev)?;
    out.col(&ix.state)?;
    out.col(&ix.reason)?;
    out.col(&ix.assignee)?;
    out.dict(&ix.assignees)?;
    out.col(&ix.events)?;
    out.col(&ix.first_seen)?;
    out.col(&ix.last_seen)?;
    out.col(&ix.singles_row)?;
    for d in &ix.single_dict {
        out.dict(d)?;
    }
    out.len(ix.singles_ids.len())?;
    for ids in &ix.singles_ids {
        out.values::<u32>(&ids[..SINGLE_COLS])?;
    }
    out.dict(&ix.singles_by_text)?;
    for m in &ix.multi {
        out.multi(m)?;
    }
    out.col(&ix.msg_tpl)?;
    out.dict(&ix.msg_tpl_dict)?;
    out.multi(&ix.msg_digits)?;
    out.dict(&ix.paths)?;
    out.dict(&ix.extra_dict)?;
    out.multi(&ix.extra)?;
    out.col(&ix.combo)?;
    out.dict(&ix.combos)?;
    out.col(&ix.order)
}
