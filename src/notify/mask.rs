//! Secrets inside target URLs hidden for display: Slack and Teams webhook paths, PagerDuty routing
//! keys, `user:password@`, and token-like query values. A webhook URL *is* its credential, so anything
//! that looks like a key is masked, erring towards hiding too much.
use reqwest::Url;

const MASK: &str = "****";

/// A key shown by its first four characters, enough to tell two apart.
pub fn mask_key(k: &str) -> String {
    if k.chars().count() <= 8 {
        return MASK.into();
    }
    let head: String = k.chars().take(4).collect();
    format!("{head}{MASK}")
}

/// `T000/B000/XXXX` (a Slack webhook path without the base) with the token hidden.
pub fn mask_slack_path(p: &str) -> String {
    match p.rsplit_once('/') {
        Some((head, _)) => format!("{head}/{MASK}"),
        None => MASK.into(),
    }
}

fn sensitive_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    ["sig", "sv", "sp", "code"].contains(&k.as_str())
        || ["token", "key", "secret", "pass", "auth", "access"]
            .iter()
            .any(|s| k.contains(s))
}

/// Long and made of both letters and digits, or long and mixed case: an id or a key, not a word.
fn secret_like(s: &str) -> bool {
    let n = s.chars().count();
    let digit = s.chars().any(|c| c.is_ascii_digit());
    let alpha = s.chars().any(|c| c.is_ascii_alphabetic());
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    (n >= 16 && digit && alpha) || (n >= 20 && upper && lower) || n >= 40
}

/// The URL with credentials hidden; text that is not a URL is hidden whole but for its start.
pub fn mask_url(raw: &str) -> String {
    let mut url = match Url::parse(raw) {
        Ok(u) if u.has_host() => u,
        _ => {
            let head: String = raw.chars().take(12).collect();
            return format!("{head}{MASK}");
        }
    };
    if !url.username().is_empty() {
        let _ = url.set_username(MASK);
    }
    if url.password().is_some() {
        let _ = url.set_password(Some(MASK));
    }
    let slack = url
        .host_str()
        .is_some_and(|h| h.eq_ignore_ascii_case("hooks.slack.com"));
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_string).collect())
        .unwrap_or_default();
    if !segments.is_empty() {
        let last = segments.len() - 1;
        let masked: Vec<String> = segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if (slack && i == last && i > 0) || secret_like(s) {
                    MASK.to_string()
                } else {
                    s.clone()
                }
            })
            .collect();
        url.set_path(&masked.join("/"));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if sensitive_key(&k) || secret_like(&v) {
                    MASK.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    if url.fragment().is_some() {
        url.set_fragment(Some(MASK));
    }
    // The URL library writes the mask percent-encoded in some places; show it plainly.
    url.to_string().replace("%2A%2A%2A%2A", MASK)
}

/// Free text (an error message) with every URL in it masked.
pub fn mask_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | ']'))
            .unwrap_or(tail.len());
        out.push_str(&mask_url(&tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Free text with each of the given secrets replaced by the mask (for errors and recorded output).
pub fn redact(s: &str, secrets: &[String]) -> String {
    let mut out = s.to_string();
    for secret in secrets.iter().filter(|x| x.len() >= 4) {
        out = out.replace(secret.as_str(), MASK);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_token_is_hidden_host_kept() {
        let m = mask_url("https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx");
        assert_eq!(m, "https://hooks.slack.com/services/T0001/B0002/****");
    }

    #[test]
    fn teams_signature_and_guids_are_hidden() {
        let u = "https://prod-12.westus.logic.azure.com:443/workflows/0f8fad5bd9cb469fa16570867728950e/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zx9Q0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
        let m = mask_url(u);
        assert!(!m.contains("Zx9Q0aBcDe"), "{m}");
        assert!(!m.contains("0f8fad5bd9cb469fa16570867728950e"), "{m}");
        assert!(m.contains("api-version=2016-06-01"), "{m}");
        assert!(m.contains("logic.azure.com"), "{m}");
    }

    #[test]
    fn userinfo_and_token_query_hidden_plain_paths_kept() {
        let m = mask_url("https://bob:hunter2@hooks.example.com/notify/owner?token=abc&team=web");
        assert_eq!(
            m,
            "https://****:****@hooks.example.com/notify/owner?token=****&team=web"
        );
    }

    #[test]
    fn keys_and_free_text() {
        assert_eq!(mask_key("0123456789abcdef0123456789abcdef"), "0123****");
        assert_eq!(mask_key("short"), "****");
        let t = mask_text("error sending request for url (https://x.io/h?key=s3cr3t): refused");
        assert_eq!(
            t,
            "error sending request for url (https://x.io/h?key=****): refused"
        );
        assert_eq!(
            redact("Bearer abcd1234", &["abcd1234".into()]),
            "Bearer ****"
        );
    }
}
