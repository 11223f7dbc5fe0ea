//! `sigscope keys create|list|revoke`, run against the server's store.
use super::output::{print_json, table, ListFormat};
use super::Context;
use crate::engine::rbac;
use crate::error::{Error, Result};
use crate::model::{Permission, User};
use crate::sanitize::clean;
use crate::server::keys;
use crate::store::Store;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Create an API + application key pair for a user; printed once, ready for `export`.
    Create {
        /// The user's email (or uuid); the application key carries that user's role.
        #[arg(long)]
        user: String,
    },
    /// List keys (ids, users, dates; never the secrets).
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Revoke a key pair by its id.
    Revoke { id: String },
}

fn fmt_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| crate::model::json::fmt_time(&t))
        .unwrap_or_default()
}

/// Anyone may manage their own keys; another user's need `user_access_manage`, as in the vendor's
/// org, since a key acts with its user's role.
fn may_manage(actor: &User, owner_uuid: &str) -> Result<()> {
    if actor.uuid == owner_uuid {
        Ok(())
    } else {
        rbac::require(actor, Permission::UserAccessManage)
    }
}

pub fn run(ctx: &Context, cmd: KeysCmd) -> Result<()> {
    let (engine, actor) = super::triage::open(ctx)?;
    let mut store = engine.into_store();
    match cmd {
        KeysCmd::Create { user } => {
            let u = store.find_user(&user)?.ok_or_else(|| {
                Error::NotFound(format!(
                    "no user {} in {}",
                    clean(&user),
                    ctx.store_path.display()
                ))
            })?;
            may_manage(&actor, &u.uuid)?;
            if u.disabled {
                return Err(Error::Invalid(format!("user {} is disabled", u.handle)));
            }
            let k = store.write(|tx| keys::create(tx, &u))?;
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
            let everyone = rbac::require(&actor, Permission::UserAccessManage).is_ok();
            let list: Vec<_> = keys::list(store.conn())?
                .into_iter()
                .filter(|k| everyone || k.user_uuid == actor.uuid)
                .collect();
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
            let owner = keys::list(store.conn())?
                .into_iter()
                .find(|k| k.id == id)
                .map(|k| k.user_uuid);
            if let Some(owner) = owner {
                may_manage(&actor, &owner)?;
            }
            store.write(|tx| keys::revoke(tx, &id))?;
            eprintln!("key {} revoked", clean(&id));
            Ok(())
        }
    }
}
