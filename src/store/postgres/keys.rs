//! API key rows (hashes only) and the team server's idempotency records. The record's primary key
//! (user, key) is what makes one `Idempotency-Key` apply once across replicas: the second insert of
//! a racing pair fails and its whole transaction (the command too) rolls back.
use super::conn::{get, PgDb};
use crate::error::Result;
use crate::model::KeyInfo;
use crate::store::StoredAnswer;

impl crate::store::KeyRows for PgDb {
    fn insert_key(
        &self,
        id: &str,
        api_hash: &str,
        app_hash: &str,
        user_uuid: &str,
        created: i64,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO api_keys (id, api_hash, app_hash, user_uuid, created) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &api_hash, &app_hash, &user_uuid, &created],
        )?;
        Ok(())
    }

    fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        self.rows(
            "SELECT k.id, k.user_uuid, u.handle, k.created, k.revoked
             FROM api_keys k LEFT JOIN users u ON u.uuid = k.user_uuid ORDER BY k.created, k.id",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(KeyInfo {
                id: get(r, 0)?,
                user_uuid: get(r, 1)?,
                user_handle: get(r, 2)?,
                created: get(r, 3)?,
                revoked: get(r, 4)?,
            })
        })
        .collect()
    }

    fn revoke_key(&self, id: &str, at: i64) -> Result<bool> {
        let n = self.exec(
            "UPDATE api_keys SET revoked = $2 WHERE id = $1 AND revoked IS NULL",
            &[&id, &at],
        )?;
        Ok(n > 0)
    }

    fn key_by_app_hash(&self, app_hash: &str) -> Result<Option<(String, String)>> {
        self.opt(
            "SELECT user_uuid, api_hash FROM api_keys WHERE app_hash = $1 AND revoked IS NULL",
            &[&app_hash],
        )?
        .map(|r| Ok((get(&r, 0)?, get(&r, 1)?)))
        .transpose()
    }

    fn idempotent_answer(&self, user_uuid: &str, key: &str) -> Result<Option<StoredAnswer>> {
        self.opt(
            "SELECT method, path, status, body FROM server_idempotency WHERE user_uuid = $1 AND key = $2",
            &[&user_uuid, &key],
        )?
        .map(|r| {
            let status: i64 = get(&r, 2)?;
            Ok(StoredAnswer {
                method: get(&r, 0)?,
                path: get(&r, 1)?,
                status: u16::try_from(status).unwrap_or(500),
                body: get(&r, 3)?,
            })
        })
        .transpose()
    }

    fn save_idempotent_answer(
        &self,
        user_uuid: &str,
        key: &str,
        a: &StoredAnswer,
        created: i64,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO server_idempotency (key, user_uuid, method, path, status, body, created)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &key,
                &user_uuid,
                &a.method,
                &a.path,
                &i64::from(a.status),
                &a.body,
                &created,
            ],
        )?;
        Ok(())
    }

    fn purge_idempotent_answers(&self, before: i64) -> Result<usize> {
        let n = self.exec(
            "DELETE FROM server_idempotency WHERE created < $1",
            &[&before],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}
