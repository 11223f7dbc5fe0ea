//! `sigscope --remote URL sync`: bring the local cache of a remote up to date, replay the outbox, and
//! show what is waiting or conflicted (the explorer does this in the background).
use super::output::{print_json, ShowFormat};
use super::Context;
use crate::error::{Error, Result};
use crate::remote::{self, Problem, Remote};
use crate::sanitize::clean;
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Keep syncing and print each status change, until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// Dismiss a conflict or refusal (its number from the list) after reading it.
    #[arg(long, value_name = "N")]
    pub dismiss: Option<i64>,
    /// `text`, or `json` for scripts: the status, what is waiting and each conflict or refusal.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

fn describe(p: &Problem) -> String {
    let sig = p
        .signal_id
        .as_deref()
        .map(clean)
        .unwrap_or_else(|| "-".into());
    let mine = clean(
        &p.mine
            .pointer("/data/attributes")
            .map(|a| a.to_string())
            .unwrap_or_default(),
    );
    let base = p
        .base_version
        .map(|v| format!(" (based on version {v})"))
        .unwrap_or_default();
    let mut s = format!(
        "#{} {} on {sig}{base}: yours {mine}",
        p.seq,
        clean(&p.action)
    );
    match (&p.theirs, p.conflict) {
        (Some(t), true) => s.push_str(&format!(
            "; theirs: {} version {}{}",
            t.triage.state,
            t.version,
            t.triage
                .assignee
                .as_ref()
                .map(|a| format!(", assigned to {}", clean(a.display())))
                .unwrap_or_default()
        )),
        _ => {
            if let Some(e) = &p.error {
                s.push_str(&format!("; refused: {}", clean(e)));
            }
        }
    }
    s
}

fn report(r: &Remote, format: ShowFormat) -> Result<()> {
    let st = r.status().borrow().clone();
    if format == ShowFormat::Json {
        let problems: Vec<serde_json::Value> = r
            .problems()?
            .iter()
            .map(|p| {
                serde_json::json!({
                    "seq": p.seq,
                    "signal_id": p.signal_id,
                    "action": p.action,
                    "conflict": p.conflict,
                    "base_version": p.base_version,
                    "theirs_version": p.theirs.as_ref().map(|t| t.version),
                    "error": p.error,
                })
            })
            .collect();
        let state = match &st.state {
            remote::SyncState::Synced => "synced",
            remote::SyncState::Syncing => "syncing",
            remote::SyncState::Offline { .. } => "offline",
        };
        return print_json(&serde_json::json!({
            "state": state,
            "status": st.line(),
            "pending": st.pending,
            "last_ok": st.last_ok.as_ref().map(crate::model::json::fmt_time),
            "problems": problems,
        }));
    }
    println!("{}", st.line());
    for p in r.problems()? {
        println!("  {}", describe(&p));
    }
    Ok(())
}

pub fn run(ctx: &Context, remote: Option<&str>, site: Option<&str>, a: SyncArgs) -> Result<()> {
    let setup = remote::resolve(remote, site, &ctx.config, &ctx.config_path)?.ok_or_else(|| {
        Error::Usage(
            "sync needs a remote: --remote URL, --site SITE or [remote] in the config".into(),
        )
    })?;
    let mut opts = remote::RemoteOptions::default();
    if let Some(d) = setup.config.window_days {
        opts.window = crate::timing::days(d, "[remote] window_days", crate::timing::WINDOW_DAYS)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("starting the runtime: {e}")))?;
    rt.block_on(async {
        if let Some(n) = a.dismiss {
            let r = setup.open()?;
            if !r.dismiss(n)? {
                return Err(Error::NotFound(format!("no conflict or refusal #{n}")));
            }
            return report(&r, a.format);
        }
        if a.watch {
            let r = setup.open()?;
            let task = r.spawn();
            let mut rx = r.status();
            let mut last = String::new();
            loop {
                let line = rx.borrow_and_update().line();
                if line != last {
                    println!("{line}");
                    last = line;
                }
                tokio::select! {
                    c = rx.changed() => if c.is_err() { break; },
                    _ = tokio::signal::ctrl_c() => break,
                }
            }
            task.abort();
            return report(&r, a.format);
        }
        // Once: no long-poll wait, just what is there now.
        let r = Remote::open(
            &setup.cache,
            setup.endpoint.clone(),
            setup.credentials.clone(),
            remote::RemoteOptions {
                long_poll: Duration::ZERO,
                poll: Duration::ZERO,
                ..opts
            },
        )?;
        match r.sync_once().await {
            Ok(()) => report(&r, a.format),
            Err(remote::sync::RoundError::Remote(e)) => {
                // The report still shows what is waiting; the exit code tells a script that
                // nothing was synced (issue 17: `sync` used to exit 0 offline).
                report(&r, a.format)?;
                Err(Error::Io(format!(
                    "sync with {} failed: {}",
                    clean(&setup.endpoint.base),
                    clean(&e.to_string())
                )))
            }
            Err(remote::sync::RoundError::Local(e)) => Err(e),
        }
    })
}
