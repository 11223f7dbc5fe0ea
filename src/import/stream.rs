//! The records of a file, one at a time, whatever its shape, without reading the file whole.
//!
//! A small scanner walks the document's outer structure (the top-level array, or the list body's
//! keys and its `data` array, or NDJSON's values) and cuts out each record's bytes; serde_json then
//! parses every record from its slice, on whichever thread has time (`chunks`). serde_json's own
//! reader-based deserializer was the first version of this: it parses byte by byte through
//! `io::Read` and, profiled on a 274 MB file, spent longer than SQLite's whole insert on that one
//! thread; slice parsing is about twice as fast and parallel.
//!
//! The scanner checks only the outer structure (brackets, commas, colons, strings); a record's
//! own syntax is checked when it is parsed, and reported with its line and index like any error.
use super::plain::Plain;
use super::{bytes, short};
use crate::error::{Error, Result};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};

/// Read buffer: large reads keep system calls few on multi-gigabyte files.
const BUFFER: usize = 1 << 20;

/// One record's bytes, its 1-based position in the file and the line it starts on.
#[derive(Debug)]
pub struct Raw {
    pub index: usize,
    pub line: usize,
    pub text: Vec<u8>,
    /// `text` is byte for byte what serde_json writes for it (see `plain`).
    pub plain: bool,
}

impl Raw {
    /// Parse the record, handing its text back as a `String` when it is UTF-8 (for a record
    /// stored as it came); JSON that does not parse fails the file, named by line and record.
    pub fn read(self) -> Result<(Value, Option<String>)> {
        self.read_with(|t| serde_json::from_str(t))
    }

    /// `read`, with `parse` making the tree of UTF-8 text (`prune::without_samples`, for one).
    pub fn read_with(
        self,
        parse: fn(&str) -> serde_json::Result<Value>,
    ) -> Result<(Value, Option<String>)> {
        // JSON that parses is UTF-8 throughout: checked once, whole, the parser need not check
        // each string again (it did, string by string, at a tenth of a worker's time). Text that
        // is not UTF-8 goes to the byte parser, which names the bad byte as it always has.
        let (line, index) = (self.line, self.index);
        let parsed = match String::from_utf8(self.text) {
            Ok(text) => parse(&text).map(|v| (v, Some(text))),
            Err(e) => serde_json::from_slice(e.as_bytes()).map(|v| (v, None)),
        };
        parsed.map_err(|e| {
            let msg = e.to_string();
            // serde's position is within the record: turn it into the file's line.
            let msg = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m);
            let line = line.saturating_add(e.line().saturating_sub(1));
            Error::Invalid(format!("line {line}: record {index}: not JSON: {msg}"))
        })
    }
}

/// Call `each` with every record of the file read from `r` and its 1-based index, in file order.
/// An error from `each` stops the reading and is returned as it is.
pub fn for_each_record(
    r: impl Read,
    each: &mut dyn FnMut(usize, Value) -> Result<()>,
) -> Result<()> {
    for_each_raw(r, &mut |raw| {
        let index = raw.index;
        each(index, raw.read()?.0)
    })
}

/// Call `each` with every record's bytes, in file order, without parsing them.
pub fn for_each_raw(r: impl Read, each: &mut dyn FnMut(Raw) -> Result<()>) -> Result<()> {
    let mut s = Scanner {
        r: BufReader::with_capacity(BUFFER, r),
        line: 1,
        count: 0,
        hint: 0,
        plain: Plain::new(),
        each,
    };
    match s.peek()? {
        None => Ok(()),
        Some(b'[') => {
            s.bump();
            s.elements()?;
            s.at_end()
        }
        Some(b'{') => s.object(),
        Some(_) => {
            let mut text = Vec::new();
            s.value(&mut text)?;
            match serde_json::from_slice::<Value>(&text) {
                Ok(other) => Err(Error::Invalid(format!(
                    "expected a JSON object, array or NDJSON, found {}",
                    short(&other)
                ))),
                Err(e) => Err(Error::Invalid(format!("not JSON: {e}"))),
            }
        }
    }
}

struct Scanner<'a, R> {
    r: BufReader<R>,
    /// The line the next byte is on.
    line: usize,
    /// Records handed over so far.
    count: usize,
    /// The last record's size: records of one file are alike, and a buffer sized for the next one
    /// up front is not grown (and copied) a dozen times.
    hint: usize,
    /// The verdict on the record being read (reset where one starts).
    plain: Plain,
    each: &'a mut dyn FnMut(Raw) -> Result<()>,
}

impl<R: Read> Scanner<'_, R> {
    /// A record starts: a buffer for its bytes, and a fresh verdict on them (values before it,
    /// such as a list body's `meta`, are no part of it).
    fn start_record(&mut self) -> Vec<u8> {
        self.plain = Plain::new();
        Vec::with_capacity(self.hint.saturating_add(self.hint / 8))
    }

    fn give(&mut self, line: usize, text: Vec<u8>) -> Result<()> {
        self.hint = text.len();
        self.count = self
            .count
            .checked_add(1)
            .ok_or_else(|| Error::Invalid("too many records".into()))?;
        (self.each)(Raw {
            index: self.count,
            line,
            text,
            plain: self.plain.yes,
        })
    }

    fn fill(&mut self) -> Result<&[u8]> {
        self.r
            .fill_buf()
            .map_err(|e| Error::Io(format!("reading: {e}")))
    }

    /// The next byte that is not whitespace, left unread; `None` at the end.
    fn peek(&mut self) -> Result<Option<u8>> {
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let ws = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let lines = buf.iter().take(ws).filter(|&&b| b == b'\n').count();
            let next = buf.get(ws).copied();
            self.r.consume(ws);
            self.line = self.line.saturating_add(lines);
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    /// Step over the byte `peek` returned.
    fn bump(&mut self) {
        self.r.consume(1);
    }

    fn broken(&self, what: &str) -> Error {
        match self.count {
            0 => Error::Invalid(format!("line {}: not JSON: {what}", self.line)),
            n => Error::Invalid(format!(
                "line {}: not JSON after record {n}: {what}",
                self.line
            )),
        }
    }

    fn found(b: Option<u8>) -> String {
        match b {
            None => "the end of the input".into(),
            Some(b) if b.is_ascii_graphic() => format!("`{}`", char::from(b)),
            Some(b) => format!("byte {b:#04x}"),
        }
    }

    /// Nothing but whitespace may follow a document.
    fn at_end(&mut self) -> Result<()> {
        match self.peek()? {
            None => Ok(()),
            b => Err(self.broken(&format!(
                "unexpected text after the document: {}",
                Self::found(b)
            ))),
        }
    }

    /// An array's elements after its `[`, each a record, through its `]`.
    fn elements(&mut self) -> Result<()> {
        if self.peek()? == Some(b']') {
            self.bump();
            return Ok(());
        }
        loop {
            let _ = self.peek()?;
            let line = self.line;
            let mut text = self.start_record();
            self.value(&mut text)?;
            self.give(line, text)?;
            match self.peek()? {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(());
                }
                b => {
                    return Err(
                        self.broken(&format!("expected `,` or `]`, found {}", Self::found(b)))
                    )
                }
            }
        }
    }

    /// A top-level object: a list body (`data` streamed; `links`, `meta` and the like skipped)
    /// or a record, which more values after it make the first line of NDJSON.
    fn object(&mut self) -> Result<()> {
        self.bump();
        // The object's own bytes, kept while it may yet be a record (until a `data` key), put
        // together without the whitespace between its parts.
        let mut head = self.start_record();
        head.push(b'{');
        let mut record = Some(head);
        let mut data = false;
        let mut first = true;
        loop {
            match self.peek()? {
                Some(b'}') if first => {
                    self.bump();
                    break;
                }
                Some(b'"') => {}
                b => return Err(self.broken(&format!("expected a key, found {}", Self::found(b)))),
            }
            first = false;
            let mut key = Vec::new();
            self.value(&mut key)?;
            match self.peek()? {
                Some(b':') => self.bump(),
                b => return Err(self.broken(&format!("expected `:`, found {}", Self::found(b)))),
            }
            let is_data =
                !data && serde_json::from_slice::<String>(&key).is_ok_and(|k| k == "data");
            if is_data {
                data = true;
                record = None;
                self.data()?;
            } else {
                let mut v = Vec::new();
                self.value(&mut v)?;
                if let Some(r) = record.as_mut() {
                    r.extend_from_slice(&key);
                    r.push(b':');
                    r.extend_from_slice(&v);
                }
            }
            match self.peek()? {
                Some(b',') => {
                    self.bump();
                    if let Some(r) = record.as_mut() {
                        r.push(b',');
                    }
                }
                Some(b'}') => {
                    self.bump();
                    break;
                }
                b => {
                    return Err(
                        self.broken(&format!("expected `,` or `}}`, found {}", Self::found(b)))
                    )
                }
            }
        }
        let Some(mut text) = record else {
            // A list body is one document: nothing may follow it.
            return self.at_end();
        };
        text.push(b'}');
        self.give(1, text)?;
        // NDJSON: one value per line after the first (blank lines allowed).
        while self.peek()?.is_some() {
            let line = self.line;
            let mut text = self.start_record();
            self.value(&mut text)?;
            self.give(line, text)?;
        }
        Ok(())
    }

    /// A body's `data`: an array of records, or one record.
    fn data(&mut self) -> Result<()> {
        match self.peek()? {
            Some(b'[') => {
                self.bump();
                self.elements()
            }
            Some(b'{') => {
                let line = self.line;
                let mut text = self.start_record();
                self.value(&mut text)?;
                self.give(line, text)
            }
            _ => {
                let mut text = Vec::new();
                self.value(&mut text)?;
                let found = serde_json::from_slice::<Value>(&text)
                    .map(|v| short(&v))
                    .unwrap_or_else(|_| String::from_utf8_lossy(&text).into_owned());
                Err(Error::Invalid(format!(
                    "`data` must be an array or an object, found {}",
                    crate::sanitize::truncate(&found, 60)
                )))
            }
        }
    }

    /// Copy one value's bytes (after any whitespace) into `out`: an object or array through its
    /// matching bracket, a string through its closing quote, a scalar up to the next delimiter.
    fn value(&mut self, out: &mut Vec<u8>) -> Result<()> {
        // Out of `self` while the loop holds the read buffer, which borrows `self`.
        let mut plain = std::mem::replace(&mut self.plain, Plain::new());
        let r = self.scan_value(out, &mut plain);
        self.plain = plain;
        r
    }

    /// `value`, with the record's `Plain` verdict to update.
    fn scan_value(&mut self, out: &mut Vec<u8>, plain: &mut Plain) -> Result<()> {
        let first = self.peek()?;
        let start = self.line;
        // Named like a record that does not parse: by the line it starts on.
        let eof = |count: usize| {
            Error::Invalid(format!(
                "line {start}: record {}: not JSON: unexpected end of the input",
                count.saturating_add(1)
            ))
        };
        let Some(first) = first else {
            return Err(eof(self.count));
        };
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                if scalar && !out.is_empty() {
                    return Ok(());
                }
                return Err(eof(self.count));
            }
            let mut end = None;
            let mut i = 0usize;
            while let Some(&b) = buf.get(i) {
                if in_string {
                    if escaped {
                        plain.escape(b);
                        escaped = false;
                    } else {
                        // Skip the string's plain run at once: most of a record is inside strings.
                        let rest = buf.get(i..).unwrap_or_default();
                        let Some(k) = bytes::find_quote_or_backslash(rest) else {
                            break;
                        };
                        i = i.saturating_add(k);
                        if buf.get(i) == Some(&b'\\') {
                            escaped = true;
                        } else {
                            in_string = false;
                            if depth == 0 {
                                end = Some((i, true));
                                break;
                            }
                        }
                    }
                } else if scalar {
                    if matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace() {
                        end = Some((i, false));
                        break;
                    }
                    plain.outside(b);
                } else {
                    match b {
                        b'"' => {
                            plain.string();
                            in_string = true;
                        }
                        b'{' | b'[' => depth = depth.saturating_add(1),
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                end = Some((i, true));
                                break;
                            }
                        }
                        _ => plain.outside(b),
                    }
                }
                i = i.saturating_add(1);
            }
            match end {
                Some((i, inclusive)) => {
                    let n = if inclusive { i + 1 } else { i };
                    let span = buf.get(..n).unwrap_or(buf);
                    // The delimiter ending a scalar (a newline included) is not consumed here.
                    let lines = bytes::newlines(span);
                    out.extend_from_slice(span);
                    self.r.consume(n);
                    self.line = self.line.saturating_add(lines);
                    if out.is_empty() {
                        return Err(self.broken("expected a value"));
                    }
                    return Ok(());
                }
                None => {
                    let n = buf.len();
                    let lines = bytes::newlines(buf);
                    out.extend_from_slice(buf);
                    self.r.consume(n);
                    self.line = self.line.saturating_add(lines);
                }
            }
        }
    }
}
