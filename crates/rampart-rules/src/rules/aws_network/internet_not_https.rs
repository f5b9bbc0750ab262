use rampart_config::Severity;
use rampart_model::Project;
use rampart_model::aws::security_groups::{
    Direction, Owner, PeerKind, PortRange, Ports, Protocol, SecurityGroups,
};
use rampart_model::rampart_iac::{BlockKind, Node};

use super::{admin_exposure, name, report_rule, rule_name, through_list};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-007",
        name: "internet-ingress-not-https",
        severity: Severity::High,
        summary: "Security group admits internet traffic on a port other than HTTPS",
        requirements: &["G-NET-03", "S-SG-04", "G-NET-04"],
        docs: RuleDocs {
            what: "Reports a security-group ingress rule whose source is the whole internet (`0.0.0.0/0` or `::/0`) and that admits anything but port 443 (TCP, or UDP for HTTP/3). \
Port 80 alone is allowed when it can only lead to a redirect: it is reported when the group is attached to a load balancer whose port-80 listener is known not to redirect to HTTPS (`default_action` / `DefaultActions` other than a `redirect` with `protocol = \"HTTPS\"`, or a Classic Load Balancer listener on port 80), or to a resource that is not a load balancer (an instance, a launch template, …), which receives port 80 itself. When that cannot be told (the group is attached to nothing declared here, or the listener is not declared or not known), port 80 is not reported. \
ICMP is not reported (path-MTU discovery needs it). Rules that NET-006 reports (all protocols, or an administration or data port) are left to it. Every spelling of a rule is read, a managed prefix list declared in the scan counts as its CIDRs, and a finding carries the tier of the rule's group, as for NET-006; a CIDR, protocol or port known only after apply is not reported.",
            why: "The only internet-facing entry point of the agent platform is HTTPS on the load balancer (S-SG-04); any other port on the internet is a service that bypasses TLS, the WAF and its rate limits, or a plaintext protocol that exposes credentials and traffic in transit (G-NET-04). Port 80 is tolerated only because a listener that redirects every request to HTTPS serves nothing over it.",
            fail: Example::terraform(
                r#"resource "aws_security_group" "agent_api" {
  name   = "agent-api"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    protocol    = "tcp"
    from_port   = 8080
    to_port     = 8080
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_security_group" "agent_api" {
  name   = "agent-api"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
            ),
            fix: "Admit only TCP 443 from the internet, on the load balancer's security group, and terminate TLS there. Keep port 80 only with a listener whose default action redirects to HTTPS (`type = \"redirect\"`, `redirect { protocol = \"HTTPS\", port = \"443\", status_code = \"HTTP_301\" }`). Other services are reached through the load balancer or from the security groups of their clients.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

const HTTPS: PortRange = PortRange { from: 443, to: 443 };
const HTTP: PortRange = PortRange { from: 80, to: 80 };

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let groups = ctx.security_groups();
    for rule in groups
        .rules
        .iter()
        .filter(|r| r.direction == Direction::Ingress)
    {
        if admin_exposure(rule).is_some() {
            continue;
        }
        let (Some(protocol), ports) = (rule.protocol, rule.ports) else {
            continue;
        };
        let why = match (protocol, ports) {
            (Protocol::Icmp | Protocol::Icmpv6, _) | (_, Ports::Unknown) => continue,
            (Protocol::Tcp | Protocol::Udp, Ports::Range(range)) if range == HTTPS => continue,
            (Protocol::Tcp, Ports::Range(range)) if range == HTTP => {
                match plain_http(project, groups, rule.owner) {
                    Some(why) => format!("; {why}"),
                    None => continue,
                }
            }
            _ => String::new(),
        };
        for peer in rule.peers.iter().filter(|p| p.is_internet()) {
            let PeerKind::Cidr(net) = peer.kind else {
                continue;
            };
            report_rule(
                findings,
                project,
                groups,
                rule,
                peer.node.or(rule.node),
                format!(
                    "{} admits {} from {net}{}, the whole internet; only HTTPS (443) may face it{why}",
                    rule_name(project, rule),
                    rule.describe_traffic(),
                    through_list(project, peer)
                ),
            );
        }
    }
}

/// Why port 80 of `owner` serves plain HTTP, when that is known.
fn plain_http(project: &Project, groups: &SecurityGroups<'_>, owner: Owner) -> Option<String> {
    let Owner::Group(group) = owner else {
        return None;
    };
    for attachment in groups.attached_to(group) {
        let target = attachment.resource;
        let Some(resource) = project.resources.get(target) else {
            continue;
        };
        match resource.resource_type.as_str() {
            "aws_lb" | "aws_alb" | "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                if let Some(listener) = forwarding_http_listener(project, target) {
                    return Some(format!(
                        "{} listens on port 80 without redirecting to HTTPS ({})",
                        name(project, target),
                        name(project, listener)
                    ));
                }
            }
            "aws_elb" | "AWS::ElasticLoadBalancing::LoadBalancer" => {
                let listeners = resource
                    .get("listener")
                    .or_else(|| resource.get("Listeners"));
                let on_80 = listeners.into_iter().flat_map(Node::blocks).any(|l| {
                    l.get("lb_port")
                        .or_else(|| l.get("LoadBalancerPort"))
                        .and_then(Node::as_i64)
                        == Some(80)
                });
                if on_80 {
                    return Some(format!(
                        "{} is a Classic Load Balancer listening on port 80, which cannot redirect to HTTPS",
                        name(project, target)
                    ));
                }
            }
            _ => {
                return Some(format!(
                    "the group is attached to {}, which receives port 80 itself (no load balancer redirect)",
                    name(project, target)
                ));
            }
        }
    }
    None
}

/// A port-80 listener of load balancer `lb` whose default action is known
/// not to redirect to HTTPS.
fn forwarding_http_listener(project: &Project, lb: usize) -> Option<usize> {
    let scope = project.scope_of(lb);
    let listeners = [
        "aws_lb_listener",
        "aws_alb_listener",
        "AWS::ElasticLoadBalancingV2::Listener",
    ];
    (project.resources_in_of_types(scope, &listeners).into_iter())
        .map(|i| (i, &project.resources[i]))
        .filter(|(_, r)| r.kind == BlockKind::Resource)
        .filter(|(_, r)| {
            r.attr("load_balancer_arn", "LoadBalancerArn")
                .is_some_and(|node| {
                    project
                        .link_targets(scope, node)
                        .iter()
                        .any(|(t, _)| *t == lb)
                })
        })
        .filter(|(_, r)| r.attr("port", "Port").and_then(Node::as_i64) == Some(80))
        .find(|(_, r)| {
            redirects_to_https(r.attr("default_action", "DefaultActions")) == Some(false)
        })
        .map(|(i, _)| i)
}

/// Whether a listener's default actions redirect to HTTPS; `None` when not known.
fn redirects_to_https(actions: Option<&Node>) -> Option<bool> {
    let actions = actions?;
    if actions.is_unknown() {
        return None;
    }
    let mut unknown = false;
    for action in actions.blocks() {
        let kind = action.get("type").or_else(|| action.get("Type"));
        match kind.and_then(Node::as_str) {
            Some("redirect") => {
                let protocol = action
                    .get("redirect")
                    .and_then(|r| r.blocks().next())
                    .and_then(|r| r.get("protocol"))
                    .or_else(|| action.path(&["RedirectConfig", "Protocol"]));
                match protocol {
                    Some(p) if p.as_str() == Some("HTTPS") => return Some(true),
                    Some(p) if p.as_str().is_none() => unknown = true,
                    // `#{protocol}` (the default) keeps HTTP.
                    _ => {}
                }
            }
            Some(_) => {}
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(false) }
}
