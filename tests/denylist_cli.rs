//! The edge denylist through the real binary: autoblock on `import`, allowlist refusals with exit
//! codes, bouncer keys, and the exports checked by the tools that read them (`nginx -t`,
//! `nft -c -f`); a test whose tool is missing fails (`tests/needs`).
mod engine_support;
mod needs;

use engine_support::signal_json;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Cli {
    dir: tempfile::TempDir,
    store: PathBuf,
    config: PathBuf,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        Cli {
            store: dir.path().join("signals.db"),
            config: dir.path().join("config.toml"),
            dir,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sigscope"))
            .args(args)
            .env("SIGSCOPE_STORE", &self.store)
            .env("SIGSCOPE_CONFIG", &self.config)
            .env("SIGSCOPE_USER", "ana@example.com")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn import(&self, name: &str, signals: &[Value]) -> String {
        let file = self.dir.path().join(name);
        std::fs::write(&file, json!({ "data": signals }).to_string()).unwrap();
        self.ok(&["import", file.to_str().unwrap()])
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn stuffing(id: &str, ips: &[&str]) -> Value {
    let recent = chrono::Utc::now() - chrono::TimeDelta::minutes(5);
    let mut v = signal_json(id, recent, "open", ips);
    v["attributes"]["custom"]["workflow"]["rule"]["name"] = json!("Credential stuffing attack");
    v
}

fn tool(name: &str) -> Option<PathBuf> {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return Some(p);
        }
    }
    None
}

/// A store with a few blocks of each kind.
fn blocked() -> Cli {
    let cli = Cli::new();
    cli.ok(&[
        "block",
        "ip",
        "198.51.100.7",
        "203.0.113.0/24",
        "--for",
        "1h",
        "--reason",
        "scanner\nallow all;",
    ]);
    cli.ok(&[
        "block",
        "ip",
        "2001:db8::7",
        "2001:db8:1::/48",
        "--permanent",
    ]);
    cli.ok(&["block", "ip", "192.0.2.9", "--for", "7d"]);
    // Past nft's largest single number of seconds (10^8), which a 10-year block would be.
    cli.ok(&["block", "ip", "192.0.2.10", "--for", "3650d"]);
    cli.ok(&["block", "user", "mallory", "--for", "1d"]);
    cli
}

#[test]
fn import_runs_autoblock_rules_and_prints_what_they_did() {
    let cli = Cli::new();
    cli.ok(&[
        "autoblock",
        "add",
        "cs",
        "-q",
        r"@workflow.rule.name:Credential\ stuffing*",
        "--for",
        "1h",
    ]);
    let list = cli.ok(&["autoblock", "list"]);
    assert!(list.contains("cs") && list.contains("1h"), "{list}");
    let out = cli.import(
        "a.json",
        &[
            stuffing("C1", &["192.0.2.10"]),
            signal_json("X1", chrono::Utc::now(), "open", &["192.0.2.77"]),
        ],
    );
    assert!(out.contains("autoblock cs: made ip 192.0.2.10"), "{out}");
    assert!(!out.contains("192.0.2.77"), "{out}");
    let blocks = cli.ok(&["blocks", "list", "--format", "json"]);
    let v: Value = serde_json::from_str(&blocks).unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["attributes"]["origin"], "autoblock:cs");
    // Re-import: nothing more.
    let out = cli.import("a.json", &[stuffing("C1", &["192.0.2.10"])]);
    assert!(!out.contains("autoblock"), "{out}");
    let log = cli.ok(&["autoblock", "log", "cs"]);
    assert_eq!(log.lines().count(), 2, "{log}");
    cli.ok(&["autoblock", "set", "cs", "--disable"]);
    assert!(cli.ok(&["autoblock", "list"]).contains("disabled"));
    let out = cli.import("b.json", &[stuffing("C2", &["192.0.2.12"])]);
    assert!(
        !out.contains("autoblock"),
        "a disabled rule does nothing: {out}"
    );
    cli.ok(&["autoblock", "remove", "cs"]);
    assert!(!cli.ok(&["autoblock", "list"]).contains("cs"));
}

#[test]
fn dry_run_lists_would_be_blocks() {
    let cli = Cli::new();
    cli.import("a.json", &[stuffing("C1", &["192.0.2.10", "192.0.2.11"])]);
    let out = cli.ok(&[
        "autoblock",
        "dry-run",
        "-q",
        r"@workflow.rule.name:Credential\ stuffing*",
    ]);
    assert!(
        out.contains("192.0.2.10") && out.contains("192.0.2.11"),
        "{out}"
    );
    assert!(out.contains("2 blocks would be made"), "{out}");
    assert!(cli
        .ok(&["blocks", "list", "--format", "ids"])
        .trim()
        .is_empty());
}

#[test]
fn allowlisted_values_are_refused_with_exit_5() {
    let cli = Cli::new();
    cli.ok(&["allowlist", "add", "203.0.113.0/24", "--note", "office"]);
    let out = cli.run(&["block", "ip", "203.0.113.8"]);
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("allowlist entry #1") && err.contains("office"),
        "{err}"
    );
    let list = cli.ok(&["allowlist", "list"]);
    assert!(list.contains("203.0.113.0/24"));
    cli.ok(&["allowlist", "remove", "1"]);
    cli.ok(&["block", "ip", "203.0.113.8"]);
    let out = cli.run(&["allowlist", "add", "127.0.0.1"]);
    assert_eq!(out.status.code(), Some(2), "loopback is refused as a value");
}

#[test]
fn bouncer_keys_are_printed_once() {
    let cli = Cli::new();
    let key = cli.ok(&["bouncers", "add", "edge"]).trim().to_string();
    assert_eq!(key.len(), 48);
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
    let list = cli.ok(&["bouncers", "list"]);
    assert!(list.contains("edge") && !list.contains(&key));
    assert_eq!(cli.run(&["bouncers", "add", "edge"]).status.code(), Some(5));
}

#[test]
fn every_format_exports_and_unknown_ones_are_named() {
    let cli = blocked();
    for f in [
        "nginx",
        "nginx-geo",
        "nftables",
        "ipset",
        "aws-waf",
        "cloudflare",
        "crowdsec",
        "rules-data",
        "csv",
        "json",
    ] {
        // An AWS WAF IP set holds one family.
        let args: &[&str] = if f == "aws-waf" {
            &["export", "denylist", "--format", f, "--family", "ipv4"]
        } else {
            &["export", "denylist", "--format", f]
        };
        let out = cli.ok(args);
        assert!(out.contains("198.51.100.7"), "{f}: {out}");
    }
    let out = cli.run(&["export", "denylist", "--format", "iptables"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nginx-geo"));
}

#[test]
fn nginx_exports_pass_nginx_t() {
    let Some(nginx) = tool("nginx") else {
        needs::missing(
            "nginx_exports_pass_nginx_t",
            "nginx is not installed (apt-get install nginx-light)",
        );
        return;
    };
    let cli = blocked();
    let deny = cli.write(
        "deny.conf",
        &cli.ok(&["export", "denylist", "--format", "nginx"]),
    );
    let geo = cli.write(
        "geo.conf",
        &cli.ok(&["export", "denylist", "--format", "nginx-geo"]),
    );
    let d = cli.dir.path();
    let conf = cli.write(
        "nginx.conf",
        &format!(
            "error_log stderr;\npid {pid};\nevents {{}}\nhttp {{\n  include {geo};\n  server {{\n    listen 127.0.0.1:8;\n    include {deny};\n    location / {{ if ($sigscope_blocked) {{ return 403; }} return 200; }}\n  }}\n}}\n",
            pid = d.join("nginx.pid").display(),
            geo = geo.display(),
            deny = deny.display()
        ),
    );
    // `-e stderr`: without it nginx opens its compiled-in error log first, which a non-root user
    // cannot.
    let out = Command::new(nginx)
        .args(["-e", "stderr", "-t", "-c"])
        .arg(&conf)
        .arg("-p")
        .arg(d)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn nftables_export_passes_nft_check() {
    let Some(nft) = tool("nft") else {
        needs::missing(
            "nftables_export_passes_nft_check",
            "nft is not installed (apt-get install nftables)",
        );
        return;
    };
    // `nft -c` still talks netlink; where that is not allowed (a container without CAP_NET_ADMIN)
    // even an empty script fails, and the check cannot run here.
    let probe = Command::new(&nft)
        .args(["-c", "-f", "/dev/null"])
        .output()
        .unwrap();
    if !probe.status.success() {
        needs::missing(
            "nftables_export_passes_nft_check",
            &format!(
                "nft -c cannot run here: {}",
                String::from_utf8_lossy(&probe.stderr).trim()
            ),
        );
        return;
    }
    let cli = blocked();
    let script = cli.write(
        "denylist.nft",
        &cli.ok(&["export", "denylist", "--format", "nftables"]),
    );
    let out = Command::new(&nft)
        .arg("-c")
        .arg("-f")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nft -c -f: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(&script).unwrap()
    );
    // And with no entries at all.
    let empty = Cli::new();
    // A store with an empty denylist (a read never creates one).
    empty.ok(&[
        "allowlist",
        "add",
        "192.0.2.200",
        "--note",
        "makes the store",
    ]);
    let script = empty.write(
        "empty.nft",
        &empty.ok(&["export", "denylist", "--format", "nftables"]),
    );
    let out = Command::new(&nft)
        .arg("-c")
        .arg("-f")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ipset_export_restores_twice_in_a_private_network_namespace() {
    let (Some(ipset), Some(unshare)) = (tool("ipset"), tool("unshare")) else {
        needs::missing(
            "ipset_export_restores_twice_in_a_private_network_namespace",
            "ipset or unshare is not installed (apt-get install ipset)",
        );
        return;
    };
    // ipset has no check mode; a throwaway network namespace keeps the host's sets untouched.
    let probe = Command::new(&unshare)
        .args(["-n", "true"])
        .output()
        .unwrap();
    if !probe.status.success() {
        needs::missing(
            "ipset_export_restores_twice_in_a_private_network_namespace",
            &format!(
                "cannot create a network namespace here: {}",
                String::from_utf8_lossy(&probe.stderr).trim()
            ),
        );
        return;
    }
    let cli = blocked();
    let file = cli.write(
        "denylist.ipset",
        &cli.ok(&["export", "denylist", "--format", "ipset"]),
    );
    let script = format!(
        "{i} restore < {f} && {i} restore < {f} && {i} list sigscope-v4 && {i} list sigscope-v6",
        i = ipset.display(),
        f = file.display()
    );
    let out = Command::new(&unshare)
        .args(["-n", "sh", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("198.51.100.7 timeout"), "{text}");
    assert!(text.contains("203.0.113.0/24 timeout"), "{text}");
    assert!(
        text.contains("2001:db8:1::/48 timeout 0"),
        "permanent: {text}"
    );
    assert!(!text.contains("sigscope-v4-new"), "the scratch set is gone");
}

/// The AWS export checked against the `UpdateIPSetRequest` shape of the WAFV2 API model
/// (`fixtures/aws_wafv2_update_ip_set.json`): required members, enum, lengths and patterns.
fn check_update_ip_set(doc: &Value) {
    let model: Value =
        serde_json::from_str(include_str!("fixtures/aws_wafv2_update_ip_set.json")).unwrap();
    let obj = doc.as_object().expect("one JSON object");
    for k in model["required"].as_array().unwrap() {
        assert!(obj.contains_key(k.as_str().unwrap()), "missing {k}: {doc}");
    }
    let members = model["members"].as_object().unwrap();
    for (k, v) in obj {
        let m = members
            .get(k)
            .unwrap_or_else(|| panic!("{k} is not an UpdateIPSet member"));
        let check = |s: &str, m: &Value| {
            let n = s.chars().count() as u64;
            if let Some(min) = m["min"].as_u64() {
                assert!(n >= min, "{k} {s:?} shorter than {min}");
            }
            if let Some(max) = m["max"].as_u64() {
                assert!(n <= max, "{k} {s:?} longer than {max}");
            }
            if let Some(p) = m["pattern"].as_str() {
                assert!(
                    regex::Regex::new(p).unwrap().is_match(s),
                    "{k} {s:?} !~ {p}"
                );
            }
            if let Some(e) = m["enum"].as_array() {
                assert!(e.iter().any(|x| x == s), "{k} {s:?} not in {e:?}");
            }
        };
        match v {
            Value::String(s) => check(s, m),
            Value::Array(items) => {
                for i in items {
                    let s = i.as_str().unwrap();
                    check(s, &m["member"]);
                    // IPAddress: an address in CIDR notation, /32 and /128 included.
                    assert!(s.parse::<ipnet::IpNet>().is_ok(), "{s} is not CIDR");
                }
            }
            other => panic!("{k}: unexpected {other}"),
        }
    }
}

#[test]
fn aws_waf_export_is_one_valid_update_ip_set_input_per_family() {
    let cli = blocked();
    let id = "0d5c6f3e-8a1b-4c2d-9e7f-1234567890ab";
    let lock = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
    let out = cli.ok(&[
        "export",
        "denylist",
        "--format",
        "aws-waf",
        "--family",
        "ipv4",
        "--aws-id",
        id,
        "--aws-lock-token",
        lock,
    ]);
    // Exactly one JSON document on stdout, as `--cli-input-json file://...` reads.
    let doc: Value = serde_json::from_str(&out).unwrap();
    check_update_ip_set(&doc);
    let addrs = doc["Addresses"].to_string();
    assert!(
        addrs.contains("\"198.51.100.7/32\"") && !addrs.contains("2001:db8"),
        "{addrs}"
    );

    // Without --family: refused with the way out named; --out-dir writes one file each.
    let bare = cli.run(&["export", "denylist", "--format", "aws-waf"]);
    assert_eq!(bare.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bare.stderr);
    assert!(
        err.contains("--family") && err.contains("--out-dir"),
        "{err}"
    );
    let dir = cli.dir.path().join("aws");
    std::fs::create_dir(&dir).unwrap();
    cli.ok(&[
        "export",
        "denylist",
        "--format",
        "aws-waf",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    for fam in ["ipv4", "ipv6"] {
        let text = std::fs::read_to_string(dir.join(format!("aws-waf-{fam}.json"))).unwrap();
        let d: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(d["Name"], format!("sigscope-denylist-{fam}"));
        // Placeholders aside (they are warned about), every member passes the model.
        let mut d = d;
        d["Id"] = json!(id);
        d["LockToken"] = json!(lock);
        check_update_ip_set(&d);
    }
    // A name or id AWS would refuse is refused here.
    let bad = cli.run(&[
        "export",
        "denylist",
        "--format",
        "aws-waf",
        "--family",
        "ipv4",
        "--aws-name",
        "my set (prod)",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = cli.run(&[
        "export", "denylist", "--format", "aws-waf", "--family", "ipv4", "--aws-id", "ABC",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}
