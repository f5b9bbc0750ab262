use rampart_config::Severity;
use rampart_model::aws::logging::{
    CLASSIC_LOAD_BALANCER_TYPES, LOAD_BALANCER_TYPES, access_logs_enabled, has_listener,
    load_balancer_type,
};

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-006",
        name: "lb-access-logs-disabled",
        severity: Severity::Medium,
        summary: "Load balancer does not write access logs",
        requirements: &["P-IVB-2", "P-IVB-3"],
        docs: RuleDocs {
            what: "Reports a load balancer that does not write access logs: an Application Load Balancer (Terraform `aws_lb`/`aws_alb`, CloudFormation `AWS::ElasticLoadBalancingV2::LoadBalancer`) without `access_logs { enabled = true }` / the `access_logs.s3.enabled` attribute set to `true` — the provider's default is off even when a `bucket` is given — and a Classic Load Balancer (`aws_elb`, `AWS::ElasticLoadBalancing::LoadBalancer`) without an enabled `access_logs` block / `AccessLoggingPolicy`. A Network Load Balancer is reported only when a listener of the scanned files gives it a `TLS` listener: AWS writes NLB access logs for TLS connections only. Gateway Load Balancers have no access logs and are not concerned. Values known only after apply are not judged (`--show-unknown` lists them).",
            why: "The load balancer is where the internet meets the agents. Its access logs are the only record of each request's client address, path, TLS version, status and timing at the edge: what an attacker probed, which agent answered, and whether a WAF rule should have stopped it. The policy asks for all network traffic and all access attempts to be logged (P-IVB-2, P-IVB-3), and the requirements catalogue checks `aws_lb.access_logs.enabled = true`.",
            fail: Example::terraform(
                r#"resource "aws_lb" "agents" {
  name               = "agents"
  load_balancer_type = "application"
  subnets            = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]

  access_logs {
    bucket = "example-lb-logs"
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_lb" "agents" {
  name               = "agents"
  load_balancer_type = "application"
  subnets            = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]

  access_logs {
    bucket  = "example-lb-logs"
    prefix  = "agents"
    enabled = true
  }
}
"#,
            ),
            fix: "Add `access_logs { bucket = \"…\", prefix = \"…\", enabled = true }` (CloudFormation: `LoadBalancerAttributes` `access_logs.s3.enabled: \"true\"` and `access_logs.s3.bucket`), with a bucket policy that lets the Elastic Load Balancing log delivery write to it and a lifecycle that keeps the logs at least 90 days.",
        },
    },
    check: Check::Resource(
        &[
            "aws_lb",
            "aws_alb",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "aws_elb",
            "AWS::ElasticLoadBalancing::LoadBalancer",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !super::is_managed(resource) {
        return;
    }
    let address = &resource.address;
    if CLASSIC_LOAD_BALANCER_TYPES.contains(&resource.resource_type.as_str()) {
        classic(resource, sink);
        return;
    }
    if !LOAD_BALANCER_TYPES.contains(&resource.resource_type.as_str()) {
        return;
    }
    let kind = match load_balancer_type(resource) {
        Some("application") => "Application Load Balancer",
        Some("network") => {
            if has_listener(ctx.project, resource.index, "TLS") != Some(true) {
                return;
            }
            "Network Load Balancer (with a TLS listener)"
        }
        _ => return,
    };
    if let Some((false, node)) = access_logs_enabled(resource) {
        // A written block without `enabled` is off.
        let note = if node.is_some_and(|n| n.as_bool().is_none()) {
            " (`access_logs` without `enabled = true` is off)"
        } else {
            ""
        };
        sink.report_resource(
            resource,
            node,
            format!("{kind} `{address}` does not write access logs{note}"),
        );
    }
}

/// A Classic Load Balancer: `access_logs` is enabled by default once written
/// (Terraform); CloudFormation's `AccessLoggingPolicy.Enabled` is required.
fn classic(resource: &IacResource<'_>, sink: &mut Sink<'_>) {
    let address = &resource.address;
    let block = resource
        .attr("access_logs", "AccessLoggingPolicy")
        .filter(|n| !n.is_null());
    let Some(block) = block else {
        sink.report_resource(
            resource,
            None,
            format!("Classic Load Balancer `{address}` does not write access logs"),
        );
        return;
    };
    if block.is_unknown() {
        return;
    }
    let Some(first) = block.blocks().next() else {
        return;
    };
    let enabled = first
        .get("enabled")
        .or_else(|| first.get("Enabled"))
        .filter(|n| !n.is_null());
    // Terraform enables a written block by default; CloudFormation requires
    // `Enabled`, so a template without it does not deploy.
    if let Some(node) = enabled.filter(|n| n.as_bool() == Some(false)) {
        sink.report_resource(
            resource,
            Some(node),
            format!("Classic Load Balancer `{address}` does not write access logs"),
        );
    }
}
