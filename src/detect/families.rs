//! Attack families from the WAF's own metadata: OWASP CRS tags and rule-id ranges, AWS WAF managed
//! rule groups, rule names, match condition types and labels. Bookkeeping rules (CRS anomaly-score
//! evaluation and correlation, 949/959/980) and protocol warnings are not attacks on their own.

/// CRS tags that name an attack family (lowercase), and the family.
const CRS_TAGS: &[(&str, &str)] = &[
    ("attack-sqli", "sql_injection"),
    ("attack-xss", "xss"),
    ("attack-lfi", "lfi"),
    ("attack-rfi", "rfi"),
    ("attack-rce", "command_injection"),
    ("attack-injection-php", "php_injection"),
    ("attack-php", "php_injection"),
    ("attack-injection-nodejs", "code_injection"),
    ("attack-injection-generic", "code_injection"),
    ("attack-java", "java_code_injection"),
    ("language-java/attack", "java_code_injection"),
    ("attack-ssrf", "ssrf"),
    ("attack-fixation", "session_fixation"),
    ("attack-reputation-scanner", "security_scanner"),
    ("attack-reputation-scripting", "security_scanner"),
    ("attack-reputation-crawler", "security_scanner"),
];

/// The family a CRS tag names, if it names one, whatever its case (compared in place: a CRS match
/// has about eight tags and an attack line several matches, so no lowercase copy of each).
pub fn crs_tag_family(tag: &str) -> Option<&'static str> {
    CRS_TAGS
        .iter()
        .find(|(t, _)| tag.eq_ignore_ascii_case(t))
        .map(|(_, f)| *f)
}

/// CRS rules that only add up or report anomaly scores.
pub fn crs_is_bookkeeping(rule_id: &str) -> bool {
    let id: u32 = rule_id.parse().unwrap_or(0);
    (949_000..950_000).contains(&id)
        || (959_000..960_000).contains(&id)
        || (980_000..981_000).contains(&id)
}

/// The family of a CRS rule by its id range, for records without tags.
pub fn crs_id_family(rule_id: &str) -> Option<&'static str> {
    let id: u32 = rule_id.parse().ok()?;
    Some(match id / 1000 {
        913 => "security_scanner",
        930 => "lfi",
        931 => "rfi",
        932 => "command_injection",
        933 => "php_injection",
        934 => "code_injection",
        941 => "xss",
        942 => "sql_injection",
        943 => "session_fixation",
        944 => "java_code_injection",
        _ => return None,
    })
}

/// The family of one CRS / ModSecurity match: its tags first, then its id range.
pub fn crs_family(rule_id: &str, tags: &[String]) -> Option<&'static str> {
    if crs_is_bookkeeping(rule_id) {
        return None;
    }
    tags.iter().find_map(|t| crs_tag_family(t)).or_else(|| {
        // A tagged rule whose tags name no attack (protocol, disclosure, dos) is not one.
        let tagged_other = tags.iter().any(|t| t.starts_with("attack-"));
        if tagged_other {
            None
        } else {
            crs_id_family(rule_id)
        }
    })
}

/// The family of an AWS WAF rule: its rule group (`AWS#AWSManagedRulesSQLiRuleSet`), its rule id
/// (`CrossSiteScripting_QUERYARGUMENTS`), or a match's condition type (`SQL_INJECTION`).
pub fn aws_family(
    group: Option<&str>,
    rule_id: &str,
    condition: Option<&str>,
) -> Option<&'static str> {
    match condition {
        Some("SQL_INJECTION") => return Some("sql_injection"),
        Some("XSS") => return Some("xss"),
        _ => {}
    }
    let r = rule_id.to_ascii_lowercase();
    let by_rule: &[(&str, &str)] = &[
        ("sqli", "sql_injection"),
        ("crosssitescripting", "xss"),
        ("xss", "xss"),
        ("log4j", "java_code_injection"),
        ("javadeserialization", "java_code_injection"),
        ("genericlfi", "lfi"),
        ("lfi_", "lfi"),
        ("restrictedextensions", "lfi"),
        ("genericrfi", "rfi"),
        ("ec2metadatassrf", "ssrf"),
        ("unixshell", "command_injection"),
        ("windowsshell", "command_injection"),
        ("powershell", "command_injection"),
        ("php", "php_injection"),
        ("badbots", "security_scanner"),
        ("scanner", "security_scanner"),
        ("adminprotection", "admin_route"),
    ];
    if let Some((_, f)) = by_rule.iter().find(|(k, _)| r.contains(k)) {
        return Some(f);
    }
    let g = group.unwrap_or_default().to_ascii_lowercase();
    let by_group: &[(&str, &str)] = &[
        ("sqliruleset", "sql_injection"),
        ("linuxruleset", "lfi"),
        ("unixruleset", "command_injection"),
        ("windowsruleset", "command_injection"),
        ("phpruleset", "php_injection"),
        ("knownbadinputsruleset", "java_code_injection"),
        ("adminprotectionruleset", "admin_route"),
        ("botcontrolruleset", "security_scanner"),
    ];
    by_group
        .iter()
        .find(|(k, _)| g.contains(k))
        .map(|(_, f)| *f)
}

/// The family an AWS WAF label names (`awswaf:managed:aws:sql-database:SQLi_QueryArguments`).
pub fn aws_label_family(label: &str) -> Option<&'static str> {
    let l = label.to_ascii_lowercase();
    if !l.starts_with("awswaf:managed:") {
        return None;
    }
    let rule = l.rsplit(':').next().unwrap_or_default();
    aws_family(None, rule, None).or_else(|| {
        if l.contains(":sql-database") {
            Some("sql_injection")
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_tags_and_ranges() {
        let t = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            crs_family("942100", &t(&["attack-sqli"])),
            Some("sql_injection")
        );
        assert_eq!(crs_family("949110", &t(&["attack-generic"])), None);
        assert_eq!(crs_family("980130", &[]), None);
        assert_eq!(crs_family("920350", &t(&["attack-protocol"])), None);
        assert_eq!(crs_family("941100", &[]), Some("xss"));
        assert_eq!(
            crs_family("913100", &t(&["attack-reputation-scanner"])),
            Some("security_scanner")
        );
    }

    #[test]
    fn crs_tags_in_any_case() {
        assert_eq!(crs_tag_family("ATTACK-SQLi"), Some("sql_injection"));
        assert_eq!(
            crs_tag_family("Language-Java/Attack"),
            Some("java_code_injection")
        );
        assert_eq!(crs_tag_family("attack-sqli2"), None);
        assert_eq!(crs_tag_family("attack-ſqli"), None);
    }

    #[test]
    fn aws_groups_rules_and_conditions() {
        assert_eq!(
            aws_family(Some("AWS#AWSManagedRulesSQLiRuleSet"), "SQLi_URIPATH", None),
            Some("sql_injection")
        );
        assert_eq!(aws_family(None, "RuleA-XSS", None), Some("xss"));
        assert_eq!(
            aws_family(None, "TestRule", Some("SQL_INJECTION")),
            Some("sql_injection")
        );
        assert_eq!(aws_family(None, "RateBasedRule", None), None);
        assert_eq!(
            aws_label_family("awswaf:managed:aws:sql-database:SQLi_QueryArguments"),
            Some("sql_injection")
        );
    }
}
