//! The triage engine: the one place where the product's rules live.
//!
//! Every change is a `Command` value run by `Engine::execute`: the actor's permission is checked,
//! then, inside one IMMEDIATE transaction, the rows are read, versions compared, the change validated
//! and applied, and one audit event per changed object appended; the transaction commits or nothing is
//! written. The clock is injected so tests control time.
pub mod autoblock;
pub mod blocking;
mod cases;
pub mod command;
pub mod detect_state;
mod incidents;
pub mod ingest;
pub mod rbac;
mod signals;
pub mod timeline;
pub mod triage;

pub use command::{BlockFor, Command, NewCase, NewIncident, Outcome, SignalRef};

use crate::error::{Error, Result};
use crate::model::{AuditEvent, Block, BlockEvent, Case, Incident, Role, Signal, User};
use crate::store::sqlite::{self, SqliteStore};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::sync::{Arc, Mutex};

/// Where the engine reads the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests set and move; clones share the same time.
#[derive(Clone)]
pub struct FixedClock(Arc<Mutex<DateTime<Utc>>>);

impl FixedClock {
    pub fn new(t: DateTime<Utc>) -> FixedClock {
        FixedClock(Arc::new(Mutex::new(t)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        if let Ok(mut g) = self.0.lock() {
            *g = t;
        }
    }

    pub fn advance(&self, d: chrono::TimeDelta) {
        if let Ok(mut g) = self.0.lock() {
            *g += d;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        match self.0.lock() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        }
    }
}

pub struct Engine {
    store: SqliteStore,
    clock: Box<dyn Clock>,
}

/// The actions that bump a signal's version: the last of them names who changed it in a conflict.
pub(crate) const VERSION_ACTIONS: &[&str] = &[
    crate::model::audit::actions::SIGNAL_STATE,
    crate::model::audit::actions::SIGNAL_ASSIGN,
    crate::model::audit::actions::SIGNAL_UNASSIGN,
    crate::model::audit::actions::SIGNAL_INCIDENTS,
    crate::model::audit::actions::INCIDENT_DECLARE,
    crate::model::audit::actions::INCIDENT_ADD_SIGNALS,
];

/// Events the change feed returns per call at most.
pub const CHANGES_PAGE: usize = 1000;

impl Engine {
    pub fn new(store: SqliteStore, clock: Box<dyn Clock>) -> Engine {
        Engine { store, clock }
    }

    /// An engine on the system clock.
    pub fn system(store: SqliteStore) -> Engine {
        Engine::new(store, Box::new(SystemClock))
    }

    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut SqliteStore {
        &mut self.store
    }

    pub fn into_store(self) -> SqliteStore {
        self.store
    }

    /// Run `f`, which may execute several commands, as one change: every write it makes is kept, or
    /// (on its error, or a crash) none. Inside a caller's transaction it is a savepoint of it.
    pub fn all_or_nothing<T, E>(
        &mut self,
        f: impl FnOnce(&mut Engine) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        let outer = self.store.conn().is_autocommit();
        let (begin, keep, undo) = if outer {
            ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
        } else {
            (
                "SAVEPOINT engine_change",
                "RELEASE engine_change",
                "ROLLBACK TO engine_change; RELEASE engine_change",
            )
        };
        self.store
            .conn()
            .execute_batch(begin)
            .map_err(|e| E::from(e.into()))?;
        let out = f(self);
        let conn = self.store.conn();
        match &out {
            Ok(_) => conn.execute_batch(keep).map_err(|e| E::from(e.into()))?,
            Err(_) => {
                // The change's own error is the one to report; if SQLite already rolled back
                // there is nothing left to undo.
                if !conn.is_autocommit() {
                    if let Err(e) = conn.execute_batch(undo) {
                        tracing::error!(error = %e, "rolling back a failed change");
                    }
                }
            }
        }
        out
    }

    /// The engine's time, to the millisecond the store keeps.
    pub fn now(&self) -> DateTime<Utc> {
        truncate_ms(self.clock.now())
    }

    /// Run one command as `actor`: all of it is written, with its audit events, or none of it.
    pub fn execute(&mut self, actor: &User, cmd: Command) -> Result<Outcome> {
        rbac::check(actor, &cmd)?;
        let now = self.now();
        self.store.write(|conn| {
            let mut tx = Tx {
                conn,
                actor,
                now,
                out: Outcome::default(),
            };
            match cmd {
                Command::SetState {
                    signals,
                    to,
                    reason,
                    comment,
                } => signals::set_state(&mut tx, &signals, to, reason, comment)?,
                Command::Assign { signals, user } => signals::assign(&mut tx, &signals, &user)?,
                Command::Unassign { signals } => signals::unassign(&mut tx, &signals)?,
                Command::CreateCase(c) => cases::create(&mut tx, c)?,
                Command::AddToCase {
                    case,
                    signals,
                    archive_signals,
                } => cases::add(&mut tx, &case, &signals, archive_signals)?,
                Command::SetCaseStatus { case, status } => {
                    cases::set_status(&mut tx, &case, status)?
                }
                Command::CommentCase { case, text } => cases::comment(&mut tx, &case, &text)?,
                Command::SetCasePriority { case, priority } => {
                    cases::set_priority(&mut tx, &case, priority)?
                }
                Command::AssignCase { case, user } => cases::assign(&mut tx, &case, user)?,
                Command::DeclareIncident(i) => incidents::declare(&mut tx, i)?,
                Command::AddToIncident { incident, signals } => {
                    incidents::add(&mut tx, &incident, &signals)?
                }
                Command::SetIncidentState { incident, state } => {
                    incidents::set_state(&mut tx, &incident, state)?
                }
                Command::SetSignalIncidents {
                    signal,
                    incident_ids,
                } => incidents::set_signal_incidents(&mut tx, &signal, &incident_ids)?,
                Command::BlockIps {
                    values,
                    duration,
                    reason,
                    signal_id,
                } => blocking::block_ips(&mut tx, &values, duration, reason, signal_id)?,
                Command::BlockUsers {
                    values,
                    duration,
                    reason,
                    signal_id,
                } => blocking::block_users(&mut tx, &values, duration, reason, signal_id)?,
                Command::BlockAttackers {
                    signal_id,
                    duration,
                    reason,
                } => blocking::block_attackers(&mut tx, &signal_id, duration, reason)?,
                Command::Unblock { target } => blocking::unblock(&mut tx, &target)?,
                Command::AddUser { email, role, name } => add_user(&mut tx, &email, role, name)?,
            }
            Ok(tx.out)
        })
    }

    /// Who is acting: `who` (a handle, email or uuid), else the OS user as `NAME@localhost`.
    ///
    /// A store with no users makes its first acting user an Admin, so nobody is locked out of their
    /// own file; after that, an unknown user is refused.
    pub fn resolve_actor(&mut self, who: Option<&str>) -> Result<User> {
        let who = match who.map(str::trim).filter(|s| !s.is_empty()) {
            Some(w) => w.to_string(),
            None => os_user(),
        };
        if let Some(u) = find_user_loose(self.store.conn(), &who)? {
            return Ok(u);
        }
        let now = self.now();
        self.store.write(|conn| {
            // Checked again under the write lock: another process may have just added users.
            if let Some(u) = find_user_loose(conn, &who)? {
                return Ok(u);
            }
            if sqlite::users::count(conn)? > 0 {
                return Err(Error::PermissionDenied(format!(
                    "{who} is not a user of this store; an admin can add them with `sigscope users add {who} --role standard`"
                )));
            }
            let handle = if who.contains('@') {
                who.clone()
            } else {
                format!("{who}@localhost")
            };
            let user = new_user(&handle, Role::Admin, None);
            sqlite::users::insert(conn, &user)?;
            let mut tx = Tx {
                conn,
                actor: &user,
                now,
                out: Outcome::default(),
            };
            tx.audit(
                crate::model::audit::actions::USER_BOOTSTRAP,
                "user",
                &user.handle,
                vec![],
                serde_json::Value::Null,
                serde_json::to_value(&user)?,
            )?;
            Ok(user)
        })
    }

    // ---- reads: for the explorer, the CLI and the server ----

    /// Every audit event that touched a signal, oldest first.
    pub fn timeline(&self, signal_id: &str) -> Result<Vec<AuditEvent>> {
        sqlite::audit::for_signal(self.store.conn(), signal_id)
    }

    /// A signal's triage in the vendor's `signal_metadata` shape, with who changed it last and when.
    pub fn signal_metadata(&self, signal: &Signal) -> Result<serde_json::Value> {
        let events = self.timeline(&signal.id)?;
        let conn = self.store.conn();
        Ok(timeline::signal_metadata(signal, &events, &|h| {
            sqlite::users::find(conn, h).ok().flatten()
        }))
    }

    /// Audit events after `seq`, oldest first, at most `CHANGES_PAGE`.
    pub fn changes_since(&self, seq: i64) -> Result<Vec<AuditEvent>> {
        sqlite::audit::since(self.store.conn(), seq, CHANGES_PAGE)
    }

    /// The seq of the newest audit event (0 for none): where a change feed starts.
    pub fn latest_seq(&self) -> Result<i64> {
        Ok(self
            .store
            .conn()
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |r| r.get(0))?)
    }

    pub fn get_signal(&self, id: &str) -> Result<Option<Signal>> {
        sqlite::signals::get_signal(self.store.conn(), id)
    }

    pub fn list_cases(&self) -> Result<Vec<Case>> {
        sqlite::cases::list(self.store.conn())
    }

    /// A case by key (`SEC-12`), number or uuid.
    pub fn get_case(&self, key_or_id: &str) -> Result<Option<Case>> {
        sqlite::cases::get(self.store.conn(), key_or_id)
    }

    /// The keys of the cases a signal is in.
    pub fn cases_for_signal(&self, signal_id: &str) -> Result<Vec<String>> {
        sqlite::cases::keys_for_signal(self.store.conn(), signal_id)
    }

    pub fn list_incidents(&self) -> Result<Vec<Incident>> {
        sqlite::incidents::list(self.store.conn())
    }

    /// An incident by public id (`IR-7`, `7`) or uuid.
    pub fn get_incident(&self, id: &str) -> Result<Option<Incident>> {
        sqlite::incidents::get(self.store.conn(), id)
    }

    /// Blocks in force now, or every block ever made when `include_inactive`; newest first.
    pub fn list_blocks(&self, include_inactive: bool) -> Result<Vec<Block>> {
        sqlite::blocks::list(self.store.conn(), include_inactive, &self.now())
    }

    /// The block in force now for a value (an IP, also when a blocked range covers it, or a user id).
    pub fn active_block_for(&self, value: &str) -> Result<Option<Block>> {
        blocking::covering_block(self.store.conn(), value, &self.now())
    }

    /// Write `expired` into the history of blocks that ran out (for exports and bouncers that stream
    /// deletions); returns their ids. Not an audit event: nobody acted.
    pub fn record_expired_blocks(&mut self) -> Result<Vec<i64>> {
        let now = self.now();
        self.store
            .write(|conn| sqlite::blocks::record_expired(conn, &now))
    }

    pub fn block_history(&self, block_id: i64) -> Result<Vec<BlockEvent>> {
        sqlite::blocks::history(self.store.conn(), block_id)
    }

    pub fn list_users(&self) -> Result<Vec<User>> {
        sqlite::users::list(self.store.conn())
    }
}

pub(crate) fn truncate_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.timestamp_millis_opt(t.timestamp_millis())
        .single()
        .unwrap_or(t)
}

fn os_user() -> String {
    let name = std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("LOGNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
        .unwrap_or_else(|| "user".into());
    format!("{name}@localhost")
}

/// A user by uuid or handle; a bare name also finds `name@localhost`.
fn find_user_loose(conn: &Connection, who: &str) -> Result<Option<User>> {
    if let Some(u) = sqlite::users::find(conn, who)? {
        return Ok(Some(u));
    }
    if !who.contains('@') {
        return sqlite::users::find(conn, &format!("{who}@localhost"));
    }
    Ok(None)
}

fn new_user(handle: &str, role: Role, name: Option<String>) -> User {
    User {
        uuid: uuid::Uuid::new_v4().to_string(),
        name: name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| handle.split('@').next().unwrap_or(handle).to_string()),
        handle: handle.to_string(),
        role,
        disabled: false,
    }
}

fn add_user(tx: &mut Tx, email: &str, role: Role, name: Option<String>) -> Result<()> {
    let email = email.trim();
    if !email.contains('@') || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Usage(format!("{email:?} is not an email address")));
    }
    let user = new_user(email, role, name);
    sqlite::users::insert(tx.conn, &user)?;
    tx.audit(
        crate::model::audit::actions::USER_ADD,
        "user",
        &user.handle,
        vec![],
        serde_json::Value::Null,
        serde_json::to_value(&user)?,
    )?;
    tx.out.user = Some(user);
    Ok(())
}

/// One command's view of the open transaction.
pub(crate) struct Tx<'a> {
    pub conn: &'a Connection,
    pub actor: &'a User,
    pub now: DateTime<Utc>,
    pub out: Outcome,
}

impl Tx<'_> {
    /// Append one audit event for this command.
    pub fn audit(
        &mut self,
        action: &str,
        target_type: &str,
        target_id: &str,
        signal_ids: Vec<String>,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Result<i64> {
        let seq = sqlite::audit::append(
            self.conn,
            &AuditEvent {
                seq: 0,
                time: self.now,
                actor: self.actor.handle.clone(),
                action: action.to_string(),
                target_type: target_type.to_string(),
                target_id: target_id.to_string(),
                signal_ids,
                before,
                after,
            },
        )?;
        self.out.events.push(seq);
        Ok(seq)
    }

    /// Read a signal for change: it must exist, and must not have moved past the caller's version.
    pub fn load_signal(&self, r: &SignalRef) -> Result<Signal> {
        let s = sqlite::signals::get_signal(self.conn, &r.id)?
            .ok_or_else(|| Error::NotFound(format!("signal {} not found", r.id)))?;
        if let Some(v) = r.version {
            if s.version > v {
                let by = sqlite::audit::latest_for_signal(self.conn, &s.id, VERSION_ACTIONS)?;
                let (who, when) = match by {
                    Some(e) => (e.actor, crate::model::json::fmt_time(&e.time)),
                    None => ("an import".to_string(), "an unknown time".to_string()),
                };
                return Err(Error::Conflict(format!(
                    "signal {} changed by {who} at {when} since you loaded it (version {v}, now {})",
                    s.id, s.version
                )));
            }
        }
        Ok(s)
    }

    /// The distinct signals named, each loaded and version-checked, in the order given.
    pub fn load_signals(&self, refs: &[SignalRef]) -> Result<Vec<Signal>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for r in refs {
            if seen.insert(r.id.clone()) {
                out.push(self.load_signal(r)?);
            }
        }
        Ok(out)
    }

    /// Write a new triage into a signal, bumping its version, and report it as changed.
    pub fn save_signal(&mut self, s: &mut Signal, triage: crate::model::Triage) -> Result<()> {
        s.set_triage(triage, s.version + 1);
        sqlite::signals::put_signal(self.conn, s)?;
        match self.out.signals.iter_mut().find(|x| x.id == s.id) {
            Some(slot) => *slot = s.clone(),
            None => self.out.signals.push(s.clone()),
        }
        Ok(())
    }

    /// A known user by handle, email or uuid.
    pub fn user(&self, who: &str) -> Result<User> {
        find_user_loose(self.conn, who.trim())?
            .ok_or_else(|| Error::NotFound(format!("unknown user {who:?}")))
    }
}
