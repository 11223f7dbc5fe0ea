//! Whole tables as cells, for `migrate-store` (see `store::copy`).
use super::conn::{get, PgDb};
use crate::error::{Error, Result};
use crate::store::copy::{Cell, RawTables, Table};
use postgres::types::{ToSql, Type};

/// Columns filled by a sequence, which must follow the ids a copy wrote.
const SERIALS: &[(&str, &str)] = &[
    ("audit", "seq"),
    ("case_comments", "id"),
    ("blocks", "id"),
    ("block_history", "id"),
    ("notification_deliveries", "id"),
    ("notification_attempts", "id"),
    ("allowlist", "id"),
    ("autoblock_runs", "id"),
];

fn column_list(t: &Table) -> String {
    t.cols
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl RawTables for PgDb {
    fn read_table(&self, t: &Table, f: &mut dyn FnMut(Vec<Cell>) -> Result<()>) -> Result<()> {
        // Signals in the order they were first written, so the copy's change log keeps it.
        let order = if t.name == "signals" {
            " ORDER BY row_seq"
        } else {
            ""
        };
        let sql = format!("SELECT {} FROM {}{order}", column_list(t), t.name);
        self.each(&sql, &[], &mut |r| {
            let mut cells = Vec::with_capacity(t.cols.len());
            for (i, col) in r.columns().iter().enumerate() {
                let cell = if *col.type_() == Type::INT8 {
                    get::<Option<i64>>(r, i)?.map_or(Cell::Null, Cell::Int)
                } else if *col.type_() == Type::TEXT {
                    get::<Option<String>>(r, i)?.map_or(Cell::Null, Cell::Text)
                } else {
                    return Err(Error::Store(format!(
                        "{}.{}: unexpected column type {}",
                        t.name,
                        col.name(),
                        col.type_()
                    )));
                };
                cells.push(cell);
            }
            f(cells).map(|()| true)
        })
    }

    fn write_rows(&self, t: &Table, rows: &[Vec<Cell>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let marks = (1..=t.cols.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            t.name,
            column_list(t)
        );
        let types = self.param_types(&sql)?;
        for row in rows {
            let mut params: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(row.len());
            for (cell, ty) in row.iter().zip(&types) {
                let int = *ty == Type::INT8;
                params.push(match cell {
                    Cell::Null if int => Box::new(None::<i64>),
                    Cell::Null => Box::new(None::<String>),
                    Cell::Int(n) if int => Box::new(*n),
                    Cell::Text(s) if !int => Box::new(s.clone()),
                    other => {
                        return Err(Error::Store(format!(
                            "{}: {other:?} does not fit a {ty} column",
                            t.name
                        )))
                    }
                });
            }
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
            self.exec(&sql, &refs)?;
        }
        Ok(())
    }

    fn after_copy(&self) -> Result<()> {
        for (table, col) in SERIALS {
            self.batch(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{col}'),
                               GREATEST(COALESCE(MAX({col}), 0), 1), COALESCE(MAX({col}), 0) > 0)
                 FROM {table}"
            ))?;
        }
        Ok(())
    }
}
