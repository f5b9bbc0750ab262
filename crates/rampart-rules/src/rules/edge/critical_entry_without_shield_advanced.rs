use rampart_config::{Config, DdosProtection, Severity, Tier};
use rampart_model::aws::edge::EntryKind;

use super::{report, resource, served};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "DDOS-001",
        name: "critical-entry-without-shield-advanced",
        severity: Severity::High,
        summary: "Internet-facing entry point of critical agents has no Shield Advanced protection",
        requirements: &["S-PROF-DDOS-CRIT"],
        docs: RuleDocs {
            what: "Reports an internet-facing entry point that serves a tier whose profile requires `ddos-protection = \"shield-advanced\"` (the critical tier by default) and that no Shield Advanced protection (`aws_shield_protection.resource_arn`, `AWS::Shield::Protection.ResourceArn`) names. Entry points are internet-facing application and network load balancers (Terraform `aws_lb`, `aws_alb`; CloudFormation `AWS::ElasticLoadBalancingV2::LoadBalancer`), CloudFront distributions and Global Accelerator accelerators. The tier is the resource's own tag, else the most critical tier of what it routes to: a load balancer's target groups and their targets, a distribution's load balancer origins. The finding carries that tier, so an entry point in front of critical agents is reported as Critical whatever its own tag. A protection by a literal ARN counts when the ARN carries the load balancer's name. When a protection of the same root module or template names something rampart cannot resolve, nothing is reported. The account-level subscription (`aws_shield_subscription`) is often managed elsewhere and is not required here.",
            why: "Shield Standard absorbs common network floods for everyone, but a targeted volumetric or application-layer DDoS against critical agents needs Shield Advanced: attack detection tuned to the resource, the Shield Response Team, automatic application-layer mitigation through the web ACL, and cost protection against scaling charges. The policy requires it for every internet-facing resource that fronts critical agents (S-PROF-DDOS-CRIT); Shield Advanced protects resources one by one, so the subscription alone protects nothing (C-20).",
            fail: Example::terraform(
                r#"resource "aws_lb" "critical" {
  name    = "critical-agents"
  subnets = var.public_subnet_ids
  tags    = { classification = "critical" }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_lb" "critical" {
  name    = "critical-agents"
  subnets = var.public_subnet_ids
  tags    = { classification = "critical" }
}

resource "aws_shield_protection" "critical" {
  name         = "critical-agents"
  resource_arn = aws_lb.critical.arn
}
"#,
            ),
            fix: "Subscribe the account to Shield Advanced (`aws_shield_subscription`, or through the organisation) and add an `aws_shield_protection` with `resource_arn` set to each internet-facing load balancer, CloudFront distribution or accelerator that fronts critical agents; group them with `aws_shield_protection_group` and associate health checks for health-based detection.",
        },
    },
    check: Check::Project(check),
    inactive_when: Some(inactive),
};

fn inactive(config: &Config) -> Option<String> {
    Tier::ALL
        .iter()
        .all(|&t| config.tiers.profile(t).ddos_protection != DdosProtection::ShieldAdvanced)
        .then(|| {
            "no tier's `ddos-protection` is `shield-advanced`, so no entry point needs a Shield Advanced protection"
                .to_owned()
        })
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let edge = ctx.edge();
    for entry in edge.internet_entry_points() {
        let Some(tier) = entry.tier else {
            continue;
        };
        if ctx.config.tiers.profile(tier.tier).ddos_protection != DdosProtection::ShieldAdvanced {
            continue;
        }
        if edge.shield_protected(entry.index) != Some(false) {
            continue;
        }
        let Some(r) = resource(project, entry.index) else {
            continue;
        };
        let kind = match entry.kind {
            EntryKind::LoadBalancer => "load balancer",
            EntryKind::CloudFront => "CloudFront distribution",
            EntryKind::Accelerator => "Global Accelerator",
        };
        // Reported with the tier it serves: a load balancer in front of
        // critical targets is as critical as they are.
        report(
            findings,
            entry.index,
            Some(tier.tier),
            r,
            None,
            format!(
                "internet-facing {kind} `{}` {} but no Shield Advanced protection (`{}`) names it, as the {} profile requires",
                r.address,
                served(project, &tier),
                if r.is_cloudformation() {
                    "AWS::Shield::Protection"
                } else {
                    "aws_shield_protection"
                },
                tier.tier
            ),
        );
    }
}
