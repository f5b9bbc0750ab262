use rampart_config::Severity;
use rampart_model::aws::edge;
use rampart_model::rampart_iac::Node;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "WAF-007",
        name: "waf-metrics-disabled",
        severity: Severity::Low,
        summary: "WAF visibility config turns off CloudWatch metrics or sampled requests",
        requirements: &["S-WAF-11"],
        docs: RuleDocs {
            what: "Reports `cloudwatch_metrics_enabled = false` and `sampled_requests_enabled = false` (`CloudWatchMetricsEnabled`, `SampledRequestsEnabled` in CloudFormation and in `rule_json`) in the `visibility_config` of a WAFv2 web ACL or rule group (Terraform `aws_wafv2_web_acl`, `aws_wafv2_rule_group`; CloudFormation `AWS::WAFv2::WebACL`, `AWS::WAFv2::RuleGroup`) and of each of their rules, at the value. Values known only after apply are not reported.",
            why: "CloudWatch metrics per rule are how a blocking spike, a rule that suddenly matches everything, or an attack in progress is noticed and alarmed on; sampled requests show which requests a rule matched, which is what tuning a false positive needs. The policy asks for both on the ACL and on every rule (S-WAF-11).",
            fail: Example::terraform(
                r#"resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  visibility_config {
    cloudwatch_metrics_enabled = false
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

  default_action {
    allow {}
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "agents"
    sampled_requests_enabled   = true
  }
}
"#,
            ),
            fix: "Set `cloudwatch_metrics_enabled = true` and `sampled_requests_enabled = true` in every `visibility_config`, with a distinct `metric_name` per rule, and alarm on the blocked-request metrics.",
        },
    },
    check: Check::Resource(
        &[
            "aws_wafv2_web_acl",
            "AWS::WAFv2::WebACL",
            "aws_wafv2_rule_group",
            "AWS::WAFv2::RuleGroup",
        ],
        check,
    ),
    inactive_when: None,
};

const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "cloudwatch_metrics_enabled",
        "CloudWatchMetricsEnabled",
        "CloudWatch metrics",
    ),
    (
        "sampled_requests_enabled",
        "SampledRequestsEnabled",
        "sampled requests",
    ),
];

fn report_disabled(
    resource: &IacResource<'_>,
    visibility: &Node,
    whose: &str,
    sink: &mut Sink<'_>,
) {
    for (terraform, api, what) in SETTINGS {
        let value = visibility.get(terraform).or_else(|| visibility.get(api));
        if let Some(node) = value.filter(|n| n.as_bool() == Some(false)) {
            sink.report_resource(resource, Some(node), format!("{whose} turns off {what}"));
        }
    }
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let kind = if resource.resource_type.contains("rule_group")
        || resource.resource_type.contains("RuleGroup")
    {
        "rule group"
    } else {
        "web ACL"
    };
    let visibility = resource
        .attr("visibility_config", "VisibilityConfig")
        .and_then(|n| n.blocks().next());
    if let Some(visibility) = visibility {
        report_disabled(
            resource,
            visibility,
            &format!("{kind} `{}`", resource.address),
            sink,
        );
    }
    for rule in edge::written_rules(ctx.project, resource.index).unwrap_or_default() {
        if let Some(visibility) = &rule.visibility {
            report_disabled(
                resource,
                visibility,
                &format!("{} of {kind} `{}`", rule.label(), resource.address),
                sink,
            );
        }
    }
}
