//! The server's denylist from the explorer: reading it (cached a few seconds for the side panel) and
//! blocking a signal's attackers on it.
use super::*;

impl RemoteBackend {
    /// The server's denylist, newest first; with `include_inactive`, lifted and expired too.
    pub(super) fn fetch_blocks(&self, include_inactive: bool) -> Result<Vec<crate::model::Block>> {
        self.denylist_here()?;
        self.call(
            "the denylist",
            self.remote.client().denylist(include_inactive),
        )
    }

    /// The active blocks for the side panel, read again at most every few seconds; `None` when
    /// the server cannot say (offline, the vendor).
    pub(super) fn active_blocks(&self) -> Option<Vec<crate::model::Block>> {
        let mut cache = lock(&self.blocks);
        if cache.at.is_some_and(|t| t.elapsed() < BLOCKS_FRESH) {
            return Some(cache.active.clone());
        }
        drop(cache);
        let fetched = self.fetch_blocks(false);
        cache = lock(&self.blocks);
        match fetched {
            Ok(list) => {
                cache.active = list;
                cache.at = Some(Instant::now());
                Some(cache.active.clone())
            }
            Err(e) => {
                tracing::debug!("the denylist for the side panel: {e}");
                None
            }
        }
    }

    /// Add one value to the server's denylist (the server extends an entry already in force).
    pub(super) fn post_block(
        &self,
        kind: &str,
        value: &str,
        duration: Option<chrono::TimeDelta>,
        signal_id: Option<&str>,
    ) -> Result<usize> {
        self.denylist_here()?;
        let n = self.call(
            "blocking",
            self.remote.client().block(
                kind,
                value,
                duration,
                signal_id,
                "blocked from the explorer",
            ),
        )?;
        lock(&self.blocks).at = None;
        Ok(n)
    }

    /// Block each value; one refused (an allowlisted IP, say) does not stop the others, and the
    /// summary names it.
    pub(super) fn block_all(
        &self,
        kind: &str,
        values: Vec<(String, Option<String>)>,
        duration: Option<chrono::TimeDelta>,
        what: &str,
    ) -> Result<String> {
        let mut seen = std::collections::HashSet::new();
        let (mut blocked, mut refused) = (0, Vec::new());
        for (value, signal) in values {
            if !seen.insert(value.clone()) {
                continue;
            }
            match self.post_block(kind, &value, duration, signal.as_deref()) {
                Ok(n) => blocked += n,
                // Unreachable or not allowed: said once, as the whole change's refusal.
                Err(e @ (Error::Other(_) | Error::PermissionDenied(_)))
                    if blocked == 0 && refused.is_empty() =>
                {
                    return Err(e)
                }
                Err(e) => refused.push(format!("{}: {e}", clean(&value))),
            }
        }
        let mut out = format!("blocked {}", plural(blocked, what));
        if !refused.is_empty() {
            out.push_str(&format!("; refused {}", refused.join("; ")));
        }
        Ok(out)
    }
}
