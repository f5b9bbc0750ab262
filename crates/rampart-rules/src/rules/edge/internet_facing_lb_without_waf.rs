use rampart_config::Severity;
use rampart_model::aws::edge::{self, Exposure, LbType};

use super::{report, served};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "WAF-001",
        name: "internet-facing-lb-without-waf",
        severity: Severity::High,
        summary: "Internet-facing application load balancer has no WAF web ACL",
        requirements: &["S-WAF-01", "G-NET-03"],
        docs: RuleDocs {
            what: "Reports an internet-facing application load balancer (Terraform `aws_lb`, `aws_alb` with `internal` unset or `false` and `load_balancer_type` unset or `application`; CloudFormation `AWS::ElasticLoadBalancingV2::LoadBalancer` with `Scheme` unset or `internet-facing` and `Type` unset or `application`) that no WAFv2 web ACL association (`aws_wafv2_web_acl_association`, `AWS::WAFv2::WebACLAssociation`) names. An association by a literal ARN counts when the ARN carries the load balancer's `name`. Network load balancers are not reported (AWS WAF cannot protect them). When an association in the same root module or template names a resource rampart cannot resolve (a value known only after apply, a module output it cannot follow), it may be this load balancer's, and nothing is reported. The message names the tier the load balancer serves when it is known: its own tag, or the tier of the targets its listeners route to. The finding carries that tier: it is raised to Critical when the load balancer fronts critical agents.",
            why: "An internet-facing load balancer without a web ACL passes every request to the agents: no managed rules against injection and known-bad inputs, no IP reputation filter, no rate limit. The policy puts a web ACL in front of every public entry point of an agent (S-WAF-01); without it, every other WAF requirement of the agent's tier has nothing to apply to.",
            fail: Example::terraform(
                r#"resource "aws_lb" "agents" {
  name               = "agents"
  internal           = false
  load_balancer_type = "application"
  subnets            = var.public_subnet_ids
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_lb" "agents" {
  name               = "agents"
  internal           = false
  load_balancer_type = "application"
  subnets            = var.public_subnet_ids
}

resource "aws_wafv2_web_acl_association" "agents" {
  resource_arn = aws_lb.agents.arn
  web_acl_arn  = var.agents_web_acl_arn
}
"#,
            ),
            fix: "Associate a regional web ACL with the load balancer (`aws_wafv2_web_acl_association { resource_arn = aws_lb.x.arn, web_acl_arn = aws_wafv2_web_acl.y.arn }`); the ACL should carry the managed rule groups, rate limit and, for critical agents, the geo and IP restrictions of the tier's profile. If the load balancer should not be public, set `internal = true`.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let edge = ctx.edge();
    for i in edge::resources_of(project, edge::LOAD_BALANCER_TYPES) {
        let Some(lb) = edge::load_balancer(project, i) else {
            continue;
        };
        if lb.lb_type != Some(LbType::Application) || lb.exposure != Some(Exposure::InternetFacing)
        {
            continue;
        }
        let Some(association) = edge.web_acls_of(i) else {
            continue;
        };
        if association.is_protected() {
            continue;
        }
        let tier = edge.load_balancer_tier(i);
        let why = tier
            .map(|t| format!("; it {}", served(project, &t)))
            .unwrap_or_default();
        report(
            findings,
            i,
            tier.map(|t| t.tier),
            lb.resource,
            lb.exposure_node,
            format!(
                "internet-facing application load balancer `{}` has no WAF web ACL associated: every request reaches the targets unfiltered{why}",
                lb.resource.address
            ),
        );
    }
}
