//! A team server's idempotency records: a write's answer kept under the client's key, saved in the
//! same change as the write (the server wraps both in `all_or_nothing`), so a retry after a lost
//! answer gets the first answer instead of a second write.
use super::Engine;
use crate::error::Result;
use crate::model::User;
pub use crate::store::StoredAnswer;

impl Engine {
    /// The answer `user` got for `key`, if any.
    pub fn idempotent_answer(&self, user: &User, key: &str) -> Result<Option<StoredAnswer>> {
        self.db().idempotent_answer(&user.uuid, key)
    }

    /// Keep the answer to `user`'s write under `key`; call inside the write's change.
    pub fn save_idempotent_answer(
        &mut self,
        user: &User,
        key: &str,
        answer: &StoredAnswer,
    ) -> Result<()> {
        let now = self.now().timestamp_millis();
        self.write_rows(|db| db.save_idempotent_answer(&user.uuid, key, answer, now))
    }

    /// Forget answers older than `days`; how many.
    pub fn purge_idempotent_answers(&mut self, days: i64) -> Result<usize> {
        let horizon = self
            .now()
            .timestamp_millis()
            .saturating_sub(days.saturating_mul(86_400_000));
        self.write_rows(|db| db.purge_idempotent_answers(horizon))
    }

    /// The newest change's seq, where a server's change broadcaster starts.
    pub fn head_seq(&self) -> Result<i64> {
        self.db().latest_seq()
    }
}
