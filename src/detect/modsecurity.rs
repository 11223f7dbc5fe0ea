//! ModSecurity's JSON audit log (`SecAuditLogFormat JSON`, one transaction per line), as Apache or
//! nginx with OWASP CRS write it: the 2.9 shape (`transaction` + `request` + `audit_data.messages`
//! as strings), the v3 / libmodsecurity shape (`{"transaction":{…,"messages":[{message, details}]}}`)
//! and Coraza's (`messages[].data` beside `transaction`).
use super::event::{fnv64, AttackEvent, WafMatch};
use super::families::crs_family;
use super::jsonutil::{host_only, some, Headers, Num, Text};
use super::logtime::{apache_time, ctime, epoch_any};
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    transaction: Option<Tx<'a>>,
    #[serde(borrow, default)]
    request: Option<Req<'a>>,
    #[serde(default)]
    response: Option<Resp>,
    #[serde(borrow, default)]
    audit_data: Option<AuditData<'a>>,
    /// Coraza keeps its messages beside the transaction.
    #[serde(borrow, default)]
    messages: Option<Vec<Msg<'a>>>,
}

#[derive(Deserialize)]
struct Tx<'a> {
    // 2.9
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    transaction_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    remote_address: Option<Cow<'a, str>>,
    // v3
    #[serde(borrow, default)]
    time_stamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    unique_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    client_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    messages: Option<Vec<Msg<'a>>>,
    // Coraza
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(default)]
    unix_timestamp: Num,
    #[serde(default)]
    id: Option<Text>,
    #[serde(borrow, default)]
    request: Option<Req<'a>>,
    #[serde(default)]
    response: Option<Resp>,
}

#[derive(Deserialize)]
struct Req<'a> {
    #[serde(borrow, default)]
    request_line: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    headers: Headers<'a>,
}

#[derive(Deserialize, Default)]
struct Resp {
    #[serde(default)]
    status: Num,
    #[serde(default)]
    http_code: Num,
}

#[derive(Deserialize)]
struct AuditData<'a> {
    #[serde(borrow, default)]
    messages: Vec<Cow<'a, str>>,
    #[serde(default)]
    action: Option<Action>,
}

#[derive(Deserialize)]
struct Action {
    #[serde(default)]
    intercepted: Option<bool>,
}

#[derive(Deserialize)]
struct Msg<'a> {
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    details: Option<Details<'a>>,
    #[serde(borrow, default)]
    data: Option<Details<'a>>,
}

#[derive(Deserialize)]
struct Details<'a> {
    #[serde(default, rename = "ruleId")]
    rule_id: Option<Text>,
    #[serde(default)]
    id: Option<Text>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "match")]
    matched: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tags: Vec<Cow<'a, str>>,
}

/// Read one audit-log line. `Err` says what is wrong with it.
pub fn parse(line: &str) -> Result<AttackEvent, String> {
    let r: Record =
        serde_json::from_str(line).map_err(|e| format!("not a JSON audit record: {e}"))?;
    let mut tx = r.transaction.ok_or_else(|| {
        "no `transaction` object (is this a ModSecurity JSON audit log?)".to_string()
    })?;
    let req = r.request.or(tx.request.take());
    let resp = r.response.or(tx.response.take()).unwrap_or_default();

    let time = tx
        .time
        .as_deref()
        .or(tx.timestamp.as_deref())
        .and_then(apache_time)
        .or_else(|| tx.time_stamp.as_deref().and_then(ctime))
        .or_else(|| tx.unix_timestamp.0.and_then(epoch_any))
        .ok_or_else(|| "no readable transaction time".to_string())?;
    let id = some(tx.transaction_id.take())
        .or_else(|| some(tx.unique_id.take()))
        .or_else(|| tx.id.take().map(|t| t.0).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| format!("h{:016x}", fnv64(line.as_bytes())));
    let client_ip = some(tx.remote_address.take()).or_else(|| some(tx.client_ip.take()));

    let (mut method, mut url, mut host, mut ua) = (None, None, None, None);
    if let Some(q) = req {
        if let Some(l) = q.request_line.as_deref() {
            let mut parts = l.splitn(3, ' ');
            method = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
            url = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
        }
        method = method.or_else(|| some(q.method));
        url = url.or_else(|| some(q.uri));
        host = some(q.headers.host);
        ua = some(q.headers.user_agent);
    }
    let status = resp.status.0.or(resp.http_code.0);

    let mut matches = Vec::new();
    let mut denied = false;
    if let Some(a) = &r.audit_data {
        for m in &a.messages {
            denied |= m.starts_with("Access denied");
            if let Some(w) = parse_v2_message(m, method.as_deref()) {
                matches.push(w);
            }
        }
    }
    for m in tx
        .messages
        .iter()
        .flatten()
        .chain(r.messages.iter().flatten())
    {
        let text = m.message.as_deref().unwrap_or_default();
        denied |= text.starts_with("Access denied");
        if let Some(w) = structured_match(m, method.as_deref()) {
            matches.push(w);
        }
    }
    let intercepted = r
        .audit_data
        .as_ref()
        .and_then(|a| a.action.as_ref())
        .and_then(|a| a.intercepted);
    let blocked = intercepted.unwrap_or(denied)
        || (intercepted.is_none()
            && status == Some(403)
            && matches.iter().any(|m| m.family.is_some()));

    Ok(AttackEvent {
        time,
        id,
        source: "modsecurity".into(),
        client_ip,
        user: None,
        service: host.as_deref().map(host_only),
        host,
        method,
        url,
        status,
        blocked,
        user_agent: ua,
        matches,
    })
}

/// The 2.9 message fields read, as they open: `[id "942100"]`.
const ID: &str = "[id \"";
const MSG: &str = "[msg \"";
const DATA: &str = "[data \"";
const TAG: &str = "[tag \"";

/// The value of the first `[key "value"]` at or after `from` in a 2.9 message, `open` being
/// `[key "`; quotes inside values are escaped (`\"`). Returns the value and where it ends.
fn bracket<'a>(m: &'a str, open: &str, from: usize) -> Option<(&'a str, usize)> {
    let at = from + find_open(m.get(from..)?, open)?;
    value_at(m, at + open.len())
}

/// The value starting at `start` (just after `[key "`): up to the first `"]` whose quote is not
/// escaped. Returns it and where the field ends.
fn value_at(m: &str, start: usize) -> Option<(&str, usize)> {
    let body = m.get(start..)?;
    let bytes = body.as_bytes();
    let mut at = 0;
    loop {
        let i = at + body.get(at..)?.find('"')?;
        if bytes.get(i + 1) == Some(&b']') && (i == 0 || bytes[i - 1] != b'\\') {
            return Some((&body[..i], start + i + 2));
        }
        at = i + 1;
    }
}

/// Where `pat` (which starts with `[`) first occurs in `hay`: from one `[` to the next (a memchr
/// per step) rather than a general substring search set up anew for every field of every message.
fn find_open(hay: &str, pat: &str) -> Option<usize> {
    first_of(hay, [pat])[0]
}

/// Where each of `pats` (all starting with `[`) first occurs in `m`, found in one walk over its
/// `[`s: the operator text before the fields (a CRS regex) holds many of them, and walking it once
/// per field was a quarter of the time spent on an attack line.
fn first_of<const N: usize>(m: &str, pats: [&str; N]) -> [Option<usize>; N] {
    let mut out = [None; N];
    let mut at = 0;
    while let Some(i) = m.get(at..).and_then(|r| r.find('[')).map(|i| at + i) {
        let rest = &m.as_bytes()[i..];
        for (found, p) in out.iter_mut().zip(pats) {
            if found.is_none() && rest.starts_with(p.as_bytes()) {
                *found = Some(i);
            }
        }
        if out.iter().all(Option::is_some) {
            break;
        }
        at = i + 1;
    }
    out
}

fn unescape(s: &str) -> String {
    if s.contains('\\') {
        s.replace("\\\"", "\"").replace("\\\\", "\\")
    } else {
        s.to_string()
    }
}

/// A 2.9 message string: `Warning. <what> at ARGS:id. [file ..] [id "942100"] [msg ".."] [data ".."] [tag ".."]…`.
fn parse_v2_message(m: &str, method: Option<&str>) -> Option<WafMatch> {
    // The first of each field, as a search from the start for each would find it.
    let [id_at, msg_at, data_at, tag_at] = first_of(m, [ID, MSG, DATA, TAG]);
    let (id, _) = value_at(m, id_at? + ID.len())?;
    let msg = msg_at
        .and_then(|i| value_at(m, i + MSG.len()))
        .map(|x| unescape(x.0))
        .unwrap_or_default();
    let data = data_at
        .and_then(|i| value_at(m, i + DATA.len()))
        .map(|x| unescape(x.0));
    let mut tags = Vec::new();
    let mut next = tag_at.and_then(|i| value_at(m, i + TAG.len()));
    while let Some((t, end)) = next {
        tags.push(unescape(t));
        next = bracket(m, TAG, end);
    }
    // The variable named in the operator text: `... at REQUEST_HEADERS:User-Agent. [file`.
    let head = m.split(" [file ").next().unwrap_or(m);
    let var = head
        .rfind(" at ")
        .map(|i| head[i + 4..].trim_end_matches('.').to_string());
    Some(build_match(
        id,
        msg,
        data.as_deref(),
        None,
        var.as_deref(),
        tags,
        method,
    ))
}

fn structured_match(m: &Msg, method: Option<&str>) -> Option<WafMatch> {
    let d = m.details.as_ref().or(m.data.as_ref())?;
    let id = d
        .rule_id
        .as_ref()
        .or(d.id.as_ref())
        .map(|t| t.0.clone())
        .filter(|s| !s.is_empty())?;
    let msg = d
        .msg
        .as_deref()
        .or(m.message.as_deref())
        .unwrap_or_default()
        .to_string();
    let tags = d.tags.iter().map(|t| t.to_string()).collect();
    // v3's `match`: `Matched "Operator `Rx' with parameter ... against variable `ARGS:id' (Value: `...' )`.
    let var = d.matched.as_deref().and_then(|x| {
        let i = x.find("against variable `")? + "against variable `".len();
        let rest = &x[i..];
        Some(rest[..rest.find('\'')?].to_string())
    });
    Some(build_match(
        &id,
        msg,
        d.data.as_deref(),
        d.matched.as_deref(),
        var.as_deref(),
        tags,
        method,
    ))
}

fn build_match(
    id: &str,
    message: String,
    data: Option<&str>,
    matched: Option<&str>,
    var: Option<&str>,
    tags: Vec<String>,
    method: Option<&str>,
) -> WafMatch {
    // `Matched Data: <x> found within ARGS:id: <value>` names both the variable and the value.
    let (mut var, mut value) = (var.map(str::to_string), None);
    if let Some(d) = data {
        if let Some(i) = d.find(" found within ") {
            let rest = &d[i + " found within ".len()..];
            match rest.split_once(": ") {
                Some((v, val)) => {
                    var = Some(v.to_string());
                    value = Some(val.to_string());
                }
                None => var = Some(rest.trim_end_matches(':').to_string()),
            }
        } else if !d.is_empty() {
            value = Some(d.to_string());
        }
    }
    if value.is_none() {
        // v3: `(Value: `1' OR 1=1--' )`.
        value = matched.and_then(|x| {
            let i = x.find("(Value: `")? + "(Value: `".len();
            let rest = &x[i..];
            Some(rest[..rest.rfind("' )").unwrap_or(rest.len())].to_string())
        });
    }
    let (address, key) = match var.as_deref() {
        Some(v) => {
            let (a, k) = address_of(v, method);
            (Some(a), k)
        }
        None => (None, None),
    };
    WafMatch {
        rule_id: id.to_string(),
        family: crs_family(id, &tags).map(str::to_string),
        message,
        tags,
        address,
        key,
        value,
    }
}

/// A ModSecurity variable (`ARGS:id`, `REQUEST_HEADERS:User-Agent`) as the vendor's WAF address and key.
pub fn address_of(var: &str, method: Option<&str>) -> (String, Option<String>) {
    let (col, key) = match var.split_once(':') {
        Some((c, k)) => (c, Some(k.to_string())),
        None => (var, None),
    };
    let body = !matches!(method, Some("GET") | Some("HEAD") | None);
    let addr = match col {
        "ARGS_GET" | "ARGS_GET_NAMES" | "QUERY_STRING" => "server.request.query",
        "ARGS" | "ARGS_NAMES" if !body => "server.request.query",
        "ARGS" | "ARGS_NAMES" | "ARGS_POST" | "ARGS_POST_NAMES" | "REQUEST_BODY" | "XML" => {
            "server.request.body"
        }
        "REQUEST_HEADERS" | "REQUEST_HEADERS_NAMES" => "server.request.headers.no_cookies",
        "REQUEST_COOKIES" | "REQUEST_COOKIES_NAMES" => "server.request.cookies",
        "REQUEST_FILENAME" | "REQUEST_BASENAME" | "REQUEST_URI" | "REQUEST_URI_RAW"
        | "REQUEST_LINE" => "server.request.uri.raw",
        "FILES" | "FILES_NAMES" => "server.request.body.filenames",
        "RESPONSE_BODY" => "server.response.body",
        other => return (other.to_string(), key),
    };
    let key = key.map(|k| {
        if addr == "server.request.headers.no_cookies" {
            k.to_ascii_lowercase()
        } else {
            k
        }
    });
    (addr.to_string(), key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_found_in_one_walk_are_the_first_of_each() {
        let msgs = [
            r#"Warning. Pattern match "[^a][tag \"x\"]" at ARGS:q. [tag "t1"] [id "1"] [msg "m [id \"2\"]"] [tag "t2"] [data "d"]"#,
            r#"[data "x"] [[id "7"] [tag "a"][tag "b"]"#,
            r#"no fields [ at all ["#,
            r#"[tag "unterminated] [id "3"]"#,
        ];
        for m in msgs {
            let naive = [ID, MSG, DATA, TAG].map(|p| m.find(p));
            assert_eq!(first_of(m, [ID, MSG, DATA, TAG]), naive, "{m}");
        }
        let w = parse_v2_message(msgs[0], Some("GET")).unwrap();
        assert_eq!(
            (w.rule_id.as_str(), w.message.as_str(), w.tags.clone()),
            (
                "1",
                "m [id \"2\"]",
                vec!["t1".to_string(), "t2".to_string()]
            )
        );
        assert_eq!(w.value.as_deref(), Some("d"));
        let w = parse_v2_message(msgs[1], None).unwrap();
        assert_eq!((w.rule_id.as_str(), w.tags.len()), ("7", 2));
        assert!(parse_v2_message(msgs[2], None).is_none());
    }

    #[test]
    fn bracket_values_with_escaped_quotes() {
        let m = r#"Warning. x at ARGS:q. [id "941100"] [msg "XSS"] [data "Matched Data: a found within ARGS:q: <a href=\"x\">"] [tag "attack-xss"] [tag "OWASP_CRS"]"#;
        let w = parse_v2_message(m, Some("GET")).unwrap();
        assert_eq!(w.rule_id, "941100");
        assert_eq!(w.value.as_deref(), Some("<a href=\"x\">"));
        assert_eq!(w.address.as_deref(), Some("server.request.query"));
        assert_eq!(w.key.as_deref(), Some("q"));
        assert_eq!(w.tags, vec!["attack-xss", "OWASP_CRS"]);
        assert_eq!(w.family.as_deref(), Some("xss"));
    }
}
