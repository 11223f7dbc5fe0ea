//! The body each kind of target receives. Pure: a signal and a change in, JSON out.
use super::pagerduty::Action as PdAction;
use super::rule::Target;
use crate::model::{Severity, Signal, TriageState};
use serde_json::{json, Value};

/// What happened to the signal that made a rule fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    SeverityRaised {
        from: Severity,
        to: Severity,
    },
    /// An analyst moved the signal; only PagerDuty targets hear of it (`pagerduty::Action`).
    Triaged {
        to: TriageState,
        /// The signal's version after the move: each move is its own delivery.
        version: i64,
        action: PdAction,
    },
}

impl Change {
    /// The delivery's de-duplication key: one delivery per (rule, signal, key, target).
    pub fn key(&self) -> String {
        match self {
            Change::Created => "created".into(),
            Change::SeverityRaised { to, .. } => format!("severity:{to}"),
            Change::Triaged { to, version, .. } => format!("triage:{}:v{version}", to.as_str()),
        }
    }

    fn event(&self) -> &'static str {
        match self {
            Change::Created => "signal.created",
            Change::SeverityRaised { .. } => "signal.severity_raised",
            Change::Triaged { .. } => "signal.triaged",
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Change::Created => "New signal".into(),
            Change::SeverityRaised { from, to } => format!("Severity raised from {from} to {to}"),
            Change::Triaged { to, .. } => format!("Moved to {}", to.label()),
        }
    }

    /// Whether a target is sent this kind of change.
    pub fn goes_to(&self, t: &Target) -> bool {
        match self {
            Change::Triaged { .. } => matches!(t, Target::PagerDuty(_)),
            Change::Created | Change::SeverityRaised { .. } => true,
        }
    }
}

/// What a payload says besides the signal itself.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub rule_id: &'a str,
    pub rule_name: &'a str,
    pub change: Change,
    /// A link to the signal in the analyst's tool.
    pub link: String,
}

/// The link to a signal: `{id}` in the configured template, percent-encoded.
pub fn signal_link(template: &str, id: &str) -> String {
    template.replace("{id}", &url_component(id))
}

/// Percent-encode everything outside RFC 3986's unreserved set.
pub fn url_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn build(target: &Target, s: &Signal, ctx: &Context) -> Value {
    match target {
        Target::Webhook { .. } => webhook(s, ctx),
        Target::Slack(_) => slack(s, ctx),
        Target::Teams(_) => super::teams::card(s, ctx),
        Target::PagerDuty(key) => super::pagerduty::event(key, s, ctx),
    }
}

/// The generic webhook: the signal's vendor JSON as `data`, and what fired as `meta`.
pub fn webhook(s: &Signal, ctx: &Context) -> Value {
    json!({
        "data": s.to_json(),
        "meta": {
            "event": ctx.change.event(),
            "change": ctx.change.key(),
            "rule": {"id": ctx.rule_id, "name": ctx.rule_name},
            "link": ctx.link,
        }
    })
}

/// The attacking IPs and users, shortened.
pub(crate) fn attackers(s: &Signal) -> String {
    let mut parts: Vec<String> = s.attacker_ips.iter().take(10).cloned().collect();
    if s.attacker_ips.len() > 10 {
        parts.push(format!("+{} more IPs", s.attacker_ips.len() - 10));
    }
    parts.extend(s.attacker_users.iter().take(5).map(|u| format!("user {u}")));
    if parts.is_empty() {
        "unknown".into()
    } else {
        parts.join(", ")
    }
}

/// Slack's mrkdwn gives `<`, `>` and `&` meaning (links, `<!channel>` mentions): escape them so an
/// attacker's title cannot ping a channel or plant a link.
fn slack_escape(s: &str) -> String {
    crate::sanitize::truncate(s, 300)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack incoming-webhook message: `text` for notifications, blocks for the channel.
pub fn slack(s: &Signal, ctx: &Context) -> Value {
    let sev = s.severity.as_str().to_uppercase();
    let title = slack_escape(&s.title);
    let service = slack_escape(if s.service().is_empty() {
        "unknown"
    } else {
        s.service()
    });
    let env = s
        .env
        .as_deref()
        .map(slack_escape)
        .unwrap_or_else(|| "-".into());
    let text = format!("[{sev}] {title} on {service}");
    json!({
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": crate::sanitize::truncate(&format!("[{sev}] {}", s.title), 150), "emoji": false}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": format!("*Severity*\n{sev}")},
                {"type": "mrkdwn", "text": format!("*Service*\n{service} ({env})")},
                {"type": "mrkdwn", "text": format!("*Attackers*\n{}", slack_escape(&attackers(s)))},
                {"type": "mrkdwn", "text": format!("*Rule*\n{}", slack_escape(&s.rule.name))},
            ]},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": format!("{} · notification rule {} · <{}|Open signal>",
                    ctx.change.describe(), slack_escape(ctx.rule_name), ctx.link.replace(['<', '>', '|'], ""))}
            ]},
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(title: &str) -> Signal {
        Signal::from_json(json!({"id":"AAA-1","type":"signal","attributes":{
            "timestamp":"2026-01-01T00:00:00.000Z","status":"critical","service":["checkout-api"],
            "tags":["env:prod"],"host":"web-1",
            "custom":{"title":title,"network":{"client":{"ip":"198.51.100.7"}},
                "workflow":{"rule":{"id":"r1","name":"SQLi","type":"application_security"}}}}}))
        .unwrap()
    }

    fn ctx() -> Context<'static> {
        Context {
            rule_id: "abc-def-ghi",
            rule_name: "crit to oncall",
            change: Change::Created,
            link: signal_link("https://app.example/signals/{id}", "AAA-1"),
        }
    }

    #[test]
    fn slack_escapes_mentions_and_links() {
        let v = slack(&sig("<!channel> & <https://evil|click>"), &ctx());
        let t = v["text"].as_str().unwrap();
        assert!(
            t.contains("&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"),
            "{t}"
        );
        assert!(t.starts_with("[CRITICAL]"), "{t}");
        let ctxline = v["blocks"][2]["elements"][0]["text"].as_str().unwrap();
        assert!(ctxline.contains("<https://app.example/signals/AAA-1|Open signal>"));
    }

    #[test]
    fn pagerduty_shape() {
        let v = super::super::pagerduty::event("KEY", &sig("x"), &ctx());
        assert_eq!(v["routing_key"], "KEY");
        assert_eq!(v["event_action"], "trigger");
        assert_eq!(v["dedup_key"], "AAA-1");
        assert_eq!(v["payload"]["severity"], "critical");
        assert_eq!(v["payload"]["source"], "web-1");
        assert_eq!(v["payload"]["summary"], "[CRITICAL] x");
        assert_eq!(v["payload"]["custom_details"]["signal_id"], "AAA-1");
    }

    #[test]
    fn pagerduty_omits_absent_optional_fields() {
        let mut s = sig("x");
        s.env = None;
        let v = super::super::pagerduty::event("KEY", &s, &ctx());
        let p = v["payload"].as_object().unwrap();
        assert!(!p.contains_key("group"), "{v}");
        assert!(p.values().all(|x| !x.is_null() && x != ""), "{v}");
        let d = p["custom_details"].as_object().unwrap();
        assert!(d.values().all(|x| !x.is_null() && x != ""), "{v}");
    }

    #[test]
    fn pagerduty_triage_events_are_short_with_the_same_dedup_key() {
        use super::super::pagerduty::{event, Action};
        for (to, action) in [
            (TriageState::Archived, Action::Resolve),
            (TriageState::UnderReview, Action::Acknowledge),
        ] {
            let mut c = ctx();
            c.change = Change::Triaged {
                to,
                version: 2,
                action,
            };
            let v = event("KEY", &sig("x"), &c);
            assert_eq!(
                v,
                json!({"routing_key": "KEY", "event_action": action.as_str(), "dedup_key": "AAA-1"})
            );
        }
    }

    #[test]
    fn teams_card_escapes_attacker_markdown() {
        let v = super::super::teams::card(
            &sig("[Click to reset MFA](https://evil.example/phish)"),
            &ctx(),
        );
        let card = &v["attachments"][0]["content"];
        let title = card["body"][0]["text"].as_str().unwrap();
        assert!(!title.contains("](") && !title.contains("://"), "{title}");
        assert!(title.contains(r"\[Click to reset MFA\]"), "{title}");
        assert_eq!(
            card["actions"][0]["url"],
            "https://app.example/signals/AAA-1"
        );
    }

    #[test]
    fn webhook_carries_the_vendor_json() {
        let s = sig("x");
        let v = webhook(&s, &ctx());
        assert_eq!(&v["data"], s.to_json());
        assert_eq!(v["meta"]["event"], "signal.created");
    }

    #[test]
    fn link_id_is_a_url_component() {
        assert_eq!(
            signal_link("https://h/{id}", "a b/c"),
            "https://h/a%20b%2Fc"
        );
    }
}
