use rampart_config::{Severity, Tier};
use rampart_model::aws::edge::{EffectiveRule, RuleAction, Statement};

use super::{acl_served, report, resource};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "WAF-003",
        name: "rate-limit-missing-or-too-high",
        severity: Severity::High,
        summary: "Web ACL has no blocking rate limit, or one above the tier's profile",
        requirements: &[
            "S-WAF-06",
            "S-PROF-RATE-CRIT",
            "S-PROF-RATE-HIGH",
            "S-PROF-RATE-STD",
        ],
        docs: RuleDocs {
            what: "For every WAFv2 web ACL (Terraform `aws_wafv2_web_acl` with its `rule_json` and rule group associations, CloudFormation `AWS::WAFv2::WebACL`, and the rules of custom rule groups it references), reports: no rate-based rule that blocks (`action` block, CAPTCHA or challenge); a rate-based rule that only counts; or rate-based rules whose effective limit per minute, `limit × 60 / evaluation_window_sec` (the window defaults to 300 seconds), is above the `rate-limit-per-minute` of the tier the ACL protects (critical 100, high 500, standard 1000 by default). The tier is the most critical one among the load balancers and distributions the ACL is associated with (their own tag, or their targets' tier), else the ACL's own tag; an ACL without a tier is held to the loosest profile, so only a limit above every tier's is reported. Findings are raised to Critical when the ACL protects a critical-tier entry point or is tagged critical. One blocking rule within the limit satisfies the rule. Nothing is reported when a rule, a referenced rule group, a limit or a window cannot be read.",
            why: "Without a blocking rate limit, one client can flood the agents: brute-force their APIs, run up model inference costs, or exhaust capacity for everyone else. The policy requires a blocking rate-based rule on every ACL (S-WAF-06) with a per-client limit set by the tier (S-PROF-RATE-*). WAF limits are per evaluation window, not per minute: `limit = 500` with the default 5-minute window is 100 per minute, while `limit = 500` with `evaluation_window_sec = 60` is 500.",
            fail: Example::terraform(
                r#"resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"
  tags  = { classification = "critical" }

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit"
    priority = 500

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = 2000
        evaluation_window_sec = 300
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "rate-limit"
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
                r#"resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"
  tags  = { classification = "critical" }

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit"
    priority = 500

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = 100
        evaluation_window_sec = 60
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "rate-limit"
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
            fix: "Add a rule with `action { block {} }` and `statement { rate_based_statement { limit = <tier limit>, evaluation_window_sec = 60, aggregate_key_type = \"IP\" } }` (`FORWARDED_IP` with `forwarded_ip_config` behind a CDN); with a longer window, scale the limit (`limit = 500` over 300 seconds is 100 per minute). Keep one ACL per tier's entry point, or scope per-agent limits down with `scope_down_statement`.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// Requests per minute a rate-based rule allows, when its values are known.
fn per_minute(statement: &Statement) -> Option<(f64, f64, f64)> {
    let Statement::RateBased { limit, window, .. } = statement else {
        return None;
    };
    let limit = limit.as_ref()?.as_f64()?;
    let window = match window {
        None => 300.0,
        Some(w) => w.as_f64()?,
    };
    (window > 0.0).then(|| (limit * 60.0 / window, limit, window))
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let edge = ctx.edge();
    for acl in edge.web_acls() {
        let Some((rules, unknown_group)) = acl.effective_rules() else {
            continue;
        };
        let Some(acl_resource) = resource(project, acl.index) else {
            continue;
        };
        let rate: Vec<&EffectiveRule<'_>> = rules
            .iter()
            .filter(|r| matches!(r.rule.statement, Statement::RateBased { .. }))
            .collect();
        let blocking: Vec<&EffectiveRule<'_>> =
            rate.iter().copied().filter(|r| r.action.stops()).collect();
        let tier = edge.web_acl_tier(acl.index);
        let served = tier.map(|t| t.tier);
        if blocking.is_empty() {
            if rate.iter().any(|r| r.action == RuleAction::Unknown) {
                continue;
            }
            let counting: Vec<&&EffectiveRule<'_>> = rate
                .iter()
                .filter(|r| r.action == RuleAction::Count)
                .collect();
            if !counting.is_empty() {
                for r in counting {
                    let node = if r.entry.action == RuleAction::GroupCount {
                        r.entry.action_node.as_ref()
                    } else {
                        r.rule.action_node.as_ref()
                    };
                    let Some(source) = resource(project, r.entry.source) else {
                        continue;
                    };
                    report(
                        findings,
                        acl.index,
                        served,
                        source,
                        node.or(Some(&r.entry.node)),
                        format!(
                            "rate-based {} of web ACL `{}` only counts: no client is ever limited (S-WAF-06)",
                            r.rule.label(),
                            acl_resource.address
                        ),
                    );
                }
            } else if !unknown_group {
                report(
                    findings,
                    acl.index,
                    served,
                    acl_resource,
                    None,
                    format!(
                        "web ACL `{}` has no rate-based rule that blocks: a single client can send unlimited requests (S-WAF-06)",
                        acl_resource.address
                    ),
                );
            }
            continue;
        }
        let (required, whose) = match &tier {
            Some(t) => (
                ctx.config.tiers.profile(t.tier).rate_limit_per_minute,
                format!(
                    "the {} tier's {} per minute, as the ACL {}",
                    t.tier,
                    ctx.config.tiers.profile(t.tier).rate_limit_per_minute,
                    acl_served(project, t)
                ),
            ),
            None => {
                let loosest = Tier::ALL
                    .iter()
                    .map(|&t| ctx.config.tiers.profile(t).rate_limit_per_minute)
                    .max()
                    .unwrap_or(u32::MAX);
                (
                    loosest,
                    format!(
                        "{loosest} per minute, the loosest tier's limit (the ACL serves no known tier)"
                    ),
                )
            }
        };
        let rates: Vec<Option<(f64, f64, f64)>> = blocking
            .iter()
            .map(|r| per_minute(&r.rule.statement))
            .collect();
        if rates.iter().any(Option::is_none)
            || rates
                .iter()
                .flatten()
                .any(|(m, _, _)| *m <= f64::from(required))
        {
            continue;
        }
        for (r, rate) in blocking.iter().zip(rates.iter().flatten()) {
            let (minute, limit, window) = *rate;
            let Statement::RateBased {
                limit: node,
                node: statement,
                ..
            } = &r.rule.statement
            else {
                continue;
            };
            let Some(source) = resource(project, r.rule.source) else {
                continue;
            };
            report(
                findings,
                acl.index,
                served,
                source,
                node.as_ref().or(Some(statement)),
                format!(
                    "rate-based {} of web ACL `{}` allows {} requests per {}-second window per client, {} per minute: above {whose}",
                    r.rule.label(),
                    acl_resource.address,
                    number(limit),
                    number(window),
                    number(minute),
                ),
            );
        }
    }
}
