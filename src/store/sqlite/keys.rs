//! API key rows (hashes only) and the team server's idempotency records.
use crate::error::Result;
use crate::model::KeyInfo;
use crate::store::StoredAnswer;
use rusqlite::{params, Connection, OptionalExtension};

impl crate::store::KeyRows for Connection {
    fn insert_key(
        &self,
        id: &str,
        api_hash: &str,
        app_hash: &str,
        user_uuid: &str,
        created: i64,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO api_keys (id, api_hash, app_hash, user_uuid, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, api_hash, app_hash, user_uuid, created],
        )?;
        Ok(())
    }

    fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        let mut stmt = self.prepare(
            "SELECT k.id, k.user_uuid, u.handle, k.created, k.revoked
             FROM api_keys k LEFT JOIN users u ON u.uuid = k.user_uuid ORDER BY k.created, k.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(KeyInfo {
                id: r.get(0)?,
                user_uuid: r.get(1)?,
                user_handle: r.get(2)?,
                created: r.get(3)?,
                revoked: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn revoke_key(&self, id: &str, at: i64) -> Result<bool> {
        let n = self.execute(
            "UPDATE api_keys SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
            params![id, at],
        )?;
        Ok(n > 0)
    }

    fn key_by_app_hash(&self, app_hash: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .prepare_cached(
                "SELECT user_uuid, api_hash FROM api_keys WHERE app_hash = ?1 AND revoked IS NULL",
            )?
            .query_row([app_hash], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn idempotent_answer(&self, user_uuid: &str, key: &str) -> Result<Option<StoredAnswer>> {
        Ok(self
            .prepare_cached(
                "SELECT method, path, status, body FROM server_idempotency WHERE user_uuid = ?1 AND key = ?2",
            )?
            .query_row(params![user_uuid, key], |r| {
                Ok(StoredAnswer {
                    method: r.get(0)?,
                    path: r.get(1)?,
                    status: r.get(2)?,
                    body: r.get(3)?,
                })
            })
            .optional()?)
    }

    fn save_idempotent_answer(
        &self,
        user_uuid: &str,
        key: &str,
        a: &StoredAnswer,
        created: i64,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO server_idempotency (key, user_uuid, method, path, status, body, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![key, user_uuid, a.method, a.path, a.status, a.body, created],
        )?;
        Ok(())
    }

    fn purge_idempotent_answers(&self, before: i64) -> Result<usize> {
        Ok(self.execute(
            "DELETE FROM server_idempotency WHERE created < ?1",
            [before],
        )?)
    }
}
