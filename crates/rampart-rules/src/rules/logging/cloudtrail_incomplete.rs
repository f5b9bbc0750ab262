use rampart_config::Severity;
use rampart_model::aws::logging::{
    TRAIL_TYPES, is_managed, records_management_events, scope, trail_records_account,
};
use rampart_model::rampart_iac::Node;

use super::attribute_name;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-005",
        name: "cloudtrail-incomplete",
        severity: Severity::High,
        summary: "CloudTrail trail misses regions, global events, integrity validation or encryption",
        requirements: &["P-IVB-1", "P-IVB-3", "P-IVB-4"],
        docs: RuleDocs {
            what: "Reports, on a CloudTrail trail (Terraform `aws_cloudtrail`, CloudFormation `AWS::CloudTrail::Trail`), each of: logging switched off (`enable_logging = false`, `IsLogging: false`); log file validation not enabled (`enable_log_file_validation`, `EnableLogFileValidation`; AWS's default is off); no KMS key (`kms_key_id`, `KMSKeyId`; AWS's default is S3-managed encryption). And, unless another trail of the same Terraform root, template or plan records the whole account: not multi-region (`is_multi_region_trail`, `IsMultiRegionTrail`; default off), global service events excluded (`include_global_service_events = false`, `IncludeGlobalServiceEvents: false`), or management events excluded by its event selectors. A second, regional trail for data events next to a complete trail is therefore not reported for its scope, only for its own integrity and encryption. A project with no trail at all is not reported: accounts of an AWS Organization usually get their trail from the organization (an organization trail, Control Tower), which no workload repository declares. Values known only after apply are not judged (`--show-unknown` lists them).",
            why: "CloudTrail is the record of every API call: who changed a security group, read a secret, assumed an agent's role. The policy requires all activity logged around the clock (P-IVB-1), access attempts logged (P-IVB-3; console sign-ins and IAM/STS calls are global service events, recorded in us-east-1) and logs stored securely (P-IVB-4). A single-region trail misses everything an attacker does in another region; without log file validation, deleted or edited log files go unnoticed; without a KMS key, anyone who can read the bucket reads the trail.",
            fail: Example::terraform(
                r#"resource "aws_cloudtrail" "account" {
  name           = "account"
  s3_bucket_name = "example-trail-logs"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_cloudtrail" "account" {
  name                          = "account"
  s3_bucket_name                = "example-trail-logs"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = "arn:aws:kms:us-east-1:123456789012:key/0b7e5c1e-8f4a-4c1e-9d3b-2a6f1e0c9d11"
}
"#,
            ),
            fix: "Set `is_multi_region_trail = true`, keep `include_global_service_events` at its default `true`, set `enable_log_file_validation = true` and `kms_key_id` to a KMS key whose policy lets `cloudtrail.amazonaws.com` encrypt (and your investigators decrypt); do not exclude management events. Data-event trails for single regions can stay regional next to such a trail.",
        },
    },
    check: Check::Resource(TRAIL_TYPES, check),
    inactive_when: None,
};

/// A boolean attribute: `Some((value, node))`, the node `None` when not written
/// (the default applies); `None` when unknown.
fn flag<'r>(
    resource: &'r IacResource<'_>,
    terraform: &str,
    cloudformation: &str,
    default: bool,
) -> Option<(bool, Option<&'r Node>)> {
    match resource
        .attr(terraform, cloudformation)
        .filter(|n| !n.is_null())
    {
        None => Some((default, None)),
        Some(node) => node.as_bool().map(|b| (b, Some(node))),
    }
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !super::is_managed(resource) {
        return;
    }
    let address = &resource.address;
    if let Some((false, node)) = flag(resource, "enable_logging", "IsLogging", true) {
        sink.report_resource(
            resource,
            node,
            format!("trail `{address}` is not logging: no API activity is recorded"),
        );
    }
    if let Some((false, node)) = flag(
        resource,
        "enable_log_file_validation",
        "EnableLogFileValidation",
        false,
    ) {
        sink.report_resource(
            resource,
            node,
            format!(
                "trail `{address}` does not validate its log files (`{}`): deleted or altered log files go unnoticed",
                attribute_name(resource, "enable_log_file_validation", "EnableLogFileValidation")
            ),
        );
    }
    match resource
        .attr("kms_key_id", "KMSKeyId")
        .filter(|n| !n.is_null())
    {
        None => sink.report_resource(
            resource,
            None,
            format!(
                "trail `{address}` has no KMS key (`{}`): whoever reads its bucket reads the trail",
                attribute_name(resource, "kms_key_id", "KMSKeyId")
            ),
        ),
        Some(node) if node.as_str().is_some_and(|k| k.trim().is_empty()) => sink.report_resource(
            resource,
            Some(node),
            format!(
                "trail `{address}` has an empty KMS key: whoever reads its bucket reads the trail"
            ),
        ),
        Some(_) => {}
    }
    // Coverage of the account: another trail of the same root may provide it.
    let project = ctx.project;
    let here = scope(project, resource.index);
    let others: Vec<Option<bool>> = project
        .resources_in_of_types(here, TRAIL_TYPES)
        .into_iter()
        .filter(|&i| i != resource.index && is_managed(project, i, TRAIL_TYPES))
        .map(|i| trail_records_account(&project.resources[i]))
        .collect();
    if others.iter().any(|o| *o != Some(false)) {
        return;
    }
    if let Some((false, node)) = flag(
        resource,
        "is_multi_region_trail",
        "IsMultiRegionTrail",
        false,
    ) {
        sink.report_resource(
            resource,
            node,
            format!(
                "trail `{address}` records one region only (`{}`), and no other trail here records the others",
                attribute_name(resource, "is_multi_region_trail", "IsMultiRegionTrail")
            ),
        );
    }
    if let Some((false, node)) = flag(
        resource,
        "include_global_service_events",
        "IncludeGlobalServiceEvents",
        true,
    ) {
        sink.report_resource(
            resource,
            node,
            format!(
                "trail `{address}` leaves out global service events (IAM, STS, console sign-in), and no other trail here records them"
            ),
        );
    }
    if records_management_events(resource) == Some(false) {
        let selectors = resource
            .attr("advanced_event_selector", "AdvancedEventSelectors")
            .or_else(|| resource.attr("event_selector", "EventSelectors"));
        sink.report_resource(
            resource,
            selectors,
            format!(
                "trail `{address}` records no management events, and no other trail here records them"
            ),
        );
    }
}
