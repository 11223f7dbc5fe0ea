//! The real CrowdSec firewall bouncer (Debian's `crowdsec-firewall-bouncer`, nftables mode) against
//! `sigscope serve`, both inside a throwaway network namespace so the host's firewall is untouched:
//! a block appears in the bouncer's nftables set, and leaves it once lifted. Fails where the bouncer,
//! nft or network namespaces are not available (tests/needs).
mod needs;
use std::path::Path;
use std::process::Command;

const BOUNCER: &str = "/usr/bin/crowdsec-firewall-bouncer";

#[test]
fn the_firewall_bouncer_enforces_blocks_in_nftables() {
    for tool in [BOUNCER, "/usr/sbin/nft", "/usr/bin/unshare", "/usr/sbin/ip"] {
        if !Path::new(tool).exists() {
            needs::missing(
                "the_firewall_bouncer_enforces_blocks_in_nftables",
                &format!("{tool} is not installed (apt-get install crowdsec-firewall-bouncer nftables iproute2)"),
            );
            return;
        }
    }
    let probe = Command::new("unshare")
        .args(["-n", "nft", "list", "ruleset"])
        .output()
        .unwrap();
    if !probe.status.success() {
        needs::missing(
            "the_firewall_bouncer_enforces_blocks_in_nftables",
            &format!(
                "cannot run nft in a private network namespace here: {}",
                String::from_utf8_lossy(&probe.stderr).trim()
            ),
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let script = format!(
        r#"set -e
B={bin}
export SIGSCOPE_STORE={d}/s.db SIGSCOPE_CONFIG={d}/c.toml SIGSCOPE_USER=ana@example.com
ip link set lo up
KEY=$($B bouncers add fw 2>/dev/null)
$B serve --listen 127.0.0.1:18787 2>{d}/serve.log &
SERVE=$!
cat > {d}/fw.yaml <<EOC
mode: nftables
pid_dir: {d}/
update_frequency: 1s
daemonize: false
log_mode: stdout
log_level: info
api_url: http://127.0.0.1:18787/
api_key: $KEY
disable_ipv6: false
deny_action: DROP
deny_log: false
supported_decisions_types:
  - ban
nftables:
  ipv4:
    enabled: true
    set-only: false
    table: crowdsec
    chain: crowdsec-chain
  ipv6:
    enabled: true
    set-only: false
    table: crowdsec6
    chain: crowdsec6-chain
prometheus:
  enabled: false
  listen_addr: 127.0.0.1
  listen_port: 60601
EOC
i=0; until (echo > /dev/tcp/127.0.0.1/18787) 2>/dev/null || [ $i -ge 100 ]; do i=$((i+1)); sleep 0.1; done
{fw} -c {d}/fw.yaml > {d}/fw.log 2>&1 &
FW=$!
$B block ip 198.51.100.7 --for 1h > /dev/null
i=0; until nft list ruleset 2>/dev/null | grep -q 198.51.100.7 || [ $i -ge 150 ]; do i=$((i+1)); sleep 0.1; done
echo "== blocked"; nft list ruleset
$B unblock 198.51.100.7 > /dev/null
i=0; while nft list ruleset 2>/dev/null | grep -q 198.51.100.7 && [ $i -lt 150 ]; do i=$((i+1)); sleep 0.1; done
echo "== lifted"; nft list ruleset
kill $FW $SERVE
"#,
        bin = env!("CARGO_BIN_EXE_sigscope"),
        fw = BOUNCER,
    );
    // bash for /dev/tcp.
    let out = Command::new("unshare")
        .args(["-n", "bash", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let logs = format!(
        "{}\nstderr: {}\nbouncer: {}\nserve: {}",
        text,
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.path().join("fw.log")).unwrap_or_default(),
        std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default()
    );
    assert!(out.status.success(), "{logs}");
    let (blocked, lifted) = text.split_once("== lifted").expect("both phases ran");
    assert!(blocked.contains("198.51.100.7 timeout"), "{logs}");
    assert!(!lifted.contains("198.51.100.7"), "{logs}");
}
