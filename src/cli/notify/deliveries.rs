//! `sigscope notify deliveries [ID]`: listing the delivery queue and one delivery's attempts; apart
//! from the command definitions in `mod.rs` so each file keeps to one job and stays small.
use crate::cli::output::{print_json, table, ListFormat};
use crate::engine::Reads;
use crate::error::{Error, Result};
use crate::notify::{self, queue, Target};
use crate::sanitize::{clean, truncate};
use serde_json::json;

fn delivery_json(d: &queue::Delivery) -> serde_json::Value {
    let target = Target::parse(&d.target)
        .map(|t| t.masked())
        .unwrap_or_else(|_| notify::mask::mask_text(&d.target));
    json!({
        "id": d.id,
        "rule_id": d.rule_id,
        "rule_name": d.rule_name,
        "signal_id": d.signal_id,
        "change": d.change_key,
        "target": target,
        "state": d.state.as_str(),
        "attempts": d.attempts,
        "next_attempt_at": crate::model::json::fmt_time(&d.next_attempt_at),
        "created_at": crate::model::json::fmt_time(&d.created_at),
        "sent_at": d.sent_at.as_ref().map(crate::model::json::fmt_time),
        "last_status": d.last_status,
        "last_error": d.last_error,
    })
}

pub(super) fn list_deliveries(
    reads: &Reads,
    failed: bool,
    limit: usize,
    format: ListFormat,
) -> Result<()> {
    let mut ds = reads.deliveries(failed, limit.saturating_add(1))?;
    if ds.len() > limit {
        ds.truncate(limit);
        crate::cli::output::note_cut(limit, "deliveries");
    }
    match format {
        ListFormat::Json => {
            print_json(&json!({"data": ds.iter().map(delivery_json).collect::<Vec<_>>()}))
        }
        ListFormat::Ids => {
            for d in &ds {
                println!("{}", d.id);
            }
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = ds
                .iter()
                .map(|d| {
                    let j = delivery_json(d);
                    vec![
                        d.id.to_string(),
                        d.state.as_str().into(),
                        d.attempts.to_string(),
                        clean(&truncate(&d.signal_id, 24)),
                        clean(&truncate(&d.rule_name, 24)),
                        d.change_key.clone(),
                        clean(j["target"].as_str().unwrap_or("")),
                        d.last_status.map(|s| s.to_string()).unwrap_or_default(),
                        clean(&truncate(d.last_error.as_deref().unwrap_or(""), 60)),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "ID", "STATE", "TRIES", "SIGNAL", "RULE", "CHANGE", "TARGET", "STATUS",
                        "ERROR"
                    ],
                    &rows
                )
            );
            Ok(())
        }
    }
}

pub(super) fn show_delivery(reads: &Reads, id: i64, format: ListFormat) -> Result<()> {
    let (d, attempts) = reads
        .delivery(id)?
        .ok_or_else(|| Error::NotFound(format!("no delivery {id}")))?;
    let mut j = delivery_json(&d);
    j["attempts_log"] = json!(attempts
        .iter()
        .map(|a| json!({"at": crate::model::json::fmt_time(&a.at), "status": a.status, "error": a.error, "duration_ms": a.duration_ms}))
        .collect::<Vec<_>>());
    if format == ListFormat::Json {
        return print_json(&j);
    }
    println!(
        "delivery {} ({}) of rule {} for signal {} [{}] to {}",
        d.id,
        d.state.as_str(),
        clean(&d.rule_name),
        clean(&d.signal_id),
        d.change_key,
        clean(j["target"].as_str().unwrap_or(""))
    );
    let rows: Vec<Vec<String>> = attempts
        .iter()
        .map(|a| {
            vec![
                crate::model::json::fmt_time(&a.at),
                a.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                format!("{} ms", a.duration_ms),
                clean(a.error.as_deref().unwrap_or("ok")),
            ]
        })
        .collect();
    print!("{}", table(&["AT", "STATUS", "TOOK", "RESULT"], &rows));
    Ok(())
}
