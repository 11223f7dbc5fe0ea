//! Edge WAFs: an AWS WAF `UpdateIPSet` body for one address family, and the Cloudflare list items
//! for "Update all list items" (`PUT .../rules/lists/{id}/items`, which replaces the list, so lifted
//! and expired blocks leave it). Neither holds an expiry per address, so the export is a snapshot of
//! what is active now (the expiry goes into the Cloudflare item's comment for people reading it).
use super::{comment_text, expiry_text, nets, ExportOptions, Family, Rendered};
use crate::denylist::entry::DenyEntry;
use crate::error::{Error, Result};
use ipnet::IpNet;
use serde_json::{json, Value};

/// AWS WAF's limit of addresses in one IP set.
const AWS_MAX_ADDRESSES: usize = 10_000;

/// AWS's `EntityName`: `^[\w\-]+$`, 1 to 128 characters.
fn aws_name_ok(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// AWS's `EntityId` and `LockToken`: `^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$`.
fn aws_uuid_ok(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}

/// The `UpdateIPSet` input for one address family, as `aws wafv2 update-ip-set --cli-input-json`
/// reads it. An IP set holds one family, so the caller names it (`--family`).
pub(super) fn aws_waf(
    active: &[&DenyEntry],
    opts: &ExportOptions,
    out: &mut Rendered,
) -> Result<()> {
    let Some(f) = opts.family else {
        return Err(Error::Usage(
            "aws-waf: an AWS WAF IP set holds one address family; pass --family ipv4 or --family ipv6 \
             (or --out-dir DIR for one file per family)"
                .into(),
        ));
    };
    let scope = opts.aws_scope.clone().unwrap_or_else(|| "REGIONAL".into());
    if scope != "REGIONAL" && scope != "CLOUDFRONT" {
        return Err(Error::Usage(format!(
            "AWS WAF scope {:?}: REGIONAL or CLOUDFRONT",
            crate::sanitize::clean(&scope)
        )));
    }
    let (tag, fam) = match f {
        Family::V4 => ("ipv4", "IPv4"),
        Family::V6 => ("ipv6", "IPv6"),
    };
    let name = opts
        .aws_name
        .clone()
        .unwrap_or_else(|| format!("sigscope-denylist-{tag}"));
    if !aws_name_ok(&name) {
        return Err(Error::Usage(format!(
            "AWS WAF IP set name {:?}: 1 to 128 letters, digits, _ and -",
            crate::sanitize::clean(&name)
        )));
    }
    for (what, v) in [
        ("--aws-id", &opts.aws_id),
        ("--aws-lock-token", &opts.aws_lock_token),
    ] {
        if let Some(v) = v {
            if !aws_uuid_ok(v) {
                return Err(Error::Usage(format!(
                    "{what} {:?}: AWS writes it as 8-4-4-4-12 lower-case hex digits (from `aws wafv2 get-ip-set`)",
                    crate::sanitize::clean(v)
                )));
            }
        }
    }
    // AWS wants CIDR notation always, `/32` and `/128` included.
    let mut addrs: Vec<String> = nets(active)
        .iter()
        .filter(|(n, _)| Family::of(n) == f)
        .map(|(n, _)| n.to_string())
        .collect();
    addrs.dedup();
    if addrs.len() > AWS_MAX_ADDRESSES {
        return Err(Error::Invalid(format!(
            "{} active {fam} entries; an AWS WAF IP set holds at most {AWS_MAX_ADDRESSES}",
            addrs.len()
        )));
    }
    let id = opts
        .aws_id
        .clone()
        .unwrap_or_else(|| format!("REPLACE-WITH-{}-IP-SET-ID", tag.to_uppercase()));
    let lock = opts
        .aws_lock_token
        .clone()
        .unwrap_or_else(|| "REPLACE-WITH-LOCK-TOKEN-FROM-GET-IP-SET".into());
    if opts.aws_id.is_none() || opts.aws_lock_token.is_none() {
        out.warnings.push(
            "aws-waf: Id and LockToken are placeholders; pass --aws-id and --aws-lock-token (from `aws wafv2 get-ip-set`)"
                .into(),
        );
    }
    let doc = json!({
        "Name": name,
        "Scope": scope,
        "Id": id,
        // AWS allows letters, digits, spaces and `_+=:#@/-,.` here (no parentheses).
        "Description": format!("sigscope denylist {fam}"),
        "Addresses": addrs,
        "LockToken": lock,
    });
    out.text = serde_json::to_string_pretty(&doc)? + "\n";
    Ok(())
}

/// Cloudflare accepts IPv4 /8../32 and IPv6 /12../64; a longer IPv6 prefix is widened to its /64
/// (Cloudflare's own granularity for IPv6), a shorter prefix cannot be listed.
fn cloudflare_net(net: IpNet) -> std::result::Result<IpNet, String> {
    match net {
        IpNet::V4(n) if n.prefix_len() >= 8 => Ok(net),
        IpNet::V6(n) if n.prefix_len() > 64 => IpNet::new(net.addr(), 64)
            .map(|w| w.trunc())
            .map_err(|e| e.to_string()),
        IpNet::V6(n) if n.prefix_len() >= 12 => Ok(net),
        _ => Err(format!(
            "{net}: Cloudflare lists take IPv4 /8 to /32 and IPv6 /12 to /64; left out"
        )),
    }
}

pub(super) fn cloudflare(active: &[&DenyEntry], out: &mut Rendered) -> Result<()> {
    let mut items: Vec<Value> = Vec::new();
    let mut seen: Vec<IpNet> = Vec::new();
    for (net, e) in nets(active) {
        let n = match cloudflare_net(net) {
            Ok(n) => n,
            Err(w) => {
                out.warnings.push(w);
                continue;
            }
        };
        if seen.contains(&n) {
            continue;
        }
        seen.push(n);
        let ip = match n {
            IpNet::V4(v) if v.prefix_len() == 32 => v.addr().to_string(),
            _ => n.to_string(),
        };
        let comment = crate::sanitize::truncate(
            &format!(
                "sigscope #{} {}: {}",
                e.id,
                expiry_text(e),
                comment_text(&e.reason)
            ),
            500,
        );
        items.push(json!({"ip": ip, "comment": comment}));
    }
    out.text = serde_json::to_string_pretty(&Value::Array(items))? + "\n";
    Ok(())
}
