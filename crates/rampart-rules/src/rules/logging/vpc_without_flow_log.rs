use std::collections::BTreeSet;

use rampart_config::{Severity, Tier};
use rampart_model::Subject;
use rampart_model::aws::logging::FlowLogs;

use super::addresses;
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-001",
        name: "vpc-without-flow-log",
        severity: Severity::High,
        summary: "VPC traffic is not recorded by any flow log",
        requirements: &["G-NET-05", "P-IVB-2"],
        docs: RuleDocs {
            what: "Reports a VPC (Terraform `aws_vpc`, `aws_default_vpc`; CloudFormation `AWS::EC2::VPC`) that no flow log (`aws_flow_log`, `AWS::EC2::FlowLog`) of the scanned files records: none is attached to the VPC (`vpc_id`, `ResourceType: VPC`), and its subnets are not all covered by flow logs of their own (`subnet_id`, `ResourceType: Subnet`). The finding is on the VPC and names the subnets with a tier that go unrecorded. A flow log may be found through a reference, a module output or, in a plan, by the VPC's id. A flow log attached to a network known only after apply (a variable without a value, a data source, another root's output, `!ImportValue`) names a network its own root or template does not create: it may cover any VPC of the other Terraform roots and plans (or, for a template, of the other templates) scanned with it, which are then not reported; `--show-unknown` lists the value. The traffic type and aggregation interval are other rules' (LOG-002, LOG-009).",
            why: "Flow logs are the only record of who talked to what inside a VPC: without them an intrusion, a data exfiltration by a compromised agent or a scan of the network leaves no trace to detect or investigate. The policy requires all network traffic to be logged (P-IVB-2) and network traffic monitored for anomalies (G-NET-05), which starts with a flow log on every VPC; the tier profiles then set how long those logs are kept (S-PROF-FLOW-*).",
            fail: Example::terraform(
                r#"resource "aws_vpc" "agents" {
  cidr_block = "10.0.0.0/16"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "agents" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_cloudwatch_log_group" "flow" {
  name              = "/vpc/agents/flow"
  retention_in_days = 365
  kms_key_id        = "arn:aws:kms:us-east-1:123456789012:key/0b7e5c1e-8f4a-4c1e-9d3b-2a6f1e0c9d11"
}

resource "aws_flow_log" "agents" {
  vpc_id          = aws_vpc.agents.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow.arn
  iam_role_arn    = "arn:aws:iam::123456789012:role/vpc-flow-logs"
}
"#,
            ),
            fix: "Add an `aws_flow_log` with `vpc_id` set to the VPC, `traffic_type = \"ALL\"` and a destination that keeps logs as long as the VPC's tiers require (a CloudWatch log group with `retention_in_days` of at least 90, 365 for critical subnets, or an S3 bucket). Per-tier retention needs subnet-level flow logs into per-tier destinations.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let logs = FlowLogs::build(project);
    for &vpc in &logs.vpcs {
        if !logs.on_vpc(vpc).is_empty() || logs.maybe_covered_elsewhere(project, vpc) {
            continue;
        }
        let subnets = logs.subnets_of(vpc);
        let uncovered: Vec<usize> = subnets
            .iter()
            .copied()
            .filter(|&s| logs.on_subnet(s).is_empty())
            .collect();
        if !subnets.is_empty() && uncovered.is_empty() {
            continue;
        }
        let resource = &project.resources[vpc];
        let tier_of = |s: usize| project.resource_tiers.get(s).copied().flatten();
        let message = if uncovered.len() < subnets.len() {
            let listed: Vec<String> = uncovered
                .iter()
                .take(3)
                .map(|&s| match tier_of(s) {
                    Some(tier) => format!("`{}` ({tier})", project.resources[s].address),
                    None => format!("`{}`", project.resources[s].address),
                })
                .collect();
            let more = match uncovered.len().saturating_sub(3) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            format!(
                "VPC `{}` has no flow log, and not all of its subnets have their own: the traffic of {}{more} is not recorded",
                resource.address,
                listed.join(", ")
            )
        } else {
            let tiered: Vec<usize> = uncovered
                .iter()
                .copied()
                .filter(|&s| tier_of(s).is_some())
                .collect();
            let tiers: BTreeSet<Tier> = tiered.iter().filter_map(|&s| tier_of(s)).collect();
            let names: Vec<&str> = tiers.iter().rev().map(|t| t.as_str()).collect();
            let including = if tiered.is_empty() {
                String::new()
            } else {
                format!(
                    ", including that of the {} subnet{} {}",
                    names.join("/"),
                    if tiered.len() > 1 { "s" } else { "" },
                    addresses(project, &tiered)
                )
            };
            format!(
                "VPC `{}` has no flow log: its network traffic is not recorded{including}",
                resource.address
            )
        };
        findings
            .on(Subject::Resource(vpc))
            .report_resource(resource, None, message);
    }
}
