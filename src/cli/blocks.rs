//! `sigscope block ip|user|attackers`, `sigscope blocks list`, `sigscope unblock`.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::triage::{open, print_outcome};
use super::Context;
use crate::engine::blocking::parse_duration;
use crate::engine::{rbac, BlockFor, Command};
use crate::error::Result;
use crate::model::json::fmt_time;
use crate::model::Permission;
use crate::sanitize::{clean, truncate};
use clap::{Args, Subcommand};
use serde_json::json;

/// How long; without either flag a block lasts 24 hours.
#[derive(Debug, Args)]
pub struct Duration {
    /// How long the block lasts: 30m, 24h, 7d, 2w.
    #[arg(long = "for", value_name = "DUR", conflicts_with = "permanent")]
    pub for_: Option<String>,
    /// Block until unblocked.
    #[arg(long)]
    pub permanent: bool,
}

impl Duration {
    fn resolve(&self) -> Result<BlockFor> {
        if self.permanent {
            return Ok(BlockFor::Permanent);
        }
        Ok(BlockFor::Duration(parse_duration(
            self.for_.as_deref().unwrap_or(DEFAULT_DURATION),
        )?))
    }
}

pub const DEFAULT_DURATION: &str = "24h";

#[derive(Debug, Subcommand)]
pub enum BlockCmd {
    /// Block IP addresses or CIDR ranges (24h unless --for or --permanent).
    Ip {
        /// Addresses or canonical CIDR ranges (10.0.0.0/8).
        #[arg(required = true, value_name = "VALUE")]
        values: Vec<String>,
        #[command(flatten)]
        duration: Duration,
        /// Why: kept with the block, and the scenario bouncers see.
        #[arg(long)]
        reason: Option<String>,
        /// The signal the block comes from.
        #[arg(long, value_name = "ID")]
        signal: Option<String>,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Block user ids (24h unless --for or --permanent).
    User {
        /// User ids.
        #[arg(required = true, value_name = "ID")]
        values: Vec<String>,
        #[command(flatten)]
        duration: Duration,
        /// Why: kept with the block, and the scenario bouncers see.
        #[arg(long)]
        reason: Option<String>,
        /// The signal the block comes from (shown on its timeline).
        #[arg(long, value_name = "ID")]
        signal: Option<String>,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Block every attacking IP of a signal, skipping those already blocked.
    Attackers {
        /// The signal's id.
        signal: String,
        #[command(flatten)]
        duration: Duration,
        /// Why: kept with the block, and the scenario bouncers see.
        #[arg(long)]
        reason: Option<String>,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlocksCmd {
    /// The blocks in force (with --all, also lifted and expired ones).
    List {
        /// Include lifted and expired blocks.
        #[arg(long)]
        all: bool,
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

#[derive(Debug, Args)]
pub struct UnblockArgs {
    /// A blocked value (IP, range, user id) or a block id.
    pub target: String,
    /// Output: text or JSON.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

pub fn block(ctx: &Context, cmd: BlockCmd) -> Result<()> {
    let (command, format) = match cmd {
        BlockCmd::Ip {
            values,
            duration,
            reason,
            signal,
            format,
        } => (
            Command::BlockIps {
                values,
                duration: duration.resolve()?,
                reason,
                signal_id: signal,
            },
            format,
        ),
        BlockCmd::User {
            values,
            duration,
            reason,
            signal,
            format,
        } => (
            Command::BlockUsers {
                values,
                duration: duration.resolve()?,
                reason,
                signal_id: signal,
            },
            format,
        ),
        BlockCmd::Attackers {
            signal,
            duration,
            reason,
            format,
        } => (
            Command::BlockAttackers {
                signal_id: signal,
                duration: duration.resolve()?,
                reason,
            },
            format,
        ),
    };
    let (mut engine, actor) = open(ctx)?;
    let out = engine.execute(&actor, command)?;
    print_outcome(&out, format, &engine.reads(&actor))
}

pub fn unblock(ctx: &Context, a: UnblockArgs) -> Result<()> {
    let (mut engine, actor) = open(ctx)?;
    let out = engine.execute(&actor, Command::Unblock { target: a.target })?;
    print_outcome(&out, a.format, &engine.reads(&actor))
}

pub fn blocks(ctx: &Context, cmd: BlocksCmd) -> Result<()> {
    let BlocksCmd::List { all, format } = cmd;
    let (engine, actor) = ctx.engine_as_reader()?;
    rbac::require(&actor, Permission::AppsecProtectRead)?;
    let now = engine.now();
    let blocks = engine.reads(&actor).blocks(all)?;
    match format {
        ListFormat::Json => print_json(&json!({
            "data": blocks.iter().map(|b| b.to_json(now)).collect::<Vec<_>>()
        })),
        ListFormat::Ids => {
            for b in &blocks {
                println!("{}", b.id);
            }
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = blocks
                .iter()
                .map(|b| {
                    vec![
                        b.id.to_string(),
                        b.kind.to_string(),
                        truncate(&clean(&b.value), 40),
                        b.status(now).to_string(),
                        b.expires_at
                            .as_ref()
                            .map(fmt_time)
                            .unwrap_or_else(|| "permanent".into()),
                        truncate(&clean(b.reason.as_deref().unwrap_or("-")), 40),
                        clean(b.signal_id.as_deref().unwrap_or("-")),
                        clean(&b.created_by),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &["ID", "KIND", "VALUE", "STATUS", "EXPIRES", "REASON", "SIGNAL", "BY"],
                    &rows
                )
            );
            Ok(())
        }
    }
}
