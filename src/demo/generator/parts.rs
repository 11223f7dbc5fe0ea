//! The generator's building blocks: a signal's time, attacker addresses and users, user agent,
//! status, URL and triage, each drawn from the one seeded stream. Apart from `generator.rs`, which
//! keeps the order they are drawn in (`signal`): that order is what makes a seed's output the same
//! byte for byte, so it stays in one place.
use super::super::catalog::ServiceInfo;
use super::super::ips;
use super::super::payloads::{self, Placement, QUERY, URI};
use super::pick;
use super::Generator;
use crate::model::json::fmt_time;
use crate::model::ArchiveReason;
use chrono::{DateTime, TimeZone, Utc};
use rand::Rng;
use serde_json::{json, Map, Value};

impl Generator {
    pub(super) fn time(&self, ms: i64) -> String {
        match Utc.timestamp_millis_opt(ms).single() {
            Some(t) => fmt_time(&t),
            None => fmt_time(&DateTime::<Utc>::UNIX_EPOCH),
        }
    }

    /// Newest first: signal i lands in the i-th slice of the window, jittered within it.
    pub(super) fn timestamp_ms(&mut self) -> i64 {
        let slot = self.span_ms / self.total.max(1) as i64;
        let base =
            self.now_ms - (self.i as i64).saturating_mul(self.span_ms) / self.total.max(1) as i64;
        base - if slot > 0 {
            self.rng.gen_range(0..slot)
        } else {
            0
        }
    }

    pub(super) fn distinct_ips(&mut self, n: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n * 4 {
            if out.len() == n {
                break;
            }
            let ip = &self.pool[ips::heavy_index(&mut self.rng, self.pool.len())];
            if !out.contains(ip) {
                out.push(ip.clone());
            }
        }
        out
    }

    pub(super) fn user_ids(&mut self, attack: &str) -> Vec<String> {
        let n = match attack {
            "credential_stuffing" => self.rng.gen_range(5..=12),
            "account_takeover" | "api_abuse" => 1,
            "admin_route" => usize::from(self.rng.gen_bool(0.5)),
            _ => usize::from(self.rng.gen_bool(0.25)),
        };
        let mut out: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let u = if attack == "credential_stuffing" && self.rng.gen_bool(0.6) {
                format!("customer{}@example.com", self.rng.gen_range(1000..99999))
            } else {
                pick(&mut self.rng, payloads::USERS).to_string()
            };
            if !out.contains(&u) {
                out.push(u);
            }
        }
        out
    }

    pub(super) fn user_agent(&mut self, attack: &str) -> String {
        let table = match attack {
            "security_scanner" => payloads::SCANNER_UAS,
            "credential_stuffing" | "account_takeover" => {
                if self.rng.gen_bool(0.6) {
                    payloads::BROWSER_UAS
                } else {
                    payloads::TOOL_UAS
                }
            }
            _ => match self.rng.gen_range(0..10) {
                0..=3 => payloads::SCANNER_UAS,
                4..=6 => payloads::TOOL_UAS,
                _ => payloads::BROWSER_UAS,
            },
        };
        pick(&mut self.rng, table).to_string()
    }

    pub(super) fn status(&mut self, attack: &str, blocked: bool, last: bool) -> i64 {
        if blocked {
            return 403;
        }
        match attack {
            "credential_stuffing" => {
                if self.rng.gen_bool(0.05) {
                    200
                } else {
                    401
                }
            }
            "account_takeover" if last => 200,
            "account_takeover" => 401,
            "security_scanner" | "admin_route" => pick(&mut self.rng, &[404, 404, 404, 401, 200]),
            _ => pick(&mut self.rng, &[200, 200, 200, 400, 400, 404, 500]),
        }
    }

    pub(super) fn url(
        &self,
        svc: &ServiceInfo,
        path: &str,
        place: &Placement,
        payload: &str,
        attack: &str,
    ) -> String {
        match (place.address, place.key) {
            (QUERY, Some(key)) => format!(
                "https://{}{path}?{key}={}",
                svc.host,
                payloads::url_encode(payload)
            ),
            (URI, _) if attack == "lfi" => {
                format!(
                    "https://{}/static/{}",
                    svc.host,
                    payloads::url_encode(payload)
                )
            }
            (URI, _) => format!("https://{}{}", svc.host, payloads::url_encode(payload)),
            _ => format!("https://{}{path}", svc.host),
        }
    }

    pub(super) fn triage(&mut self, age: f64, blocked: bool, attack: &str) -> (Value, bool) {
        let archived_p = 0.05 + 0.45 * age;
        let roll: f64 = self.rng.gen();
        let state = if roll < archived_p {
            "archived"
        } else if roll < archived_p + 0.15 {
            "under_review"
        } else {
            "open"
        };
        let assign_p = match state {
            "under_review" => 0.85,
            "archived" => 0.7,
            _ => 0.1,
        };
        let assignee = if self.rng.gen_bool(assign_p) {
            let u = &self.assignees[self.rng.gen_range(0..self.assignees.len())];
            json!({"uuid": u.uuid, "handle": u.handle, "name": u.name})
        } else {
            json!({"id": -1, "name": "Unassigned", "uuid": ""})
        };
        let mut t = Map::new();
        t.insert("state".into(), json!(state));
        t.insert("assignee".into(), assignee);
        let mut incidents: Vec<i64> = Vec::new();
        if state == "archived" {
            let reason = if attack == "security_scanner" && self.rng.gen_bool(0.4) {
                ArchiveReason::TestingOrMaintenance
            } else if blocked && self.rng.gen_bool(0.6) {
                ArchiveReason::TruePositiveBenign
            } else {
                pick(
                    &mut self.rng,
                    &[
                        ArchiveReason::FalsePositive,
                        ArchiveReason::Remediated,
                        ArchiveReason::InvestigatedCaseOpened,
                        ArchiveReason::TruePositiveMalicious,
                        ArchiveReason::TruePositiveBenign,
                        ArchiveReason::Other,
                    ],
                )
            };
            let comment = match reason {
                ArchiveReason::TestingOrMaintenance => {
                    "Authorised pentest (ticket SEC-1182), scanner IPs agreed in advance."
                }
                ArchiveReason::TruePositiveBenign => {
                    "All attempts blocked by the WAF; no sign the payload reached the database."
                }
                ArchiveReason::FalsePositive => {
                    "Legitimate search terms matched the rule; tuned with an exclusion filter."
                }
                ArchiveReason::Remediated => {
                    "Input validation fixed in the service; attacker IP blocked for 24h."
                }
                ArchiveReason::InvestigatedCaseOpened => {
                    "Investigated; follow-up tracked in a case with the owning team."
                }
                ArchiveReason::TruePositiveMalicious => {
                    "Confirmed malicious activity; incident opened and credentials rotated."
                }
                _ => "Duplicate of an earlier signal from the same campaign.",
            };
            if matches!(
                reason,
                ArchiveReason::InvestigatedCaseOpened | ArchiveReason::TruePositiveMalicious
            ) && self.rng.gen_bool(0.5)
            {
                incidents.push(self.rng.gen_range(2000..2150));
            }
            t.insert("archiveReason".into(), json!(reason.as_str()));
            t.insert("archiveComment".into(), json!(comment));
        } else if state == "under_review" && self.rng.gen_bool(0.05) {
            incidents.push(self.rng.gen_range(2000..2150));
        }
        t.insert("incidentIds".into(), json!(incidents));
        let touched = state != "open" || t["assignee"]["uuid"] != "";
        (Value::Object(t), touched)
    }
}
