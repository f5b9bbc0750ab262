use rampart_config::Severity;
use rampart_model::aws::edge::{self, DEFAULT_TLS_POLICY, TlsPolicy};

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ENC-002",
        name: "weak-tls-policy",
        severity: Severity::High,
        summary: "HTTPS or TLS listener accepts protocols older than TLS 1.2",
        requirements: &["G-NET-04"],
        docs: RuleDocs {
            what: "Reports an HTTPS or TLS listener (Terraform `aws_lb_listener`, `aws_alb_listener`; CloudFormation `AWS::ElasticLoadBalancingV2::Listener`) whose `ssl_policy` / `SslPolicy` is not a TLS 1.2+ security policy. The allowlist is the predefined policies whose names say TLS 1.2 or 1.3 is the oldest protocol accepted (`ELBSecurityPolicy-TLS13-1-2-*`, `-TLS13-1-3-*` with their `Res`, `Ext`, `FIPS` and `PQ` variants, `ELBSecurityPolicy-TLS-1-2-*`, `ELBSecurityPolicy-FS-1-2-*`), per the policy tables of the Elastic Load Balancing documentation. Not set, the API, the CLI, CloudFormation and Terraform use `ELBSecurityPolicy-2016-08`, which accepts TLS 1.0 and 1.1: that is reported at the listener. A name that is no predefined policy rampart knows is reported too. A policy known only after apply (and a plan's unset policy, which the provider computes) is not reported.",
            why: "TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on SHA-1 and CBC constructions with known attacks, and a client or attacker can negotiate the load balancer down to them. The policy requires traffic in transit to be encrypted properly (G-NET-04), which in practice means TLS 1.2 or newer; the AWS default for listeners created outside the console still allows TLS 1.0.",
            fail: Example::terraform(
                r#"resource "aws_lb_listener" "https" {
  load_balancer_arn = var.agents_lb_arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = var.certificate_arn
  ssl_policy        = "ELBSecurityPolicy-2016-08"

  default_action {
    type             = "forward"
    target_group_arn = var.agents_target_group_arn
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_lb_listener" "https" {
  load_balancer_arn = var.agents_lb_arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = var.certificate_arn
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

  default_action {
    type             = "forward"
    target_group_arn = var.agents_target_group_arn
  }
}
"#,
            ),
            fix: "Set `ssl_policy` to a TLS 1.3 policy that keeps TLS 1.2 for older clients, such as `ELBSecurityPolicy-TLS13-1-2-Res-2021-06` (or its post-quantum successor `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`); use `ELBSecurityPolicy-TLS13-1-3-2021-06` where every client speaks TLS 1.3.",
        },
    },
    check: Check::Resource(
        &[
            "aws_lb_listener",
            "aws_alb_listener",
            "AWS::ElasticLoadBalancingV2::Listener",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(listener) = edge::listener(ctx.project, resource.index) else {
        return;
    };
    let Some(protocol) = listener.protocol.as_deref() else {
        return;
    };
    if protocol != "HTTPS" && protocol != "TLS" {
        return;
    }
    let Some(node) = listener.ssl_policy else {
        if resource.language != rampart_model::rampart_iac::Language::TerraformPlan {
            sink.report_resource(
                resource,
                None,
                format!(
                    "{protocol} listener `{}` sets no `{}`, so AWS applies `{DEFAULT_TLS_POLICY}`, which also accepts TLS 1.0 and 1.1",
                    resource.address,
                    if resource.is_cloudformation() { "SslPolicy" } else { "ssl_policy" }
                ),
            );
        }
        return;
    };
    let Some(name) = node.as_str() else {
        return;
    };
    let message = match edge::tls_policy(name) {
        TlsPolicy::Tls12OrNewer => return,
        TlsPolicy::AcceptsOlder(oldest) => format!(
            "{protocol} listener `{}` uses `{name}`, which accepts clients down to {oldest}",
            resource.address
        ),
        TlsPolicy::NotKnown => format!(
            "{protocol} listener `{}` uses `{name}`, which is not a predefined TLS 1.2+ security policy",
            resource.address
        ),
    };
    sink.report_resource(resource, Some(node), message);
}
