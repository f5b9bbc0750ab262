use std::collections::BTreeMap;

use rampart_config::{Severity, Tier};
use rampart_model::aws::security_groups::GROUP_TYPES;

use super::{group_tier, name, report_serving};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-015",
        name: "security-group-shared-across-tiers",
        severity: Severity::Medium,
        summary: "One security group is attached to resources of different tiers",
        requirements: &["S-SG-08", "G-NET-01"],
        docs: RuleDocs {
            what: "Reports a security group (`aws_security_group`, `aws_default_security_group`, `AWS::EC2::SecurityGroup`) attached to resources of two or more tiers. Attachments are read from every attribute that takes security groups: `vpc_security_group_ids` and `security_groups` of instances, launch templates (also `network_interfaces`) and launch configurations, load balancers, databases and caches, `vpc_config.security_group_ids` of EKS clusters and Lambda functions, ECS services, VPC endpoints, and their CloudFormation twins (`SecurityGroupIds`, `SecurityGroups`, `GroupSet`, `VPCSecurityGroups`, …). \
A resource's tier is its `classification` / `agent-classification` tag or the provider's `default_tags`; a launch template without one takes the tier of the node groups and auto scaling groups using it when they agree. Resources without a tier are not counted. The finding points at the group, once, naming one resource of each tier, and carries the most critical of those tiers (or the group's own tag, when more critical).",
            why: "A security group is an identity on the network: every rule that admits it admits all its members. Shared between tiers, it lets a standard-tier workload reach what only critical agents may reach, and one tier's rule changes silently widen another's. Each tier has its own security groups (S-SG-08) so that the segmentation between tiers holds at the firewall too (G-NET-01).",
            fail: Example::terraform(
                r#"resource "aws_security_group" "agents" {
  name   = "agents"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_instance" "payments_agent" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "c6i.xlarge"
  vpc_security_group_ids = [aws_security_group.agents.id]
  tags                   = { classification = "critical" }
}

resource "aws_instance" "faq_agent" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "c6i.large"
  vpc_security_group_ids = [aws_security_group.agents.id]
  tags                   = { classification = "standard" }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_security_group" "critical_agents" {
  name   = "critical-agents"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_security_group" "standard_agents" {
  name   = "standard-agents"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_instance" "payments_agent" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "c6i.xlarge"
  vpc_security_group_ids = [aws_security_group.critical_agents.id]
  tags                   = { classification = "critical" }
}

resource "aws_instance" "faq_agent" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "c6i.large"
  vpc_security_group_ids = [aws_security_group.standard_agents.id]
  tags                   = { classification = "standard" }
}
"#,
            ),
            fix: "Give each tier its own security group (`critical-agents`, `high-agents`, `standard-agents`) and attach each resource to the group of its tier; rules that must admit several tiers name each tier's group.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let groups = ctx.security_groups();
    let mut by_group: BTreeMap<usize, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for attachment in &groups.attachments {
        let Some(tier) = groups.attached_tier(attachment.resource) else {
            continue;
        };
        by_group
            .entry(attachment.group)
            .or_default()
            .entry(tier_key(tier))
            .or_insert(attachment.resource);
    }
    for (group, tiers) in by_group {
        if tiers.len() < 2
            || !project
                .resources
                .get(group)
                .is_some_and(|r| GROUP_TYPES.contains(&r.resource_type.as_str()))
        {
            continue;
        }
        let members: Vec<String> = tiers
            .iter()
            .map(|(tier, resource)| format!("{} ({})", name(project, *resource), &tier[2..]))
            .collect();
        // Carries the most critical tier the group serves.
        report_serving(
            findings,
            project,
            group,
            group_tier(project, groups, group),
            group,
            None,
            format!(
                "{} is attached to resources of {} tiers: {}; each tier needs its own security group",
                name(project, group),
                tiers.len(),
                members.join(", ")
            ),
        );
    }
}

/// Orders tiers critical, high, standard.
fn tier_key(tier: Tier) -> &'static str {
    match tier {
        Tier::Critical => "0 critical",
        Tier::High => "1 high",
        Tier::Standard => "2 standard",
    }
}
