//! `sigscope rules list|show ID|test ID FILE`: the detection-rule catalogue (defaults, then the
//! user's `detection-rules/*.json` beside the config file) and a dry run of one rule over a log.
use super::output::{print_json, table};
use super::Context;
use crate::detect::catalogue::{self, Catalogue, Origin};
use crate::detect::{Detector, Format, NoState};
use crate::error::{Error, Result};
use crate::sanitize::{clean, truncate};
use clap::{Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// The rules in effect, defaults and your own.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// One rule whole.
    Show {
        /// The detection rule's id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Which signals one rule would raise from a log; changes nothing.
    Test {
        /// The detection rule's id.
        id: String,
        /// The log; `-` reads stdin.
        file: PathBuf,
        /// The log's format: modsecurity, aws-waf or events.
        #[arg(long, default_value = "modsecurity")]
        input: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
}

fn origin(o: &Origin) -> String {
    match o {
        Origin::Default => "default".into(),
        Origin::User(p) => p.display().to_string(),
    }
}

pub fn run(ctx: &Context, cmd: RulesCmd) -> Result<()> {
    let cat = Catalogue::load(&catalogue::user_dir(&ctx.config_path))?;
    let get = |id: &str| {
        cat.get(id).ok_or_else(|| {
            Error::NotFound(format!(
                "no detection rule {id:?} (see `sigscope rules list`)"
            ))
        })
    };
    match cmd {
        RulesCmd::List { format } => {
            let rows: Vec<Vec<String>> = cat
                .entries
                .iter()
                .map(|e| {
                    let r = &e.rule.rule;
                    vec![
                        clean(&r.id),
                        truncate(&clean(&r.name), 50),
                        if r.is_enabled { "yes" } else { "no" }.into(),
                        r.cases
                            .iter()
                            .map(|c| c.status.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        clean(&r.condition()),
                        clean(&origin(&e.origin)),
                    ]
                })
                .collect();
            match format {
                RulesFormat::Table => {
                    print!(
                        "{}",
                        table(
                            &["ID", "NAME", "ENABLED", "SEVERITY", "CONDITION", "FROM"],
                            &rows
                        )
                    );
                    Ok(())
                }
                RulesFormat::Json => print_json(&json!(cat
                    .entries
                    .iter()
                    .map(|e| {
                        let mut v = serde_json::to_value(&e.rule.rule).unwrap_or(Value::Null);
                        v["origin"] = json!(origin(&e.origin));
                        v
                    })
                    .collect::<Vec<_>>())),
            }
        }
        RulesCmd::Show { id, format } => {
            let e = get(&id)?;
            let r = &e.rule.rule;
            match format {
                RulesFormat::Json => print_json(&serde_json::to_value(r)?),
                RulesFormat::Table => {
                    println!("{} — {}", clean(&r.id), clean(&r.name));
                    println!(
                        "type: {}  version: {}  enabled: {}  from: {}",
                        r.type_display(),
                        r.version,
                        r.is_enabled,
                        clean(&origin(&e.origin))
                    );
                    for (i, q) in e.rule.queries.iter().enumerate() {
                        let src = &r.queries[i];
                        println!(
                            "query {}: {}  groupBy: [{}]  {:?}{}",
                            q.name,
                            clean(&src.query),
                            clean(&src.group_by_fields.join(", ")),
                            src.aggregation,
                            if src.distinct_fields.is_empty() {
                                String::new()
                            } else {
                                format!(" of [{}]", clean(&src.distinct_fields.join(", ")))
                            }
                        );
                    }
                    for c in &r.cases {
                        println!(
                            "case {:?}: {} → {}",
                            clean(&c.name),
                            clean(&c.condition),
                            c.status
                        );
                    }
                    let o = &r.options;
                    println!(
                        "evaluationWindow: {}s  keepAlive: {}s  maxSignalDuration: {}s",
                        o.evaluation_window, o.keep_alive, o.max_signal_duration
                    );
                    println!("tags: {}", clean(&r.tags.join(", ")));
                    println!("\n{}", clean(&r.message));
                    Ok(())
                }
            }
        }
        RulesCmd::Test {
            id,
            file,
            input,
            format,
        } => {
            let rule = get(&id)?.rule.clone();
            let fmt = Format::parse(&input)?;
            let mut det = Detector::new(vec![rule]);
            let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
                Box::new(BufReader::new(std::io::stdin()))
            } else {
                Box::new(BufReader::new(
                    std::fs::File::open(&file)
                        .map_err(|e| Error::Io(format!("{}: {e}", file.display())))?,
                ))
            };
            let (mut events, mut skipped) = (0u64, 0u64);
            let mut signals = Vec::new();
            for (i, line) in reader.split(b'\n').enumerate() {
                let line = line.map_err(|e| Error::Io(format!("{}: {e}", file.display())))?;
                let Ok(text) = std::str::from_utf8(&line) else {
                    skipped += 1;
                    eprintln!("sigscope: line {} skipped: not UTF-8", i + 1);
                    continue;
                };
                if text.trim().is_empty() {
                    continue;
                }
                match fmt.read(text) {
                    Ok(e) => {
                        events += 1;
                        det.process(&e, &mut NoState)?;
                    }
                    Err(why) => {
                        skipped += 1;
                        eprintln!("sigscope: line {} skipped: {}", i + 1, clean(&why));
                    }
                }
                if (i + 1) % 20_000 == 0 {
                    for s in det.flush()?.signals {
                        signals.push(s.value()?);
                    }
                }
            }
            for s in det.flush()?.signals {
                signals.push(s.value()?);
            }
            // A signal updated in several flushes appears once, as it ended.
            let mut last: Vec<Value> = Vec::new();
            for s in signals {
                match last.iter_mut().find(|x| x["id"] == s["id"]) {
                    Some(x) => *x = s,
                    None => last.push(s),
                }
            }
            match format {
                RulesFormat::Json => {
                    print_json(&json!({"events": events, "skipped": skipped, "signals": last}))
                }
                RulesFormat::Table => {
                    let rows: Vec<Vec<String>> = last
                        .iter()
                        .map(|s| {
                            let a = &s["attributes"];
                            let ev = &a["attributes"];
                            vec![
                                clean(a["status"].as_str().unwrap_or_default()),
                                truncate(&clean(ev["title"].as_str().unwrap_or_default()), 50),
                                clean(
                                    &ev["network"]["client"]["ip"]
                                        .as_array()
                                        .map(|v| {
                                            v.iter()
                                                .filter_map(Value::as_str)
                                                .collect::<Vec<_>>()
                                                .join(",")
                                        })
                                        .unwrap_or_default(),
                                ),
                                ev["workflow"]["events_matched"].to_string(),
                                clean(ev["workflow"]["first_seen"].as_str().unwrap_or_default()),
                                clean(ev["workflow"]["last_seen"].as_str().unwrap_or_default()),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table(
                            &[
                                "SEVERITY",
                                "TITLE",
                                "ATTACKERS",
                                "EVENTS",
                                "FIRST SEEN",
                                "LAST SEEN"
                            ],
                            &rows
                        )
                    );
                    println!("{events} events read, {} signals would be raised, {skipped} lines skipped (nothing was changed)", last.len());
                    Ok(())
                }
            }
        }
    }
}
