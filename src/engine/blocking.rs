//! The denylist: block IPs, ranges and users for a time or for good; lift blocks.
//!
//! Values are validated here (no loopback, no unspecified address, no `/0`) and stored in canonical
//! form, so the same address typed two ways is one block.
use super::{BlockFor, Tx};
use crate::error::{Error, Result};
use crate::model::audit::actions;
use crate::model::{Block, BlockKind};
use crate::store::Db;
use chrono::{DateTime, TimeDelta, Utc};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const MAX_USER_ID: usize = 256;

/// `30m`, `24h`, `7d`, `2w`, `90s`.
pub fn parse_duration(s: &str) -> Result<TimeDelta> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || {
        Error::Usage(format!(
            "duration {s:?}: expected a number and a unit, like 30m, 24h, 7d (units s m h d w)"
        ))
    };
    let n: i64 = num.parse().map_err(|_| bad())?;
    if n <= 0 {
        return Err(Error::Usage(format!(
            "duration {s:?} must be longer than zero"
        )));
    }
    let d = match unit {
        "s" => TimeDelta::try_seconds(n),
        "m" => TimeDelta::try_minutes(n),
        "h" => TimeDelta::try_hours(n),
        "d" => TimeDelta::try_days(n),
        "w" => TimeDelta::try_weeks(n),
        _ => return Err(bad()),
    };
    d.filter(|d| *d <= TimeDelta::days(36_500))
        .ok_or_else(|| Error::Usage(format!("duration {s:?} is too long; use --permanent")))
}

fn refuse_ip(ip: IpAddr, typed: &str) -> Result<()> {
    if ip.is_loopback() {
        return Err(Error::Usage(format!(
            "{typed:?} is a loopback address: blocking it would cut the host off from itself"
        )));
    }
    if ip.is_unspecified() {
        return Err(Error::Usage(format!(
            "{typed:?} is the unspecified address, not an attacker"
        )));
    }
    Ok(())
}

/// An IP or CIDR range as (kind, canonical value); refused values say why.
pub fn parse_ip_value(s: &str) -> Result<(BlockKind, String)> {
    let t = s.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        refuse_ip(ip, t)?;
        return Ok((BlockKind::Ip, ip.to_string()));
    }
    let net: IpNet = t.parse().map_err(|_| {
        Error::Usage(format!(
            "{t:?} is not an IP address or CIDR range (like 203.0.113.7 or 203.0.113.0/24)"
        ))
    })?;
    if net.prefix_len() == 0 {
        return Err(Error::Usage(format!(
            "{t:?} covers every address; a /0 block would cut off everyone"
        )));
    }
    if net.trunc() != net {
        // Widening silently would block far more than was typed (10.1.2.3/8 is 16 million addresses).
        return Err(Error::Usage(format!(
            "{t:?} is not a canonical CIDR range (host bits are set): the range is {}; to block the one address, give {}",
            net.trunc(),
            net.addr()
        )));
    }
    if net.prefix_len() == net.max_prefix_len() {
        let ip = net.addr().to_canonical();
        refuse_ip(ip, t)?;
        return Ok((BlockKind::Ip, ip.to_string()));
    }
    let specials: [IpNet; 4] = [
        IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8)),
        IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128)),
        IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::UNSPECIFIED, 32)),
        IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 128)),
    ];
    for sp in specials {
        if net.contains(&sp) || sp.contains(&net) {
            return Err(Error::Usage(format!(
                "{t:?} covers loopback or unspecified addresses ({sp}); refused"
            )));
        }
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

fn expiry(now: DateTime<Utc>, d: BlockFor) -> Option<DateTime<Utc>> {
    match d {
        BlockFor::Permanent => None,
        BlockFor::Duration(d) => Some(now + d),
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
    let expires_at = expiry(tx.now, duration);
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
    let expires_at = expiry(tx.now, duration);
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
        Some(format!("{what} (signal {})", s.id))
    });
    let signal = Some(s.id.clone());
    let expires_at = expiry(tx.now, duration);
    let mut seen = Vec::new();
    for ip in &s.attacker_ips {
        match parse_ip_value(ip) {
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
            Err(e) => tx.out.skipped.push(e.to_string()),
        }
    }
    Ok(())
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
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap(), TimeDelta::minutes(30));
        assert_eq!(parse_duration("24h").unwrap(), TimeDelta::hours(24));
        assert_eq!(parse_duration("7d").unwrap(), TimeDelta::days(7));
        for bad in ["", "7", "d", "0m", "-5m", "7x", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ip_values_are_canonical() {
        assert_eq!(
            parse_ip_value(" 203.0.113.7 ").unwrap(),
            (BlockKind::Ip, "203.0.113.7".into())
        );
        assert_eq!(
            parse_ip_value("203.0.113.0/24").unwrap(),
            (BlockKind::Range, "203.0.113.0/24".into())
        );
        let e = parse_ip_value("203.0.113.77/24").unwrap_err().to_string();
        assert!(
            e.contains("the range is 203.0.113.0/24") && e.contains("give 203.0.113.77"),
            "{e}"
        );
        assert_eq!(
            parse_ip_value("203.0.113.7/32").unwrap(),
            (BlockKind::Ip, "203.0.113.7".into())
        );
        assert_eq!(
            parse_ip_value("::ffff:198.51.100.1").unwrap(),
            (BlockKind::Ip, "198.51.100.1".into())
        );
        assert_eq!(
            parse_ip_value("2001:DB8::1").unwrap(),
            (BlockKind::Ip, "2001:db8::1".into())
        );
        // Attackers inside the network are real.
        assert!(parse_ip_value("10.0.0.5").is_ok());
        assert!(parse_ip_value("192.168.0.0/16").is_ok());
    }

    #[test]
    fn dangerous_values_are_refused_with_the_reason() {
        for (v, why) in [
            ("127.0.0.1", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("0.0.0.0", "unspecified"),
            ("::", "unspecified"),
            ("0.0.0.0/0", "/0"),
            ("::/0", "/0"),
            ("127.0.0.0/8", "loopback"),
            ("126.0.0.0/7", "loopback"),
            ("not-an-ip", "not an IP"),
        ] {
            let e = parse_ip_value(v).unwrap_err().to_string();
            assert!(e.contains(why), "{v}: {e}");
        }
    }

    #[test]
    fn user_values() {
        assert_eq!(check_user_value(" user8 ").unwrap(), "user8");
        assert!(check_user_value("").is_err());
        assert!(check_user_value("a\u{1b}[31m").is_err());
    }
}
