//! Logging and monitoring: CloudTrail, flow logs, control-plane logs, retention, GuardDuty (G-MON, P-IVB, S-PROF-FLOW, S-PROF-MON).

use rampart_model::Project;
use rampart_model::rampart_iac::BlockKind;

use crate::engine::{IacResource, Rule};

mod cloudtrail_incomplete;
mod critical_flow_log_aggregation;
mod flow_log_partial_traffic;
mod guardduty_monitoring;
mod lb_access_logs_disabled;
mod log_group_not_encrypted;
mod log_retention_too_short;
mod rds_logs_not_exported;
mod vpc_without_flow_log;

pub(crate) static RULES: &[&Rule] = &[
    &vpc_without_flow_log::RULE,
    &flow_log_partial_traffic::RULE,
    &log_retention_too_short::RULE,
    &log_group_not_encrypted::RULE,
    &cloudtrail_incomplete::RULE,
    &lb_access_logs_disabled::RULE,
    &guardduty_monitoring::RULE,
    &rds_logs_not_exported::RULE,
    &critical_flow_log_aggregation::RULE,
];

/// `` `a`, `b`, `c` and 2 more `` for messages.
pub(crate) fn addresses(project: &Project, indices: &[usize]) -> String {
    const SHOWN: usize = 3;
    let mut shown: Vec<String> = indices
        .iter()
        .take(SHOWN)
        .filter_map(|&i| project.resources.get(i))
        .map(|r| format!("`{}`", r.address))
        .collect();
    let more = indices.len().saturating_sub(SHOWN);
    let last = if more > 0 {
        Some(format!("{more} more"))
    } else if shown.len() > 1 {
        shown.pop()
    } else {
        None
    };
    match last {
        Some(last) => format!("{} and {last}", shown.join(", ")),
        None => shown.join(", "),
    }
}

/// `subnet` or `VPC`, for messages about a network.
pub(crate) fn network_kind(project: &Project, index: usize) -> &'static str {
    match project
        .resources
        .get(index)
        .map(|r| r.resource_type.as_str())
    {
        Some("aws_subnet" | "AWS::EC2::Subnet") => "subnet",
        _ => "VPC",
    }
}

/// Whether a resource is managed by the configuration: the engine also hands
/// rules the data sources of a listed type (`data "aws_lb"`), which only read
/// what exists and have none of the settings these rules judge.
pub(crate) fn is_managed(resource: &IacResource<'_>) -> bool {
    resource.kind == BlockKind::Resource
}

/// An attribute's name as the resource's language spells it, for messages.
pub(crate) fn attribute_name(
    resource: &IacResource<'_>,
    terraform: &'static str,
    cloudformation: &'static str,
) -> &'static str {
    if resource.is_cloudformation() {
        cloudformation
    } else {
        terraform
    }
}
