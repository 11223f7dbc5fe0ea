//! User rows.
use super::conn::{get, PgDb};
use crate::error::{Error, Result};
use crate::model::{Role, User};
use crate::store::UserRows;
use postgres::Row;

const COLS: &str = "uuid, handle, name, role, disabled";

fn to_user(r: &Row) -> Result<User> {
    let handle: String = get(r, 1)?;
    let role: String = get(r, 3)?;
    let role = Role::parse(&role)
        .ok_or_else(|| Error::Store(format!("user {handle}: unknown role {role:?}")))?;
    Ok(User {
        uuid: get(r, 0)?,
        handle,
        name: get(r, 2)?,
        role,
        disabled: get::<i64>(r, 4)? != 0,
    })
}

impl UserRows for PgDb {
    fn list_users(&self) -> Result<Vec<User>> {
        self.rows(
            &format!("SELECT {COLS} FROM users ORDER BY lower(handle COLLATE \"C\")"),
            &[],
        )?
        .iter()
        .map(to_user)
        .collect()
    }

    fn find_user(&self, who: &str) -> Result<Option<User>> {
        self.opt(
            &format!("SELECT {COLS} FROM users WHERE uuid = $1 OR lower(handle) = lower($1)"),
            &[&who],
        )?
        .as_ref()
        .map(to_user)
        .transpose()
    }

    fn insert_user(&self, u: &User) -> Result<()> {
        if self.find_user(&u.handle)?.is_some() {
            return Err(Error::Invalid(format!("user {} already exists", u.handle)));
        }
        self.exec(
            "INSERT INTO users (uuid, handle, name, role, disabled) VALUES ($1, $2, $3, $4, $5)",
            &[
                &u.uuid,
                &u.handle,
                &u.name,
                &u.role.as_str(),
                &i64::from(u.disabled),
            ],
        )?;
        Ok(())
    }

    fn count_users(&self) -> Result<i64> {
        self.one("SELECT COUNT(*) FROM users", &[])
    }
}
