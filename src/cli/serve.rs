//! `sigscope serve`: the team server over the store.
use super::Context;
use crate::error::{Error, Result};
use crate::server::{self, ServeOptions};
use clap::Args;
use std::net::SocketAddr;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// Requests per minute per key (0: unlimited).
    #[arg(long, default_value_t = 6000)]
    pub rate_limit: u32,
    /// Log lines as text or JSON objects (what is logged: SIGSCOPE_LOG, default info).
    #[arg(long, value_enum, default_value_t = crate::logging::LogFormat::Text)]
    pub log_format: crate::logging::LogFormat,
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

pub fn run(ctx: &Context, a: ServeArgs) -> Result<()> {
    crate::logging::init(
        a.log_format,
        std::io::stderr,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("starting the runtime: {e}")))?;
    let notify = crate::notify::NotifyConfig::from_config(&ctx.config)?;
    // Deliveries queued by ingests (and left over by other processes) go out from a plain thread:
    // the sender's blocking HTTP client must not run on the async runtime.
    let _deliveries = crate::notify::spawn_background(
        ctx.store_path.clone(),
        notify.clone(),
        std::time::Duration::from_secs(2),
    )?;
    rt.block_on(async {
        let opts = server::ServerConfig::from_config(&ctx.config)?.apply(ServeOptions {
            rate_limit: a.rate_limit,
            notify,
            signal_v6_prefix: crate::denylist::config::DenylistConfig::from_config(&ctx.config)?
                .signal_ipv6_prefix,
            sla: ctx.config.sla_targets()?,
            ..ServeOptions::default()
        })?;
        let srv = server::bind(a.listen, &ctx.store_path, opts).await?;
        eprintln!(
            "sigscope serve: listening on http://{} (store {})",
            srv.addr,
            ctx.store_path.display()
        );
        srv.run(shutdown_signal()).await?;
        eprintln!("sigscope serve: stopped cleanly");
        Ok(())
    })
}
