//! The triage engine: the one place where the product's rules live.
//!
//! Every change is a `Command` value run by `Engine::execute`: the actor's permission is checked,
//! then, inside one IMMEDIATE transaction, the rows are read, versions compared, the change validated
//! and applied, and one audit event per changed object appended; the transaction commits or nothing is
//! written. The clock is injected so tests control time.
pub mod autoblock;
pub mod blocking;
mod cases;
mod catalog;
pub mod command;
pub mod detect_state;
mod edge;
mod idempotency;
mod incidents;
pub mod ingest;
pub mod keys;
pub mod live;
pub mod live_keeper;
pub mod live_persist;
pub mod migrate;
mod notify;
pub mod ops;
pub mod query_page;
pub mod rbac;
pub mod reads;
mod signals;
pub mod stats;
pub mod timeline;
pub mod triage;
mod tx;
mod workflows;

pub use crate::store::{ChangeFollower, ListFilter, Watermark};
pub use catalog::RuleEntry;
pub use command::{stale, BlockFor, Command, NewCase, NewIncident, Outcome, SignalRef};
pub use idempotency::StoredAnswer;
pub use ingest::{IngestMode, Ingested};
pub use live::LiveIndex;
pub use live_keeper::{IndexKeeper, KeepEvery};
pub use query_page::{Page, PageRequest};
pub use reads::{Reads, RuleInfo};

use crate::error::{Error, Result};
use crate::model::{Role, User};
use crate::store::{Db, Storage, Store};
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};
pub(crate) use tx::Tx;

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

/// The engine owns its store: no accessor hands it out, so every write and read goes through a
/// command or a query here.
pub struct Engine {
    store: Box<dyn Storage>,
    clock: Box<dyn Clock>,
    /// The prefix an IPv6 attacker from signal data is blocked as (`/128` unless configured).
    signal_v6_prefix: u8,
    /// The audit trail's triage times, extended as it grows (see `stats`).
    triage: stats::TriageCache,
    /// What triage moves owe notification targets (PagerDuty acknowledge and resolve).
    notify: crate::notify::NotifyConfig,
    /// The process's live query index, shared with its other engines (see `live`).
    live: Option<Arc<live::LiveIndex>>,
    /// The denylist's history as bouncers need it, read incrementally (see `edge`).
    deny_memory: Arc<Mutex<crate::denylist::decisions::LastEvents>>,
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

/// Whether a store location names a database server (PostgreSQL) rather than a file.
pub fn is_store_url(location: &std::path::Path) -> bool {
    crate::store::postgres::is_url(&location.to_string_lossy())
}

impl Engine {
    pub fn new<S: Storage + 'static>(store: S, clock: Box<dyn Clock>) -> Engine {
        Engine {
            store: Box::new(store),
            clock,
            signal_v6_prefix: crate::denylist::address::DEFAULT_SIGNAL_V6_PREFIX,
            triage: Default::default(),
            notify: crate::notify::NotifyConfig::default(),
            live: None,
            deny_memory: Default::default(),
        }
    }

    /// An engine on the system clock.
    pub fn system<S: Storage + 'static>(store: S) -> Engine {
        Engine::new(store, Box::new(SystemClock))
    }

    /// Open (creating and migrating it if needed) the store at `location`, on the system clock.
    pub fn open(location: &std::path::Path) -> Result<Engine> {
        Engine::open_with_clock(location, Box::new(SystemClock))
    }

    pub fn open_with_clock(location: &std::path::Path, clock: Box<dyn Clock>) -> Result<Engine> {
        Ok(Engine {
            store: crate::store::open(location)?,
            clock,
            signal_v6_prefix: crate::denylist::address::DEFAULT_SIGNAL_V6_PREFIX,
            triage: Default::default(),
            notify: crate::notify::NotifyConfig::default(),
            live: None,
            deny_memory: Default::default(),
        })
    }

    /// Block IPv6 attackers taken from signal data as their `/prefix` network (`/64`: one
    /// subscriber) instead of the single address; 48..=128, from `[denylist] signal_ipv6_prefix`.
    pub fn set_signal_v6_prefix(&mut self, prefix: u8) -> Result<()> {
        use crate::denylist::address::MIN_SIGNAL_V6_PREFIX;
        if !(MIN_SIGNAL_V6_PREFIX..=128).contains(&prefix) {
            return Err(Error::Invalid(format!(
                "[denylist] signal_ipv6_prefix: /{prefix} is out of range (/{MIN_SIGNAL_V6_PREFIX} to /128)"
            )));
        }
        self.signal_v6_prefix = prefix;
        Ok(())
    }

    pub fn signal_v6_prefix(&self) -> u8 {
        self.signal_v6_prefix
    }

    /// Use the `[notify]` settings for what triage moves send (the defaults otherwise).
    pub fn set_notify_config(&mut self, cfg: crate::notify::NotifyConfig) {
        self.notify = cfg;
    }

    /// Where the store is, for messages.
    /// Answer queries from `live` (shared by the process's engines) once it is built.
    pub fn attach_live_index(&mut self, live: Arc<live::LiveIndex>) {
        self.live = Some(live);
    }

    /// The live query index this engine answers from, built or not.
    pub fn live_index(&self) -> Option<&live::LiveIndex> {
        self.live.as_deref()
    }

    pub fn location(&self) -> String {
        self.store.location()
    }

    /// Run `f`, which may execute several commands, as one change: every write it makes is kept, or
    /// (on its error, a panic or a crash) none. Inside a caller's change it is a savepoint of it.
    pub fn all_or_nothing<T, E>(
        &mut self,
        f: impl FnOnce(&mut Engine) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        crate::store::atomically(self, f)
    }

    /// Undo a change a failed caller left open (a panicked request): its writes were never
    /// answered for.
    pub fn abandon_open_change(&mut self) {
        while self.store.in_transaction() {
            if let Err(e) = self.store.finish(false) {
                tracing::error!(error = %e, "undoing an abandoned change");
                break;
            }
        }
    }

    /// Hear of writes other processes commit, where the store can tell (PostgreSQL): `on_change`
    /// gets the audit log's new head. Kept alive by the returned handle.
    pub fn follow_changes(
        &self,
        on_change: Box<dyn Fn(i64) + Send>,
    ) -> Result<Option<ChangeFollower>> {
        self.store.follow_changes(on_change)
    }

    /// For the server's long-lived writer: the store's housekeeping (SQLite's WAL checkpoints)
    /// runs on a thread of its own, not inside this engine's commits.
    pub fn checkpoint_in_background(&mut self) -> Result<()> {
        self.store.checkpoint_in_background()
    }

    /// Flush the store before the process ends.
    pub fn close(self) -> Result<()> {
        self.store.checkpoint()
    }

    /// The engine's time, to the millisecond the store keeps.
    pub fn now(&self) -> DateTime<Utc> {
        truncate_ms(self.clock.now())
    }

    /// Run one command as `actor`: all of it is written, with its audit events, or none of it.
    pub fn execute(&mut self, actor: &User, cmd: Command) -> Result<Outcome> {
        rbac::check(actor, &cmd)?;
        let now = self.now();
        let v6_prefix = self.signal_v6_prefix;
        let notify = &self.notify;
        self.store.write_rows(|db| {
            let mut tx = Tx {
                db,
                actor,
                now,
                notify: Some(notify),
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
                } => blocking::block_attackers(&mut tx, &signal_id, duration, reason, v6_prefix)?,
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
        if let Some(u) = find_user_loose(self.store.db(), &who)? {
            return Ok(u);
        }
        let now = self.now();
        self.store.write_rows(|db| {
            // Checked again under the write lock: another process may have just added users.
            if let Some(u) = find_user_loose(db, &who)? {
                return Ok(u);
            }
            if db.count_users()? > 0 {
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
            db.insert_user(&user)?;
            let mut tx = Tx {
                db,
                actor: &user,
                now,
                notify: None,
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

    /// Who is reading: a user of the store as `resolve_actor` finds them (a fresh store makes its
    /// first user an Admin the same way), or, for a name the store does not know, a Read Only guest.
    /// Reading a local file needs no account (the file's own permissions guard it), and a guest's
    /// reads are the same for every kind of data; writes always need a real user.
    pub fn resolve_reader(&mut self, who: Option<&str>) -> Result<User> {
        match self.resolve_actor(who) {
            Err(Error::PermissionDenied(_)) => {
                let handle = match who.map(str::trim).filter(|s| !s.is_empty()) {
                    Some(w) if w.contains('@') => w.to_string(),
                    Some(w) => format!("{w}@localhost"),
                    None => os_user(),
                };
                Ok(User {
                    uuid: String::new(),
                    name: "guest".into(),
                    handle,
                    role: Role::ReadOnly,
                    disabled: false,
                })
            }
            other => other,
        }
    }

    /// Write `expired` into the history of blocks that ran out (for exports and bouncers that stream
    /// deletions); returns their ids. Housekeeping, not an audit event: nobody acted.
    pub fn record_expired_blocks(&mut self) -> Result<Vec<i64>> {
        let now = self.now();
        self.write_rows(|db| db.record_expired_blocks(&now))
    }

    /// The rows, for the engine's own modules.
    pub(crate) fn db(&self) -> &dyn Db {
        self.store.db()
    }

    /// Run `f` on the rows in one transaction, for the engine's own modules.
    pub(crate) fn write_rows<T>(&mut self, f: impl FnOnce(&dyn Db) -> Result<T>) -> Result<T> {
        self.store.write_rows(f)
    }
}

impl crate::store::Levels for Engine {
    fn begin_level(&mut self) -> Result<()> {
        self.store.begin()
    }
    fn finish_level(&mut self, keep: bool) -> Result<()> {
        self.store.finish(keep)
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
pub(crate) fn find_user_loose(db: &dyn Db, who: &str) -> Result<Option<User>> {
    if let Some(u) = db.find_user(who)? {
        return Ok(Some(u));
    }
    if !who.contains('@') {
        return db.find_user(&format!("{who}@localhost"));
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
    tx.db.insert_user(&user)?;
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
