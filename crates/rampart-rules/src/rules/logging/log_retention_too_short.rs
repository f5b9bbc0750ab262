use rampart_config::{Severity, Tier};
use rampart_model::Subject;
use rampart_model::aws::logging::{
    FlowLogs, LOG_GROUP_TYPES, POLICY_RETENTION_DAYS, Retention, bucket_retention,
    destination_retention, log_buckets, log_group_retention, managed,
};
use rampart_model::rampart_iac::Node;

use super::{addresses, network_kind};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-003",
        name: "log-retention-too-short",
        severity: Severity::High,
        summary: "Logs are deleted before the policy's retention period",
        requirements: &[
            "P-IVB-6",
            "S-PROF-FLOW-CRIT",
            "S-PROF-FLOW-HIGH",
            "S-PROF-FLOW-STD",
        ],
        docs: RuleDocs {
            what: "Reports, at the value that sets the retention: (1) a CloudWatch log group (Terraform `aws_cloudwatch_log_group`, CloudFormation `AWS::Logs::LogGroup`) whose `retention_in_days` / `RetentionInDays` is below 90 days; `0` or unset means never expire and passes; a `DELIVERY` class group, whose retention AWS fixes, is left out. (2) An enabled S3 lifecycle expiration (`aws_s3_bucket_lifecycle_configuration`, the inline `lifecycle_rule` of `aws_s3_bucket`, `AWS::S3::Bucket` `LifecycleConfiguration`) shorter than 90 days that applies to the files a flow log, a load balancer's access logs or a CloudTrail trail of the scanned files write to the bucket (`<prefix>/AWSLogs/…`); rules that select by tag or object size do not touch log files and are ignored. (3) The destination of the flow logs covering a VPC or subnet with a tier, when none of those flow logs keeps its records as long as the tier's profile requires: `flow-logs-retention-days` of the tier, never less than the policy's 90 days (critical 365, high 90, standard 30 raised to 90, requirements C-11); a profile value of `0` requires logs that never expire. A subnet is covered by its own flow logs and its VPC's; the longest of them counts. A retention, destination or lifecycle rule known only after apply is not judged, nor a network that a flow log of another root or template, attached to a network known only after apply, may cover (`--show-unknown` lists those values).",
            why: "Intrusions are typically discovered weeks or months after they start; logs deleted before that leave nothing to investigate, and nothing to prove what an agent did or did not do. The policy keeps all logs at least 90 days (P-IVB-6) and the tier profiles keep critical agents' network logs a year (S-PROF-FLOW-CRIT). The policy floor wins over the standard tier's 30 days (C-11).",
            fail: Example::terraform(
                r#"resource "aws_cloudwatch_log_group" "agents" {
  name              = "/agents/summariser"
  retention_in_days = 30
  kms_key_id        = "arn:aws:kms:us-east-1:123456789012:key/0b7e5c1e-8f4a-4c1e-9d3b-2a6f1e0c9d11"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_cloudwatch_log_group" "agents" {
  name              = "/agents/summariser"
  retention_in_days = 365
  kms_key_id        = "arn:aws:kms:us-east-1:123456789012:key/0b7e5c1e-8f4a-4c1e-9d3b-2a6f1e0c9d11"
}
"#,
            ),
            fix: "Raise `retention_in_days` to a valid value of at least 90 (90, 120, 150, 180, 365, …) or to what the tier requires (365 for critical flow logs), or remove it to keep logs forever; in S3, raise the lifecycle rule's `expiration { days }` or narrow its prefix so that it does not reach `AWSLogs/`. To keep one tier's flow logs longer than the rest of the VPC, give its subnets their own flow logs into a destination with that retention.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// A place that sets a retention too short, and why.
struct Shortfall<'p> {
    index: usize,
    node: &'p Node,
    days: u32,
    /// Short of the policy floor: what is kept too briefly.
    floor: Option<String>,
    /// Short of tier profiles: (tier, required days, network).
    tiers: Vec<(Tier, u32, usize)>,
}

/// Whether `a` days asks more than `b` (`0`: never expire).
fn stricter(a: u32, b: u32) -> bool {
    match (a, b) {
        (0, 0) => false,
        (0, _) => true,
        (_, 0) => false,
        _ => a > b,
    }
}

fn entry<'a, 'p>(
    shortfalls: &'a mut Vec<Shortfall<'p>>,
    index: usize,
    node: &'p Node,
    days: u32,
) -> &'a mut Shortfall<'p> {
    let position = shortfalls
        .iter()
        .position(|s| s.index == index && std::ptr::eq(s.node, node));
    let position = position.unwrap_or_else(|| {
        shortfalls.push(Shortfall {
            index,
            node,
            days,
            floor: None,
            tiers: Vec::new(),
        });
        shortfalls.len() - 1
    });
    &mut shortfalls[position]
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let mut shortfalls: Vec<Shortfall<'_>> = Vec::new();
    for group in managed(project, LOG_GROUP_TYPES) {
        if let Retention::Days { days, index, node } = log_group_retention(project, group)
            && days < POLICY_RETENTION_DAYS
        {
            entry(&mut shortfalls, index, node, days).floor = Some(format!(
                "log group `{}` keeps its logs",
                project.resources[group].address
            ));
        }
    }
    for target in log_buckets(project) {
        if let Retention::Days { days, index, node } =
            bucket_retention(project, target.bucket, &target.key_prefix)
            && days < POLICY_RETENTION_DAYS
        {
            let shortfall = entry(&mut shortfalls, index, node, days);
            if shortfall.floor.is_none() {
                shortfall.floor = Some(format!(
                    "a lifecycle rule of bucket `{}` keeps the {} of `{}`",
                    project.resources[target.bucket].address,
                    target.logs,
                    project.resources[target.source].address
                ));
            }
        }
    }
    let logs = FlowLogs::build(project);
    for (network, tier) in logs.tiered(project) {
        let covering = logs.covering(network);
        if covering.is_empty() || logs.maybe_covered_elsewhere(project, network) {
            continue;
        }
        let required = ctx
            .config
            .tiers
            .profile(tier)
            .flow_logs_retention_days
            .effective();
        let retentions: Vec<Retention<'_>> = covering
            .iter()
            .map(|l| destination_retention(project, &l.destination))
            .collect();
        let verdicts: Vec<Option<bool>> =
            retentions.iter().map(|r| r.satisfies(required)).collect();
        if verdicts.contains(&Some(true)) || verdicts.contains(&None) {
            continue;
        }
        for retention in retentions {
            if let Retention::Days { days, index, node } = retention {
                let shortfall = entry(&mut shortfalls, index, node, days);
                if !shortfall.tiers.contains(&(tier, required, network)) {
                    shortfall.tiers.push((tier, required, network));
                }
            }
        }
    }
    for shortfall in shortfalls {
        let resource = &project.resources[shortfall.index];
        let message = message(project, &shortfall);
        findings
            .on(Subject::Resource(shortfall.index))
            .report_resource(resource, Some(shortfall.node), message);
    }
}

fn message(project: &rampart_model::Project, shortfall: &Shortfall<'_>) -> String {
    let resource = &project.resources[shortfall.index];
    let days = shortfall.days;
    let strictest = shortfall.tiers.iter().fold(
        None::<(Tier, u32)>,
        |best, &(tier, required, _)| match best {
            Some((_, r)) if !stricter(required, r) => best,
            _ => Some((tier, required)),
        },
    );
    let Some((tier, required)) = strictest else {
        let what = shortfall
            .floor
            .clone()
            .unwrap_or_else(|| format!("`{}` keeps logs", resource.address));
        return format!(
            "{what} for {days} days; the policy keeps logs at least {POLICY_RETENTION_DAYS} days"
        );
    };
    let networks: Vec<usize> = shortfall
        .tiers
        .iter()
        .filter(|(t, r, _)| *t == tier && *r == required)
        .map(|&(_, _, n)| n)
        .collect();
    let kinds: std::collections::BTreeSet<&str> =
        networks.iter().map(|&n| network_kind(project, n)).collect();
    let kind = match (kinds.len(), networks.len()) {
        (1, 1) => kinds.first().copied().unwrap_or("network").to_owned(),
        (1, _) => format!("{}s", kinds.first().copied().unwrap_or("network")),
        _ => "networks".to_owned(),
    };
    let place = if LOG_GROUP_TYPES.contains(&resource.resource_type.as_str()) {
        format!("log group `{}`", resource.address)
    } else {
        format!("a lifecycle rule of `{}`", resource.address)
    };
    let requirement = if required == 0 {
        "flow logs that never expire (`flow-logs-retention-days = 0`)".to_owned()
    } else {
        format!(
            "{required} days (`flow-logs-retention-days`, never less than the policy's {POLICY_RETENTION_DAYS})"
        )
    };
    format!(
        "{place} keeps the flow logs of the {tier} {kind} {} for {days} days; the {tier} tier requires {requirement}",
        addresses(project, &networks)
    )
}
