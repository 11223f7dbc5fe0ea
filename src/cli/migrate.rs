//! `sigscope migrate-store --from PATH_OR_URL --to PATH_OR_URL`: copy a whole store between
//! backends (a SQLite file and a PostgreSQL database), verified by counts and checksums.
use super::output::{print_json, table, ShowFormat};
use crate::engine::migrate::{migrate_store, store_checksums, TableSum};
use crate::error::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The store to copy: a SQLite file or a postgres:// URL.
    #[arg(long, value_name = "PATH_OR_URL")]
    pub from: PathBuf,
    /// A new, empty store to copy into: a SQLite file or a postgres:// URL.
    #[arg(long, value_name = "PATH_OR_URL")]
    pub to: PathBuf,
    /// Only compare: print both stores' counts and checksums, change nothing; exit 1 if they differ.
    #[arg(long)]
    pub verify: bool,
    /// Output: text or JSON.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

fn json(sums: &[TableSum]) -> serde_json::Value {
    serde_json::Value::Array(
        sums.iter()
            .map(|s| serde_json::json!({"table": s.table, "rows": s.rows, "checksum": s.checksum}))
            .collect(),
    )
}

pub fn run(a: MigrateArgs) -> Result<()> {
    if a.verify {
        let from = store_checksums(&a.from)?;
        let to = store_checksums(&a.to)?;
        let same = from == to;
        match a.format {
            ShowFormat::Json => print_json(&serde_json::json!({
                "identical": same, "from": json(&from), "to": json(&to)
            }))?,
            ShowFormat::Text => {
                let rows: Vec<Vec<String>> = from
                    .iter()
                    .zip(&to)
                    .map(|(f, t)| {
                        vec![
                            f.table.to_string(),
                            f.rows.to_string(),
                            t.rows.to_string(),
                            if f == t { "same" } else { "DIFFERENT" }.to_string(),
                        ]
                    })
                    .collect();
                print!("{}", table(&["TABLE", "FROM", "TO", ""], &rows));
                println!(
                    "{}",
                    if same {
                        "identical"
                    } else {
                        "the stores differ"
                    }
                );
            }
        }
        if !same {
            return Err(crate::error::Error::Conflict("the stores differ".into()));
        }
        return Ok(());
    }
    let sums = migrate_store(&a.from, &a.to)?;
    match a.format {
        ShowFormat::Json => {
            print_json(&serde_json::json!({"copied": json(&sums), "verified": true}))?
        }
        ShowFormat::Text => {
            let rows: Vec<Vec<String>> = sums
                .iter()
                .map(|s| vec![s.table.to_string(), s.rows.to_string(), s.checksum.clone()])
                .collect();
            print!("{}", table(&["TABLE", "ROWS", "CHECKSUM"], &rows));
            let total: u64 = sums.iter().map(|s| s.rows).fold(0, u64::saturating_add);
            println!(
                "copied {total} rows in {} tables; counts and checksums verified",
                sums.len()
            );
        }
    }
    Ok(())
}
