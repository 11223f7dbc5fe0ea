//! The demo's detection rules and services: what the generator draws from, and what the explorer's
//! Rule Details tab shows (description and runbook come from `assets/rules/<id>.md`).
use crate::model::Severity;
use std::sync::OnceLock;

/// A detection rule as the explorer describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// The vendor's display string, `Application Security`.
    pub rule_type: &'static str,
    pub version: i64,
    pub severity: Severity,
    /// The value the signals carry in `appsec.type` (`sql_injection`, `xss`, ...).
    pub attack_type: &'static str,
    /// `appsec.category`: `attack_attempt` or `business_logic`.
    pub category: &'static str,
    /// The rule's case condition over its queries, as the vendor writes it.
    pub condition: &'static str,
    /// In-app WAF rules (id, name) whose matches this detection rule aggregates.
    pub waf_rules: &'static [(&'static str, &'static str)],
    /// The Markdown file whole.
    pub markdown: &'static str,
    /// The part of the Markdown before `## Runbook`, without its title line.
    pub description: &'static str,
    /// The `## Runbook` section (triage steps).
    pub runbook: &'static str,
}

/// A demo service and the team that owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    pub name: &'static str,
    pub owner: &'static str,
    /// The environment most of its signals come from; a few come from `staging`.
    pub env: &'static str,
    pub host: &'static str,
    pub paths: &'static [&'static str],
}

pub(crate) struct RuleSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub version: i64,
    pub severity: Severity,
    pub attack_type: &'static str,
    pub category: &'static str,
    pub condition: &'static str,
    pub waf_rules: &'static [(&'static str, &'static str)],
    pub markdown: &'static str,
    /// Relative frequency in generated data.
    pub weight: u32,
    /// Services this attack is aimed at; empty means any.
    pub targets: &'static [&'static str],
}

macro_rules! md {
    ($id:literal) => {
        include_str!(concat!("../../assets/rules/", $id, ".md"))
    };
}

const AA: &str = "attack_attempt";
const BL: &str = "business_logic";

pub(crate) static RULES: &[RuleSpec] = &[
    RuleSpec {
        id: "appsec-sqli-001",
        name: "SQL injection attempts",
        version: 4,
        severity: Severity::High,
        attack_type: "sql_injection",
        category: AA,
        condition: "a > 0 && b > 0",
        waf_rules: &[
            (
                "crs-942-100",
                "SQL Injection Attack Detected via libinjection",
            ),
            (
                "crs-942-190",
                "Detects MSSQL code execution and information gathering attempts",
            ),
        ],
        markdown: md!("appsec-sqli-001"),
        weight: 16,
        targets: &[
            "checkout-api",
            "search",
            "inventory",
            "reporting",
            "partner-api",
            "user-profile",
        ],
    },
    RuleSpec {
        id: "appsec-xss-001",
        name: "Cross-site scripting (XSS) attempts",
        version: 3,
        severity: Severity::Medium,
        attack_type: "xss",
        category: AA,
        condition: "a > 3",
        waf_rules: &[
            ("crs-941-100", "XSS Attack Detected via libinjection"),
            ("crs-941-110", "XSS Filter - Category 1: Script Tag Vector"),
        ],
        markdown: md!("appsec-xss-001"),
        weight: 12,
        targets: &["search", "user-profile", "notifications", "admin-portal"],
    },
    RuleSpec {
        id: "appsec-lfi-001",
        name: "Path traversal / local file inclusion",
        version: 2,
        severity: Severity::High,
        attack_type: "lfi",
        category: AA,
        condition: "a > 0",
        waf_rules: &[
            ("crs-930-100", "Obfuscated Path Traversal Attack (/../)"),
            ("crs-930-120", "OS File Access Attempt"),
        ],
        markdown: md!("appsec-lfi-001"),
        weight: 9,
        targets: &["media-upload", "reporting", "admin-portal", "notifications"],
    },
    RuleSpec {
        id: "appsec-ssrf-001",
        name: "Server-side request forgery (SSRF)",
        version: 2,
        severity: Severity::High,
        attack_type: "ssrf",
        category: AA,
        condition: "a > 0",
        waf_rules: &[("dog-934-100", "Server-side Request Forgery (SSRF)")],
        markdown: md!("appsec-ssrf-001"),
        weight: 5,
        targets: &["media-upload", "notifications", "payments", "reporting"],
    },
    RuleSpec {
        id: "appsec-cmdi-001",
        name: "Command injection attempts",
        version: 3,
        severity: Severity::Critical,
        attack_type: "command_injection",
        category: AA,
        condition: "a > 0",
        waf_rules: &[
            (
                "crs-932-160",
                "Remote Command Execution: Unix Shell Code Found",
            ),
            (
                "crs-932-171",
                "Remote Command Execution: Shellshock (CVE-2014-6271)",
            ),
        ],
        markdown: md!("appsec-cmdi-001"),
        weight: 5,
        targets: &["media-upload", "reporting", "admin-portal"],
    },
    RuleSpec {
        id: "appsec-cred-001",
        name: "Credential stuffing campaign",
        version: 5,
        severity: Severity::High,
        attack_type: "credential_stuffing",
        category: BL,
        condition: "a > 50 && b > 10",
        waf_rules: &[("dog-920-110", "Failed login attempt (users.login.failure)")],
        markdown: md!("appsec-cred-001"),
        weight: 6,
        targets: &["auth-service", "partner-api"],
    },
    RuleSpec {
        id: "appsec-ato-001",
        name: "Account takeover: login after distributed failures",
        version: 2,
        severity: Severity::Critical,
        attack_type: "account_takeover",
        category: BL,
        condition: "a > 5 && b > 0",
        waf_rules: &[(
            "dog-920-120",
            "Successful login after failures (users.login.success)",
        )],
        markdown: md!("appsec-ato-001"),
        weight: 3,
        targets: &["auth-service"],
    },
    RuleSpec {
        id: "appsec-scan-001",
        name: "Security scanner detected",
        version: 6,
        severity: Severity::Low,
        attack_type: "security_scanner",
        category: AA,
        condition: "a > 10",
        waf_rules: &[
            (
                "ua0-600-12x",
                "Arachni, Nuclei, sqlmap and similar scanners",
            ),
            ("nfd-000-001", "Detect common directory discovery scans"),
        ],
        markdown: md!("appsec-scan-001"),
        weight: 20,
        targets: &[],
    },
    RuleSpec {
        id: "appsec-jndi-001",
        name: "Log4Shell (JNDI injection) exploitation attempt",
        version: 3,
        severity: Severity::Critical,
        attack_type: "log4shell",
        category: AA,
        condition: "a > 0",
        waf_rules: &[("dog-913-009", "Log4Shell JNDI lookup (CVE-2021-44228)")],
        markdown: md!("appsec-jndi-001"),
        weight: 4,
        targets: &[
            "checkout-api",
            "payments",
            "partner-api",
            "inventory",
            "search",
        ],
    },
    RuleSpec {
        id: "appsec-ssti-001",
        name: "Server-side template injection (SSTI)",
        version: 1,
        severity: Severity::High,
        attack_type: "ssti",
        category: AA,
        condition: "a > 0",
        waf_rules: &[("dog-934-001", "Server-side template injection")],
        markdown: md!("appsec-ssti-001"),
        weight: 3,
        targets: &["notifications", "reporting"],
    },
    RuleSpec {
        id: "appsec-xxe-001",
        name: "XML external entity (XXE) injection",
        version: 1,
        severity: Severity::High,
        attack_type: "xxe",
        category: AA,
        condition: "a > 0",
        waf_rules: &[("dog-931-001", "XML external entity injection")],
        markdown: md!("appsec-xxe-001"),
        weight: 2,
        targets: &["partner-api", "reporting"],
    },
    RuleSpec {
        id: "appsec-nosqli-001",
        name: "NoSQL injection attempts",
        version: 2,
        severity: Severity::High,
        attack_type: "nosql_injection",
        category: AA,
        condition: "a > 0",
        waf_rules: &[("crs-942-290", "Finds basic MongoDB SQL injection attempts")],
        markdown: md!("appsec-nosqli-001"),
        weight: 4,
        targets: &["user-profile", "auth-service", "inventory"],
    },
    RuleSpec {
        id: "appsec-deser-001",
        name: "Insecure deserialization / Java attack",
        version: 2,
        severity: Severity::Critical,
        attack_type: "java_deserialization",
        category: AA,
        condition: "a > 0",
        waf_rules: &[(
            "crs-944-100",
            "Remote Command Execution: Suspicious Java class detected",
        )],
        markdown: md!("appsec-deser-001"),
        weight: 2,
        targets: &["payments", "partner-api", "admin-portal"],
    },
    RuleSpec {
        id: "appsec-abuse-001",
        name: "API abuse: business logic manipulation",
        version: 3,
        severity: Severity::Medium,
        attack_type: "api_abuse",
        category: BL,
        condition: "a > 20",
        waf_rules: &[("dog-920-300", "Coupon or price tampering")],
        markdown: md!("appsec-abuse-001"),
        weight: 5,
        targets: &["checkout-api", "graphql-gateway", "partner-api"],
    },
    RuleSpec {
        id: "appsec-admin-001",
        name: "Attack on admin route",
        version: 2,
        severity: Severity::High,
        attack_type: "admin_route",
        category: AA,
        condition: "a > 0 && b > 0",
        waf_rules: &[("dog-913-200", "Access to sensitive administration endpoint")],
        markdown: md!("appsec-admin-001"),
        weight: 4,
        targets: &["admin-portal"],
    },
    RuleSpec {
        id: "appsec-graphql-001",
        name: "GraphQL introspection and batching abuse",
        version: 1,
        severity: Severity::Medium,
        attack_type: "graphql_abuse",
        category: AA,
        condition: "a > 5",
        waf_rules: &[("dog-942-300", "GraphQL introspection query")],
        markdown: md!("appsec-graphql-001"),
        weight: 3,
        targets: &["graphql-gateway"],
    },
];

pub static SERVICES: &[ServiceInfo] = &[
    ServiceInfo {
        name: "checkout-api",
        owner: "team-payments",
        env: "prod",
        host: "checkout.shop.example.com",
        paths: &[
            "/api/v1/cart",
            "/api/v1/checkout",
            "/api/v1/orders",
            "/api/v1/coupons/apply",
        ],
    },
    ServiceInfo {
        name: "auth-service",
        owner: "team-identity",
        env: "prod",
        host: "login.shop.example.com",
        paths: &[
            "/login",
            "/oauth/token",
            "/password/reset",
            "/api/v1/sessions",
        ],
    },
    ServiceInfo {
        name: "payments",
        owner: "team-payments",
        env: "prod",
        host: "pay.shop.example.com",
        paths: &[
            "/v2/charges",
            "/v2/refunds",
            "/v2/webhooks/psp",
            "/v2/session",
        ],
    },
    ServiceInfo {
        name: "search",
        owner: "team-discovery",
        env: "prod",
        host: "www.shop.example.com",
        paths: &["/search", "/api/v1/suggest", "/api/v1/products"],
    },
    ServiceInfo {
        name: "user-profile",
        owner: "team-identity",
        env: "prod",
        host: "account.shop.example.com",
        paths: &[
            "/api/v1/users/me",
            "/api/v1/users/lookup",
            "/api/v1/users/me/addresses",
        ],
    },
    ServiceInfo {
        name: "admin-portal",
        owner: "team-platform",
        env: "prod",
        host: "admin.shop.example.com",
        paths: &[
            "/admin/login",
            "/admin/users",
            "/admin/config",
            "/actuator/env",
        ],
    },
    ServiceInfo {
        name: "graphql-gateway",
        owner: "team-api",
        env: "prod",
        host: "api.shop.example.com",
        paths: &["/graphql"],
    },
    ServiceInfo {
        name: "media-upload",
        owner: "team-content",
        env: "prod",
        host: "media.shop.example.com",
        paths: &[
            "/upload",
            "/api/v1/media/thumbnail",
            "/api/v1/media/import-url",
        ],
    },
    ServiceInfo {
        name: "notifications",
        owner: "team-messaging",
        env: "staging",
        host: "notify.staging.shop.example.com",
        paths: &[
            "/api/v1/templates/preview",
            "/api/v1/webhooks",
            "/api/v1/emails",
        ],
    },
    ServiceInfo {
        name: "inventory",
        owner: "team-supply",
        env: "prod",
        host: "inventory.shop.example.com",
        paths: &["/api/v1/items", "/api/v1/stock", "/api/v1/warehouses"],
    },
    ServiceInfo {
        name: "reporting",
        owner: "team-data",
        env: "staging",
        host: "reports.staging.shop.example.com",
        paths: &["/reports/export", "/reports/render", "/api/v1/report.xml"],
    },
    ServiceInfo {
        name: "partner-api",
        owner: "team-partners",
        env: "prod",
        host: "partners.shop.example.com",
        paths: &[
            "/partner/v1/orders",
            "/partner/v1/catalog.xml",
            "/partner/v1/session",
        ],
    },
];

/// Every rule the demo data uses, in a fixed order.
pub fn rule_catalog() -> &'static [RuleInfo] {
    static CATALOG: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    CATALOG.get_or_init(|| RULES.iter().map(to_info).collect())
}

pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    rule_catalog().iter().find(|r| r.id == id)
}

pub fn service_info(name: &str) -> Option<&'static ServiceInfo> {
    SERVICES.iter().find(|s| s.name == name)
}

/// The team that owns a demo service.
pub fn service_owner(service: &str) -> Option<&'static str> {
    service_info(service).map(|s| s.owner)
}

fn to_info(spec: &RuleSpec) -> RuleInfo {
    let (description, runbook) = split_markdown(spec.markdown);
    RuleInfo {
        id: spec.id,
        name: spec.name,
        rule_type: "Application Security",
        version: spec.version,
        severity: spec.severity,
        attack_type: spec.attack_type,
        category: spec.category,
        condition: spec.condition,
        waf_rules: spec.waf_rules,
        markdown: spec.markdown,
        description,
        runbook,
    }
}

/// Description (body before `## Runbook`, title line dropped) and runbook (from `## Runbook` on).
fn split_markdown(md: &'static str) -> (&'static str, &'static str) {
    let body = match md.strip_prefix('#') {
        Some(_) => md.split_once('\n').map(|(_, rest)| rest).unwrap_or(""),
        None => md,
    };
    match body.find("## Runbook") {
        Some(i) => (body[..i].trim(), body[i..].trim()),
        None => (body.trim(), ""),
    }
}
