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
    let mut engine = crate::engine::Engine::system(ctx.open_store()?);
    let notify_cfg = crate::notify::NotifyConfig::from_config(&ctx.config)?;
    let mut queued = 0;
    for (name, parsed) in batches {
        let (report, n) =
            crate::notify::upsert_and_queue(engine.store_mut(), &notify_cfg, &parsed.signals)?;
        queued += n;
        println!(
            "{name}: {} signals imported ({} new, {} updated){}",
            parsed.signals.len(),
            report.inserted,
            report.updated,
            match parsed.bad.len() {
                0 => String::new(),
                n => format!(", {n} skipped"),
            }
        );
        super::autoblock::report(&engine.run_autoblock(&parsed.signals)?);
    }
    super::notify::deliver_after_import(engine.store_mut(), &notify_cfg, queued)
}
