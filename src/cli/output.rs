//! Output formats shared by the list commands.
use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Ids,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

/// Print a JSON value, pretty, to stdout, with C1, bidi and line-separator characters escaped.
pub fn print_json(v: &serde_json::Value) -> Result<()> {
    let s = crate::sanitize::to_json_pretty(v).map_err(|e| Error::Other(e.to_string()))?;
    println!("{s}");
    Ok(())
}

/// A plain text table: columns padded to their widest cell. Callers sanitise their cells; every
/// cell is escaped again here (escaping is idempotent), so no cell can reach the terminal raw.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    use unicode_width::UnicodeWidthStr;
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| crate::sanitize::clean(c)).collect())
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i < last {
                let pad = widths[i].saturating_sub(c.width()) + 2;
                s.push_str(&" ".repeat(pad));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Print, on stderr, advice on a query that parses but likely misses what was meant (a wildcard
/// inside quotes); the command goes on.
pub fn note_query_hints(src: &str) {
    if let Ok(q) = crate::query::parse(src) {
        for h in crate::query::hints(src, &q) {
            eprintln!("note: {}", crate::sanitize::clean(&h.message));
        }
    }
}

/// The stderr note of a listing that `--limit` cut.
pub fn note_cut(limit: usize, what: &str) {
    eprintln!(
        "sigscope: showing the first {limit} {what}; more match (raise --limit, or --limit 0 for all)"
    );
}
