//! `sigscope import FILE...`: each file all or nothing, unless `--skip-invalid`.
use super::Context;
use crate::error::{Error, Result};
use crate::import;
use clap::Args;
use std::io::Read;
use std::path::PathBuf;

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

fn read(path: &PathBuf) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::Io(format!("stdin: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Error::NotFound(format!("{}: no such file", path.display()))
            }
            _ => Error::Io(format!("{}: {e}", path.display())),
        })
    }
}

pub fn run(ctx: &Context, a: ImportArgs) -> Result<()> {
    // Read and check every file before writing any, so a bad second file does not leave the first
    // half-reported; each file is then written in its own transaction.
    let mut batches = Vec::new();
    for path in &a.files {
        let name = path.display().to_string();
        let text = read(path)?;
        let parsed = import::parse(&text).map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
        if !parsed.bad.is_empty() {
            if a.skip_invalid {
                for b in &parsed.bad {
                    eprintln!("sigscope: {name}: skipped {b}");
                }
            } else {
                let first = &parsed.bad[0];
                let more = match parsed.bad.len() {
                    1 => String::new(),
                    n => format!(" (and {} more bad records)", n - 1),
                };
                return Err(Error::Invalid(format!(
                    "{name}: {first}{more}; nothing of this file was imported (--skip-invalid imports the rest)"
                )));
            }
        }
        batches.push((name, parsed));
    }
    let (mut engine, actor) = ctx.engine_as_actor()?;
    let notify_cfg = crate::notify::NotifyConfig::from_config(&ctx.config)?;
    let before = engine.delivery_backlog()?.0;
    let json = a.format == super::output::ShowFormat::Json;
    let mut files = Vec::new();
    for (name, parsed) in batches {
        let n = parsed.signals.len();
        let report = engine.import(&actor, parsed.signals, &notify_cfg)?;
        if json {
            files.push(serde_json::json!({
                "file": name, "signals": n, "inserted": report.inserted, "updated": report.updated,
                "skipped_older": report.skipped_older, "skipped_invalid": parsed.bad.len(),
                "autoblocks": report.autoblocks.len(),
            }));
            continue;
        }
        println!(
            "{name}: {n} signals imported ({} new, {} updated{}){}",
            report.inserted,
            report.updated,
            match report.skipped_older {
                0 => String::new(),
                k => format!(", {k} older than the stored version left as they were"),
            },
            match parsed.bad.len() {
                0 => String::new(),
                k => format!(", {k} skipped"),
            }
        );
        super::autoblock::report(&report.autoblocks);
    }
    let queued = engine.delivery_backlog()?.0.saturating_sub(before);
    if json {
        super::output::print_json(&serde_json::json!({ "files": files }))?;
    }
    super::notify::deliver_after_import(
        &mut engine,
        &notify_cfg,
        usize::try_from(queued).unwrap_or(usize::MAX),
    )
}
