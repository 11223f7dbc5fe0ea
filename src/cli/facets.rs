//! `sigscope signals facets`: counts per facet value for a query and time range.
use super::output::print_json;
use super::signals::{parse_query_arg, time_range_args};
use crate::engine::Reads;
use crate::error::Result;
use crate::query::SearchResult;
use crate::sanitize::clean;
use chrono::Utc;
use clap::Args;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FacetFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct FacetsArgs {
    /// A query in the Signals Explorer search syntax (it may start with `-`).
    #[arg(short, long, allow_hyphen_values = true)]
    pub query: Option<String>,
    /// Start of the time range: RFC 3339, `now-15m`, `now-7d` or `now`.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the time range.
    #[arg(long)]
    pub to: Option<String>,
    /// Values shown per facet.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FacetFormat::Table)]
    pub format: FacetFormat,
}

pub fn run(store: &Reads, a: FacetsArgs, targets: crate::query::SlaTargets) -> Result<()> {
    let query = parse_query_arg(a.query.as_deref())?;
    let range = time_range_args(a.from.as_deref(), a.to.as_deref(), Utc::now())?;
    let r = store.search_signals(&query, &range, a.top, targets)?;
    match a.format {
        FacetFormat::Json => print_json(&to_json(&r)),
        FacetFormat::Table => {
            print!("{}", to_text(&r));
            Ok(())
        }
    }
}

fn to_json(r: &SearchResult) -> serde_json::Value {
    json!({
        "total": r.total,
        "facets": r.facets.iter().map(|f| json!({
            "name": f.name,
            "key": f.key,
            "distinct": f.distinct,
            "values": f.values.iter().map(|(v, n)| json!({"value": v, "count": n})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn to_text(r: &SearchResult) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = format!("{} signals\n", r.total);
    for f in &r.facets {
        if f.distinct == 0 {
            continue;
        }
        let name = if f.name == "Tag" {
            format!("Tag {}", clean(&f.key))
        } else {
            f.name.to_string()
        };
        out.push_str(&format!(
            "\n{name} ({}; {} value{})\n",
            clean(&f.key),
            f.distinct,
            if f.distinct == 1 { "" } else { "s" }
        ));
        let values: Vec<String> = f.values.iter().map(|(v, _)| clean(v)).collect();
        let width = values.iter().map(|v| v.width()).max().unwrap_or(0);
        for (v, (_, n)) in values.iter().zip(&f.values) {
            let pad = " ".repeat(width - v.width());
            out.push_str(&format!("  {v}{pad}  {n}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Facet;

    #[test]
    fn text_output_escapes_hostile_values() {
        let r = SearchResult {
            matches: vec![0],
            total: 1,
            facets: vec![Facet {
                name: "Tag",
                key: "team".into(),
                values: vec![("x\u{1b}[31m".into(), 1)],
                distinct: 1,
            }],
        };
        let t = to_text(&r);
        assert!(!t.contains('\u{1b}'), "{t}");
        assert!(t.contains("Tag team"));
        assert_eq!(to_json(&r)["facets"][0]["values"][0]["count"], 1);
    }
}
