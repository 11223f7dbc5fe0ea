//! The `[denylist]` section of the config.
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DenylistConfig {
    /// Block an IPv6 attacker taken from signal data as its `/N` network (64: the subscriber's
    /// network, since one IPv6 client owns a whole /64) instead of the single address. 48..=128;
    /// unset is 128. Ranges in signal data are refused whatever this says.
    pub signal_ipv6_prefix: Option<u8>,
}

impl DenylistConfig {
    pub fn from_config(c: &crate::config::Config) -> crate::Result<DenylistConfig> {
        c.section("denylist")
    }

    /// Apply to an engine (the engine checks the bounds).
    pub fn apply(&self, engine: &mut crate::engine::Engine) -> crate::Result<()> {
        match self.signal_ipv6_prefix {
            Some(p) => engine.set_signal_v6_prefix(p),
            None => Ok(()),
        }
    }
}
