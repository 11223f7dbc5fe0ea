//! Microsoft Teams through a Workflows (Power Automate) webhook: a message carrying one Adaptive Card.
//!
//! Teams renders Markdown in a card's `TextBlock.text` and in `Fact.title`/`Fact.value`, so every
//! attacker-controlled string is escaped (CommonMark backslash escapes for every punctuation mark
//! Markdown gives meaning to) and its URLs defanged (`https[:]//evil.example`), since Teams also turns
//! a bare URL into a link. The card's own link is an `Action.OpenUrl` button, never text.
use super::targets::{attackers, Context};
use crate::model::Signal;
use serde_json::{json, Value};

/// Hosts of the Office 365 connectors ("Incoming Webhook"), which Microsoft retired in favour of
/// Workflows: messages posted there stop arriving.
pub fn retired_connector(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = u.host_str().unwrap_or("").to_ascii_lowercase();
    let path = u.path().to_ascii_lowercase();
    host == "webhook.office.com"
        || host.ends_with(".webhook.office.com")
        || ((host == "outlook.office.com" || host == "outlook.office365.com")
            && path.starts_with("/webhook"))
}

/// Attacker text made inert for Teams' Markdown: no link, emphasis, heading, list or autolink.
pub fn escape(s: &str) -> String {
    let text = crate::sanitize::truncate(s, 300);
    // Line breaks would start new Markdown blocks (lists, headings): keep the text on one line.
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let defanged = one_line.replace("://", "[:]//");
    let mut out = String::with_capacity(defanged.len() + 8);
    for c in defanged.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '~'
                | '='
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The message a Teams Workflows webhook ("Send webhook alerts to a channel") posts as a card.
pub fn card(s: &Signal, ctx: &Context) -> Value {
    let sev = s.severity.as_str().to_uppercase();
    let service = if s.service().is_empty() {
        "unknown".to_string()
    } else {
        escape(s.service())
    };
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": true,
                     "text": format!("\\[{sev}\\] {}", escape(&s.title))},
                    {"type": "FactSet", "facts": [
                        {"title": "Severity", "value": sev},
                        {"title": "Service", "value": service},
                        {"title": "Env", "value": s.env.as_deref().map(escape).unwrap_or_else(|| "\\-".into())},
                        {"title": "Attackers", "value": escape(&attackers(s))},
                        {"title": "Rule", "value": escape(&s.rule.name)},
                        {"title": "Change", "value": escape(&ctx.change.describe())},
                        {"title": "Notification rule", "value": escape(ctx.rule_name)},
                    ]}
                ],
                "actions": [{"type": "Action.OpenUrl", "title": "Open signal", "url": ctx.link}]
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phishing_title_is_no_link() {
        let e = escape("[Click to reset MFA](https://evil.example/phish)");
        assert_eq!(
            e,
            r"\[Click to reset MFA\]\(https\[:\]//evil\.example/phish\)"
        );
        assert!(!e.contains("://"));
        assert_eq!(
            escape("**bold** _x_ # h\n- item"),
            r"\*\*bold\*\* \_x\_ \# h \- item"
        );
    }

    #[test]
    fn connector_urls_are_recognised() {
        assert!(retired_connector(
            "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/x/y"
        ));
        assert!(retired_connector("https://outlook.office.com/webhook/abc"));
        assert!(!retired_connector(
            "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
        ));
        assert!(!retired_connector(
            "https://evil.example/webhook.office.com"
        ));
    }
}
