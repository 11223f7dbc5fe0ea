//! The signal generator: one seeded ChaCha stream, consumed in a fixed order, one signal at a time.
use super::catalog::{RuleSpec, ServiceInfo, RULES, SERVICES};
use super::ips;
use super::payloads::{self, Hostile};
use super::users;
use super::DemoOptions;
use crate::model::{Severity, User};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

mod parts;

/// Every 500 signals, these offsets carry a hostile string (in this order of `Hostile::ALL`), so any
/// output of 50 signals or more has each kind at least once.
const HOSTILE_OFFSETS: [usize; 5] = [7, 19, 31, 43, 25];
const HOSTILE_PERIOD: usize = 500;

pub fn hostile_at(i: usize) -> Option<Hostile> {
    let r = i % HOSTILE_PERIOD;
    HOSTILE_OFFSETS
        .iter()
        .position(|&o| o == r)
        .map(|k| Hostile::ALL[k])
}

/// A uniformly chosen element of a non-empty constant table.
fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, b)| n | (u32::from(*b) << (16 - 8 * k)));
        for k in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

pub struct Generator {
    rng: ChaCha8Rng,
    now_ms: i64,
    span_ms: i64,
    total: usize,
    i: usize,
    pool: Vec<String>,
    assignees: Vec<User>,
    rules: WeightedIndex<u32>,
}

impl Generator {
    pub fn new(opts: &DemoOptions) -> Generator {
        let weights: Vec<u32> = RULES.iter().map(|r| r.weight).collect();
        Generator {
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            now_ms: opts.now.timestamp_millis(),
            span_ms: i64::from(opts.days.max(1)) * 86_400_000,
            total: opts.signals,
            i: 0,
            pool: ips::pool(opts.seed),
            assignees: users::assignable(),
            // The weights are constant and positive, so this cannot fail.
            rules: match WeightedIndex::new(weights) {
                Ok(w) => w,
                Err(e) => unreachable!("rule weights: {e}"),
            },
        }
    }

    fn signal(&mut self) -> Value {
        let ts = self.timestamp_ms();
        let age = ((self.now_ms - ts) as f64 / self.span_ms as f64).clamp(0.0, 1.0);
        let hostile = hostile_at(self.i);
        let spec: &'static RuleSpec = &RULES[self.rules.sample(&mut self.rng)];
        let attack = spec.attack_type;
        let svc: &'static ServiceInfo = if spec.targets.is_empty() {
            &SERVICES[self.rng.gen_range(0..SERVICES.len())]
        } else {
            let name = pick(&mut self.rng, spec.targets);
            SERVICES
                .iter()
                .find(|s| s.name == name)
                .unwrap_or(&SERVICES[0])
        };
        let env = if self.rng.gen_bool(0.1) {
            if svc.env == "prod" {
                "staging"
            } else {
                "prod"
            }
        } else {
            svc.env
        };

        let n_ips = match attack {
            "credential_stuffing" => self.rng.gen_range(8..=40),
            "account_takeover" => self.rng.gen_range(2..=5),
            "security_scanner" => self.rng.gen_range(1..=2),
            _ if self.rng.gen_bool(0.15) => self.rng.gen_range(2..=3),
            _ => 1,
        };
        let ips = self.distinct_ips(n_ips);
        let mut users = self.user_ids(attack);
        if hostile == Some(Hostile::UserId) {
            users.insert(0, payloads::HOSTILE_USER.to_string());
        }

        let duration_ms: i64 = match attack {
            "credential_stuffing" => self.rng.gen_range(600_000..10_800_000),
            _ => self.rng.gen_range(1_000..1_800_000),
        };
        let first_ms = ts - duration_ms;
        let events_matched: i64 = match attack {
            "credential_stuffing" => self.rng.gen_range(60..5000),
            "security_scanner" => self.rng.gen_range(20..2000),
            _ => 1 + (300.0 * self.rng.gen::<f64>().powi(3)) as i64,
        };
        // Most signals are fully blocked, some not at all, a few mixed.
        let block_mode = self.rng.gen_range(0..100);
        let n_samples = match attack {
            "credential_stuffing" => self.rng.gen_range(3..=5),
            _ => self.rng.gen_range(1..=3),
        };
        let (payload_table, placements) = payloads::for_attack(attack);
        let mut samples = Vec::with_capacity(n_samples);
        let mut all_blocked = true;
        let mut exploited = false;
        for k in 0..n_samples {
            let blocked = match block_mode {
                0..=54 => true,
                55..=84 => false,
                _ => self.rng.gen_bool(0.5),
            };
            all_blocked &= blocked;
            let ip = &ips[k % ips.len()];
            let user = (!users.is_empty()).then(|| users[k % users.len()].clone());
            let place = pick(&mut self.rng, placements);
            let payload = match (&user, attack) {
                (Some(u), "credential_stuffing" | "account_takeover") => u.clone(),
                _ => pick(&mut self.rng, payload_table).to_string(),
            };
            let path = pick(&mut self.rng, svc.paths);
            let status = self.status(attack, blocked, k + 1 == n_samples);
            exploited |= !blocked && status == 500;
            let mut ua = self.user_agent(attack);
            if k == 0 {
                if let Some(h) = hostile.and_then(Hostile::user_agent) {
                    ua = h;
                }
            }
            let sample_ms = first_ms + self.rng.gen_range(0..=duration_ms);
            let waf = pick(&mut self.rng, spec.waf_rules);
            let mut event_id = [0u8; 12];
            self.rng.fill(&mut event_id);
            let trace_id: u64 = self.rng.gen();
            let key_path: Vec<&str> = place.key.into_iter().collect();
            let mut content = Map::new();
            content.insert("timestamp".into(), json!(self.time(sample_ms)));
            content.insert(
                "http".into(),
                json!({
                    "client_ip": ip,
                    "method": place.method,
                    "url": self.url(svc, path, &place, &payload, attack),
                    "status_code": status,
                    "useragent": ua,
                }),
            );
            if let Some(u) = &user {
                content.insert("usr".into(), json!({ "id": u }));
            }
            content.insert(
                "appsec".into(),
                json!({
                    "type": attack,
                    "blocked": blocked,
                    "triggers": [{
                        "rule": {"id": waf.0, "name": waf.1, "tags": {"type": attack, "category": spec.category}},
                        "rule_matches": [{
                            "operator": place.operator,
                            "parameters": [{"address": place.address, "key_path": key_path, "value": payload}],
                        }],
                    }],
                }),
            );
            content.insert("trace_id".into(), json!(trace_id.to_string()));
            samples.push(json!({"eventId": format!("AAAAAY{}", b64(&event_id)), "content": Value::Object(content)}));
        }

        let mut severity = spec.severity;
        if exploited && severity >= Severity::High {
            severity = Severity::Critical;
        } else if exploited && severity < Severity::Medium {
            severity = Severity::Medium;
        }
        let (triage, touched) = self.triage(age, all_blocked, attack);
        let version = if touched {
            self.rng.gen_range(2..=5)
        } else {
            1
        };

        let mut id = Vec::with_capacity(15);
        id.extend_from_slice(&ts.to_be_bytes()[2..]);
        id.extend_from_slice(&(self.i as u32).to_be_bytes());
        let mut tail = [0u8; 5];
        self.rng.fill(&mut tail);
        id.extend_from_slice(&tail);

        let title = format!("{} on {}", spec.name, svc.name);
        let outcome = if all_blocked {
            "all blocked"
        } else if exploited {
            "not blocked, server errors seen"
        } else {
            "not blocked"
        };
        let message = format!(
            "{title}\n\n{events_matched} attack attempt{} from {} IP address{} matched `{}` on `{}` ({env}); {outcome}. Owner: {}.",
            if events_matched == 1 { "" } else { "s" },
            ips.len(),
            if ips.len() == 1 { "" } else { "es" },
            spec.id,
            svc.name,
            svc.owner
        );
        let mut event = Map::new();
        event.insert("title".into(), json!(title));
        event.insert(
            "workflow".into(),
            json!({
                "rule": {"id": spec.id, "name": spec.name, "type": "Application Security", "version": spec.version},
                "first_seen": self.time(first_ms),
                "last_seen": self.time(ts),
                "events_matched": events_matched,
                "triage": triage,
            }),
        );
        event.insert("http".into(), json!({"client_ip": ips[0]}));
        let net_ip = if ips.len() == 1 {
            json!(ips[0])
        } else {
            json!(ips)
        };
        event.insert("network".into(), json!({"client": {"ip": net_ip}}));
        match users.len() {
            0 => {}
            1 => {
                event.insert("usr".into(), json!({"id": users[0]}));
            }
            _ => {
                event.insert("usr".into(), json!({"id": users}));
            }
        }
        event.insert(
            "appsec".into(),
            json!({"category": spec.category, "type": attack, "blocked": all_blocked, "rule_id": spec.waf_rules[0].0}),
        );
        event.insert("service".into(), json!(svc.name));
        event.insert("env".into(), json!(env));
        event.insert("samples".into(), Value::Array(samples));

        json!({
            "id": format!("AQAAAY{}", b64(&id)),
            "type": "signal",
            "attributes": {
                "timestamp": self.time(ts),
                "message": message,
                "tags": [
                    format!("env:{env}"),
                    format!("service:{}", svc.name),
                    "source:appsec",
                    "security:attack",
                    format!("team:{}", svc.owner),
                    format!("rule_id:{}", spec.id),
                    format!("attack_type:{attack}"),
                ],
                "status": severity.as_str(),
                "service": [svc.name],
                "version": version,
                "attributes": Value::Object(event),
            }
        })
    }
}

impl Iterator for Generator {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        if self.i >= self.total {
            return None;
        }
        let v = self.signal();
        self.i += 1;
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.total - self.i;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Generator {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64_matches_the_url_safe_alphabet() {
        assert_eq!(b64(b"Man"), "TWFu");
        assert_eq!(b64(b"Ma"), "TWE");
        assert_eq!(b64(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn every_kind_of_hostile_string_is_in_the_first_fifty() {
        let kinds: Vec<Hostile> = (0..50).filter_map(hostile_at).collect();
        assert_eq!(kinds.len(), Hostile::ALL.len());
        for h in Hostile::ALL {
            assert!(kinds.contains(&h), "{h:?}");
        }
    }
}
