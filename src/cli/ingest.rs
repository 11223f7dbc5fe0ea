//! `sigscope ingest --format modsecurity|aws-waf|events FILE...`: raw WAF / application-security
//! events through the detection rules into signals. `--follow` tails growing logs across rotation
//! and restarts (the read offset is stored with what it produced, so nothing is counted twice).
use super::Context;
use crate::detect::pipeline::{check_all, Ingest};
use crate::detect::{catalogue, Catalogue, Detector, Format};
use crate::engine::detect_state::FollowOffset;
use crate::error::{Error, Result};
use clap::Args;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files to read; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// modsecurity (ModSecurity 2.9/3.x or Coraza JSON audit log), aws-waf (AWS WAF v2 logs) or
    /// events (NDJSON of application-security events).
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// A malformed line stops the run and nothing is ingested (default: skip it and go on).
    #[arg(long)]
    pub strict: bool,
    /// Keep reading the files as they grow, across rotation and restarts.
    #[arg(long)]
    pub follow: bool,
    /// With --follow: stop after this many seconds without new lines (for scripts and tests).
    #[arg(long, value_name = "SECS", hide = true)]
    pub idle_exit: Option<f64>,
}

pub fn run(ctx: &Context, a: IngestArgs) -> Result<()> {
    let format = Format::parse(&a.format)?;
    if a.follow && a.files.iter().any(|f| f.as_os_str() == "-") {
        return Err(Error::Usage("--follow reads files, not stdin".into()));
    }
    if a.follow && a.strict {
        return Err(Error::Usage(
            "--strict needs the whole input up front; leave it out with --follow".into(),
        ));
    }
    let catalogue = Catalogue::load(&catalogue::user_dir(&ctx.config_path))?;
    // Read and check everything first when strict, so that a bad line anywhere applies nothing.
    let mut stdin_text = None;
    if a.strict {
        for f in &a.files {
            let (name, text) = if f.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| Error::Io(format!("stdin: {e}")))?;
                stdin_text = Some(s.clone());
                ("-".to_string(), s)
            } else {
                (f.display().to_string(), read_text(f)?)
            };
            check_all(format, &name, &text)?;
        }
    }
    let (mut engine, actor) = super::triage::open(ctx)?;
    // Rule Details reads the store's catalogue: say which rules these signals come from.
    engine.update_catalog(&actor, &catalogue.details(), &[])?;
    let notify = crate::notify::NotifyConfig::from_config(&ctx.config)?;
    let detector = Detector::new(catalogue.enabled());
    let mut run = Ingest::new(&mut engine, actor, notify, detector, format, a.strict);
    if a.follow {
        follow(&mut run, &a.files, a.idle_exit.map(Duration::from_secs_f64))?;
    } else {
        for f in &a.files {
            if f.as_os_str() == "-" {
                match stdin_text.take() {
                    Some(t) => read_all(&mut run, "-", t.as_bytes())?,
                    None => read_all(&mut run, "-", std::io::stdin().lock())?,
                }
            } else {
                let file = File::open(f).map_err(|e| open_err(f, e))?;
                read_all(
                    &mut run,
                    &f.display().to_string(),
                    BufReader::with_capacity(1 << 20, file),
                )?;
            }
        }
        run.commit(None)?;
    }
    super::autoblock::report(&run.autoblocks);
    println!("{}", run.stats.line());
    Ok(())
}

fn open_err(p: &Path, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(format!("{}: no such file", p.display())),
        _ => Error::Io(format!("{}: {e}", p.display())),
    }
}

fn read_text(p: &Path) -> Result<String> {
    let mut s = String::new();
    File::open(p)
        .map_err(|e| open_err(p, e))?
        .read_to_string(&mut s)
        .map_err(|e| Error::Io(format!("{}: {e}", p.display())))?;
    Ok(s)
}

/// Every line of `r`, committing a batch at a time.
fn read_all(run: &mut Ingest, name: &str, mut r: impl BufRead) -> Result<()> {
    let mut buf = Vec::with_capacity(8192);
    let mut lineno = 0u64;
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::Io(format!("{name}: {e}")))?;
        if n == 0 {
            return Ok(());
        }
        lineno += 1;
        run.line(name, lineno, &buf)?;
        if run.batch_full() {
            run.commit(None)?;
        }
    }
}

/// A followed file: its open handle, inode and how far it was read (whole lines only).
struct Tail {
    key: String,
    path: PathBuf,
    file: Option<File>,
    inode: u64,
    offset: u64,
    lineno: u64,
}

impl Tail {
    fn position(&self) -> FollowOffset {
        FollowOffset {
            path: self.key.clone(),
            inode: self.inode,
            offset: self.offset,
        }
    }

    /// Read the complete lines written since the last read; returns whether any were.
    fn read_new(&mut self, run: &mut Ingest) -> Result<bool> {
        let Some(f) = self.file.as_mut() else {
            return Ok(false);
        };
        f.seek(SeekFrom::Start(self.offset))
            .map_err(|e| Error::Io(format!("{}: {e}", self.path.display())))?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        let mut buf = Vec::with_capacity(8192);
        let mut any = false;
        let name = self.path.display().to_string();
        loop {
            buf.clear();
            let n = r
                .read_until(b'\n', &mut buf)
                .map_err(|e| Error::Io(format!("{name}: {e}")))?;
            // A line still being written waits for its newline.
            if n == 0 || buf.last() != Some(&b'\n') {
                break;
            }
            any = true;
            self.lineno += 1;
            self.offset += n as u64;
            run.line(&name, self.lineno, &buf)?;
            if run.batch_full() {
                run.commit(Some(FollowOffset {
                    path: self.key.clone(),
                    inode: self.inode,
                    offset: self.offset,
                }))?;
            }
        }
        if any {
            run.commit(Some(self.position()))?;
        }
        Ok(any)
    }
}

/// The file in `dir` with inode `ino` (where a rotated log went), if any.
fn find_inode(dir: &Path, ino: u64) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .find(|e| e.metadata().is_ok_and(|m| m.ino() == ino && m.is_file()))
        .map(|e| e.path())
}

fn open_tail(run: &mut Ingest, path: &Path) -> Result<Tail> {
    let key = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let stored = run.engine.follow_offset(&key)?;
    let file = File::open(path).map_err(|e| open_err(path, e))?;
    let meta = file.metadata()?;
    let mut tail = Tail {
        key,
        path: path.to_path_buf(),
        file: Some(file),
        inode: meta.ino(),
        offset: 0,
        lineno: 0,
    };
    if let Some(s) = stored {
        if s.inode == meta.ino() && s.offset <= meta.len() {
            tail.offset = s.offset;
        } else if s.inode != meta.ino() {
            // Rotated while we were away: finish the old file first, where it now lives.
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if let Some(old) = find_inode(dir, s.inode) {
                if let Ok(f) = File::open(&old) {
                    let mut prev = Tail {
                        key: tail.key.clone(),
                        path: old,
                        file: Some(f),
                        inode: s.inode,
                        offset: s.offset,
                        lineno: 0,
                    };
                    prev.read_new(run)?;
                }
            }
        }
    }
    Ok(tail)
}

fn follow(run: &mut Ingest, files: &[PathBuf], idle_exit: Option<Duration>) -> Result<()> {
    let mut tails = Vec::new();
    for f in files {
        tails.push(open_tail(run, f)?);
    }
    let mut last_data = Instant::now();
    loop {
        let mut any = false;
        for t in tails.iter_mut() {
            any |= t.read_new(run)?;
            // Rotated (a new file at the path) or truncated: finish the old handle, then start over.
            match std::fs::metadata(&t.path) {
                Ok(m) if m.ino() != t.inode => {
                    any |= t.read_new(run)?;
                    if let Ok(f) = File::open(&t.path) {
                        t.file = Some(f);
                        t.inode = m.ino();
                        t.offset = 0;
                        t.lineno = 0;
                        any |= t.read_new(run)?;
                    }
                }
                Ok(m) if m.len() < t.offset => {
                    t.offset = 0;
                    t.lineno = 0;
                    any |= t.read_new(run)?;
                }
                _ => {}
            }
        }
        if any {
            last_data = Instant::now();
        } else if idle_exit.is_some_and(|d| last_data.elapsed() >= d) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
