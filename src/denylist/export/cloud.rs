//! Edge WAFs: an AWS WAF `UpdateIPSet` body per address family, and Cloudflare list items. Neither
//! holds an expiry per address, so the export is a snapshot of what is active now (the expiry goes
//! into the Cloudflare item's comment for people reading the list).
use super::{comment_text, expiry_text, nets, ExportOptions, Family, Rendered};
use crate::denylist::entry::DenyEntry;
use crate::error::{Error, Result};
use ipnet::IpNet;
use serde_json::{json, Value};

/// AWS WAF's limit of addresses in one IP set.
const AWS_MAX_ADDRESSES: usize = 10_000;

pub(super) fn aws_waf(
    active: &[&DenyEntry],
    opts: &ExportOptions,
    out: &mut Rendered,
) -> Result<()> {
    let nets = nets(active);
    let scope = opts.aws_scope.clone().unwrap_or_else(|| "REGIONAL".into());
    if scope != "REGIONAL" && scope != "CLOUDFRONT" {
        return Err(Error::Usage(format!(
            "AWS WAF scope {:?}: REGIONAL or CLOUDFRONT",
            crate::sanitize::clean(&scope)
        )));
    }
    let families: Vec<Family> = match opts.family {
        Some(f) => vec![f],
        None => vec![Family::V4, Family::V6],
    };
    let mut docs = Vec::new();
    for f in families {
        let (tag, fam) = match f {
            Family::V4 => ("ipv4", "IPV4"),
            Family::V6 => ("ipv6", "IPV6"),
        };
        // AWS wants CIDR notation always, `/32` and `/128` included.
        let mut addrs: Vec<String> = nets
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
        let name = match &opts.aws_name {
            Some(n) if opts.family.is_some() => n.clone(),
            Some(n) => format!("{n}-{tag}"),
            None => format!("sigscope-denylist-{tag}"),
        };
        let id = opts
            .aws_id
            .clone()
            .unwrap_or_else(|| format!("REPLACE-WITH-{fam}-IP-SET-ID"));
        let lock = opts
            .aws_lock_token
            .clone()
            .unwrap_or_else(|| "REPLACE-WITH-LOCK-TOKEN-FROM-GET-IP-SET".into());
        docs.push(json!({
            "Name": name,
            "Scope": scope,
            "Id": id,
            "Description": format!("sigscope denylist ({fam})"),
            "Addresses": addrs,
            "LockToken": lock,
        }));
    }
    if opts.aws_id.is_none() || opts.aws_lock_token.is_none() {
        out.warnings.push(
            "aws-waf: Id and LockToken are placeholders; pass --aws-id and --aws-lock-token (from `aws wafv2 get-ip-set`)"
                .into(),
        );
    }
    // One JSON document per family, one after the other: `--family` picks one for
    // `aws wafv2 update-ip-set --cli-input-json file://...`.
    let mut text = String::new();
    for d in docs {
        text.push_str(&serde_json::to_string_pretty(&d)?);
        text.push('\n');
    }
    out.text = text;
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
