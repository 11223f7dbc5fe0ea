//! User rows.
use crate::error::{Error, Result};
use crate::model::{Role, User};
use crate::store::UserRows;
use rusqlite::{params, Connection, OptionalExtension, Row};

fn row_to_user(r: &Row) -> rusqlite::Result<(String, String, String, String, bool)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_user(t: (String, String, String, String, bool)) -> Result<User> {
    let role = Role::parse(&t.3)
        .ok_or_else(|| Error::Store(format!("user {}: unknown role {:?}", t.1, t.3)))?;
    Ok(User {
        uuid: t.0,
        handle: t.1,
        name: t.2,
        role,
        disabled: t.4,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<User>> {
    let mut stmt = conn
        .prepare_cached("SELECT uuid, handle, name, role, disabled FROM users ORDER BY handle")?;
    let rows = stmt.query_map([], row_to_user)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(to_user(r?)?);
    }
    Ok(out)
}

pub fn find(conn: &Connection, who: &str) -> Result<Option<User>> {
    conn.prepare_cached(
        "SELECT uuid, handle, name, role, disabled FROM users WHERE uuid = ?1 OR handle = ?1 COLLATE NOCASE",
    )?
    .query_row([who], row_to_user)
    .optional()?
    .map(to_user)
    .transpose()
}

pub fn insert(conn: &Connection, u: &User) -> Result<()> {
    if find(conn, &u.handle)?.is_some() {
        return Err(Error::Invalid(format!("user {} already exists", u.handle)));
    }
    conn.execute(
        "INSERT INTO users (uuid, handle, name, role, disabled) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![u.uuid, u.handle, u.name, u.role.as_str(), u.disabled],
    )?;
    Ok(())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

impl UserRows for Connection {
    fn list_users(&self) -> Result<Vec<User>> {
        list(self)
    }
    fn find_user(&self, who: &str) -> Result<Option<User>> {
        find(self, who)
    }
    fn insert_user(&self, u: &User) -> Result<()> {
        insert(self, u)
    }
    fn count_users(&self) -> Result<i64> {
        count(self)
    }
}
