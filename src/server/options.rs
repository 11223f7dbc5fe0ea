//! `sigscope serve`'s tunables: `ServeOptions` (what the server runs with) and the config's
//! `[server]` section they are read from, every value bounded so no setting can make the server
//! refuse everyone or overflow a timer.
use crate::error::{Error, Result};
use serde::Deserialize;
use std::time::Duration;

/// Tunables; the defaults are what `sigscope serve` uses.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Requests per `rate_period` per key; 0 disables the limit.
    pub rate_limit: u32,
    pub rate_period: Duration,
    /// Largest accepted request body in bytes.
    pub max_body: usize,
    /// How long a change-feed request waits for a change.
    pub long_poll: Duration,
    /// The `[notify]` config: ingested signals queue notifications with it.
    pub notify: crate::notify::NotifyConfig,
    /// Requests per `rate_period` per client address, authenticated or not; 0 disables it.
    pub per_address_limit: u32,
    /// A client must send a request's headers within this; an idle keep-alive connection is
    /// closed after it too.
    pub header_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_timeout: Duration,
    /// Longest a request may take in all (longer than `long_poll`).
    pub request_timeout: Duration,
    /// Longest a signals list or search may compute; past it the answer is a 503 and the reader
    /// is free for other clients.
    pub query_budget: Duration,
    /// Open connections at most; more are closed at accept.
    pub max_connections: usize,
    /// Requests being handled at once at most; more wait (within `request_timeout`).
    pub max_in_flight: usize,
    /// The base of links the server hands out (`links.next`), from `[server] public_url`; default
    /// `http://<the bound address>`. Never taken from a request's `Host` header.
    pub public_url: Option<String>,
    /// `[denylist] signal_ipv6_prefix` for the blocks autoblock rules make from ingested signals.
    pub signal_v6_prefix: Option<u8>,
    /// The `[sla]` targets: the stats route and `sla:` query terms use them.
    pub sla: crate::query::SlaTargets,
    /// When the live index's snapshot is saved again while the server runs (and it is saved
    /// when the server stops).
    pub index_save: crate::engine::KeepEvery,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            rate_limit: 6000,
            rate_period: Duration::from_secs(60),
            max_body: 4 * 1024 * 1024,
            long_poll: Duration::from_secs(25),
            notify: crate::notify::NotifyConfig::default(),
            per_address_limit: 12_000,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            query_budget: Duration::from_secs(5),
            max_connections: 4096,
            max_in_flight: 512,
            public_url: None,
            signal_v6_prefix: None,
            sla: crate::query::SlaTargets::default(),
            index_save: crate::engine::KeepEvery::default(),
        }
    }
}

/// Bounds on the tunables: a zero timeout or cap would stop the server serving anyone.
const MAX_CONNECTIONS: usize = 1_000_000;

impl ServeOptions {
    /// Refuse settings that cannot work, naming the setting.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("header_timeout", self.header_timeout),
            ("body_timeout", self.body_timeout),
            ("request_timeout", self.request_timeout),
            ("query_budget", self.query_budget),
        ];
        for (name, d) in positive {
            if d.is_zero() {
                return Err(Error::Invalid(format!(
                    "server {name} must be longer than zero"
                )));
            }
        }
        if self.request_timeout <= self.long_poll {
            return Err(Error::Invalid(format!(
                "server request_timeout ({} s) must be longer than the change feed's long poll ({} s)",
                self.request_timeout.as_secs(),
                self.long_poll.as_secs()
            )));
        }
        if !(1..=MAX_CONNECTIONS).contains(&self.max_connections) {
            return Err(Error::Invalid(format!(
                "server max_connections must be 1..={MAX_CONNECTIONS}"
            )));
        }
        if self.max_in_flight == 0 {
            return Err(Error::Invalid(
                "server max_in_flight must be at least 1".into(),
            ));
        }
        if let Some(u) = &self.public_url {
            public_base(u)?;
        }
        Ok(())
    }
}

/// A configured public URL as a link base: http(s), a host, no query or fragment, no trailing `/`.
pub fn public_base(u: &str) -> Result<String> {
    let t = u.trim().trim_end_matches('/');
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(|| {
            Error::Invalid(format!(
                "[server] public_url {t:?} must start with http:// or https://"
            ))
        })?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || t.contains(['?', '#'])
        || t.chars().any(|c| c.is_whitespace() || c.is_control())
        || host.contains('@')
    {
        return Err(Error::Invalid(format!(
            "[server] public_url {:?} is not a plain http(s) URL with a host",
            crate::sanitize::clean(t)
        )));
    }
    Ok(t.to_string())
}

/// The `[server]` section of the config: everything optional, defaults from `ServeOptions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// The URL clients reach the server at (behind a proxy, the proxy's); links use it.
    pub public_url: Option<String>,
    pub header_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    /// Longest one signals query may compute (seconds).
    pub query_budget_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_in_flight: Option<usize>,
    /// Requests per minute per client address (0: unlimited).
    pub per_address_limit: Option<u32>,
}

impl ServerConfig {
    pub fn from_config(c: &crate::config::Config) -> Result<ServerConfig> {
        c.section("server")
    }

    /// These settings over `opts`, each timing through the one checked parser.
    pub fn apply(&self, mut opts: ServeOptions) -> Result<ServeOptions> {
        use crate::timing::{seconds, Bounds};
        let t = Bounds {
            min: chrono::TimeDelta::seconds(1),
            max: chrono::TimeDelta::hours(1),
        };
        if let Some(n) = self.header_timeout_secs {
            opts.header_timeout = seconds(n, "[server] header_timeout_secs", t)?;
        }
        if let Some(n) = self.body_timeout_secs {
            opts.body_timeout = seconds(n, "[server] body_timeout_secs", t)?;
        }
        if let Some(n) = self.request_timeout_secs {
            opts.request_timeout = seconds(n, "[server] request_timeout_secs", t)?;
        }
        if let Some(n) = self.query_budget_secs {
            opts.query_budget = seconds(n, "[server] query_budget_secs", t)?;
        }
        if let Some(n) = self.max_connections {
            opts.max_connections = n;
        }
        if let Some(n) = self.max_in_flight {
            opts.max_in_flight = n;
        }
        if let Some(n) = self.per_address_limit {
            opts.per_address_limit = n;
        }
        if let Some(u) = &self.public_url {
            opts.public_url = Some(public_base(u)?);
        }
        opts.validate()?;
        Ok(opts)
    }
}
