//! Host firewalls: a whole `nft -f` script, and an `ipset restore` file. Both replace the set
//! atomically on load and carry each entry's remaining time as the element's own timeout, so blocks
//! run out on time even if nobody reloads.
use super::{header, nets, Family, Rendered};
use crate::denylist::entry::DenyEntry;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use std::fmt::Write;

/// ipset's largest element timeout, in seconds.
const IPSET_MAX_TIMEOUT: i64 = 2_147_483;
const IPSET_MAXELEM: usize = 1 << 20;

/// One element per network: duplicates keep the longest expiry, and a network inside another
/// is left out, since interval sets refuse overlapping elements. `None` expiry is permanent.
fn elements(
    active: &[&DenyEntry],
    now: DateTime<Utc>,
    out: &mut Rendered,
) -> Vec<(IpNet, Option<i64>)> {
    let mut v: Vec<(IpNet, Option<i64>)> = nets(active)
        .into_iter()
        .map(|(n, e)| (n, e.remaining_secs(now)))
        .collect();
    // Widest first, so containers are kept before what they contain.
    v.sort_by(|a, b| a.0.prefix_len().cmp(&b.0.prefix_len()).then(a.0.cmp(&b.0)));
    let mut kept: Vec<(IpNet, Option<i64>)> = Vec::new();
    for (net, secs) in v {
        if let Some(k) = kept.iter_mut().find(|k| k.0 == net) {
            k.1 = match (k.1, secs) {
                (None, _) | (_, None) => None,
                (Some(a), Some(b)) => Some(a.max(b)),
            };
            continue;
        }
        if let Some(k) = kept.iter().find(|k| k.0.contains(&net)) {
            let outlasts = match (k.1, secs) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => a >= b,
            };
            if !outlasts {
                out.warnings.push(format!(
                    "{net} is inside {} which ends sooner; it is left out of this set until {} ends (export again then)",
                    k.0, k.0
                ));
            }
            continue;
        }
        kept.push((net, secs));
    }
    kept.sort_by_key(|k| k.0);
    kept
}

fn family(els: &[(IpNet, Option<i64>)], f: Family) -> Vec<(IpNet, Option<i64>)> {
    els.iter()
        .filter(|(n, _)| Family::of(n) == f)
        .copied()
        .collect()
}

/// `1d2h3m4s`: nft refuses a single number past about 10^8 (`100000000s` is "value too large"),
/// so long timeouts are written in larger units.
fn nft_duration(secs: i64) -> String {
    let secs = secs.max(1);
    let parts = [
        (secs / 86_400, "d"),
        ((secs % 86_400) / 3600, "h"),
        ((secs % 3600) / 60, "m"),
        (secs % 60, "s"),
    ];
    let mut out = String::new();
    for (n, unit) in parts.into_iter().filter(|p| p.0 > 0) {
        let _ = write!(out, "{n}{unit}");
    }
    out
}

fn nft_element(net: &IpNet, secs: Option<i64>) -> String {
    let addr = if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    };
    match secs {
        Some(s) => format!("{addr} timeout {}", nft_duration(s)),
        None => addr,
    }
}

pub(super) fn nftables(active: &[&DenyEntry], now: DateTime<Utc>, out: &mut Rendered) {
    let els = elements(active, now, out);
    let mut s = String::from("#!/usr/sbin/nft -f\n");
    s.push_str(&header("nftables", els.len(), now));
    s.push_str(
        "# Load with `nft -f FILE`: it replaces table inet sigscope and touches nothing else.\n",
    );
    // `add` then `delete` makes the load work whether or not the table exists, in one transaction.
    s.push_str("add table inet sigscope\ndelete table inet sigscope\n\n");
    s.push_str("table inet sigscope {\n");
    for (name, typ, f) in [
        ("denylist_v4", "ipv4_addr", Family::V4),
        ("denylist_v6", "ipv6_addr", Family::V6),
    ] {
        let _ = writeln!(s, "\tset {name} {{");
        let _ = writeln!(s, "\t\ttype {typ}");
        s.push_str("\t\tflags interval, timeout\n");
        let fam = family(&els, f);
        if !fam.is_empty() {
            let items: Vec<String> = fam.iter().map(|(n, t)| nft_element(n, *t)).collect();
            let _ = writeln!(
                s,
                "\t\telements = {{\n\t\t\t{}\n\t\t}}",
                items.join(",\n\t\t\t")
            );
        }
        s.push_str("\t}\n\n");
    }
    s.push_str("\tchain input {\n");
    s.push_str("\t\ttype filter hook input priority -10; policy accept;\n");
    s.push_str("\t\tip saddr @denylist_v4 drop\n");
    s.push_str("\t\tip6 saddr @denylist_v6 drop\n");
    s.push_str("\t}\n\n");
    s.push_str("\tchain forward {\n");
    s.push_str("\t\ttype filter hook forward priority -10; policy accept;\n");
    s.push_str("\t\tip saddr @denylist_v4 drop\n");
    s.push_str("\t\tip6 saddr @denylist_v6 drop\n");
    s.push_str("\t}\n}\n");
    out.text = s;
}

pub(super) fn ipset(active: &[&DenyEntry], now: DateTime<Utc>, out: &mut Rendered) {
    // hash:net takes overlapping networks, so only exact duplicates are merged here.
    let mut els: Vec<(IpNet, Option<i64>)> = Vec::new();
    for (net, e) in nets(active) {
        let secs = e.remaining_secs(now);
        match els.iter_mut().find(|k| k.0 == net) {
            Some(k) => {
                k.1 = match (k.1, secs) {
                    (None, _) | (_, None) => None,
                    (Some(a), Some(b)) => Some(a.max(b)),
                }
            }
            None => els.push((net, secs)),
        }
    }
    let clamped = els
        .iter()
        .filter(|(_, t)| t.is_some_and(|t| t > IPSET_MAX_TIMEOUT))
        .count();
    if clamped > 0 {
        out.warnings.push(format!(
            "{clamped} entries last longer than ipset's largest timeout ({IPSET_MAX_TIMEOUT}s, about 24 days); \
             they are set to that and need a new export before it runs out"
        ));
    }
    // No comment lines: `ipset restore` reads commands only.
    let mut s = String::new();
    for (name, fam, f) in [
        ("sigscope-v4", "inet", Family::V4),
        ("sigscope-v6", "inet6", Family::V6),
    ] {
        let items = family(&els, f);
        // Fixed, not sized to the list: `create -exist` fails if an existing set's options differ.
        let opts = format!("hash:net family {fam} timeout 0 maxelem {IPSET_MAXELEM}");
        // Fill a scratch set and swap it in, so the live set is never half-loaded.
        let _ = writeln!(s, "create {name} {opts} -exist");
        let _ = writeln!(s, "create {name}-new {opts} -exist");
        let _ = writeln!(s, "flush {name}-new");
        if items.len() > IPSET_MAXELEM {
            out.warnings.push(format!(
                "{} {name} entries exceed the set's maxelem {IPSET_MAXELEM}; ipset will refuse the rest",
                items.len()
            ));
        }
        for (net, secs) in items {
            let t = secs.map_or(0, |t| t.clamp(1, IPSET_MAX_TIMEOUT));
            let _ = writeln!(s, "add {name}-new {net} timeout {t} -exist");
        }
        let _ = writeln!(s, "swap {name}-new {name}");
        let _ = writeln!(s, "destroy {name}-new");
    }
    out.text = s;
}
