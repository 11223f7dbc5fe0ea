//! One HTTP client for `sigscope serve` and the vendor's API: the same wire format (`api.md`), the
//! vendor's auth headers, both error shapes, 429/5xx retry with `X-RateLimit-Reset` and backoff.
use crate::model::Signal;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::fmt;
use std::time::Duration;

// The wire shapes read from answers: pages, triage answers, error bodies, retry delays.
mod wire;
pub use wire::*;

/// The vendor's sites; `--site` must be one of them, so a typo cannot send keys somewhere else.
pub const SITES: [&str; 7] = [
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "ddog-gov.com",
];

/// The two keys. `Debug` and `Display` never show them.
#[derive(Clone)]
pub struct Credentials {
    pub api_key: String,
    pub app_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials { api_key: <redacted>, app_key: <redacted> }")
    }
}

impl Credentials {
    /// `DD_API_KEY` and `DD_APP_KEY`, when both are set.
    pub fn from_env() -> Option<Credentials> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Some(Credentials {
            api_key: get("DD_API_KEY")?,
            app_key: get("DD_APP_KEY")?,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// A `sigscope serve`: change feed, ingest and idempotency keys.
    Sigscope,
    /// The vendor's service: no change feed; re-query within its rate limits.
    Vendor,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub base: String,
    pub flavor: Flavor,
}

impl Endpoint {
    /// A team server URL (`http://host:7878`).
    pub fn sigscope(url: &str) -> crate::Result<Endpoint> {
        let base = url.trim().trim_end_matches('/').to_string();
        let u = reqwest::Url::parse(&base)
            .map_err(|e| crate::Error::Usage(format!("--remote {base:?}: not a URL: {e}")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(crate::Error::Usage(format!(
                "--remote {base:?}: only http:// and https:// are supported"
            )));
        }
        Ok(Endpoint {
            base,
            flavor: Flavor::Sigscope,
        })
    }

    /// The vendor's wire format at an explicit base URL (a proxy in front of the vendor, or a
    /// `sigscope serve` exercised as if it were the vendor: no change feed, re-query instead).
    pub fn vendor_at(base: &str) -> crate::Result<Endpoint> {
        Ok(Endpoint {
            flavor: Flavor::Vendor,
            ..Endpoint::sigscope(base)?
        })
    }

    /// The vendor's API on `site`.
    pub fn vendor(site: &str) -> crate::Result<Endpoint> {
        let site = site.trim().to_ascii_lowercase();
        if !SITES.contains(&site.as_str()) {
            return Err(crate::Error::Usage(format!(
                "--site {site:?}: unknown site (one of {})",
                SITES.join(", ")
            )));
        }
        Ok(Endpoint {
            base: format!("https://api.{site}"),
            flavor: Flavor::Vendor,
        })
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// No answer: connection refused, timeout, DNS.
    #[error("{0} is unreachable: {1}")]
    Unreachable(String, String),
    /// An HTTP error answer, its message read from either vendor error shape.
    #[error("HTTP {status}: {message}")]
    Api {
        status: u16,
        message: String,
        /// The JSON:API error's `meta` (a 409 carries the current signal here).
        meta: Option<Value>,
        /// From `X-RateLimit-Reset` on a 429.
        retry_after: Option<Duration>,
    },
    #[error("unexpected answer: {0}")]
    Invalid(String),
}

impl ClientError {
    /// Worth trying again later (the remote is down, overloaded or limiting us).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable(..) => true,
            ClientError::Api { status, .. } => *status == 429 || *status >= 500,
            ClientError::Invalid(_) => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<ClientError> for crate::Error {
    fn from(e: ClientError) -> crate::Error {
        match &e {
            ClientError::Api { status: 404, .. } => crate::Error::NotFound(e.to_string()),
            ClientError::Api { status: 403, .. } => crate::Error::PermissionDenied(e.to_string()),
            ClientError::Api { status: 409, .. } => crate::Error::Conflict(e.to_string()),
            ClientError::Api { status: 400, .. } => crate::Error::Invalid(e.to_string()),
            _ => crate::Error::Other(e.to_string()),
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    pub endpoint: Endpoint,
    creds: Credentials,
    /// Attempts for a transient failure before giving up (the outbox retries on its own schedule).
    pub max_attempts: u32,
}

pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/api/v2/security_monitoring/signals/{id}/{what}` with the id escaped.
pub fn signal_path(id: &str, what: &str) -> String {
    let base = format!("/api/v2/security_monitoring/signals/{}", encode_segment(id));
    if what.is_empty() {
        base
    } else {
        format!("{base}/{what}")
    }
}

impl Client {
    pub fn new(endpoint: Endpoint, creds: Credentials) -> crate::Result<Client> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // Above the change feed's 25 s long-poll.
            .timeout(Duration::from_secs(40))
            .user_agent(concat!("sigscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::Error::Other(format!("HTTP client: {e}")))?;
        Ok(Client {
            http,
            endpoint,
            creds,
            max_attempts: 4,
        })
    }

    /// One attempt. `idem` becomes the `Idempotency-Key` header.
    pub async fn send_once(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        idem: Option<&str>,
    ) -> Result<Value, ClientError> {
        let url = format!("{}{}", self.endpoint.base, path);
        let mut rb = self
            .http
            .request(method, &url)
            .header("DD-API-KEY", &self.creds.api_key)
            .header("DD-APPLICATION-KEY", &self.creds.app_key)
            .header("Accept", "application/json");
        if !query.is_empty() {
            rb = rb.query(query);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        if let Some(k) = idem {
            rb = rb.header("Idempotency-Key", k);
        }
        let resp = rb
            .send()
            .await
            // Without the URL: reqwest's message would otherwise repeat it, and it is in the prefix.
            .map_err(|e| {
                ClientError::Unreachable(self.endpoint.base.clone(), e.without_url().to_string())
            })?;
        let status = resp.status();
        let reset = resp
            .headers()
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = resp.bytes().await.map_err(|e| {
            ClientError::Unreachable(self.endpoint.base.clone(), e.without_url().to_string())
        })?;
        let v: Value = if bytes.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(v) => v,
                Err(_) if !status.is_success() => Value::Null,
                Err(e) => return Err(ClientError::Invalid(format!("{path}: not JSON: {e}"))),
            }
        };
        if status.is_success() {
            return Ok(v);
        }
        let (message, meta) = parse_error_body(&v);
        Err(ClientError::Api {
            status: status.as_u16(),
            message: crate::sanitize::clean(&message),
            meta,
            retry_after: if status == StatusCode::TOO_MANY_REQUESTS {
                reset
            } else {
                None
            },
        })
    }

    /// Retry transient failures: a 429 waits for `X-RateLimit-Reset`, others back off exponentially.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        idem: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .send_once(method.clone(), path, query, body, idem)
                .await
            {
                Err(e) if e.is_transient() && attempt < self.max_attempts => {
                    tokio::time::sleep(retry_delay(&e, attempt)).await;
                }
                other => return other,
            }
        }
    }

    pub async fn list_signals(&self, q: &ListQuery) -> Result<Page, ClientError> {
        let mut params: Vec<(&str, String)> = vec![
            ("page[limit]", q.limit.clamp(1, 1000).to_string()),
            (
                "sort",
                if q.ascending {
                    "timestamp"
                } else {
                    "-timestamp"
                }
                .to_string(),
            ),
        ];
        if let Some(x) = &q.query {
            params.push(("filter[query]", x.clone()));
        }
        if let Some(x) = &q.from {
            params.push(("filter[from]", x.clone()));
        }
        if let Some(x) = &q.to {
            params.push(("filter[to]", x.clone()));
        }
        if let Some(x) = &q.cursor {
            params.push(("page[cursor]", x.clone()));
        }
        let v = self
            .send(
                Method::GET,
                "/api/v2/security_monitoring/signals",
                &params,
                None,
                None,
            )
            .await?;
        parse_page(v)
    }

    pub async fn get_signal(&self, id: &str) -> Result<Option<Signal>, ClientError> {
        match self
            .send(Method::GET, &signal_path(id, ""), &[], None, None)
            .await
        {
            Ok(v) => Signal::from_json(v.get("data").cloned().unwrap_or(Value::Null))
                .map(Some)
                .map_err(|e| ClientError::Invalid(e.to_string())),
            Err(ClientError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The change feed after `after`, waiting up to `wait` for one.
    pub async fn changes(&self, after: i64, wait: Duration) -> Result<ChangesPage, ClientError> {
        let v = self
            .send(
                Method::GET,
                "/api/v2/sigscope/changes",
                &[
                    ("after", after.to_string()),
                    ("wait", wait.as_secs().to_string()),
                ],
                None,
                None,
            )
            .await?;
        let mut page = ChangesPage {
            last_seq: v
                .pointer("/meta/last_seq")
                .and_then(Value::as_i64)
                .unwrap_or(after),
            head: v
                .pointer("/meta/head")
                .and_then(Value::as_i64)
                .unwrap_or(after),
            ..ChangesPage::default()
        };
        for c in v
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            page.changes.push(Change {
                seq: c.get("seq").and_then(Value::as_i64).unwrap_or(0),
                action: c
                    .get("action")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                actor: c
                    .get("actor")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                signal_ids: crate::model::json::strings_at(c, "signal_ids"),
            });
        }
        for s in v
            .get("included")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match Signal::from_json(s.clone()) {
                Ok(sig) => page.signals.push(sig),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable signal in the feed"),
            }
        }
        Ok(page)
    }

    pub async fn ingest(
        &self,
        signals: &[Signal],
        idem: Option<&str>,
    ) -> Result<Value, ClientError> {
        let data: Vec<Value> = signals.iter().map(|s| s.to_json().clone()).collect();
        self.send(
            Method::POST,
            "/api/v2/sigscope/signals",
            &[],
            Some(&json!({ "data": data })),
            idem,
        )
        .await
    }

    pub async fn users(&self, filter: &str) -> Result<Value, ClientError> {
        self.send(
            Method::GET,
            "/api/v2/users",
            &[("filter", filter.to_string())],
            None,
            None,
        )
        .await
    }
}

/// The security case type.
pub const SECURITY_CASE_TYPE: &str = "00000000-0000-0000-0000-000000000003";

impl Client {
    /// Open a case linking `signal_ids` (Case Management API; `project_id` for the vendor).
    pub async fn create_case(
        &self,
        title: &str,
        priority: &str,
        signal_ids: &[String],
        project_id: Option<&str>,
        idem: Option<&str>,
    ) -> Result<Value, ClientError> {
        let insights: Vec<Value> = signal_ids
            .iter()
            .map(|id| json!({"type": "SECURITY_SIGNAL", "resource_id": id, "ref": format!("/security/signal?event={id}")}))
            .collect();
        let mut body = json!({"data": {"type": "case", "attributes": {
            "title": title, "priority": priority, "type_id": SECURITY_CASE_TYPE, "insights": insights}}});
        if let Some(p) = project_id {
            body["data"]["relationships"] =
                json!({"project": {"data": {"id": p, "type": "project"}}});
        }
        self.send(Method::POST, "/api/v2/cases", &[], Some(&body), idem)
            .await
    }

    /// Declare an incident (Incidents API); its `public_id` is what signals list.
    pub async fn create_incident(
        &self,
        title: &str,
        severity: &str,
        idem: Option<&str>,
    ) -> Result<Value, ClientError> {
        let body = json!({"data": {"type": "incidents", "attributes": {
            "title": title, "customer_impacted": false,
            "fields": {"severity": {"type": "dropdown", "value": severity},
                       "state": {"type": "dropdown", "value": "active"}}}}});
        self.send(Method::POST, "/api/v2/incidents", &[], Some(&body), idem)
            .await
    }
}

#[cfg(test)]
mod tests;
