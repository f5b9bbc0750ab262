use rampart_config::Severity;
use rampart_model::aws::edge::{DestinationName, WAF_LOG_PREFIX};

use super::{report, resource};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "WAF-006",
        name: "waf-logging-missing",
        severity: Severity::High,
        summary: "Web ACL does not log, or logs to a destination WAF cannot deliver to",
        requirements: &["S-WAF-12", "P-IVB-2"],
        docs: RuleDocs {
            what: "Reports a WAFv2 web ACL (Terraform `aws_wafv2_web_acl`, CloudFormation `AWS::WAFv2::WebACL`) that no logging configuration (`aws_wafv2_web_acl_logging_configuration`, `AWS::WAFv2::LoggingConfiguration`) names, and a logging destination whose name does not start with `aws-waf-logs-`: a CloudWatch log group (`name`, `name_prefix`, `LogGroupName`), an S3 bucket (`bucket`, `bucket_prefix`, `BucketName`) or a Firehose stream (`name`, `DeliveryStreamName`), written on the resource or in a literal ARN. A destination without a name gets a generated one, which never has the prefix. When a logging configuration of the same root module or template names an ACL rampart cannot resolve, it may be this ACL's, and nothing is reported; a destination known only after apply is not judged. Retention of the destination is checked by the log rules. Findings, those on a destination included, are raised to Critical when the ACL protects a critical-tier entry point or is tagged critical.",
            why: "WAF logs are the record of what reached the agents and what was blocked: without them, an attack, a false positive that locked out users, or a bypass cannot be investigated, and the policy's logging requirements have no evidence (S-WAF-12, P-IVB-2). AWS WAF only delivers logs to destinations whose names start with `aws-waf-logs-`; with any other name the logging configuration fails to apply or logs nothing.",
            fail: Example::terraform(
                r#"resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "agents"
    sampled_requests_enabled   = true
  }
}

resource "aws_cloudwatch_log_group" "waf" {
  name              = "/agents/waf"
  retention_in_days = 365
}

resource "aws_wafv2_web_acl_logging_configuration" "agents" {
  resource_arn            = aws_wafv2_web_acl.agents.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "agents"
    sampled_requests_enabled   = true
  }
}

resource "aws_cloudwatch_log_group" "waf" {
  name              = "aws-waf-logs-agents"
  retention_in_days = 365
}

resource "aws_wafv2_web_acl_logging_configuration" "agents" {
  resource_arn            = aws_wafv2_web_acl.agents.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]
}
"#,
            ),
            fix: "Add an `aws_wafv2_web_acl_logging_configuration` with `resource_arn` set to the ACL's ARN and `log_destination_configs` naming a log group, bucket or Firehose stream called `aws-waf-logs-<something>`; redact the `authorization` and `cookie` headers with `redacted_fields`, and keep the logs at least as long as the tier's flow-log retention (90 days minimum).",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let edge = ctx.edge();
    for acl in edge.web_acls() {
        let Some(acl_resource) = resource(project, acl.index) else {
            continue;
        };
        let Some(configurations) = edge.waf_logging(acl.index) else {
            continue;
        };
        // The tier of what the ACL protects (else its own tag); a misnamed
        // destination loses the logs of that tier's traffic.
        let tier = edge.web_acl_tier(acl.index).map(|t| t.tier);
        if configurations.is_empty() {
            report(
                findings,
                acl.index,
                tier,
                acl_resource,
                None,
                format!(
                    "web ACL `{}` has no logging configuration: what it allows and blocks is not recorded",
                    acl_resource.address
                ),
            );
            continue;
        }
        for configuration in &configurations {
            for destination in &configuration.destinations {
                let DestinationName::Known {
                    name,
                    prefix,
                    resource: at,
                    node,
                } = &destination.name
                else {
                    continue;
                };
                if name.starts_with(WAF_LOG_PREFIX) {
                    continue;
                }
                let Some(at_resource) = resource(project, *at) else {
                    continue;
                };
                let what = if name.is_empty() {
                    "has no name, so it gets a generated one".to_owned()
                } else if *prefix {
                    format!("is named with the prefix `{name}`")
                } else {
                    format!("is named `{name}`")
                };
                report(
                    findings,
                    *at,
                    tier,
                    at_resource,
                    node.as_ref(),
                    format!(
                        "the WAF log destination of web ACL `{}` {what}: AWS WAF only delivers logs to destinations whose names start with `{WAF_LOG_PREFIX}`",
                        acl_resource.address
                    ),
                );
            }
        }
    }
}
