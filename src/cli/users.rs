//! `sigscope users list|add`.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::Context;
use crate::error::{Error, Result};
use crate::model::Role;
use crate::sanitize::clean;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// List the store's users and their roles.
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Add a user.
    Add {
        /// The user's email.
        email: String,
        /// admin, standard or read_only.
        #[arg(long)]
        role: String,
        /// The user's display name.
        #[arg(long)]
        name: Option<String>,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
}

pub fn run(ctx: &Context, cmd: UsersCmd) -> Result<()> {
    match cmd {
        UsersCmd::List { format } => {
            let (engine, actor) = ctx.engine_as_reader()?;
            let users = engine.reads(&actor).users()?;
            match format {
                ListFormat::Json => print_json(&serde_json::json!({
                    "data": users.iter().map(|u| serde_json::json!({
                        "id": u.uuid, "type": "users",
                        "attributes": {"handle": u.handle, "email": u.handle, "name": u.name,
                                       "role": u.role.as_str(), "disabled": u.disabled}
                    })).collect::<Vec<_>>()
                })),
                ListFormat::Ids => {
                    for u in &users {
                        println!("{}", clean(&u.handle));
                    }
                    Ok(())
                }
                ListFormat::Table => {
                    let rows: Vec<Vec<String>> = users
                        .iter()
                        .map(|u| {
                            vec![
                                clean(&u.handle),
                                clean(&u.name),
                                u.role.to_string(),
                                u.uuid.clone(),
                            ]
                        })
                        .collect();
                    print!("{}", table(&["HANDLE", "NAME", "ROLE", "UUID"], &rows));
                    Ok(())
                }
            }
        }
        UsersCmd::Add {
            email,
            role,
            name,
            format,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                Error::Usage(format!(
                    "--role {role:?}: expected admin, standard or read_only"
                ))
            })?;
            // Through the engine: adding users needs user_access_manage, and a store with no users
            // first makes the acting user its Admin.
            let (mut engine, actor) = super::triage::open(ctx)?;
            let out = engine.execute(
                &actor,
                crate::engine::Command::AddUser { email, role, name },
            )?;
            if let Some(user) = out.user {
                if format == ShowFormat::Json {
                    return print_json(&serde_json::json!({"data": {
                        "id": user.uuid, "type": "users",
                        "attributes": {"handle": user.handle, "email": user.handle, "name": user.name,
                                       "role": user.role.as_str(), "disabled": user.disabled}}}));
                }
                println!(
                    "added {} ({}) as {}",
                    clean(&user.handle),
                    user.uuid,
                    user.role
                );
            }
            Ok(())
        }
    }
}
