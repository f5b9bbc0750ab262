//! Parity between `rampart generate` and `rampart scan`, proven by mutation: each
//! security-relevant setting of the generated baseline is weakened on its own, and
//! the scan must then report the rule that guards it. A mutation no rule catches is a
//! missing rule.
//!
//! The unmutated baseline scanning clean is `the_generated_baseline_scans_clean` in
//! `generate.rs`; together they show every finding below is caused by its mutation.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// One weakening of the generated baseline.
struct Mutation {
    /// The file, relative to the output directory.
    file: &'static str,
    /// Text that must appear before `find`, to pick the occurrence in the right block.
    after: Option<&'static str>,
    /// The text to weaken (the first occurrence after `after`; unique in the file when
    /// there is no anchor).
    find: &'static str,
    replace: &'static str,
    /// The rule that must then report.
    expect: &'static str,
}

const fn mutate(
    file: &'static str,
    after: Option<&'static str>,
    find: &'static str,
    replace: &'static str,
    expect: &'static str,
) -> Mutation {
    Mutation {
        file,
        after,
        find,
        replace,
        expect,
    }
}

// One mutation per line reads as a table.
#[rustfmt::skip]
const MUTATIONS: &[Mutation] = &[
    // ----- network.tf: subnets and routes (S-SUB-*, C-01) -----
    mutate("terraform/network.tf", Some(r#"resource "aws_subnet" "critical_agents_a""#), "map_public_ip_on_launch = false", "map_public_ip_on_launch = true", "NET-011"),
    mutate("terraform/network.tf", Some(r#"resource "aws_route_table" "critical_agents_a""#), "vpc_endpoint_id = tolist(aws_networkfirewall_firewall.critical_agents_a.firewall_status[0].sync_states)[0].attachment[0].endpoint_id", "gateway_id = aws_internet_gateway.this.id", "NET-013"),
    mutate("terraform/network.tf", Some(r#"resource "aws_route_table" "high_value_agents_b""#), "vpc_endpoint_id = tolist(aws_networkfirewall_firewall.high_value_agents_b.firewall_status[0].sync_states)[0].attachment[0].endpoint_id", "nat_gateway_id = aws_nat_gateway.shared_b.id", "NFW-001"),
    mutate("terraform/network.tf", Some(r#"resource "aws_route_table" "critical_agents_b""#), "aws_networkfirewall_firewall.critical_agents_b.", "aws_networkfirewall_firewall.standard_agents_b.", "NFW-001"),
    mutate("terraform/network.tf", Some(r#"resource "aws_route_table" "database""#), "vpc_id = aws_vpc.this.id\n", "vpc_id = aws_vpc.this.id\n  route {\n    cidr_block     = \"0.0.0.0/0\"\n    nat_gateway_id = aws_nat_gateway.shared_a.id\n  }\n", "NET-012"),
    mutate("terraform/network.tf", Some(r#"resource "aws_route_table" "high_value_firewall_a""#), "nat_gateway_id = aws_nat_gateway.shared_a.id", "nat_gateway_id = aws_nat_gateway.critical_a.id", "NET-016"),
    mutate("terraform/network.tf", Some(r#"resource "aws_route_table" "standard_firewall_b""#), "nat_gateway_id = aws_nat_gateway.shared_b.id", "nat_gateway_id = aws_nat_gateway.critical_b.id", "NET-016"),
    mutate("terraform/network.tf", Some(r#"resource "aws_route_table" "critical_firewall_b""#), "nat_gateway_id = aws_nat_gateway.critical_b.id", "nat_gateway_id = aws_nat_gateway.shared_b.id", "NET-016"),
    mutate("terraform/network.tf", Some(r#"resource "aws_default_security_group" "this""#), "vpc_id = aws_vpc.this.id\n", "vpc_id = aws_vpc.this.id\n  ingress {\n    protocol  = -1\n    self      = true\n    from_port = 0\n    to_port   = 0\n  }\n", "NET-009"),
    // ----- firewall.tf: the tier's firewall level (S-PROF-NFW-*) -----
    mutate("terraform/firewall.tf", Some(r#"resource "aws_networkfirewall_firewall_policy" "critical_agents""#), r#"rule_order              = "STRICT_ORDER""#, r#"rule_order              = "DEFAULT_ACTION_ORDER""#, "NFW-001"),
    mutate("terraform/firewall.tf", Some(r#"resource "aws_networkfirewall_firewall_policy" "critical_agents""#), r#"stateful_default_actions           = ["aws:drop_established", "aws:alert_established"]"#, r#"stateful_default_actions           = ["aws:alert_established"]"#, "NFW-001"),
    mutate("terraform/firewall.tf", Some(r#"resource "aws_networkfirewall_firewall_policy" "high_value_agents""#), r#"stateless_default_actions          = ["aws:forward_to_sfe"]"#, r#"stateless_default_actions          = ["aws:pass"]"#, "NFW-001"),
    mutate("terraform/firewall.tf", Some(r#"resource "aws_networkfirewall_firewall_policy" "standard_agents""#), r#"stateless_default_actions          = ["aws:drop"]"#, r#"stateless_default_actions          = ["aws:pass"]"#, "NFW-001"),
    mutate("terraform/firewall.tf", Some(r#"resource "aws_cloudwatch_log_group" "critical_agents_firewall_alert""#), "retention_in_days = 365", "retention_in_days = 30", "LOG-003"),
    // ----- logging.tf: flow logs (S-PROF-FLOW-*, C-11, S-PROF-MON-CRIT) -----
    mutate("terraform/logging.tf", Some(r#"resource "aws_cloudwatch_log_group" "critical_agents_flow_logs""#), "retention_in_days = 365", "retention_in_days = 90", "LOG-003"),
    mutate("terraform/logging.tf", Some(r#"resource "aws_cloudwatch_log_group" "high_value_agents_flow_logs""#), "retention_in_days = 90", "retention_in_days = 60", "LOG-003"),
    mutate("terraform/logging.tf", Some(r#"resource "aws_cloudwatch_log_group" "standard_agents_flow_logs""#), "retention_in_days = 90", "retention_in_days = 30", "LOG-003"),
    mutate("terraform/logging.tf", Some(r#"resource "aws_cloudwatch_log_group" "critical_agents_flow_logs""#), "kms_key_id        = aws_kms_key.logs.arn\n", "", "LOG-004"),
    mutate("terraform/logging.tf", Some(r#"resource "aws_flow_log" "critical_agents_a""#), "max_aggregation_interval = 60", "max_aggregation_interval = 600", "LOG-009"),
    mutate("terraform/logging.tf", Some(r#"resource "aws_flow_log" "high_value_agents_b""#), r#"traffic_type             = "ALL""#, r#"traffic_type             = "ACCEPT""#, "LOG-002"),
    mutate("terraform/logging.tf", Some(r#"resource "aws_kms_key" "logs""#), "enable_key_rotation     = true", "enable_key_rotation     = false", "KMS-001"),
    // ----- monitoring.tf (S-PROF-MON-*) -----
    mutate("terraform/monitoring.tf", None, r#"finding_publishing_frequency = "FIFTEEN_MINUTES""#, r#"finding_publishing_frequency = "SIX_HOURS""#, "LOG-007"),
    mutate("terraform/monitoring.tf", Some(r#"resource "aws_guardduty_detector" "this""#), "enable                       = true", "enable                       = false", "LOG-007"),
    mutate("terraform/monitoring.tf", Some(r#"resource "aws_cloudwatch_event_rule" "guardduty_findings""#), r#"state       = "ENABLED""#, r#"state       = "DISABLED""#, "LOG-007"),
    // ----- security-groups.tf: exactly the allowed flows (S-SG-*, C-02) -----
    mutate("terraform/security-groups.tf", Some(r#""high_value_agents_alb_https_from_internet""#), "from_port         = 443\n  to_port           = 443", "from_port         = 8443\n  to_port           = 8443", "NET-007"),
    mutate("terraform/security-groups.tf", Some(r#""critical_agents_https_to_internet""#), r#"ip_protocol       = "tcp""#, r#"ip_protocol       = "-1""#, "NET-010"),
    mutate("terraform/security-groups.tf", Some(r#""critical_agents_from_alb_8443""#), "referenced_security_group_id = aws_security_group.critical_agents_alb.id", r#"cidr_ipv4 = "10.0.0.0/8""#, "NET-008"),
    mutate("terraform/security-groups.tf", Some(r#""database_from_critical_agents""#), "referenced_security_group_id = aws_security_group.critical_agents.id", r#"cidr_ipv4 = "0.0.0.0/0""#, "NET-006"),
    // The critical load balancer's client allowlist, a prefix list (C-08): a range holding the VPC, another port than HTTPS, the allowlist on the agents' own group.
    mutate("terraform/security-groups.tf", Some(r#"resource "aws_ec2_managed_prefix_list" "critical_clients""#), r#"cidr        = "10.1.0.0/16""#, r#"cidr        = "10.0.0.0/8""#, "NET-008"),
    mutate("terraform/security-groups.tf", Some(r#""critical_agents_alb_https_from_clients""#), "from_port         = 443\n  to_port           = 443", "from_port         = 22\n  to_port           = 22", "NET-008"),
    mutate("terraform/security-groups.tf", Some(r#""critical_agents_from_alb_8443""#), "referenced_security_group_id = aws_security_group.critical_agents_alb.id", "prefix_list_id               = aws_ec2_managed_prefix_list.critical_clients.id", "NET-008"),
    mutate("terraform/security-groups.tf", Some(r#""critical_agents_from_alb_8443""#), "from_port                    = 8443\n  to_port                      = 8443\n  referenced_security_group_id = aws_security_group.critical_agents_alb.id", "from_port                    = 22\n  to_port                      = 22\n  cidr_ipv4                    = \"0.0.0.0/0\"", "NET-006"),
    // ----- edge.tf: load balancers, WAF, Shield (S-WAF-*, S-PROF-RATE/GEO/IP-*) -----
    mutate("terraform/edge.tf", Some(r#"resource "aws_lb_listener" "high_value_agents_https""#), r#"ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06""#, r#"ssl_policy        = "ELBSecurityPolicy-2016-08""#, "ENC-002"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_lb" "standard_agents""#), "enabled = true", "enabled = false", "LOG-006"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_wafv2_web_acl" "critical_agents""#), "limit                 = 100", "limit                 = 1000", "WAF-003"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_wafv2_web_acl" "high_value_agents""#), "limit                 = 500", "limit                 = 5000", "WAF-003"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_wafv2_web_acl" "standard_agents""#), "limit                 = 1000", "limit                 = 1500", "WAF-003"),
    mutate("terraform/edge.tf", Some("name     = \"standard-agents-rate-limit\""), "block {}", "count {}", "WAF-003"),
    mutate("terraform/edge.tf", Some("name     = \"critical-ip-allowlist\""), "block {}", "allow {}", "WAF-005"),
    mutate("terraform/edge.tf", Some("name     = \"critical-geo-restriction\""), "block {}", "count {}", "WAF-004"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_wafv2_web_acl" "standard_agents""#), "override_action {\n      none {}", "override_action {\n      count {}", "WAF-002"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_wafv2_web_acl" "high_value_agents""#), r#"name        = "AWSManagedRulesKnownBadInputsRuleSet""#, r#"name        = "AWSManagedRulesLinuxRuleSet""#, "WAF-002"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_wafv2_web_acl" "critical_agents""#), "cloudwatch_metrics_enabled = true", "cloudwatch_metrics_enabled = false", "WAF-007"),
    mutate("terraform/edge.tf", None, r#"name              = "aws-waf-logs-${local.name}-critical-agents""#, r#"name              = "waf-${local.name}-critical-agents""#, "WAF-006"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_s3_bucket_public_access_block" "alb_access_logs""#), "block_public_policy     = true", "block_public_policy     = false", "S3-001"),
    mutate("terraform/edge.tf", Some(r#"resource "aws_s3_bucket_policy" "alb_access_logs""#), r#"Effect    = "Deny""#, r#"Effect    = "Allow""#, "S3-003"),
    mutate("terraform/terraform.tfvars", None, r#"allowed_countries  = ["AU", "CA", "GB", "US"]"#, r#"allowed_countries  = ["AU", "CA", "GB", "RU", "US"]"#, "WAF-004"),
    mutate("terraform/terraform.tfvars", None, r#"ip_allowlist       = ["10.0.0.0/8", "172.16.0.0/12"]"#, r#"ip_allowlist       = ["10.0.0.0/8", "172.16.0.0/12", "0.0.0.0/1"]"#, "WAF-005"),
    // ----- eks.tf (S-EKS-*) -----
    mutate("terraform/eks.tf", None, "endpoint_public_access  = false", "endpoint_public_access  = true", "EKS-001"),
    mutate("terraform/eks.tf", Some("enabled_cluster_log_types = ["), "\"audit\",\n", "", "EKS-003"),
    mutate("terraform/eks.tf", None, r#"resources = ["secrets"]"#, "resources = []", "ENC-003"),
    mutate("terraform/eks.tf", None, r#"enableNetworkPolicy = "true""#, r#"enableNetworkPolicy = "false""#, "EKS-004"),
    mutate("terraform/terraform.tfvars", None, r#"eks_version        = "1.35""#, r#"eks_version        = "1.32""#, "EKS-002"),
    // ----- nodes.tf (S-NODE-*) -----
    mutate("terraform/nodes.tf", Some(r#"resource "aws_launch_template" "critical_agents""#), r#"http_tokens                 = "required""#, r#"http_tokens                 = "optional""#, "NODE-001"),
    mutate("terraform/nodes.tf", Some(r#"resource "aws_launch_template" "high_value_agents""#), "http_put_response_hop_limit = 1", "http_put_response_hop_limit = 2", "NODE-002"),
    mutate("terraform/nodes.tf", Some(r#"resource "aws_launch_template" "standard_agents""#), "encrypted             = true", "encrypted             = false", "ENC-004"),
    mutate("terraform/nodes.tf", Some(r#"resource "aws_launch_template" "critical_agents""#), "update_default_version = true\n", "update_default_version = true\n  key_name               = \"ops\"\n", "NODE-003"),
    mutate("terraform/nodes.tf", Some(r#"resource "aws_launch_template" "high_value_agents""#), "vpc_security_group_ids = [aws_security_group.high_value_agents.id]", "vpc_security_group_ids = [aws_security_group.critical_agents.id]", "NET-015"),
    mutate("terraform/nodes.tf", Some(r#"resource "aws_eks_node_group" "critical_agents""#), r#"effect = "NO_SCHEDULE""#, r#"effect = "PREFER_NO_SCHEDULE""#, "NODE-005"),
    mutate("terraform/nodes.tf", Some(r#"resource "aws_eks_node_group" "critical_agents""#), r#"ami_type      = "AL2023_x86_64_STANDARD""#, r#"ami_type      = "AL2_x86_64_GPU""#, "NODE-004"),
    mutate("terraform/nodes.tf", Some(r#"resource "aws_eks_node_group" "critical_agents""#), "aws_subnet.critical_agents_a.id,", "aws_subnet.public_alb_a.id,", "NET-014"),
    // ----- kubernetes/ (S-PSS-*, S-NP-*, S-INV-01) -----
    mutate("kubernetes/namespaces.yaml", Some("name: critical-agents"), "pod-security.kubernetes.io/enforce: restricted", "pod-security.kubernetes.io/enforce: baseline", "TIER-001"),
    mutate("kubernetes/namespaces.yaml", Some("name: standard-agents"), "pod-security.kubernetes.io/enforce: baseline", "pod-security.kubernetes.io/enforce: privileged", "TIER-001"),
    mutate("kubernetes/namespaces.yaml", Some("name: high-value-agents"), "classification: high", "classification: hi", "TIER-005"),
    mutate("kubernetes/network-policies-critical-agents.yaml", Some("name: allow-payments-orchestrator"), "cidr: 10.0.31.0/24", "cidr: 0.0.0.0/0", "NP-003"),
    mutate("kubernetes/network-policies-critical-agents.yaml", Some("name: allow-payments-orchestrator"), "        - 10.0.0.0/16\n    ports:\n    - protocol: TCP\n      port: 443", "        - 10.0.0.0/16\n    ports:\n    - protocol: TCP\n      port: 8443", "NP-002"),
    mutate("kubernetes/network-policies-critical-agents.yaml", Some("name: deny-all-default"), "  - Ingress\n  - Egress\n", "  - Ingress\n", "NP-001"),
    mutate("kubernetes/network-policies-standard-agents.yaml", Some("name: deny-all-default"), "podSelector: {}", "podSelector:\n    matchLabels:\n      app.kubernetes.io/name: faq-bot", "NP-001"),
    mutate("kubernetes/service-accounts.yaml", Some("name: kyc-verifier"), "automountServiceAccountToken: false", "automountServiceAccountToken: true", "SA-002"),
    mutate("kubernetes/quotas.yaml", Some("name: high-value-agents-quota"), "spec:\n  hard:", "spec:\n  scopes:\n  - NotTerminating\n  hard:", "RES-004"),
    // ----- admission/ (S-ADM-01, S-ADM-02) -----
    mutate("admission/pod-security.yaml", Some("kind: ValidatingAdmissionPolicy\n"), "failurePolicy: Fail", "failurePolicy: Ignore", "ADM-001"),
    mutate("admission/tier-placement.yaml", Some("kind: ValidatingAdmissionPolicyBinding"), "  - Deny\n", "  - Warn\n", "ADM-001"),
    mutate("admission/service-account-token.yaml", Some("kind: ValidatingAdmissionPolicyBinding"), "  - Deny\n", "", "ADM-001"),
    // ----- falco/ (S-FALCO-*, C-19) -----
    mutate("falco/rampart_rules.yaml", Some("- rule: Detect shell spawning in container (critical-agents)"), "\n  desc: ", "\n  description: ", "FALCO-001"),
    mutate("falco/rampart_rules.yaml", None, "- macro: rampart_inbound_connection", "- macro: rampart_inbound_connections", "FALCO-001"),
    mutate("falco/rampart_rules.yaml", Some("- rule: Detect privilege escalation (critical-agents)"), "    rampart_user_or_group_change\n", "    spawned_process and proc_name_exists and rampart_user_or_group_change\n", "FALCO-002"),
    mutate("falco/falco.yaml", Some("http_output:"), "enabled: true", "enabled: false", "FALCO-003"),
    mutate("falco/falco.yaml", None, "url: https://", "url: http://", "FALCO-003"),
    mutate("falco/falco.yaml", None, "watch_config_files: true", "watch_config_files: false", "FALCO-004"),
    mutate("falco/falco.yaml", Some("metrics:"), "enabled: true", "enabled: false", "FALCO-004"),
];

fn rampart() -> Command {
    let mut cmd = Command::cargo_bin("rampart").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

/// The rule ids the scan of `dir` reports.
fn reported_rules(dir: &Path) -> BTreeSet<String> {
    let output = rampart()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .arg(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str().map(str::to_owned))
        .collect()
}

/// `text` with the mutation applied, or why it cannot be.
fn apply(text: &str, mutation: &Mutation) -> Result<String, String> {
    let start = match mutation.after {
        Some(anchor) => {
            text.find(anchor)
                .ok_or_else(|| format!("anchor `{anchor}` not found"))?
                + anchor.len()
        }
        None => {
            if text.matches(mutation.find).count() > 1 {
                return Err(format!("`{}` is ambiguous; add an anchor", mutation.find));
            }
            0
        }
    };
    let offset = text[start..]
        .find(mutation.find)
        .ok_or_else(|| format!("`{}` not found", mutation.find))?
        + start;
    Ok(format!(
        "{}{}{}",
        &text[..offset],
        mutation.replace,
        &text[offset + mutation.find.len()..]
    ))
}

#[test]
fn weakening_any_security_setting_of_the_baseline_is_reported() {
    assert!(
        MUTATIONS.len() >= 40,
        "the issue asks for at least 40 mutations; there are {}",
        MUTATIONS.len()
    );
    let dir = tempfile::tempdir().unwrap();
    rampart()
        .current_dir(dir.path())
        .arg("init")
        .assert()
        .success();
    rampart()
        .current_dir(dir.path())
        .args(["generate", "--out", "baseline"])
        .assert()
        .success();
    let baseline = dir.path().join("baseline");

    let mut failures = Vec::new();
    for mutation in MUTATIONS {
        let path = baseline.join(mutation.file);
        let original =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", mutation.file));
        let mutated = match apply(&original, mutation) {
            Ok(mutated) => mutated,
            Err(why) => {
                failures.push(format!("{}: {why}", mutation.file));
                continue;
            }
        };
        std::fs::write(&path, mutated).unwrap();
        let rules = reported_rules(&baseline);
        std::fs::write(&path, &original).unwrap();
        if !rules.contains(mutation.expect) {
            failures.push(format!(
                "{}: `{}` → `{}` was not reported by {} (reported: {rules:?})",
                mutation.file, mutation.find, mutation.replace, mutation.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} mutations were not caught:\n{}",
        failures.len(),
        MUTATIONS.len(),
        failures.join("\n")
    );
}

#[test]
fn a_mutation_applies_to_the_occurrence_after_its_anchor() {
    let text = "a { x = 1 }\nb { x = 1 }\n";
    let in_b = mutate("f", Some("b {"), "x = 1", "x = 2", "R");
    assert_eq!(apply(text, &in_b).unwrap(), "a { x = 1 }\nb { x = 2 }\n");
    let ambiguous = mutate("f", None, "x = 1", "x = 2", "R");
    assert!(apply(text, &ambiguous).unwrap_err().contains("ambiguous"));
    let missing = mutate("f", None, "y = 1", "y = 2", "R");
    assert!(apply(text, &missing).unwrap_err().contains("not found"));
}
