//! The active denylist in the formats of the enforcement points people already run.
//!
//! Every exporter takes all entries and `now`, keeps the active ones, and says in `warnings` what it
//! had to leave out or bend to fit its target (a range the target refuses, a timeout past its
//! limit), so the CLI can print them on stderr without touching the output.
mod cloud;
mod firewall;
mod nginx;
mod tabular;

use super::entry::{self, DenyEntry, ValueKind};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use ipnet::IpNet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Nginx,
    NginxGeo,
    Nftables,
    Ipset,
    AwsWaf,
    Cloudflare,
    Crowdsec,
    RulesData,
    Csv,
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 10] = [
        ExportFormat::Nginx,
        ExportFormat::NginxGeo,
        ExportFormat::Nftables,
        ExportFormat::Ipset,
        ExportFormat::AwsWaf,
        ExportFormat::Cloudflare,
        ExportFormat::Crowdsec,
        ExportFormat::RulesData,
        ExportFormat::Csv,
        ExportFormat::Json,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Nginx => "nginx",
            ExportFormat::NginxGeo => "nginx-geo",
            ExportFormat::Nftables => "nftables",
            ExportFormat::Ipset => "ipset",
            ExportFormat::AwsWaf => "aws-waf",
            ExportFormat::Cloudflare => "cloudflare",
            ExportFormat::Crowdsec => "crowdsec",
            ExportFormat::RulesData => "rules-data",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Result<ExportFormat> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.as_str()).collect();
                Error::Usage(format!(
                    "unknown denylist format {:?}; one of: {}",
                    crate::sanitize::clean(s),
                    names.join(", ")
                ))
            })
    }

    /// The media type a server answers with.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::AwsWaf
            | ExportFormat::Cloudflare
            | ExportFormat::Crowdsec
            | ExportFormat::RulesData
            | ExportFormat::Json => "application/json",
            ExportFormat::Csv => "text/csv; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn parse(s: &str) -> Result<Family> {
        match s {
            "ipv4" | "v4" | "4" => Ok(Family::V4),
            "ipv6" | "v6" | "6" => Ok(Family::V6),
            _ => Err(Error::Usage(format!(
                "{:?}: the address family is ipv4 or ipv6",
                crate::sanitize::clean(s)
            ))),
        }
    }

    fn of(net: &IpNet) -> Family {
        match net {
            IpNet::V4(_) => Family::V4,
            IpNet::V6(_) => Family::V6,
        }
    }
}

/// Knobs of the formats that name things in the target (AWS WAF needs the IP set's identity).
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Only this family (aws-waf: one document instead of two).
    pub family: Option<Family>,
    pub aws_name: Option<String>,
    pub aws_id: Option<String>,
    /// `REGIONAL` (default) or `CLOUDFRONT`.
    pub aws_scope: Option<String>,
    pub aws_lock_token: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub warnings: Vec<String>,
}

/// Render the entries active at `now` in `format`.
pub fn render(
    format: ExportFormat,
    entries: &[DenyEntry],
    now: DateTime<Utc>,
    opts: &ExportOptions,
) -> Result<Rendered> {
    let active: Vec<&DenyEntry> = entry::active(entries, now)
        .into_iter()
        .filter(|e| match (opts.family, e.value.net()) {
            (Some(f), Some(n)) => Family::of(&n) == f,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    let mut out = Rendered::default();
    match format {
        ExportFormat::Nginx => nginx::deny(&active, now, &mut out),
        ExportFormat::NginxGeo => nginx::geo(&active, now, &mut out),
        ExportFormat::Nftables => firewall::nftables(&active, now, &mut out),
        ExportFormat::Ipset => firewall::ipset(&active, now, &mut out),
        ExportFormat::AwsWaf => cloud::aws_waf(&active, opts, &mut out)?,
        ExportFormat::Cloudflare => cloud::cloudflare(&active, &mut out)?,
        ExportFormat::Crowdsec => tabular::crowdsec(&active, now, &mut out)?,
        ExportFormat::RulesData => tabular::rules_data(&active, &mut out)?,
        ExportFormat::Csv => tabular::csv(&active, &mut out),
        ExportFormat::Json => tabular::json(&active, &mut out)?,
    }
    // Whatever an exporter did, what leaves here is read by other programs and often by a terminal
    // (`sigscope denylist export | less`): no raw control, C1 or bidi character survives.
    out.text = if format.content_type() == "application/json" {
        crate::sanitize::json_text(&out.text)
    } else {
        crate::sanitize::text_lines(&out.text)
    };
    Ok(out)
}

/// The address entries only (formats that cannot express user blocks), each with its network.
fn nets<'a>(active: &[&'a DenyEntry]) -> Vec<(IpNet, &'a DenyEntry)> {
    active
        .iter()
        .filter(|e| e.kind != ValueKind::User)
        .filter_map(|e| e.value.net().map(|n| (n, *e)))
        .collect()
}

/// Text from a person or a rule made safe for a `#` comment in a config file: one line, printable.
fn comment_text(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| {
            if c.is_control() || crate::sanitize::is_unsafe(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    crate::sanitize::truncate(one.trim(), 160)
}

fn expiry_text(e: &DenyEntry) -> String {
    match e.expires_at {
        Some(t) => format!("until {}", crate::model::json::fmt_time(&t)),
        None => "permanent".into(),
    }
}

fn header(format: &str, count: usize, now: DateTime<Utc>) -> String {
    format!(
        "# sigscope denylist ({format}): {count} active entries at {}. Generated; regenerate rather than edit.\n",
        crate::model::json::fmt_time(&now)
    )
}

#[cfg(test)]
mod tests;
