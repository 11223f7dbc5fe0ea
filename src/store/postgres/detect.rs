//! Detection's own state: follow offsets, events already counted, each (rule, group)'s window.
use super::conn::{get, PgDb};
use crate::error::Result;

impl crate::store::DetectRows for PgDb {
    fn follow_offset(&self, path: &str) -> Result<Option<(u64, u64)>> {
        self.opt(
            "SELECT inode, \"offset\" FROM detect_follow WHERE path = $1",
            &[&path],
        )?
        .map(|r| {
            let (inode, offset): (i64, i64) = (get(&r, 0)?, get(&r, 1)?);
            // Inodes are stored as their bit pattern (u64 → i64 → u64 round-trips).
            Ok((inode as u64, u64::try_from(offset).unwrap_or(0)))
        })
        .transpose()
    }

    fn save_follow_offset(&self, path: &str, inode: u64, offset: u64, now_ms: i64) -> Result<()> {
        self.exec(
            "INSERT INTO detect_follow (path, inode, \"offset\", updated) VALUES ($1, $2, $3, $4)
             ON CONFLICT (path) DO UPDATE SET inode = excluded.inode, \"offset\" = excluded.\"offset\",
               updated = excluded.updated",
            &[
                &path,
                &(inode as i64),
                &i64::try_from(offset).unwrap_or(i64::MAX),
                &now_ms,
            ],
        )?;
        Ok(())
    }

    fn is_seen(&self, event_id: &str) -> Result<bool> {
        Ok(self
            .opt(
                "SELECT 1 FROM detect_seen WHERE event_id = $1",
                &[&event_id],
            )?
            .is_some())
    }

    fn mark_seen(&self, event_id: &str, event_ms: i64) -> Result<()> {
        self.exec(
            "INSERT INTO detect_seen (event_id, event_time) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&event_id, &event_ms],
        )?;
        Ok(())
    }

    fn group_state(&self, rule_id: &str, key: &str) -> Result<Option<String>> {
        self.opt(
            "SELECT state FROM detect_groups WHERE rule_id = $1 AND group_key = $2",
            &[&rule_id, &key],
        )?
        .map(|r| get(&r, 0))
        .transpose()
    }

    fn save_group_state(&self, rule_id: &str, key: &str, state: &str, now_ms: i64) -> Result<()> {
        self.exec(
            "INSERT INTO detect_groups (rule_id, group_key, state, updated) VALUES ($1, $2, $3, $4)
             ON CONFLICT (rule_id, group_key) DO UPDATE SET state = excluded.state, updated = excluded.updated",
            &[&rule_id, &key, &state, &now_ms],
        )?;
        Ok(())
    }

    fn drop_group_state(&self, rule_id: &str, key: &str) -> Result<()> {
        self.exec(
            "DELETE FROM detect_groups WHERE rule_id = $1 AND group_key = $2",
            &[&rule_id, &key],
        )?;
        Ok(())
    }
}
