//! `sigscope demo`: deterministic demo signals.
use crate::demo::{self, DemoOptions};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many signals.
    #[arg(long, default_value_t = 2000)]
    pub signals: usize,
    /// The seed: the same seed (and --now) gives byte-identical output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Spread the signals over this many days before --now.
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    /// The newest possible time (RFC 3339); default: the start of the current UTC hour.
    #[arg(long)]
    pub now: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(a: DemoArgs) -> Result<()> {
    let now = match &a.now {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map_err(|e| Error::Usage(format!("--now {s:?}: not an RFC 3339 time: {e}")))?
            .with_timezone(&Utc),
        None => demo::default_now(),
    };
    let opts = DemoOptions {
        signals: a.signals,
        seed: a.seed,
        days: a.days.max(1),
        now,
    };
    match &a.out {
        Some(path) if is_special(path) => {
            // A device or FIFO (`/dev/null`, a pipe) is written in place: renaming over it would
            // replace the device with a regular file.
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
            let mut w = std::io::BufWriter::new(file);
            demo::write_json(&opts, &mut w)?;
            w.flush()?;
        }
        Some(path) => {
            // Written beside the target and renamed, so a reader never sees half a file.
            let mut tmp_name = path.as_os_str().to_owned();
            tmp_name.push(".partial");
            let tmp = PathBuf::from(tmp_name);
            let file = std::fs::File::create(&tmp)
                .map_err(|e| Error::Io(format!("{}: {e}", tmp.display())))?;
            let mut w = std::io::BufWriter::new(file);
            demo::write_json(&opts, &mut w)?;
            w.flush()?;
            drop(w);
            std::fs::rename(&tmp, path)
                .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            demo::write_json(&opts, &mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}

/// True when `path` exists and is not a regular file (a device, FIFO or socket).
fn is_special(path: &std::path::Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}
