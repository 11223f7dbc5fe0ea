//! Data formats: CrowdSec's `cscli decisions import` JSON, the vendor tracers' `rules_data`, CSV
//! and sigscope's own JSON.
use super::{nets, Rendered};
use crate::denylist::decisions::PERMANENT_SECS;
use crate::denylist::duration::go_format;
use crate::denylist::entry::{DenyEntry, ValueKind};
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub(super) fn crowdsec(
    active: &[&DenyEntry],
    now: DateTime<Utc>,
    out: &mut Rendered,
) -> Result<()> {
    let users = active.iter().filter(|e| e.kind == ValueKind::User).count();
    if users > 0 {
        out.warnings.push(format!(
            "{users} user blocks left out: CrowdSec bouncers enforce Ip and Range decisions only"
        ));
    }
    let ds: Vec<Value> = nets(active)
        .into_iter()
        .map(|(_, e)| {
            json!({
                "duration": go_format(e.remaining_secs(now).unwrap_or(PERMANENT_SECS).max(1)),
                "reason": crate::denylist::decisions::one_line(&e.reason),
                "scope": if e.kind == ValueKind::Ip { "ip" } else { "range" },
                "type": "ban",
                "value": e.value.to_string(),
            })
        })
        .collect();
    out.text = crate::sanitize::to_json_pretty(&Value::Array(ds))? + "\n";
    Ok(())
}

/// `expiration` is epoch seconds, 0 for permanent.
pub(super) fn rules_data(active: &[&DenyEntry], out: &mut Rendered) -> Result<()> {
    let item = |e: &DenyEntry| {
        json!({
            "value": e.value.to_string(),
            "expiration": e.expires_at.map_or(0, |t| t.timestamp()),
        })
    };
    let ips: Vec<Value> = active
        .iter()
        .filter(|e| e.kind != ValueKind::User)
        .map(|e| item(e))
        .collect();
    let users: Vec<Value> = active
        .iter()
        .filter(|e| e.kind == ValueKind::User)
        .map(|e| item(e))
        .collect();
    let doc = json!({"rules_data": [
        {"id": "blocked_ips", "type": "ip_with_expiration", "data": ips},
        {"id": "blocked_users", "type": "data_with_expiration", "data": users},
    ]});
    out.text = crate::sanitize::to_json_pretty(&doc)? + "\n";
    Ok(())
}

/// Reasons and creators come from rule names and signal titles: the one sanitiser makes each cell
/// safe for a terminal and a spreadsheet.
fn cell(s: &str) -> String {
    crate::sanitize::csv_cell(s)
}

pub(super) fn csv(active: &[&DenyEntry], out: &mut Rendered) {
    let mut s = String::from("id,value,kind,expires_at,reason,created_by,created_at,signal_id\n");
    for e in active {
        let row = [
            e.id.to_string(),
            e.value.to_string(),
            e.kind.as_str().to_string(),
            e.expires_at
                .map(|t| crate::model::json::fmt_time(&t))
                .unwrap_or_default(),
            e.reason.clone(),
            e.created_by.clone(),
            crate::model::json::fmt_time(&e.created_at),
            e.signal_id.clone().unwrap_or_default(),
        ];
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    out.text = s;
}

pub(super) fn json(active: &[&DenyEntry], out: &mut Rendered) -> Result<()> {
    out.text = crate::sanitize::to_json_pretty(active)? + "\n";
    Ok(())
}
