//! The non-interactive face: clap subcommands over the same store and engine as the explorer.
mod audit;
mod autoblock;
mod blocks;
mod cases;
mod context;
mod demo;
mod docs;
mod edge;
mod facets;
mod import;
mod incidents;
mod ingest;
mod keys;
mod migrate;
mod notify;
mod output;
mod rules;
mod serve;
mod signals;
mod stats;
mod sync;
mod triage;
mod users;
mod workflows;

pub use context::Context;

use crate::error::Error;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "sigscope",
    version,
    about = "A terminal Signals Explorer for application-security analysts",
    long_about = "With no subcommand, opens the explorer on the configured store."
)]
pub struct Cli {
    /// The store: a SQLite file (default: the XDG data dir's sigscope/signals.db) or a
    /// postgres:// URL shared by several `serve` replicas.
    #[arg(long, global = true, env = "SIGSCOPE_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// The config file (default: the XDG config dir's sigscope/config.toml).
    #[arg(long, global = true, env = "SIGSCOPE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Act as this user (email or uuid); also SIGSCOPE_USER and `user =` in the config.
    #[arg(long = "as", global = true, value_name = "USER")]
    pub acting: Option<String>,
    /// Open the explorer on a fresh demo store.
    #[arg(long)]
    pub demo: bool,
    /// Hide every action that changes something.
    #[arg(long)]
    pub read_only: bool,
    /// A `sigscope serve` team server (e.g. http://10.0.0.5:7878) instead of the local store.
    #[arg(long, global = true, env = "SIGSCOPE_REMOTE", value_name = "URL")]
    pub remote: Option<String>,
    /// The vendor's service on this site (datadoghq.com, datadoghq.eu, ...) instead of the local
    /// store. Without it (and without [remote]), DD_SITE is used when DD_API_KEY and DD_APP_KEY are
    /// set too, as the vendor's own clients do.
    #[arg(long, global = true, value_name = "SITE", conflicts_with = "remote")]
    pub site: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate deterministic demo signals in the vendor's JSON format.
    Demo(demo::DemoArgs),
    /// Import signals (vendor list or single response, JSON array, or NDJSON; `-` for stdin).
    Import(import::ImportArgs),
    /// Turn raw WAF / application-security events into signals with the detection rules.
    Ingest(ingest::IngestArgs),
    /// The detection rules: list, show, test on a log.
    #[command(subcommand)]
    Rules(rules::RulesCmd),
    /// List, show and search signals.
    #[command(subcommand)]
    Signals(signals::SignalsCmd),
    /// Triage metrics: time to triage and archive, open age, SLA breaches, volume over time.
    Stats(stats::StatsArgs),
    /// Manage the users of a local store.
    #[command(subcommand)]
    Users(users::UsersCmd),
    /// Run the team server (the vendor's API over this store).
    Serve(serve::ServeArgs),
    /// Copy a whole store to another backend (SQLite ⇄ PostgreSQL), verified by counts and checksums.
    MigrateStore(migrate::MigrateArgs),
    /// Manage the team server's API and application keys.
    #[command(subcommand)]
    Keys(keys::KeysCmd),
    /// Sync the local cache of a remote (--remote/--site): replay waiting changes, show conflicts.
    Sync(sync::SyncArgs),
    /// Cases: create from signals, add signals, status, comments.
    #[command(subcommand)]
    Cases(cases::CasesCmd),
    /// Incidents: declare from signals, add signals, state.
    #[command(subcommand)]
    Incidents(incidents::IncidentsCmd),
    /// Block IPs, ranges, users or a signal's attackers.
    #[command(subcommand)]
    Block(blocks::BlockCmd),
    /// List the denylist.
    #[command(subcommand)]
    Blocks(blocks::BlocksCmd),
    /// Lift a block (by value or id).
    Unblock(blocks::UnblockArgs),
    /// Notification rules and their deliveries.
    #[command(subcommand)]
    Notify(notify::NotifyCmd),
    /// List and run workflows on a signal.
    #[command(subcommand)]
    Workflows(workflows::WorkflowsCmd),
    /// Rules that block a signal's attackers automatically.
    #[command(subcommand)]
    Autoblock(autoblock::AutoblockCmd),
    /// Values that are never blocked.
    #[command(subcommand)]
    Allowlist(edge::AllowlistCmd),
    /// CrowdSec bouncers allowed to pull the denylist.
    #[command(subcommand)]
    Bouncers(edge::BouncersCmd),
    /// The denylist in an enforcement point's format.
    #[command(subcommand)]
    Export(edge::ExportCmd),
    /// The audit trail: who changed what, when (Admin).
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(docs::CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

/// Parse the arguments, run, and map the outcome to an exit code; errors go to stderr in one line.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if e.use_stderr() && wants_json(std::env::args()) {
                // The message without clap's usage block and hints, as one line.
                let full = e.to_string();
                let body = full.split("\n\nUsage:").next().unwrap_or("");
                let joined = body
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let first = joined.trim_start_matches("error: ");
                eprintln!(
                    "{}",
                    serde_json::json!({"error": {"code": "usage", "message": first}})
                );
            } else {
                let _ = e.print();
            }
            return code;
        }
    };
    let json = wants_json(std::env::args());
    let explorer = cli.command.is_none();
    match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            // Each line made safe on its own, so a multi-line message (a TOML error with its
            // caret) prints as lines, not as one line of `\x0a`s.
            let text = e.to_string();
            let lines: Vec<String> = text
                .lines()
                .map(crate::sanitize::clean)
                .filter(|l| !l.trim().is_empty())
                .collect();
            if json {
                eprintln!(
                    "{}",
                    serde_json::json!({"error": {"code": e.code(), "message": lines.join("\n")}})
                );
            } else {
                eprintln!("sigscope: {}", lines.join("\n  "));
                if explorer {
                    hold_the_pane();
                }
            }
            e.exit_code()
        }
    }
}

/// Whether the command line asked for JSON output (`--format json` or `--format=json`): then an
/// error is written as `{"error":{"code","message"}}` too.
pub fn wants_json(args: impl IntoIterator<Item = String>) -> bool {
    let mut prev_format = false;
    for a in args {
        if a == "--format=json" || (prev_format && a == "json") {
            return true;
        }
        prev_format = a == "--format";
    }
    false
}

/// An explorer started as a tmux pane's command takes its pane with it when it exits, error and
/// all; inside tmux, on a terminal, wait for Enter so the error can be read.
fn hold_the_pane() {
    use std::io::IsTerminal;
    if std::env::var_os("TMUX").is_none() || !std::io::stdin().is_terminal() {
        return;
    }
    eprintln!("(press Enter to close)");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

pub fn run(cli: Cli) -> Result<(), Error> {
    let ctx = Context::new(&cli)?;
    // Only the explorer and `sync` speak to a remote so far; anything else would quietly use the
    // local store.
    if (cli.remote.is_some() || cli.site.is_some())
        && !matches!(cli.command, Some(Command::Sync(_)) | None)
    {
        return Err(Error::Usage(
            "--remote/--site work with the explorer (`sigscope --remote URL`) and `sigscope sync` so far; \
             the other commands use the local store (run them on the server)"
                .into(),
        ));
    }
    // A `[remote]` in the config is for the explorer and `sync`; saying where this command reads
    // keeps an analyst from triaging a stale local copy by mistake.
    if !matches!(
        cli.command,
        Some(Command::Sync(_) | Command::Demo(_) | Command::Completions(_) | Command::Man) | None
    ) {
        let remote: crate::remote::RemoteConfig = ctx.config.section("remote").unwrap_or_default();
        if remote.url.is_some() || remote.site.is_some() {
            eprintln!(
                "note: [remote] in {} is used by the explorer and `sync`; this command uses the local store {}",
                ctx.config_path.display(),
                ctx.store_path.display()
            );
        }
    }
    if cli.demo && (cli.remote.is_some() || cli.site.is_some()) {
        return Err(Error::Usage(
            "--demo opens a local demo store; leave out --remote/--site".into(),
        ));
    }
    match cli.command {
        Some(Command::Demo(a)) => demo::run(a),
        Some(Command::Import(a)) => import::run(&ctx, a),
        Some(Command::Ingest(a)) => ingest::run(&ctx, a),
        Some(Command::Rules(c)) => rules::run(&ctx, c),
        Some(Command::Signals(c)) => signals::run(&ctx, c),
        Some(Command::Stats(a)) => stats::run(&ctx, a),
        Some(Command::Users(c)) => users::run(&ctx, c),
        Some(Command::Serve(a)) => serve::run(&ctx, a),
        Some(Command::Keys(c)) => keys::run(&ctx, c),
        Some(Command::MigrateStore(a)) => migrate::run(a),
        Some(Command::Sync(a)) => sync::run(&ctx, cli.remote.as_deref(), cli.site.as_deref(), a),
        Some(Command::Cases(c)) => cases::run(&ctx, c),
        Some(Command::Incidents(c)) => incidents::run(&ctx, c),
        Some(Command::Block(c)) => blocks::block(&ctx, c),
        Some(Command::Blocks(c)) => blocks::blocks(&ctx, c),
        Some(Command::Unblock(a)) => blocks::unblock(&ctx, a),
        Some(Command::Notify(c)) => notify::run(&ctx, c),
        Some(Command::Workflows(c)) => workflows::run(&ctx, c),
        Some(Command::Autoblock(c)) => autoblock::run(&ctx, c),
        Some(Command::Allowlist(c)) => edge::allowlist(&ctx, c),
        Some(Command::Bouncers(c)) => edge::bouncers(&ctx, c),
        Some(Command::Export(c)) => edge::export(&ctx, c),
        Some(Command::Audit(c)) => audit::run(&ctx, c),
        Some(Command::Completions(a)) => docs::completions(a),
        Some(Command::Man) => docs::man(),
        None => explore(
            &ctx,
            cli.demo,
            cli.read_only,
            cli.remote.as_deref(),
            cli.site.as_deref(),
        ),
    }
}

/// The explorer on the configured store, on a remote (`--remote`, `--site`, `[remote]`), or on a
/// fresh demo store with `--demo`.
fn explore(
    ctx: &Context,
    demo: bool,
    read_only: bool,
    remote: Option<&str>,
    site: Option<&str>,
) -> Result<(), Error> {
    if !demo {
        if let Some(setup) = crate::remote::resolve(remote, site, &ctx.config, &ctx.config_path)? {
            return crate::tui::explore_remote(
                &ctx.config,
                &ctx.config_path,
                &setup,
                ctx.acting.as_deref(),
                read_only,
            );
        }
        // Deliveries left over by other sigscope processes are retried while the explorer is open.
        let _deliveries = crate::notify::spawn_background(
            ctx.store_path.clone(),
            crate::notify::NotifyConfig::from_config(&ctx.config)?,
            std::time::Duration::from_secs(5),
        )?;
        return crate::tui::explore(
            &ctx.config,
            &ctx.config_path,
            &ctx.store_path,
            ctx.acting.as_deref(),
            read_only,
        );
    }
    let path = fresh_demo_store(ctx)?;
    // The demo store has its own team; without `--as`, act as its first analyst.
    let acting = ctx.acting.as_deref().unwrap_or("alice@sigscope.test");
    crate::tui::explore(
        &ctx.config,
        &ctx.config_path,
        &path,
        Some(acting),
        read_only,
    )
}

/// A new demo store beside the configured one (`demo.db`), replacing any earlier demo store.
pub fn fresh_demo_store(ctx: &Context) -> Result<std::path::PathBuf, Error> {
    let dir = ctx
        .store_path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let path = dir.join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::Io(format!("{}: {e}", p.display()))),
        }
    }
    crate::demo::populate_at(
        &path,
        &crate::demo::DemoOptions {
            signals: 5000,
            seed: 1,
            days: 30,
            now: crate::demo::default_now(),
        },
    )?;
    Ok(path)
}

/// Options without a help line, as `command path --option` (the test that keeps this empty lives in
/// tests/cli_habits.rs).
pub fn options_without_help() -> Vec<String> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if id == "help" || id == "version" || a.is_hide_set() {
                continue;
            }
            if a.get_help().is_none() && a.get_long_help().is_none() {
                let name = a
                    .get_long()
                    .map(|l| format!("--{l}"))
                    .unwrap_or_else(|| format!("<{id}>"));
                out.push(format!("{path} {name}"));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut out = Vec::new();
    walk(
        &<Cli as clap::CommandFactory>::command(),
        "sigscope",
        &mut out,
    );
    out
}
