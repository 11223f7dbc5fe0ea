//! The peer: Debian's `sqlite3` CLI over the same import file and store.
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn sqlite3() -> Command {
    Command::new("sqlite3")
}

/// sqlite3's own insert of the file's `data` array: time and peak RSS, and whether it worked
/// (`readfile` stops at SQLite's 1 GB string limit).
pub fn json_each_insert(file: &Path, db: &Path) -> (Duration, u64, bool) {
    let _ = std::fs::remove_file(db);
    let sql = format!(
        "CREATE TABLE s(id TEXT PRIMARY KEY, raw TEXT); \
         INSERT INTO s SELECT value->>'id', value FROM json_each(readfile('{}'), '$.data');",
        file.display().to_string().replace('\'', "''")
    );
    let mut c = sqlite3();
    c.arg(db).arg(sql);
    super::timed(&mut c)
}

/// A `json_extract` group-by over every stored signal: what a store without an index pays for
/// one facet. The median of three.
pub fn full_scan(store: &Path) -> Duration {
    let sql = "SELECT json_extract(raw, '$.attributes.attributes.workflow.rule.name') AS r, \
               count(*) FROM signals GROUP BY r ORDER BY 2 DESC LIMIT 10;";
    let mut runs: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let out = sqlite3()
                .arg("-readonly")
                .arg(store)
                .arg(sql)
                .output()
                .expect("run sqlite3 (Debian's sqlite3 package)");
            assert!(
                out.status.success(),
                "sqlite3: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            t.elapsed()
        })
        .collect();
    runs.sort();
    runs[1]
}
