//! `logging.tf`: the KMS key of every log group, VPC flow logs on every subnet into a
//! log group per tier (kept as long as the tier's profile requires, never under the
//! policy's 90 days), and the role that delivers them.
//!
//! `monitoring.tf`: GuardDuty with EKS audit-log and runtime monitoring, Security Hub,
//! and the alert route every finding takes: EventBridge (and CloudWatch alarms on the
//! firewalls' alert logs) → the KMS-encrypted `aws_sns_topic.security_alerts` → the
//! inventory's HTTPS webhook.

use std::fmt::Write as _;

use rampart_config::{NetworkFirewall, SecurityMonitoring, Tier};

use super::Part;
use super::base::format_hcl;
use super::network::{
    capitalized, firewall_level, firewall_log_groups, local_name, retention_days, subnet_address,
    subnet_name, tags,
};
use crate::layout::{Subnet, tier_key};
use crate::{Context, Deviation};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "Standard tier: `flow_logs_retention_days=30`.",
        generated: "The standard tier's flow logs (and its firewall logs) are kept 90 days; critical 365, high 90, as the seed says.",
        why: "The infrastructure security policy keeps every log at least 90 days (002 IV.B); the stricter rule wins.",
        refs: &["C-11", "S-PROF-FLOW-STD", "P-IVB-6"],
    },
    Deviation {
        seed: "Flow logs configured per agent (`configure_vpc_flow_logs(agent_id, …)`).",
        generated: "A flow log on every subnet (traffic type ALL): the subnets of each tier into that tier's KMS-encrypted log group with the tier's retention; the public and database subnets, which every tier uses, into a shared group kept as long as the most demanding tier's.",
        why: "Flow logs record network interfaces, VPCs or subnets, not agents; and one VPC-wide log has one retention, so per-tier retention needs per-subnet logs into per-tier groups.",
        refs: &[
            "S-PROF-FLOW-CRIT",
            "S-PROF-FLOW-HIGH",
            "S-PROF-FLOW-STD",
            "P-IVB-2",
        ],
    },
    Deviation {
        seed: "`security_monitoring=\"real_time\"` (critical), `hourly` (high), `daily` (standard).",
        generated: "GuardDuty publishing every 15 minutes with EKS audit-log and runtime monitoring (EKS add-on managed); an EventBridge route for GuardDuty findings and for high and critical Security Hub findings, and a one-minute CloudWatch alarm on the blocked traffic of real-time tiers' firewalls, all into a KMS-encrypted SNS topic with an HTTPS subscription to the inventory's webhook; one-minute flow-log aggregation on the subnets of real-time tiers.",
        why: "No AWS setting is called real-time: GuardDuty exports new findings to EventBridge within minutes and its frequency governs updates, so the route to a pager is what makes monitoring real-time; the account-wide settings meet the hourly and daily tiers too.",
        refs: &[
            "S-PROF-MON-CRIT",
            "S-PROF-MON-HIGH",
            "S-PROF-MON-STD",
            "G-SEC-05",
        ],
    },
];

pub(crate) fn render(context: &Context<'_>) -> Part {
    Part {
        files: vec![
            ("logging.tf", format_hcl(&logging(context))),
            ("monitoring.tf", format_hcl(&monitoring(context))),
        ],
        variables: Vec::new(),
    }
}

/// A log group of flow logs and the subnets that log into it.
#[derive(Clone, Debug)]
struct FlowLogGroup<'a> {
    /// Terraform name: `critical_agents_flow_logs`, `shared_flow_logs`.
    name: String,
    /// Path segment of the log group name: `critical-agents`, `shared`.
    label: String,
    tier: Option<Tier>,
    /// `retention_in_days`; `0` keeps the logs forever.
    retention: u32,
    /// One-minute aggregation (S-PROF-MON-CRIT, LOG-009).
    real_time: bool,
    subnets: Vec<&'a Subnet>,
}

fn real_time(context: &Context<'_>, tier: Tier) -> bool {
    context.config.tiers.profile(tier).security_monitoring == SecurityMonitoring::RealTime
}

/// The longer of two retentions, `0` (never expire) being the longest.
fn longer(a: u32, b: u32) -> u32 {
    if a == 0 || b == 0 { 0 } else { a.max(b) }
}

/// Each tier's subnets (agents, firewall, internal load balancer) into the tier's
/// group; the subnets every tier uses (public, database) into a shared group held to
/// the most demanding tier.
fn flow_log_groups<'a>(context: &'a Context<'_>) -> Vec<FlowLogGroup<'a>> {
    let layout = &context.layout;
    let mut groups: Vec<FlowLogGroup<'a>> = Tier::ALL
        .into_iter()
        .map(|tier| FlowLogGroup {
            name: format!("{}_flow_logs", tier_key(tier)),
            label: tier_key(tier).replace('_', "-"),
            tier: Some(tier),
            retention: retention_days(context, tier),
            real_time: real_time(context, tier),
            subnets: layout
                .subnets
                .iter()
                .filter(|s| s.role.tier() == Some(tier))
                .collect(),
        })
        .collect();
    let shared: Vec<&Subnet> = layout
        .subnets
        .iter()
        .filter(|s| s.role.tier().is_none())
        .collect();
    if !shared.is_empty() {
        groups.push(FlowLogGroup {
            name: "shared_flow_logs".to_owned(),
            label: "shared".to_owned(),
            tier: None,
            retention: Tier::ALL
                .into_iter()
                .map(|tier| retention_days(context, tier))
                .fold(1, longer),
            real_time: Tier::ALL.into_iter().any(|tier| real_time(context, tier)),
            subnets: shared,
        });
    }
    groups.retain(|g| !g.subnets.is_empty());
    groups
}

const ACCOUNT_ROOT: &str =
    "arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root";

fn logging(context: &Context<'_>) -> String {
    let mut out = format!(
        r#"# The key of every log group of the platform (flow logs, Network Firewall, the EKS
# control plane): rotated yearly (KMS-001), usable by CloudWatch Logs in this region for
# this account's log groups only (P-IVB-4).
resource "aws_kms_key" "logs" {{
  description = "Log groups of ${{local.name}}"
  enable_key_rotation = true
  deletion_window_in_days = 30

  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid = "AccountAdministersTheKey"
        Effect = "Allow"
        Principal = {{ AWS = "{ACCOUNT_ROOT}" }}
        Action = "kms:*"
        Resource = "*"
      }},
      {{
        Sid = "CloudWatchLogsOfThisAccountAndRegion"
        Effect = "Allow"
        Principal = {{ Service = "logs.${{var.region}}.amazonaws.com" }}
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {{
          ArnLike = {{
            "kms:EncryptionContext:aws:logs:arn" = "arn:${{local.partition}}:logs:${{var.region}}:${{data.aws_caller_identity.current.account_id}}:log-group:*"
          }}
        }}
      }},
    ]
  }})

{}}}

resource "aws_kms_alias" "logs" {{
  name = "alias/${{local.name}}-logs"
  target_key_id = aws_kms_key.logs.key_id
}}

"#,
        tags(2, &local_name("logs"), None)
    );
    let groups = flow_log_groups(context);
    let _ = writeln!(
        out,
        "# Flow logs: every subnet records ALL traffic (LOG-001, LOG-002) into its tier's log\n# group, kept as long as the tier's profile says and never under 90 days (S-PROF-FLOW-*,\n# C-11). Subnets of tiers monitored in real time publish every minute (S-PROF-MON-CRIT).\n"
    );
    for group in &groups {
        let retention = match group.retention {
            0 => "Kept until deleted".to_owned(),
            days => format!("Kept {days} days"),
        };
        let whose = match group.tier {
            Some(tier) => {
                let profile = context
                    .config
                    .tiers
                    .profile(tier)
                    .flow_logs_retention_days
                    .0;
                if profile != 0 && profile < group.retention {
                    format!(
                        "the {tier} tier's {profile} days, raised to the policy's minimum (C-11)"
                    )
                } else {
                    format!("the {tier} tier's flow-log retention")
                }
            }
            None => "the longest retention of the tiers that use these subnets".to_owned(),
        };
        let _ = writeln!(
            out,
            "# {retention}: {whose}.\nresource \"aws_cloudwatch_log_group\" \"{}\" {{\n  name = \"/${{local.name}}/vpc-flow-logs/{}\"\n  retention_in_days = {}\n  kms_key_id = aws_kms_key.logs.arn\n",
            group.name, group.label, group.retention
        );
        out.push_str(&tags(
            2,
            &local_name(&format!("{}-flow-logs", group.label)),
            group.tier,
        ));
        out.push_str("}\n\n");
    }
    for group in &groups {
        let interval = if group.real_time { 60 } else { 600 };
        for subnet in &group.subnets {
            let _ = writeln!(
                out,
                "resource \"aws_flow_log\" \"{}\" {{\n  subnet_id = {}.id\n  traffic_type = \"ALL\"\n  max_aggregation_interval = {interval}\n  log_destination_type = \"cloud-watch-logs\"\n  log_destination = aws_cloudwatch_log_group.{}.arn\n  iam_role_arn = aws_iam_role.flow_logs.arn\n",
                subnet_name(subnet),
                subnet_address(subnet),
                group.name
            );
            out.push_str(&tags(
                2,
                &local_name(&format!("{}-flow-log", subnet.name)),
                group.tier,
            ));
            out.push_str("}\n\n");
        }
    }
    let mut resources = String::new();
    for group in &groups {
        let _ = writeln!(
            resources,
            "          aws_cloudwatch_log_group.{0}.arn,\n          \"${{aws_cloudwatch_log_group.{0}.arn}}:*\",",
            group.name
        );
    }
    let _ = write!(
        out,
        r#"# The role VPC Flow Logs assumes to deliver: only this account's flow logs in this region
# may assume it (confused deputy), and it may only write to the flow-log groups.
resource "aws_iam_role" "flow_logs" {{
  name = "${{local.name}}-vpc-flow-logs"
  description = "Delivers the VPC flow logs of ${{local.name}} to their log groups"

  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect = "Allow"
        Principal = {{ Service = "vpc-flow-logs.amazonaws.com" }}
        Action = "sts:AssumeRole"
        Condition = {{
          StringEquals = {{
            "aws:SourceAccount" = data.aws_caller_identity.current.account_id
          }}
          ArnLike = {{
            "aws:SourceArn" = "arn:${{local.partition}}:ec2:${{var.region}}:${{data.aws_caller_identity.current.account_id}}:vpc-flow-log/*"
          }}
        }}
      }},
    ]
  }})

{}}}

resource "aws_iam_role_policy" "flow_logs" {{
  name = "deliver-to-flow-log-groups"
  role = aws_iam_role.flow_logs.id

  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid = "WriteTheFlowLogGroups"
        Effect = "Allow"
        Action = [
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "logs:DescribeLogStreams",
        ]
        Resource = [
{resources}        ]
      }},
      {{
        Sid = "ListLogGroups"
        Effect = "Allow"
        Action = "logs:DescribeLogGroups"
        Resource = "arn:${{local.partition}}:logs:${{var.region}}:${{data.aws_caller_identity.current.account_id}}:log-group:*"
      }},
    ]
  }})
}}
"#,
        tags(2, &local_name("vpc-flow-logs"), None)
    );
    out
}

/// The tiers whose firewall alerts page within a minute: monitored in real time, with
/// a stateful firewall (a stateless one writes no alert log).
fn alarmed_tiers(context: &Context<'_>) -> Vec<Tier> {
    Tier::ALL
        .into_iter()
        .filter(|&tier| {
            real_time(context, tier) && firewall_level(context, tier) != NetworkFirewall::Stateless
        })
        .collect()
}

fn monitoring(context: &Context<'_>) -> String {
    let alarmed = alarmed_tiers(context);
    let mut out = String::from(
        r#"# GuardDuty: findings updated every 15 minutes (S-PROF-MON-CRIT), EKS audit logs and
# runtime monitoring of the nodes, with the agent installed as an EKS add-on (LOG-007).
resource "aws_guardduty_detector" "this" {
  enable = true
  finding_publishing_frequency = "FIFTEEN_MINUTES"

"#,
    );
    out.push_str(&tags(2, &local_name("guardduty"), None));
    out.push_str(
        r#"}

resource "aws_guardduty_detector_feature" "eks_audit_logs" {
  detector_id = aws_guardduty_detector.this.id
  name = "EKS_AUDIT_LOGS"
  status = "ENABLED"
}

resource "aws_guardduty_detector_feature" "runtime_monitoring" {
  detector_id = aws_guardduty_detector.this.id
  name = "RUNTIME_MONITORING"
  status = "ENABLED"

  additional_configuration {
    name = "EKS_ADDON_MANAGEMENT"
    status = "ENABLED"
  }
}

# Security Hub with the AWS Foundational Security Best Practices standard: the daily
# posture review of every tier (S-PROF-MON-STD).
resource "aws_securityhub_account" "this" {
  enable_default_standards = false
  auto_enable_controls = true
  control_finding_generator = "SECURITY_CONTROL"
}

resource "aws_securityhub_standards_subscription" "foundational_best_practices" {
  standards_arn = "arn:${local.partition}:securityhub:${var.region}::standards/aws-foundational-security-best-practices/v/1.0.0"

  depends_on = [aws_securityhub_account.this]
}

# Every GuardDuty finding is paged as soon as GuardDuty exports it (within minutes of
# detection): the route that makes monitoring real time (S-PROF-MON-CRIT).
resource "aws_cloudwatch_event_rule" "guardduty_findings" {
  name = "${local.name}-guardduty-findings"
  description = "GuardDuty findings to the security alerts topic"
  state = "ENABLED"

  event_pattern = jsonencode({
    source = ["aws.guardduty"]
    "detail-type" = ["GuardDuty Finding"]
  })
"#,
    );
    out.push('\n');
    out.push_str(&tags(2, &local_name("guardduty-findings"), None));
    out.push_str(
        r#"}

resource "aws_cloudwatch_event_target" "guardduty_findings" {
  rule = aws_cloudwatch_event_rule.guardduty_findings.name
  target_id = "security-alerts"
  arn = aws_sns_topic.security_alerts.arn
}

# New, active high and critical Security Hub findings from the other integrations
# (GuardDuty's have their own route above).
resource "aws_cloudwatch_event_rule" "security_hub_findings" {
  name = "${local.name}-security-hub-findings"
  description = "High and critical Security Hub findings to the security alerts topic"
  state = "ENABLED"

  event_pattern = jsonencode({
    source = ["aws.securityhub"]
    "detail-type" = ["Security Hub Findings - Imported"]
    detail = {
      findings = {
        Severity = { Label = ["CRITICAL", "HIGH"] }
        Workflow = { Status = ["NEW"] }
        RecordState = ["ACTIVE"]
        ProductName = [{ "anything-but" = ["GuardDuty"] }]
      }
    }
  })
"#,
    );
    out.push('\n');
    out.push_str(&tags(2, &local_name("security-hub-findings"), None));
    out.push_str(
        r#"}

resource "aws_cloudwatch_event_target" "security_hub_findings" {
  rule = aws_cloudwatch_event_rule.security_hub_findings.name
  target_id = "security-alerts"
  arn = aws_sns_topic.security_alerts.arn
}

"#,
    );
    for &tier in &alarmed {
        let key = tier_key(tier);
        let stem = key.replace('_', "-");
        let metric = metric_name(tier);
        let (alert, _) = firewall_log_groups(tier);
        let _ = writeln!(
            out,
            r#"# Traffic the {tier} tier's firewalls block (default drop or a threat signature), paged
# within a minute.
resource "aws_cloudwatch_log_metric_filter" "{key}_firewall_blocked" {{
  name = "${{local.name}}-{stem}-firewall-blocked"
  log_group_name = aws_cloudwatch_log_group.{alert}.name
  pattern = "{{ $.event.alert.action = \"blocked\" }}"

  metric_transformation {{
    name = "{metric}"
    namespace = "${{local.name}}/NetworkFirewall"
    value = "1"
    default_value = "0"
  }}
}}

resource "aws_cloudwatch_metric_alarm" "{key}_firewall_blocked" {{
  alarm_name = "${{local.name}}-{stem}-firewall-blocked"
  alarm_description = "The {tier} tier's Network Firewall blocked traffic"
  namespace = "${{local.name}}/NetworkFirewall"
  metric_name = "{metric}"
  statistic = "Sum"
  period = 60
  evaluation_periods = 1
  threshold = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data = "notBreaching"
  alarm_actions = [aws_sns_topic.security_alerts.arn]
"#
        );
        out.push_str(&tags(
            2,
            &local_name(&format!("{stem}-firewall-blocked")),
            Some(tier),
        ));
        out.push_str("}\n\n");
    }
    let _ = write!(
        out,
        r#"# The alert topic: encrypted with a key EventBridge and CloudWatch alarms may use
# (the AWS managed SNS key does not let them publish).
resource "aws_kms_key" "alerts" {{
  description = "Security alerts topic of ${{local.name}}"
  enable_key_rotation = true
  deletion_window_in_days = 30

  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid = "AccountAdministersTheKey"
        Effect = "Allow"
        Principal = {{ AWS = "{ACCOUNT_ROOT}" }}
        Action = "kms:*"
        Resource = "*"
      }},
      {{
        Sid = "AlertSourcesPublishEncrypted"
        Effect = "Allow"
        Principal = {{ Service = ["events.amazonaws.com", "cloudwatch.amazonaws.com"] }}
        Action = [
          "kms:GenerateDataKey*",
          "kms:Decrypt",
        ]
        Resource = "*"
      }},
    ]
  }})

{}}}

resource "aws_kms_alias" "alerts" {{
  name = "alias/${{local.name}}-security-alerts"
  target_key_id = aws_kms_key.alerts.key_id
}}

resource "aws_sns_topic" "security_alerts" {{
  name = "${{local.name}}-security-alerts"
  kms_master_key_id = aws_kms_key.alerts.arn

{}}}

"#,
        tags(2, &local_name("alerts"), None),
        tags(2, &local_name("security-alerts"), None)
    );
    let alarm_statement = if alarmed.is_empty() {
        String::new()
    } else {
        String::from(
            r#"      {
        Sid = "CloudWatchAlarmsOfThisAccountPublish"
        Effect = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action = "sns:Publish"
        Resource = aws_sns_topic.security_alerts.arn
        Condition = {
          ArnLike = {
            "aws:SourceArn" = "arn:${local.partition}:cloudwatch:${var.region}:${data.aws_caller_identity.current.account_id}:alarm:*"
          }
        }
      },
"#,
        )
    };
    let _ = write!(
        out,
        r#"# Only the alert rules (and this account's alarms) publish, and only over TLS.
resource "aws_sns_topic_policy" "security_alerts" {{
  arn = aws_sns_topic.security_alerts.arn

  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid = "AlertRulesPublish"
        Effect = "Allow"
        Principal = {{ Service = "events.amazonaws.com" }}
        Action = "sns:Publish"
        Resource = aws_sns_topic.security_alerts.arn
        Condition = {{
          ArnEquals = {{
            "aws:SourceArn" = [
              aws_cloudwatch_event_rule.guardduty_findings.arn,
              aws_cloudwatch_event_rule.security_hub_findings.arn,
            ]
          }}
        }}
      }},
{alarm_statement}      {{
        Sid = "DenyPublishingWithoutTls"
        Effect = "Deny"
        Principal = "*"
        Action = "sns:Publish"
        Resource = aws_sns_topic.security_alerts.arn
        Condition = {{
          Bool = {{
            "aws:SecureTransport" = "false"
          }}
        }}
      }},
    ]
  }})
}}

# The inventory's webhook receives every alert over HTTPS; it must confirm the
# subscription once (SNS posts a SubscriptionConfirmation with the URL to visit).
# Deliveries are retried for about an hour before SNS gives up.
resource "aws_sns_topic_subscription" "alert_webhook" {{
  topic_arn = aws_sns_topic.security_alerts.arn
  protocol = "https"
  endpoint = var.alert_webhook_url
  endpoint_auto_confirms = false

  delivery_policy = jsonencode({{
    healthyRetryPolicy = {{
      numRetries = 50
      numNoDelayRetries = 0
      minDelayTarget = 20
      numMinDelayRetries = 3
      maxDelayTarget = 120
      numMaxDelayRetries = 30
      backoffFunction = "exponential"
    }}
  }})
}}
"#
    );
    out
}

fn metric_name(tier: Tier) -> String {
    let words: String = tier_key(tier).split('_').map(capitalized).collect();
    format!("{words}FirewallBlocked")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::SubnetRole;
    use crate::{Inventory, InventorySource, Layout};
    use rampart_config::{Config, RetentionDays};

    fn with_context<T>(config: &Config, f: impl FnOnce(&Context<'_>) -> T) -> T {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let source = InventorySource::of("agents.yaml", b"");
        let context = Context {
            inventory: &inventory,
            config,
            layout: Layout::of(&inventory),
            source: &source,
        };
        f(&context)
    }

    #[test]
    fn every_subnet_logs_into_its_tier_group_with_the_tier_retention() {
        with_context(&Config::default(), |context| {
            let groups = flow_log_groups(context);
            let summary: Vec<(String, u32, bool, usize)> = groups
                .iter()
                .map(|g| (g.name.clone(), g.retention, g.real_time, g.subnets.len()))
                .collect();
            assert_eq!(
                summary,
                [
                    ("critical_agents_flow_logs".to_owned(), 365, true, 6),
                    ("high_value_agents_flow_logs".to_owned(), 90, false, 4),
                    // The seed's 30 days, raised to the policy's 90 (C-11).
                    ("standard_agents_flow_logs".to_owned(), 90, false, 4),
                    ("shared_flow_logs".to_owned(), 365, true, 4),
                ]
            );
            let logged: usize = groups.iter().map(|g| g.subnets.len()).sum();
            assert_eq!(logged, context.layout.subnets.len());
            let critical = &groups[0];
            assert!(
                critical
                    .subnets
                    .iter()
                    .any(|s| s.role == SubnetRole::CriticalIngress)
            );
        });
    }

    #[test]
    fn never_expiring_logs_win_the_shared_retention() {
        let mut config = Config::default();
        config.tiers.high.flow_logs_retention_days = RetentionDays(0);
        with_context(&config, |context| {
            let groups = flow_log_groups(context);
            assert_eq!(groups[1].retention, 0);
            assert_eq!(groups[3].retention, 0);
        });
        assert_eq!(longer(90, 365), 365);
    }

    #[test]
    fn real_time_tiers_with_stateful_firewalls_page_on_blocked_traffic() {
        with_context(&Config::default(), |context| {
            assert_eq!(alarmed_tiers(context), [Tier::Critical]);
            let text = monitoring(context);
            assert!(text.contains("CriticalAgentsFirewallBlocked"));
            assert!(!text.contains("StandardAgentsFirewallBlocked"));
        });
        let mut config = Config::default();
        config.tiers.critical.security_monitoring = SecurityMonitoring::Hourly;
        with_context(&config, |context| {
            assert!(alarmed_tiers(context).is_empty());
            assert!(!monitoring(context).contains("CloudWatchAlarmsOfThisAccountPublish"));
        });
    }
}
