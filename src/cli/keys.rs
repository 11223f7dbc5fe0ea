//! `sigscope keys create|list|revoke`, run against the server's store.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::Context;
use crate::error::Result;
use crate::sanitize::clean;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Create an API + application key pair for a user; printed once, ready for `export`.
    Create {
        /// The user's email (or uuid); the application key carries that user's role.
        #[arg(long)]
        user: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// List keys (ids, users, dates; never the secrets).
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Revoke a key pair by its id.
    Revoke {
        /// The key's id (from `keys list`).
        id: String,
    },
}

fn fmt_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| crate::model::json::fmt_time(&t))
        .unwrap_or_default()
}

pub fn run(ctx: &Context, cmd: KeysCmd) -> Result<()> {
    let (mut engine, actor) = super::triage::open(ctx)?;
    match cmd {
        KeysCmd::Create { user, format } => {
            let (u, k) = engine.create_key(&actor, &user)?;
            if format == ShowFormat::Json {
                return print_json(&serde_json::json!({"data": {
                    "id": k.id, "type": "api_keys",
                    "attributes": {"user": u.handle, "role": u.role.as_str(),
                                   "api_key": k.api_key, "app_key": k.app_key}}}));
            }
            eprintln!(
                "key {} for {} ({}); shown once, store it now:",
                k.id,
                clean(&u.handle),
                u.role
            );
            println!("DD_API_KEY={}", k.api_key);
            println!("DD_APP_KEY={}", k.app_key);
            Ok(())
        }
        KeysCmd::List { format } => {
            // Without user_access_manage, a user sees only their own keys.
            let list = engine.reads(&actor).keys()?;
            match format {
                ListFormat::Json => print_json(&serde_json::json!({
                    "data": list.iter().map(|k| serde_json::json!({
                        "id": k.id, "user": k.user_uuid, "handle": k.user_handle,
                        "created": fmt_ms(k.created), "revoked": k.revoked.map(fmt_ms),
                    })).collect::<Vec<_>>()
                })),
                ListFormat::Ids => {
                    for k in &list {
                        println!("{}", k.id);
                    }
                    Ok(())
                }
                ListFormat::Table => {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|k| {
                            vec![
                                k.id.clone(),
                                clean(k.user_handle.as_deref().unwrap_or(&k.user_uuid)),
                                fmt_ms(k.created),
                                k.revoked.map(fmt_ms).unwrap_or_else(|| "active".into()),
                            ]
                        })
                        .collect();
                    print!("{}", table(&["ID", "USER", "CREATED", "REVOKED"], &rows));
                    Ok(())
                }
            }
        }
        KeysCmd::Revoke { id } => {
            engine.revoke_key(&actor, &id)?;
            eprintln!("key {} revoked", clean(&id));
            Ok(())
        }
    }
}
