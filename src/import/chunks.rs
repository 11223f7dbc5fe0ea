//! Reading, parsing and writing at once: one thread cuts the file into records (`stream`), a few
//! workers parse, check and serialise them again a chunk at a time, and the caller writes the
//! chunks in file order as they become ready. Parsing is most of an import's work, so it runs on
//! every core while the store writes on the caller's thread; written chunks go back to the worker
//! that parsed them to be freed (`Home`). A fixed number of chunks is in flight, so memory stays
//! bounded whatever the file's size.
use super::stream::{for_each_raw, Raw};
use super::{read_signal, BadRecord};
use crate::error::{Error, Result};
use crate::model::Signal;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

/// Records per chunk: large enough that per-chunk statements (one lookup, the rules read) cost
/// nothing next to the rows, small enough that the chunks in flight stay a few tens of megabytes.
pub const CHUNK: usize = 500;

/// Most parsing workers: beyond this the store's single writer is the limit.
const MAX_WORKERS: usize = 4;

/// How much of each record the workers make into a `Signal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// All of it: something reacts to the signals (a notification or automated-blocking rule).
    Whole,
    /// What the store's columns need: a record stored as its own text is read without its
    /// samples (`prune`), and made whole only if it has to be (`Prepared::make_whole`).
    Columns,
}

/// A record ready to write: the signal, and its JSON text as the store keeps it (serialised on a
/// worker, where there is a core to spare).
#[derive(Debug)]
pub struct Prepared {
    pub signal: Signal,
    /// `serde_json::to_string(signal.to_json())`, or the record's own text when that is the
    /// same (`Raw::plain`, and `from_json` added nothing); whoever changes the signal serialises
    /// it again.
    pub json: String,
    /// `signal` was read from all of `json`; if not, it lacks the samples (`Detail::Columns`),
    /// and only its columns may be used until `make_whole`.
    whole: bool,
    home: Option<Home>,
}

impl Prepared {
    pub fn new(signal: Signal) -> Result<Prepared> {
        Self::with_capacity(signal, 128, None)
    }

    /// A signal read without its samples (`signal`), with `json`, the whole signal's text as the
    /// store keeps it (the detector's output).
    pub fn columns(signal: Signal, json: String) -> Prepared {
        Self::verbatim(signal, json, false, None)
    }

    pub fn is_whole(&self) -> bool {
        self.whole
    }

    /// Read the signal again from all of its text, for whoever needs more than its columns.
    pub fn make_whole(&mut self) -> Result<()> {
        if !self.whole {
            let v: serde_json::Value = serde_json::from_str(&self.json)?;
            self.signal = Signal::from_json(v)?;
            self.whole = true;
        }
        Ok(())
    }

    /// `new`, with the text's likely size (the record's) reserved up front.
    fn with_capacity(signal: Signal, size: usize, home: Option<Home>) -> Result<Prepared> {
        // `Value`'s `Display` is `to_string`'s compact form, written straight into a `String`:
        // no second UTF-8 check of the whole text, as `to_writer` into bytes needs.
        let mut json = String::with_capacity(size);
        write!(json, "{}", signal.to_json()).map_err(|e| Error::Invalid(format!("JSON: {e}")))?;
        Ok(Prepared {
            signal,
            json,
            whole: true,
            home,
        })
    }

    /// `signal` with `text`, the record it was read from, as its stored JSON: for a record whose
    /// text is what serialising the signal would write (see `import::plain`).
    fn verbatim(signal: Signal, text: String, whole: bool, home: Option<Home>) -> Prepared {
        Prepared {
            signal,
            json: text,
            whole,
            home,
        }
    }

    /// The worker that made the record, to hand it back to once written (see `Home`).
    pub fn home(&self) -> Option<Home> {
        self.home.clone()
    }
}

/// The way back to the worker that parsed a chunk. A signal is a few hundred small allocations
/// (its JSON tree), and freeing them on the writer's thread cost it a third of its time, each free
/// crossing threads in the allocator; the worker frees them cheaply between chunks, as its own.
#[derive(Clone, Debug)]
pub struct Home(SyncSender<Spent>);

/// Records written, on their way to be freed.
type Spent = (Vec<Signal>, Vec<String>);

/// Chunks waiting at a worker to be freed: beyond this the writer frees them itself, so a worker
/// waiting for the reader holds no more than a few chunks' memory.
const SPENT_BACKLOG: usize = 2;

impl Home {
    /// Hand written signals and their texts back; freed here when the worker cannot take them.
    pub fn free(home: Option<Home>, signals: Vec<Signal>, texts: Vec<String>) {
        if let Some(Home(tx)) = home {
            // A full backlog or a finished worker: the values come back and are dropped here.
            let _ = tx.try_send((signals, texts));
        }
    }
}

pub type Chunk = Vec<std::result::Result<Prepared, BadRecord>>;

/// Parse, check and serialise one chunk of records. JSON that does not parse fails the file; a
/// record that parses but is no signal is a `BadRecord`, for the caller to reject or skip.
fn prepare(raws: Vec<Raw>, detail: Detail, home: &Home) -> Result<Chunk> {
    let mut out = Vec::with_capacity(raws.len());
    for raw in raws {
        let (index, plain) = (raw.index, raw.plain);
        // Only a record stored as its own text can go without its samples.
        let pruned = detail == Detail::Columns && plain;
        let (mut value, text) = if pruned {
            raw.read_with(super::prune::without_samples)?
        } else {
            raw.read()?
        };
        let size = text.as_ref().map_or(0, String::len);
        let adds = Signal::adds_version(&value);
        if pruned && adds {
            // `from_json` adds a version, so the text is written again: from the whole tree.
            let whole_tree = text
                .as_deref()
                .map(serde_json::from_str::<serde_json::Value>);
            value = match whole_tree {
                Some(Ok(v)) => v,
                _ => return Err(Error::Invalid(format!("record {index}: not JSON"))),
            };
        }
        let whole = !pruned || adds;
        // The record's own text is stored when it is what serialising would write.
        let own = text.filter(|_| plain && !adds);
        out.push(read_signal(index, value).and_then(|s| match own {
            Some(text) => Ok(Prepared::verbatim(s, text, whole, Some(home.clone()))),
            // `from_json` may add `attributes.version`: a little room for it.
            None => {
                Prepared::with_capacity(s, size.saturating_add(32), Some(home.clone())).map_err(
                    |e| BadRecord {
                        index,
                        id: None,
                        problem: e.to_string(),
                    },
                )
            }
        }));
    }
    Ok(out)
}

/// Read the file from `r` and hand its records to `each` on the calling thread, in chunks of up
/// to `CHUNK`, in file order. An error from `each` stops the reading; an error reading or parsing
/// comes in its place in the order, after the chunks before it.
pub fn read_chunks<R: Read + Send>(
    r: R,
    detail: Detail,
    each: &mut dyn FnMut(Chunk) -> Result<()>,
) -> Result<()> {
    let workers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(1, MAX_WORKERS);
    // Chunks between the reader and `each`, wherever they are: queued, being parsed, waiting for
    // an earlier one to be written. The reader takes a token per chunk, `each`'s side returns it.
    let in_flight = workers + 2;
    let (token_tx, token_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        token_tx.send(()).map_err(|_| gone())?;
    }
    let (work_tx, work_rx) = sync_channel::<(usize, Vec<Raw>)>(in_flight);
    // Shared by the workers; dropped with the last of them, which unblocks a waiting reader.
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = sync_channel::<(usize, Result<Chunk>)>(in_flight);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || read(r, &token_rx, &work_tx));
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let (home_tx, spent) = sync_channel::<Spent>(SPENT_BACKLOG);
                let home = Home(home_tx);
                loop {
                    // Free what the writer has finished with first: the allocator reuses it.
                    while let Ok(done) = spent.try_recv() {
                        drop(done);
                    }
                    let job = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((seq, raws)) = job else { break };
                    if done_tx.send((seq, prepare(raws, detail, &home))).is_err() {
                        break;
                    }
                }
            });
        }
        // Only the workers' copies remain: the results end when the last worker does.
        drop(done_tx);
        drop(work_rx);
        let written = write_in_order(&done_rx, &token_tx, each);
        // Hang up first: a reader or worker blocked on a full channel then stops.
        drop(done_rx);
        drop(token_tx);
        let read = match reader.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        // The writer's error explains why the reader was cut off, so it is the one to report.
        written.and(read)
    })
}

/// The reader: the file cut into chunks of records, numbered, one token each.
fn read<R: Read>(
    r: R,
    tokens: &Receiver<()>,
    work: &std::sync::mpsc::SyncSender<(usize, Vec<Raw>)>,
) -> Result<()> {
    let mut seq = 0usize;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut send = |chunk: Vec<Raw>| -> Result<()> {
        tokens.recv().map_err(|_| gone())?;
        work.send((seq, chunk)).map_err(|_| gone())?;
        seq += 1;
        Ok(())
    };
    for_each_raw(r, &mut |raw| {
        chunk.push(raw);
        if chunk.len() >= CHUNK {
            send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))?;
        }
        Ok(())
    })?;
    if !chunk.is_empty() {
        send(chunk)?;
    }
    Ok(())
}

/// Hand the workers' chunks to `each` in their file order, returning a token for each written.
fn write_in_order(
    done: &Receiver<(usize, Result<Chunk>)>,
    tokens: &std::sync::mpsc::SyncSender<()>,
    each: &mut dyn FnMut(Chunk) -> Result<()>,
) -> Result<()> {
    let mut waiting = BTreeMap::new();
    let mut next = 0usize;
    for (seq, chunk) in done {
        waiting.insert(seq, chunk);
        while let Some(chunk) = waiting.remove(&next) {
            each(chunk?)?;
            next += 1;
            // The reader may be gone already (it read everything); nothing waits for the token.
            let _ = tokens.send(());
        }
    }
    Ok(())
}

fn gone() -> Error {
    Error::Invalid("import stopped".into())
}
