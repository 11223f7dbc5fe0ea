//! One log setup for every sigscope process: the filter comes from `SIGSCOPE_LOG` (the only log
//! variable; `info` when unset), the format is text or JSON lines.
use clap::ValueEnum;
use std::io::Write;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// The variable that sets what is logged, in `EnvFilter` syntax (`info`, `sigscope=debug,warn`).
pub const LOG_VAR: &str = "SIGSCOPE_LOG";

pub fn filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env(LOG_VAR)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// Log to `writer` in `format`; a second call in one process is a no-op.
pub fn init<W>(format: LogFormat, writer: W, ansi: bool)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    if std::env::var_os("RUST_LOG").is_some() && std::env::var_os(LOG_VAR).is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "sigscope: RUST_LOG is not read; set {LOG_VAR} (same syntax) instead"
        );
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(writer)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
