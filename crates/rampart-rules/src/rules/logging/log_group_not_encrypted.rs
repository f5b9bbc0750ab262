use rampart_config::Severity;
use rampart_model::aws::logging::LOG_GROUP_TYPES;

use super::attribute_name;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-004",
        name: "log-group-not-encrypted",
        severity: Severity::Medium,
        summary: "Log group is not encrypted with a KMS key",
        requirements: &["P-IVB-4"],
        docs: RuleDocs {
            what: "Reports a CloudWatch log group (Terraform `aws_cloudwatch_log_group`, CloudFormation `AWS::Logs::LogGroup`) without `kms_key_id` / `KmsKeyId`, at the resource (or at an empty value where it was written). A key known only after apply (`aws_kms_key.logs.arn`) counts as set.",
            why: "Without a customer-managed key, CloudWatch Logs encrypts log data with a key AWS owns and anyone allowed to read the log group reads the logs: there is no key policy to limit who can decrypt them and no key usage in CloudTrail to show who did. Logs of agents carry prompts, tool calls, tokens that slipped into messages and the network map of the platform; the policy requires logs to be stored securely (P-IVB-4), which the requirements catalogue checks as a KMS key on every log group (Medium if missing).",
            fail: Example::terraform(
                r#"resource "aws_cloudwatch_log_group" "agents" {
  name              = "/agents/summariser"
  retention_in_days = 365
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_kms_key" "logs" {
  description         = "CloudWatch Logs"
  enable_key_rotation = true
}

resource "aws_cloudwatch_log_group" "agents" {
  name              = "/agents/summariser"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.logs.arn
}
"#,
            ),
            fix: "Create a KMS key whose key policy lets the `logs.<region>.amazonaws.com` service principal use it for this log group (condition on `kms:EncryptionContext:aws:logs:arn`), enable its rotation, and set `kms_key_id` to its ARN (CloudFormation `KmsKeyId`).",
        },
    },
    check: Check::Resource(LOG_GROUP_TYPES, check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !super::is_managed(resource) {
        return;
    }
    let key = resource
        .attr("kms_key_id", "KmsKeyId")
        .filter(|n| !n.is_null());
    match key {
        None => sink.report_resource(
            resource,
            None,
            format!(
                "log group `{}` has no KMS key (`{}`): its logs are encrypted only with a key AWS owns",
                resource.address,
                attribute_name(resource, "kms_key_id", "KmsKeyId")
            ),
        ),
        Some(node) if node.as_str().is_some_and(|k| k.trim().is_empty()) => sink.report_resource(
            resource,
            Some(node),
            format!(
                "log group `{}` has an empty KMS key: its logs are encrypted only with a key AWS owns",
                resource.address
            ),
        ),
        Some(_) => {}
    }
}
