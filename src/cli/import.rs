//! `sigscope import FILE...`: each file all or nothing, unless `--skip-invalid`. Files are read as
//! streams and written as they are read, each in its own transaction, in the order given.
use super::Context;
use crate::engine::{Engine, Ingested};
use crate::error::{Error, Result};
use crate::import::{self, BadRecord, Prepared};
use crate::model::User;
use crate::notify::NotifyConfig;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files to import; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Import the valid records of a file and list each skipped one, instead of rejecting the file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Output: text or JSON (one object with a report per file).
    #[arg(long, value_enum, default_value_t = super::output::ShowFormat::Text)]
    pub format: super::output::ShowFormat,
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::NotFound(format!("{}: no such file", path.display()))
        }
        _ => Error::Io(format!("{}: {e}", path.display())),
    })
}

/// A reading error with the file's name in front, its kind (and so the exit code) kept.
fn named(name: &str, e: Error) -> Error {
    match e {
        Error::Invalid(m) => Error::Invalid(format!("{name}: {m}")),
        Error::Io(m) => Error::Io(format!("{name}: {m}")),
        other => other,
    }
}

/// What one file did: the records that read, the bad ones skipped, and the engine's report.
struct FileReport {
    name: String,
    signals: usize,
    skipped_invalid: usize,
    done: Ingested,
}

fn import_file(
    engine: &mut Engine,
    actor: &User,
    notify: &NotifyConfig,
    path: &Path,
    skip_invalid: bool,
) -> Result<FileReport> {
    let name = path.display().to_string();
    let mut signals = 0usize;
    let mut skipped = 0usize;
    // Set when the engine refused a chunk, so its error is not taken for a reading error.
    let mut writing_failed = false;
    let done = engine.import_stream(actor, notify, |detail, write| {
        let mut each = |chunk: Vec<std::result::Result<Prepared, BadRecord>>| -> Result<()> {
            let mut good = Vec::with_capacity(chunk.len());
            for r in chunk {
                match r {
                    Ok(p) => good.push(p),
                    Err(b) if skip_invalid => {
                        eprintln!("sigscope: {name}: skipped {b}");
                        skipped += 1;
                    }
                    Err(b) => {
                        writing_failed = true;
                        return Err(Error::Invalid(format!(
                            "{name}: {b}; nothing of this file was imported (--skip-invalid imports the rest)"
                        )));
                    }
                }
            }
            signals += good.len();
            write(good).inspect_err(|_| writing_failed = true)
        };
        let read = if is_stdin(path) {
            import::read_chunks(std::io::stdin(), detail, &mut each)
        } else {
            import::read_chunks(open(path)?, detail, &mut each)
        };
        read.map_err(|e| if writing_failed { e } else { named(&name, e) })
    })?;
    Ok(FileReport {
        name,
        signals,
        skipped_invalid: skipped,
        done,
    })
}

fn print_report(f: &FileReport) {
    let r = &f.done;
    println!(
        "{}: {} signals imported ({} new, {} updated{}){}",
        f.name,
        f.signals,
        r.inserted,
        r.updated,
        match r.skipped_older {
            0 => String::new(),
            k => format!(", {k} older than the stored version left as they were"),
        },
        match f.skipped_invalid {
            0 => String::new(),
            k => format!(", {k} skipped"),
        }
    );
    super::autoblock::report(&r.autoblocks);
}

pub fn run(ctx: &Context, a: ImportArgs) -> Result<()> {
    // A file that is not there fails the command before anything is written; a file that turns
    // out bad only after earlier ones were imported leaves those imported (and reported).
    for path in a.files.iter().filter(|p| !is_stdin(p)) {
        open(path)?;
    }
    let (mut engine, actor) = ctx.engine_as_actor()?;
    let notify_cfg = crate::notify::NotifyConfig::from_config(&ctx.config)?;
    let before = engine.delivery_backlog()?.0;
    let json = a.format == super::output::ShowFormat::Json;
    let mut files = Vec::new();
    let mut failed = None;
    for path in &a.files {
        match import_file(&mut engine, &actor, &notify_cfg, path, a.skip_invalid) {
            Ok(f) if json => {
                let r = &f.done;
                files.push(serde_json::json!({
                    "file": f.name, "signals": f.signals, "inserted": r.inserted, "updated": r.updated,
                    "skipped_older": r.skipped_older, "skipped_invalid": f.skipped_invalid,
                    "autoblocks": r.autoblocks.len(),
                }));
            }
            Ok(f) => print_report(&f),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if json && (failed.is_none() || !files.is_empty()) {
        super::output::print_json(&serde_json::json!({ "files": files }))?;
    }
    // What the imported files queued is sent even when a later file failed: they are committed.
    let queued = engine.delivery_backlog()?.0.saturating_sub(before);
    let delivered = super::notify::deliver_after_import(
        &mut engine,
        &notify_cfg,
        usize::try_from(queued).unwrap_or(usize::MAX),
    );
    match failed {
        Some(e) => Err(e),
        None => delivered,
    }
}
