//! Whole tables as cells, for `migrate-store` (see `store::copy`).
use crate::error::{Error, Result};
use crate::store::copy::{Cell, RawTables, Table};
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

fn column_list(t: &Table) -> String {
    t.cols
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl RawTables for Connection {
    fn read_table(&self, t: &Table, f: &mut dyn FnMut(Vec<Cell>) -> Result<()>) -> Result<()> {
        let mut stmt = self.prepare(&format!("SELECT {} FROM {}", column_list(t), t.name))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(t.cols.len());
            for (i, col) in t.cols.iter().enumerate() {
                cells.push(match r.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(n) => Cell::Int(n),
                    ValueRef::Text(b) => {
                        Cell::Text(String::from_utf8(b.to_vec()).map_err(|_| {
                            Error::Store(format!("{}.{col}: text that is not UTF-8", t.name))
                        })?)
                    }
                    other => {
                        return Err(Error::Store(format!(
                            "{}.{col}: unexpected {:?} value",
                            t.name,
                            other.data_type()
                        )))
                    }
                });
            }
            f(cells)?;
        }
        Ok(())
    }

    fn write_rows(&self, t: &Table, rows: &[Vec<Cell>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let marks = (1..=t.cols.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.prepare_cached(&format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            t.name,
            column_list(t)
        ))?;
        for row in rows {
            let values: Vec<Value> = row
                .iter()
                .map(|c| match c {
                    Cell::Null => Value::Null,
                    Cell::Int(n) => Value::Integer(*n),
                    Cell::Text(s) => Value::Text(s.clone()),
                })
                .collect();
            stmt.execute(rusqlite::params_from_iter(values))?;
        }
        Ok(())
    }

    fn after_copy(&self) -> Result<()> {
        // AUTOINCREMENT's counters already follow explicitly inserted ids.
        Ok(())
    }
}
