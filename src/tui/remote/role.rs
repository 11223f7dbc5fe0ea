//! The acting user's role on the remote: asked once (by the user list, or `whoami` without
//! `--as`), retried after a while when the remote could not be reached.
use super::*;

/// The acting user's role as the remote knows it.
#[derive(Default)]
pub(super) struct RoleCache {
    /// `Some(None)`: the remote answered and the user is not among its users.
    pub(super) known: Option<Option<Role>>,
    /// Without `--as`: whom the remote says the keys belong to.
    pub(super) who: Option<String>,
    /// The last failed attempt: offline, the next one waits a while.
    failed_at: Option<Instant>,
}

impl RemoteBackend {
    /// The acting user's role on the remote, asked once; `None` when unknown (the remote enforces
    /// its roles anyway, so unknown means allowed here and refused there if need be). Without
    /// `--as`, a sigscope server is asked whom the keys belong to.
    pub(super) fn role(&self) -> Option<Role> {
        let mut cached = lock(&self.role);
        if let Some(r) = cached.known {
            return r;
        }
        if cached.failed_at.is_some_and(|t| t.elapsed() < ROLE_RETRY) {
            return None;
        }
        let asked = match self.acting.as_deref() {
            Some(who) => self.role_among_users(who),
            None => self.whoami().map(|(handle, role)| {
                cached.who = Some(handle);
                role
            }),
        };
        match asked {
            Ok(role) => {
                cached.known = Some(role);
                role
            }
            Err(e) => {
                tracing::debug!("the acting user's role: {e}");
                cached.failed_at = Some(Instant::now());
                None
            }
        }
    }

    /// `who`'s role in the remote's user list; `Ok(None)` when `who` is not among its users. One
    /// attempt, no retries: this runs while the explorer loads its permissions.
    fn role_among_users(&self, who: &str) -> Result<Option<Role>> {
        self.call("users", self.remote.client().role_of_user(who))
    }

    /// Whom the keys act as, by the sigscope server's `whoami` (the vendor has no such call).
    pub(super) fn whoami(&self) -> Result<(String, Option<Role>)> {
        if !self.remote.client().is_sigscope() {
            return Err(Error::Other(
                "the vendor does not say whom keys belong to".into(),
            ));
        }
        self.call("whoami", self.remote.client().whoami())
    }
}
