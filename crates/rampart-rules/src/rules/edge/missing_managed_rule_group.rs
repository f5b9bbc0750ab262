use rampart_config::{Severity, Tier};
use rampart_model::aws::edge::{RuleAction, Statement, WafRule};

use super::{report, resource};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "WAF-002",
        name: "missing-managed-rule-group",
        severity: Severity::High,
        summary: "Web ACL lacks a required AWS managed rule group, or runs it in count mode",
        requirements: &["S-WAF-02", "S-WAF-03", "S-WAF-04", "S-WAF-05"],
        docs: RuleDocs {
            what: "For every WAFv2 web ACL (Terraform `aws_wafv2_web_acl`, including its `rule_json` and the rules `aws_wafv2_web_acl_rule_group_association` adds; CloudFormation `AWS::WAFv2::WebACL`), reports each of the AWS managed rule groups the policy requires that is missing: `AWSManagedRulesCommonRuleSet` (S-WAF-02), `AWSManagedRulesKnownBadInputsRuleSet` (S-WAF-03), `AWSManagedRulesAmazonIpReputationList` (S-WAF-04) and `AWSManagedRulesBotControlRuleSet` (S-WAF-05); a group present only with `override_action { count {} }` (`OverrideAction: {Count: {}}`), which only counts; and Bot Control without an `inspection_level` (`COMMON` or `TARGETED`). Overrides of single rules inside a group (`rule_action_override`, such as counting `SignalNonBrowserUserAgent` for API agents, C-10) are not reported. An ACL whose rules cannot be read (a `dynamic \"rule\"` over an unknown collection, `rule_json` known only after apply) or that holds a rule whose statement cannot be read is not reported as missing a group. The catalogue rates S-WAF-02 High and S-WAF-03..05 Medium; rampart reports one severity per rule, so all are High (raised to Critical when the ACL protects a critical-tier entry point or is tagged critical): a missing OWASP core rule set must fail a `--fail-on high` gate, and `[rules.severity]` lowers it where wanted.",
            why: "The managed groups are the web ACL's actual protection: the core rule set blocks the OWASP Top 10 patterns (SQL injection, XSS, path traversal), known bad inputs catch exploit payloads such as Log4Shell, the IP reputation list drops traffic from sources AWS has seen attacking, and Bot Control stops scrapers and automated abuse of the agents. A group in count mode looks configured in review but blocks nothing (S-WAF-02..05).",
            fail: Example::terraform(
                r#"resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "common"
    priority = 100

    override_action {
      count {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "common"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "agents"
    sampled_requests_enabled   = true
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"locals {
  managed_groups = {
    AWSManagedRulesCommonRuleSet          = 100
    AWSManagedRulesKnownBadInputsRuleSet  = 200
    AWSManagedRulesAmazonIpReputationList = 300
  }
}

resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = local.managed_groups
    content {
      name     = rule.key
      priority = rule.value

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          name        = rule.key
          vendor_name = "AWS"
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = rule.key
        sampled_requests_enabled   = true
      }
    }
  }

  rule {
    name     = "bot-control"
    priority = 400

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesBotControlRuleSet"
        vendor_name = "AWS"

        managed_rule_group_configs {
          aws_managed_rules_bot_control_rule_set {
            inspection_level = "COMMON"
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "bot-control"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "agents"
    sampled_requests_enabled   = true
  }
}
"#,
            ),
            fix: "Add each group as a rule with `override_action { none {} }` and `statement { managed_rule_group_statement { name = \"AWSManagedRulesCommonRuleSet\", vendor_name = \"AWS\" } }` (priorities 100, 200, 300 and 400 in the policy's order); give Bot Control `managed_rule_group_configs { aws_managed_rules_bot_control_rule_set { inspection_level = \"COMMON\" } }`. To keep a noisy rule from blocking, override that single rule with `rule_action_override` instead of counting the whole group.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// The groups the policy requires, with what each is for.
const REQUIRED: &[(&str, &str, &str)] = &[
    (
        "AWSManagedRulesCommonRuleSet",
        "S-WAF-02",
        "the core rule set against the OWASP Top 10",
    ),
    (
        "AWSManagedRulesKnownBadInputsRuleSet",
        "S-WAF-03",
        "known exploit payloads such as Log4Shell",
    ),
    (
        "AWSManagedRulesAmazonIpReputationList",
        "S-WAF-04",
        "sources AWS threat intelligence has seen attacking",
    ),
    (
        "AWSManagedRulesBotControlRuleSet",
        "S-WAF-05",
        "bots and automated abuse",
    ),
];

const BOT_CONTROL: &str = "AWSManagedRulesBotControlRuleSet";

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let edge = ctx.edge();
    for acl in edge.web_acls() {
        let Some(rules) = acl.rules.as_ref() else {
            continue;
        };
        let Some(acl_resource) = resource(project, acl.index) else {
            continue;
        };
        let unreadable = rules
            .iter()
            .any(|r| matches!(r.statement, Statement::Unknown));
        // The tier of what the ACL protects (else its own tag).
        let tier = edge.web_acl_tier(acl.index).map(|t| t.tier);
        for (group, requirement, purpose) in REQUIRED {
            let uses: Vec<&WafRule> = rules
                .iter()
                .filter(|r| {
                    matches!(&r.statement, Statement::ManagedGroup { vendor, name, .. }
                        if vendor.as_deref() == Some("AWS") && name.as_deref() == Some(*group))
                })
                .collect();
            if uses.is_empty() {
                if !unreadable {
                    report(
                        findings,
                        acl.index,
                        tier,
                        acl_resource,
                        None,
                        format!(
                            "web ACL `{}` does not use the AWS managed rule group `{group}` ({purpose}; {requirement})",
                            acl_resource.address
                        ),
                    );
                }
                continue;
            }
            if uses.iter().any(|r| r.action == RuleAction::GroupRules) {
                if *group == BOT_CONTROL {
                    report_bot_control_level(project, &uses, tier, findings);
                }
                continue;
            }
            for rule in uses.iter().filter(|r| r.action == RuleAction::GroupCount) {
                let Some(source) = resource(project, rule.source) else {
                    continue;
                };
                report(
                    findings,
                    acl.index,
                    tier,
                    source,
                    rule.action_node.as_ref().or(Some(&rule.node)),
                    format!(
                        "web ACL `{}` runs `{group}` in count mode ({} overrides it to `count`): it only counts matches and blocks nothing ({requirement})",
                        acl_resource.address,
                        rule.label()
                    ),
                );
            }
        }
    }
}

/// Bot Control needs its inspection level; `tier` is the tier the ACL protects.
fn report_bot_control_level(
    project: &rampart_model::Project,
    uses: &[&WafRule],
    tier: Option<Tier>,
    findings: &mut Findings,
) {
    for rule in uses.iter().filter(|r| r.action == RuleAction::GroupRules) {
        let Statement::ManagedGroup {
            node,
            inspection_level,
            ..
        } = &rule.statement
        else {
            continue;
        };
        // Rules added by `aws_wafv2_web_acl_rule_group_association` cannot
        // carry the configuration: not judged.
        if inspection_level.is_some() || node.contains_unknown() || rule.node.is_null() {
            continue;
        }
        let Some(source) = resource(project, rule.source) else {
            continue;
        };
        report(
            findings,
            rule.source,
            tier,
            source,
            Some(node),
            format!(
                "{} uses `{BOT_CONTROL}` without an inspection level (`COMMON` or `TARGETED` in its managed rule group configuration), which AWS requires (S-WAF-05)",
                rule.label()
            ),
        );
    }
}
