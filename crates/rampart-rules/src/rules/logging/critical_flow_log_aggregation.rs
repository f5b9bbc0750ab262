use rampart_config::{SecurityMonitoring, Severity, Tier};
use rampart_model::Subject;
use rampart_model::aws::logging::FlowLogs;

use super::{addresses, network_kind};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-009",
        name: "critical-flow-log-aggregation",
        severity: Severity::Medium,
        summary: "Flow logs of real-time monitored networks aggregate over ten minutes",
        requirements: &["S-PROF-MON-CRIT", "G-NET-05"],
        docs: RuleDocs {
            what: "Reports the flow logs (Terraform `aws_flow_log`, CloudFormation `AWS::EC2::FlowLog`) covering a VPC or subnet of a tier whose `security-monitoring` profile is `real-time` (the critical tier by default), when none of the flow logs covering it aggregates over 60 seconds: `max_aggregation_interval` / `MaxAggregationInterval` is unset (AWS's default is 600) or 600. A subnet is covered by its own flow logs and its VPC's, so a 60-second flow log on the critical subnets satisfies the rule even when the VPC-wide one keeps 600. The finding is on each covering flow log's interval (or the flow log when it is not set). Networks without any flow log are LOG-001's. Intervals known only after apply are not judged, nor a network that a flow log of another root or template, attached to a network known only after apply, may cover.",
            why: "A flow log record is published only after its aggregation interval closes: with the default ten minutes, a connection to a command-and-control host or a burst of exfiltration shows up in the logs — and in every detection built on them — up to ten minutes late, plus delivery delay. The requirements catalogue defines the critical tier's real-time monitoring (S-PROF-MON-CRIT) to include one-minute flow-log aggregation.",
            fail: Example::terraform(
                r#"resource "aws_vpc" "agents" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "critical" {
  vpc_id     = aws_vpc.agents.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_flow_log" "agents" {
  vpc_id          = aws_vpc.agents.id
  traffic_type    = "ALL"
  log_destination = "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/agents/flow"
  iam_role_arn    = "arn:aws:iam::123456789012:role/vpc-flow-logs"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "agents" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "critical" {
  vpc_id     = aws_vpc.agents.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_flow_log" "agents" {
  vpc_id                   = aws_vpc.agents.id
  traffic_type             = "ALL"
  max_aggregation_interval = 60
  log_destination          = "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/agents/flow"
  iam_role_arn             = "arn:aws:iam::123456789012:role/vpc-flow-logs"
}
"#,
            ),
            fix: "Set `max_aggregation_interval = 60` (CloudFormation `MaxAggregationInterval: 60`) on the flow log of the VPC, or add flow logs with 60 seconds on the critical subnets themselves. Changing it replaces the flow log.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let logs = FlowLogs::build(project);
    // Flow log (index into `logs.logs`) → the real-time networks it leaves late.
    let mut late: Vec<(usize, Vec<(Tier, usize)>)> = Vec::new();
    for (network, tier) in logs.tiered(project) {
        if ctx.config.tiers.profile(tier).security_monitoring != SecurityMonitoring::RealTime {
            continue;
        }
        let covering = logs.covering(network);
        if covering.is_empty() || logs.maybe_covered_elsewhere(project, network) {
            continue;
        }
        let seconds: Vec<Option<i64>> = covering.iter().map(|l| l.aggregation_seconds()).collect();
        if seconds.contains(&Some(60)) || seconds.contains(&None) {
            continue;
        }
        for log in covering {
            match late.iter_mut().find(|(i, _)| *i == log.index) {
                Some((_, networks)) => networks.push((tier, network)),
                None => late.push((log.index, vec![(tier, network)])),
            }
        }
    }
    late.sort_by_key(|(i, _)| *i);
    for (index, networks) in late {
        let Some(log) = logs.logs.iter().find(|l| l.index == index) else {
            continue;
        };
        let interval = log.aggregation_interval();
        let seconds = log.aggregation_seconds().unwrap_or(600);
        let tiers: std::collections::BTreeSet<Tier> = networks.iter().map(|(t, _)| *t).collect();
        let tier_names: Vec<String> = tiers.iter().rev().map(Tier::to_string).collect();
        let indices: Vec<usize> = networks.iter().map(|(_, n)| *n).collect();
        let kinds: std::collections::BTreeSet<&str> =
            indices.iter().map(|&n| network_kind(project, n)).collect();
        let kind = match (kinds.len(), indices.len()) {
            (1, 1) => kinds.first().copied().unwrap_or("network").to_owned(),
            (1, _) => format!("{}s", kinds.first().copied().unwrap_or("network")),
            _ => "networks".to_owned(),
        };
        let message = format!(
            "flow log `{}` aggregates traffic over {seconds} seconds{} and covers the {} {kind} {}, which no flow log records over 60 seconds: real-time monitoring needs one-minute records (`{}`)",
            log.resource.address,
            if interval.is_none() {
                " (the default)"
            } else {
                ""
            },
            tier_names.join("/"),
            addresses(project, &indices),
            if log.resource.is_cloudformation() {
                "MaxAggregationInterval: 60"
            } else {
                "max_aggregation_interval = 60"
            },
        );
        findings
            .on(Subject::Resource(index))
            .report_resource(log.resource, interval, message);
    }
}
