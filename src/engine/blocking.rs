//! The denylist: block IPs, ranges and users for a time or for good; lift blocks.
//!
//! Values are validated here (no loopback, no unspecified address, no `/0`) and stored in canonical
//! form, so the same address typed two ways is one block.
use super::{BlockFor, Tx};
use crate::denylist::address;
use crate::error::{Error, Result};
use crate::model::audit::actions;
use crate::model::{Block, BlockKind};
use crate::store::Db;
use chrono::{DateTime, TimeDelta, Utc};
use ipnet::IpNet;
use std::net::IpAddr;

pub const MAX_USER_ID: usize = 256;

/// `30m`, `24h`, `7d`, `2w`, `90s`, `1h30m`: the one checked parser, a second to a century.
pub fn parse_duration(s: &str) -> Result<TimeDelta> {
    crate::timing::parse(s, "duration", crate::timing::BLOCK)
}

/// An IP or CIDR range as (kind, canonical value); refused values say why. IPv4-mapped IPv6 is
/// turned into IPv4 before any check, so `::ffff:127.0.0.0/104` is refused as the loopback
/// `127.0.0.0/8` it is.
pub fn parse_ip_value(s: &str) -> Result<(BlockKind, String)> {
    let t = s.trim();
    if let Ok(typed) = t.parse::<IpNet>() {
        if typed.trunc() != typed {
            // Widening silently would block far more than was typed (10.1.2.3/8 is 16 million
            // addresses).
            return Err(Error::Usage(format!(
                "{:?} is not a canonical CIDR range (host bits are set): the range is {}; to block the one address, give {}",
                crate::sanitize::clean(t),
                typed.trunc(),
                typed.addr()
            )));
        }
    }
    let net = address::parse_any(t).ok_or_else(|| {
        Error::Usage(format!(
            "{:?} is not an IP address or CIDR range (like 203.0.113.7 or 203.0.113.0/24)",
            crate::sanitize::clean(t)
        ))
    })?;
    net_value(t, net)
}

/// An attacker's address taken from signal data: one address, never a range (a signal's
/// `client_ip` of `128.0.0.0/1` is an attack on the denylist, not an attacker).
pub fn parse_signal_ip(s: &str) -> Result<(BlockKind, String)> {
    parse_signal_ip_as(s, address::DEFAULT_SIGNAL_V6_PREFIX)
}

/// `parse_signal_ip`, an IPv6 address widened to `v6_prefix` (see `Engine::set_signal_v6_prefix`).
pub fn parse_signal_ip_as(s: &str, v6_prefix: u8) -> Result<(BlockKind, String)> {
    let net = address::from_signal(s, v6_prefix).map_err(Error::Usage)?;
    net_value(s.trim(), net)
}

fn net_value(typed: &str, net: IpNet) -> Result<(BlockKind, String)> {
    if let Some(why) = address::never_blocked(&net) {
        return Err(Error::Usage(format!(
            "{:?} {why}",
            crate::sanitize::clean(typed)
        )));
    }
    if net.prefix_len() == net.max_prefix_len() {
        return Ok((BlockKind::Ip, net.addr().to_string()));
    }
    Ok((BlockKind::Range, net.to_string()))
}

/// A user id to block; attacker-chosen, so only length and control characters are checked.
pub fn check_user_value(s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::Usage("an empty user id cannot be blocked".into()));
    }
    if t.chars().count() > MAX_USER_ID {
        return Err(Error::Usage(format!(
            "user id is longer than {MAX_USER_ID} characters"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "user id {:?} contains control characters",
            crate::sanitize::clean(t)
        )));
    }
    Ok(t.to_string())
}

/// The longest block that is not permanent: a century. Longer durations are refused rather than
/// overflowing the clock (`now + 200000000000d` panics in chrono).
pub const MAX_BLOCK: TimeDelta = crate::timing::BLOCK.max;

/// Longest default block reason kept (the rule name or title comes from signal data).
pub const MAX_REASON: usize = 200;

fn expiry(now: DateTime<Utc>, d: BlockFor) -> Result<Option<DateTime<Utc>>> {
    match d {
        BlockFor::Permanent => Ok(None),
        BlockFor::Duration(d) if d <= TimeDelta::zero() => Err(Error::Usage(
            "a block duration must be longer than zero".into(),
        )),
        BlockFor::Duration(d) if d > MAX_BLOCK => Err(Error::Usage(format!(
            "a block of {} days is too long: at most {} days, or make it permanent",
            d.num_days(),
            MAX_BLOCK.num_days()
        ))),
        BlockFor::Duration(d) => crate::timing::add(now, d).map(Some),
    }
}

/// True when `new` ends later than `old` (no end is latest).
fn later(new: Option<DateTime<Utc>>, old: Option<DateTime<Utc>>) -> bool {
    match (new, old) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a > b,
    }
}

fn until(b: &Block) -> String {
    b.expires_at
        .as_ref()
        .map(|t| format!("until {}", crate::model::json::fmt_time(t)))
        .unwrap_or_else(|| "permanently".into())
}

/// The block in force for a value at `now`: an exact block, or for an IP a blocked range covering it.
pub(crate) fn covering_block(
    db: &dyn Db,
    value: &str,
    now: &DateTime<Utc>,
) -> Result<Option<Block>> {
    let canon = match parse_ip_value(value) {
        Ok((_, v)) => v,
        Err(_) => value.trim().to_string(),
    };
    if let Some(b) = db.active_block_for(&canon, now)? {
        return Ok(Some(b));
    }
    let Ok(ip) = canon.parse::<IpAddr>() else {
        return Ok(None);
    };
    for b in db.list_blocks(false, now)? {
        if b.kind == BlockKind::Range && b.value.parse::<IpNet>().is_ok_and(|n| n.contains(&ip)) {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// Why the allowlist refuses blocking this `(kind, value)`, naming the entry; `None` when it may
/// be blocked. The allowlist is policy, so it is decided here, not in the store.
fn allow_refusal(db: &dyn Db, kind: &str, value: &str) -> Result<Option<String>> {
    let v = match kind {
        "user" => crate::denylist::BlockValue::User(value.to_string()),
        _ => crate::denylist::BlockValue::parse_net(value)
            .map_err(|_| Error::Usage(format!("{value} is not an address")))?,
    };
    let list = crate::denylist::Allowlist::new(db.allow_list()?);
    Ok(list
        .find(&v)
        .map(|a| crate::denylist::allowlist::refusal(&v, a)))
}

struct Placement<'a> {
    kind: BlockKind,
    value: String,
    expires_at: Option<DateTime<Utc>>,
    reason: &'a Option<String>,
    signal_id: &'a Option<String>,
}

/// Make a block, extend the one in force, or report the value as already blocked.
fn place(tx: &mut Tx, p: Placement) -> Result<()> {
    if let Some(refusal) = allow_refusal(tx.db, p.kind.as_str(), &p.value)? {
        return Err(Error::Conflict(refusal));
    }
    let signal_ids: Vec<String> = p.signal_id.iter().cloned().collect();
    if let Some(mut b) = tx.db.active_block_for(&p.value, &tx.now)? {
        if !later(p.expires_at, b.expires_at) {
            tx.out.skipped.push(format!(
                "{}: already blocked {} (block {})",
                p.value,
                until(&b),
                b.id
            ));
            return Ok(());
        }
        let before = serde_json::to_value(&b)?;
        tx.db
            .set_block_expiry(b.id, p.expires_at, &tx.actor.handle, &tx.now)?;
        b.expires_at = p.expires_at;
        tx.audit(
            actions::BLOCK_EXTENDED,
            "block",
            &b.id.to_string(),
            signal_ids,
            before,
            serde_json::to_value(&b)?,
        )?;
        tx.out.blocks.push(b);
        return Ok(());
    }
    if p.kind == BlockKind::Ip {
        // A covering range makes the address block redundant only while the range lasts at least as
        // long: a host blocked for a day inside a range blocked for an hour keeps its day.
        if let Some(r) = covering_block(tx.db, &p.value, &tx.now)? {
            if !later(p.expires_at, r.expires_at) {
                tx.out.skipped.push(format!(
                    "{}: already covered by range {} {} (block {})",
                    p.value,
                    r.value,
                    until(&r),
                    r.id
                ));
                return Ok(());
            }
        }
    }
    let mut b = Block {
        id: 0,
        value: p.value,
        kind: p.kind,
        expires_at: p.expires_at,
        reason: p.reason.clone(),
        origin: crate::engine::autoblock::origin(&tx.actor.handle),
        created_by: tx.actor.handle.clone(),
        signal_id: p.signal_id.clone(),
        created_at: tx.now,
        lifted_at: None,
        lifted_by: None,
    };
    tx.db.insert_block(&mut b)?;
    tx.audit(
        actions::BLOCK_MADE,
        "block",
        &b.id.to_string(),
        signal_ids,
        serde_json::Value::Null,
        serde_json::to_value(&b)?,
    )?;
    tx.out.blocks.push(b);
    Ok(())
}

fn check_signal(tx: &Tx, signal_id: &Option<String>) -> Result<()> {
    if let Some(id) = signal_id {
        tx.load_signal(&super::SignalRef::new(id.clone()))?;
    }
    Ok(())
}

fn clean_reason(reason: Option<String>) -> Result<Option<String>> {
    super::signals::clean_comment(reason)
}

pub(super) fn block_ips(
    tx: &mut Tx,
    values: &[String],
    duration: BlockFor,
    reason: Option<String>,
    signal_id: Option<String>,
) -> Result<()> {
    if values.is_empty() {
        return Err(Error::Usage("no IP addresses given".into()));
    }
    let reason = clean_reason(reason)?;
    check_signal(tx, &signal_id)?;
    // Validate every value before writing any, so one bad value names itself and nothing is made.
    let mut parsed: Vec<(BlockKind, String)> = Vec::new();
    for v in values {
        let p = parse_ip_value(v)?;
        if !parsed.contains(&p) {
            parsed.push(p);
        }
    }
    let expires_at = expiry(tx.now, duration)?;
    for (kind, value) in parsed {
        place(
            tx,
            Placement {
                kind,
                value,
                expires_at,
                reason: &reason,
                signal_id: &signal_id,
            },
        )?;
    }
    Ok(())
}

pub(super) fn block_users(
    tx: &mut Tx,
    values: &[String],
    duration: BlockFor,
    reason: Option<String>,
    signal_id: Option<String>,
) -> Result<()> {
    if values.is_empty() {
        return Err(Error::Usage("no user ids given".into()));
    }
    let reason = clean_reason(reason)?;
    check_signal(tx, &signal_id)?;
    let mut parsed: Vec<String> = Vec::new();
    for v in values {
        let u = check_user_value(v)?;
        if !parsed.contains(&u) {
            parsed.push(u);
        }
    }
    let expires_at = expiry(tx.now, duration)?;
    for value in parsed {
        place(
            tx,
            Placement {
                kind: BlockKind::User,
                value,
                expires_at,
                reason: &reason,
                signal_id: &signal_id,
            },
        )?;
    }
    Ok(())
}

/// Block every attacking IP of a signal. Addresses the signal carries that may not be blocked
/// (a loopback seen behind a proxy) are skipped with their reason rather than failing the rest.
pub(super) fn block_attackers(
    tx: &mut Tx,
    signal_id: &str,
    duration: BlockFor,
    reason: Option<String>,
    v6_prefix: u8,
) -> Result<()> {
    let s = tx.load_signal(&super::SignalRef::new(signal_id))?;
    if s.attacker_ips.is_empty() {
        return Err(Error::Usage(format!(
            "signal {signal_id} has no attacking IPs"
        )));
    }
    let reason = clean_reason(reason)?.or_else(|| {
        let what = if s.rule.name.is_empty() {
            &s.title
        } else {
            &s.rule.name
        };
        // A rule name or title is signal data: cut it so a 10 KB title is not a 10 KB reason.
        Some(crate::sanitize::truncate(
            &format!(
                "{} (signal {})",
                crate::sanitize::truncate(&crate::sanitize::clean(what), MAX_REASON),
                s.id
            ),
            MAX_REASON + 80,
        ))
    });
    let signal = Some(s.id.clone());
    let expires_at = expiry(tx.now, duration)?;
    let mut seen = Vec::new();
    for ip in &s.attacker_ips {
        match parse_signal_ip_as(ip, v6_prefix) {
            Ok((kind, value)) if !seen.contains(&value) => {
                seen.push(value.clone());
                // One allowlisted attacker does not stop the others being blocked.
                if let Some(refusal) = allow_refusal(tx.db, kind.as_str(), &value)? {
                    tx.out.skipped.push(refusal);
                    continue;
                }
                place(
                    tx,
                    Placement {
                        kind,
                        value,
                        expires_at,
                        reason: &reason,
                        signal_id: &signal,
                    },
                )?;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(signal = %crate::sanitize::clean(&s.id), error = %e, "attacker value refused");
                tx.out.skipped.push(e.to_string());
            }
        }
    }
    Ok(())
}

/// A signal's attacker IPs split as the denylist sees them: the canonical single addresses it
/// would block, and the refused ones with why (a range, loopback, unspecified, allowlisted, not an
/// address). What a workflow sending blocks elsewhere (a Cloudflare list) may send.
pub(crate) fn blockable_ips(
    db: &dyn Db,
    ips: &[String],
    v6_prefix: u8,
) -> Result<(Vec<String>, Vec<String>)> {
    let allow = crate::denylist::Allowlist::new(db.allow_list()?);
    let (mut ok, mut refused) = (Vec::new(), Vec::new());
    for ip in ips {
        let checked = parse_signal_ip_as(ip, v6_prefix).and_then(|(_, v)| {
            let value = crate::denylist::BlockValue::parse_net(&v)?;
            match allow.find(&value) {
                Some(a) => Err(Error::Conflict(crate::denylist::allowlist::refusal(
                    &value, a,
                ))),
                None => Ok(v),
            }
        });
        match checked {
            Ok(v) if !ok.contains(&v) => ok.push(v),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "attacker value refused for a workflow");
                refused.push(e.to_string());
            }
        }
    }
    Ok((ok, refused))
}

/// Lift the block in force for a value, else the block with that id.
pub(super) fn unblock(tx: &mut Tx, target: &str) -> Result<()> {
    let t = target.trim();
    let canon = parse_ip_value(t)
        .map(|p| p.1)
        .unwrap_or_else(|_| t.to_string());
    let block = match tx.db.active_block_for(&canon, &tx.now)? {
        Some(b) => b,
        None => {
            let by_id = match t.parse::<i64>() {
                Ok(id) => tx.db.get_block(id)?,
                Err(_) => None,
            };
            match by_id {
                Some(b) if b.is_active(tx.now) => b,
                Some(b) => {
                    return Err(Error::InvalidTransition(format!(
                        "block {} ({}) is already {}",
                        b.id,
                        b.value,
                        b.status(tx.now)
                    )))
                }
                None => {
                    return Err(Error::NotFound(format!("no block in force for {t}")));
                }
            }
        }
    };
    let before = serde_json::to_value(&block)?;
    tx.db.lift_block(block.id, &tx.actor.handle, &tx.now)?;
    let mut b = block;
    b.lifted_at = Some(tx.now);
    b.lifted_by = Some(tx.actor.handle.clone());
    tx.audit(
        actions::BLOCK_LIFTED,
        "block",
        &b.id.to_string(),
        b.signal_id.iter().cloned().collect(),
        before,
        serde_json::to_value(&b)?,
    )?;
    tx.out.blocks.push(b);
    Ok(())
}

#[cfg(test)]
#[path = "blocking_tests.rs"]
mod tests;
