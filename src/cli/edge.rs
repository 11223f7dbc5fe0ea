//! `sigscope allowlist ...`, `sigscope bouncers ...`, `sigscope export denylist --format F`.
use super::output::{print_json, table, ListFormat};
use super::triage::open;
use super::Context;
use crate::denylist::export::{render, ExportFormat, ExportOptions, Family};
use crate::engine::rbac;
use crate::error::Result;
use crate::model::json::fmt_time;
use crate::model::Permission;
use crate::sanitize::{clean, truncate};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum AllowlistCmd {
    /// Never block this IP, range or (with --user) user id.
    Add {
        /// An address, a CIDR range, or with --user a user id.
        value: String,
        /// The value is a user id.
        #[arg(long)]
        user: bool,
        /// Why (shown when a block is refused): "office", "pentest vendor".
        #[arg(long, default_value = "")]
        note: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = super::output::ShowFormat::Text)]
        format: super::output::ShowFormat,
    },
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Remove an entry by id or value.
    Remove {
        /// The entry's id or value.
        target: String,
    },
}

pub fn allowlist(ctx: &Context, cmd: AllowlistCmd) -> Result<()> {
    let (mut engine, actor) = if matches!(cmd, AllowlistCmd::List { .. }) {
        ctx.engine_as_reader()?
    } else {
        open(ctx)?
    };
    match cmd {
        AllowlistCmd::Add {
            value,
            user,
            note,
            format,
        } => {
            let e = engine.allow(&actor, &value, user, &note)?;
            let still = engine
                .reads(&actor)
                .active_block_for(&e.value.to_string())?;
            if format == super::output::ShowFormat::Json {
                return print_json(&serde_json::json!({"data": {
                    "id": e.id, "type": "allowlist_entry",
                    "attributes": {"value": e.value.to_string(), "note": e.note,
                                   "created_by": e.created_by,
                                   "blocked_still": still.map(|b| b.id)}}}));
            }
            println!(
                "allowlist entry #{} {} added",
                e.id,
                clean(&e.value.to_string())
            );
            if let Some(b) = engine
                .reads(&actor)
                .active_block_for(&e.value.to_string())?
            {
                println!(
                    "note: block {} ({}) is still in force; lift it with `sigscope unblock {}`",
                    b.id,
                    clean(&b.value),
                    b.id
                );
            }
            Ok(())
        }
        AllowlistCmd::Remove { target } => {
            let e = engine.disallow(&actor, &target)?;
            println!(
                "allowlist entry #{} {} removed",
                e.id,
                clean(&e.value.to_string())
            );
            Ok(())
        }
        AllowlistCmd::List { format } => {
            rbac::require(&actor, Permission::AppsecProtectRead)?;
            let list = engine.reads(&actor).allowlist()?;
            match format {
                ListFormat::Json => print_json(&json!({ "data": list })),
                ListFormat::Ids => {
                    list.iter().for_each(|e| println!("{}", e.id));
                    Ok(())
                }
                ListFormat::Table => {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|e| {
                            vec![
                                e.id.to_string(),
                                e.value.kind().as_str().into(),
                                truncate(&clean(&e.value.to_string()), 40),
                                truncate(&clean(&e.note), 40),
                                clean(&e.created_by),
                                fmt_time(&e.created_at),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table(&["ID", "KIND", "VALUE", "NOTE", "BY", "ADDED"], &rows)
                    );
                    Ok(())
                }
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum BouncersCmd {
    /// Register a CrowdSec bouncer; prints its API key once.
    Add {
        /// The bouncer's name.
        name: String,
    },
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    Remove {
        /// The bouncer's name.
        name: String,
    },
}

pub fn bouncers(ctx: &Context, cmd: BouncersCmd) -> Result<()> {
    let (mut engine, actor) = if matches!(cmd, BouncersCmd::List { .. }) {
        ctx.engine_as_reader()?
    } else {
        open(ctx)?
    };
    match cmd {
        BouncersCmd::Add { name } => {
            let key = engine.add_bouncer(&actor, &name)?;
            eprintln!("bouncer {name} added; its API key (shown once, stored hashed):");
            println!("{key}");
            Ok(())
        }
        BouncersCmd::Remove { name } => {
            engine.remove_bouncer(&actor, &name)?;
            println!("bouncer {} removed", clean(&name));
            Ok(())
        }
        BouncersCmd::List { format } => {
            rbac::require(&actor, Permission::AppsecProtectRead)?;
            let list = engine.reads(&actor).bouncers()?;
            match format {
                ListFormat::Json => print_json(&json!({ "data": list })),
                _ => {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|b| {
                            vec![
                                clean(&b.name),
                                clean(&b.created_by),
                                fmt_time(&b.created_at),
                                b.last_pull
                                    .as_ref()
                                    .map(fmt_time)
                                    .unwrap_or_else(|| "never".into()),
                            ]
                        })
                        .collect();
                    print!("{}", table(&["NAME", "BY", "ADDED", "LAST PULL"], &rows));
                    Ok(())
                }
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// The active denylist for an enforcement point.
    Denylist(DenylistArgs),
}

#[derive(Debug, Args)]
pub struct DenylistArgs {
    /// nginx, nginx-geo, nftables, ipset, aws-waf, cloudflare, crowdsec, rules-data, csv, json.
    #[arg(long, value_name = "F")]
    pub format: String,
    /// Only ipv4 or ipv6 (aws-waf needs one: an IP set holds one family).
    #[arg(long, value_name = "FAMILY")]
    pub family: Option<String>,
    /// aws-waf without --family: write DIR/aws-waf-ipv4.json and DIR/aws-waf-ipv6.json.
    #[arg(long, value_name = "DIR", conflicts_with = "family")]
    pub out_dir: Option<std::path::PathBuf>,
    /// aws-waf: the IP set's name (default sigscope-denylist-ipv4 / -ipv6).
    #[arg(long, value_name = "NAME")]
    pub aws_name: Option<String>,
    /// aws-waf: the IP set's id, from `aws wafv2 list-ip-sets`.
    #[arg(long, value_name = "ID")]
    pub aws_id: Option<String>,
    /// aws-waf: REGIONAL (default) or CLOUDFRONT.
    #[arg(long, value_name = "SCOPE")]
    pub aws_scope: Option<String>,
    /// aws-waf: the LockToken `aws wafv2 get-ip-set` returned.
    #[arg(long, value_name = "TOKEN")]
    pub aws_lock_token: Option<String>,
}

pub fn export(ctx: &Context, cmd: ExportCmd) -> Result<()> {
    let ExportCmd::Denylist(a) = cmd;
    let format = ExportFormat::parse(&a.format)?;
    let opts = ExportOptions {
        family: a.family.as_deref().map(Family::parse).transpose()?,
        aws_name: a.aws_name,
        aws_id: a.aws_id,
        aws_scope: a.aws_scope,
        aws_lock_token: a.aws_lock_token,
    };
    if a.out_dir.is_some() && format != ExportFormat::AwsWaf {
        return Err(crate::error::Error::Usage(
            "--out-dir writes one file per address family, for --format aws-waf only".into(),
        ));
    }
    let (engine, actor) = ctx.engine_as_reader()?;
    rbac::require(&actor, Permission::AppsecProtectRead)?;
    let entries = engine.reads(&actor).denylist_entries()?;
    if let Some(dir) = a.out_dir {
        for (family, tag) in [(Family::V4, "ipv4"), (Family::V6, "ipv6")] {
            let one = ExportOptions {
                family: Some(family),
                ..opts.clone()
            };
            let r = render(format, &entries, engine.now(), &one)?;
            for w in &r.warnings {
                eprintln!("sigscope: {}", clean(w));
            }
            let path = dir.join(format!("aws-waf-{tag}.json"));
            crate::fsutil::write_atomic(&path, r.text.as_bytes())?;
            eprintln!("sigscope: wrote {}", clean(&path.display().to_string()));
        }
        return Ok(());
    }
    let r = render(format, &entries, engine.now(), &opts)?;
    for w in &r.warnings {
        eprintln!("sigscope: {}", clean(w));
    }
    print!("{}", r.text);
    Ok(())
}
