use rampart_config::Severity;
use rampart_model::aws::edge::{self, Action, ActionKind};
use rampart_model::rampart_iac::Node;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ENC-001",
        name: "http-listener-without-redirect",
        severity: Severity::High,
        summary: "Load balancer serves plain HTTP instead of redirecting to HTTPS",
        requirements: &["G-NET-04"],
        docs: RuleDocs {
            what: "Reports an HTTP listener of an application load balancer (Terraform `aws_lb_listener`, `aws_alb_listener`; CloudFormation `AWS::ElasticLoadBalancingV2::Listener`) whose default action forwards requests to targets or authenticates users instead of redirecting to HTTPS, and a listener rule (`aws_lb_listener_rule`, `aws_alb_listener_rule`, `AWS::ElasticLoadBalancingV2::ListenerRule`) on an HTTP listener that forwards or authenticates. A redirect counts only when its `protocol` is `HTTPS`: a redirect without `protocol` keeps `#{protocol}`, that is HTTP. A listener without `protocol` on an application load balancer is HTTP, the API's default. A `fixed-response` action is not reported (it serves no target). Internal load balancers are included: the policy encrypts all traffic in transit, not only the internet's. A protocol or action known only after apply is not reported (`--show-unknown` lists it).",
            why: "Over plain HTTP, requests, responses, session cookies and the agents' API tokens cross the network readable and alterable by anyone on the path: another tenant of a shared network, a compromised host in the VPC, anything between the client and AWS. The policy requires all network traffic to be encrypted in transit (G-NET-04); the only acceptable use of port 80 is to send clients to HTTPS.",
            fail: Example::terraform(
                r#"resource "aws_lb" "agents" {
  name    = "agents"
  subnets = var.public_subnet_ids
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.agents.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = var.agents_target_group_arn
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_lb" "agents" {
  name    = "agents"
  subnets = var.public_subnet_ids
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.agents.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}
"#,
            ),
            fix: "Make the HTTP listener's default action a redirect with `protocol = \"HTTPS\"`, `port = \"443\"` and `status_code = \"HTTP_301\"`, serve the application from an HTTPS listener with a TLS 1.2+ `ssl_policy`, and move any listener rules of the HTTP listener to the HTTPS one. If nothing should answer on port 80, remove the listener.",
        },
    },
    check: Check::Resource(
        &[
            "aws_lb_listener",
            "aws_alb_listener",
            "AWS::ElasticLoadBalancingV2::Listener",
            "aws_lb_listener_rule",
            "aws_alb_listener_rule",
            "AWS::ElasticLoadBalancingV2::ListenerRule",
        ],
        check,
    ),
    inactive_when: None,
};

/// The first action that serves plain HTTP, where to report it, and how.
fn plaintext<'a>(actions: &'a [Action<'a>]) -> Option<(&'a Node, String)> {
    actions.iter().find_map(|action| match action.kind {
        ActionKind::Forward => Some((
            action.type_node.unwrap_or(action.node),
            "forwards requests to its targets over plain HTTP instead of redirecting them to HTTPS"
                .to_owned(),
        )),
        ActionKind::Authenticate => Some((
            action.type_node.unwrap_or(action.node),
            "authenticates users and serves their requests over plain HTTP instead of redirecting them to HTTPS"
                .to_owned(),
        )),
        ActionKind::Redirect => match (action.redirects_to_https(), action.redirect_protocol) {
            (Some(false), Some(protocol)) => Some((
                protocol,
                format!("redirects to {} instead of HTTPS", protocol.describe()),
            )),
            (Some(false), None) => Some((
                action.redirect.unwrap_or(action.node),
                "redirects without `protocol = \"HTTPS\"`, which keeps the request's protocol: HTTP"
                    .to_owned(),
            )),
            _ => None,
        },
        _ => None,
    })
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let project = ctx.project;
    if let Some(listener) = edge::listener(project, resource.index) {
        if listener.protocol.as_deref() != Some("HTTP") {
            return;
        }
        let Some(actions) = listener.default_actions.as_deref() else {
            return;
        };
        if let Some((node, what)) = plaintext(actions) {
            sink.report_resource(
                resource,
                Some(node),
                format!(
                    "HTTP listener `{}` {what}: traffic crosses the network unencrypted",
                    resource.address
                ),
            );
        }
    } else if let Some(rule) = edge::listener_rule(project, resource.index) {
        let Some(http) = rule
            .listeners
            .iter()
            .find(|l| l.protocol.as_deref() == Some("HTTP"))
        else {
            return;
        };
        let Some(actions) = rule.actions.as_deref() else {
            return;
        };
        if let Some((node, what)) = plaintext(actions) {
            sink.report_resource(
                resource,
                Some(node),
                format!(
                    "listener rule `{}` of HTTP listener `{}` {what}: traffic crosses the network unencrypted",
                    resource.address, http.resource.address
                ),
            );
        }
    }
}
