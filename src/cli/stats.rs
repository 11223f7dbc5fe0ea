//! `sigscope stats`: triage metrics (time to triage and to archive, open age, SLA breaches,
//! volume over time) for a query and time range, grouped by severity, rule, service or assignee.
use super::output::{print_json, table};
use super::signals::{parse_query_arg, time_range_args};
use super::Context;
use crate::error::{Error, Result};
use crate::query::{GroupBy, Stats, StatsParams};
use crate::sanitize::{clean, truncate};
use clap::Args;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A query in the Signals Explorer search syntax (it may start with `-`).
    #[arg(short, long, allow_hyphen_values = true)]
    pub query: Option<String>,
    /// Start of the time range: RFC 3339, `now-15m`, `now-7d` or `now`.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the time range.
    #[arg(long)]
    pub to: Option<String>,
    /// Group the time figures by severity, rule, service or assignee.
    #[arg(long, default_value = "severity")]
    pub by: String,
    /// At most this many volume buckets (their width is chosen to cover the range).
    #[arg(long, default_value_t = 24)]
    pub buckets: usize,
    /// `table` for people, `json` for scripts (the shape `GET /api/v2/sigscope/stats` answers).
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
}

pub fn run(ctx: &Context, a: StatsArgs) -> Result<()> {
    let by = GroupBy::parse(&a.by).ok_or_else(|| {
        Error::Usage(format!(
            "--by {:?}: expected severity, rule, service or assignee",
            clean(&a.by)
        ))
    })?;
    if a.buckets == 0 || a.buckets > 1000 {
        return Err(Error::Usage("--buckets: expected 1 to 1000".into()));
    }
    let targets = ctx.config.sla_targets()?;
    let query = parse_query_arg(a.query.as_deref())?;
    let (engine, reader) = ctx.engine_as_reader()?;
    let reads = engine.reads(&reader);
    let range = time_range_args(a.from.as_deref(), a.to.as_deref(), reads.now())?;
    let params = StatsParams {
        by,
        max_buckets: a.buckets,
        ..StatsParams::default()
    };
    let stats = reads.stats(&query, &range, &params, targets)?;
    match a.format {
        StatsFormat::Json => {
            print_json(&serde_json::to_value(&stats).map_err(|e| Error::Other(e.to_string()))?)
        }
        StatsFormat::Table => {
            print!("{}", to_text(&stats));
            Ok(())
        }
    }
}

use crate::query::stats::human_secs as dur;

/// The figures as text tables; group names come from signals, so they are cleaned and capped.
pub(crate) fn to_text(s: &Stats) -> String {
    let mut out = format!("{} signals, grouped by {}\n\n", s.total, s.by.as_str());
    let rows: Vec<Vec<String>> = s
        .groups
        .0
        .iter()
        .map(|(g, n)| {
            let t = s.time_to_triage.get(g).cloned().unwrap_or_default();
            let a = s.time_to_archive.get(g).cloned().unwrap_or_default();
            vec![
                truncate(&clean(g), 40),
                n.to_string(),
                t.count.to_string(),
                dur(t.p50_s),
                dur(t.p90_s),
                dur(t.max_s),
                a.count.to_string(),
                dur(a.p50_s),
                dur(a.p90_s),
                dur(a.max_s),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "GROUP", "SIGNALS", "TRIAGED", "TTT P50", "TTT P90", "TTT MAX", "ARCHIVED", "TTA P50",
            "TTA P90", "TTA MAX",
        ],
        &rows,
    ));
    out.push_str(&format!("\nopen: {}\n", s.open.count));
    for (k, n) in &s.open.age_buckets.0 {
        out.push_str(&format!("  {k:<6} {n}\n"));
    }
    let targets: Vec<String> = s
        .sla
        .targets_s
        .0
        .iter()
        .map(|(k, v)| format!("{k} {}", crate::query::stats::human_target(*v)))
        .collect();
    out.push_str(&format!(
        "\nSLA ({}): {} breached\n",
        targets.join(", "),
        s.sla.breached
    ));
    for id in &s.sla.breached_ids {
        out.push_str(&format!("  {}\n", clean(id)));
    }
    out.push_str(&format!(
        "\nvolume (buckets of {}):\n",
        dur(Some(s.bucket_s))
    ));
    for b in &s.volume {
        out.push_str(&format!(
            "  {}  {}\n",
            b.start.format("%Y-%m-%d %H:%M:%S"),
            b.count
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::stats::{Ordered, Summary};

    #[test]
    fn text_output_escapes_hostile_group_names() {
        let s = Stats {
            total: 1,
            groups: Ordered(vec![("rule\u{1b}[31m".into(), 1)]),
            time_to_triage: Ordered(vec![("rule\u{1b}[31m".into(), Summary::of(vec![90_000]))]),
            ..Stats::default()
        };
        let t = to_text(&s);
        assert!(!t.contains('\u{1b}'), "{t}");
        assert!(t.contains("1m30s"), "{t}");
    }
}
