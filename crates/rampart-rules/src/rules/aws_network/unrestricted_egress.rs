use rampart_config::{Severity, Tier};
use rampart_model::Project;
use rampart_model::aws::security_groups::{Direction, Owner, PeerKind, SecurityGroups, SgRule};

use super::{name, report_rule, rule_name, through_list};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-010",
        name: "unrestricted-egress",
        severity: Severity::Medium,
        summary: "Security group of critical- or high-tier resources allows all egress to the internet",
        requirements: &["S-SG-02", "S-SG-05", "G-NET-03"],
        docs: RuleDocs {
            what: "Reports a security-group egress rule that allows every protocol, or every port of TCP or UDP, to `0.0.0.0/0` or `::/0`, when the group is tagged with the critical or high tier or is attached to a resource of those tiers (an instance, a launch template used by a node group of that tier, a load balancer, a database, …). \
A CloudFormation `AWS::EC2::SecurityGroup` without `SecurityGroupEgress` keeps AWS's allow-all egress rule and is reported at the group; a Terraform `aws_security_group` without `egress` has no egress at all (the provider removes AWS's default rule) and passes. Every spelling of a rule is read, a managed prefix list declared in the scan counts as its CIDRs (`DestinationPrefixListId` too), and a finding carries the tier of the rule's group, as for NET-006; standard-tier and untiered groups are not reported, nor are CIDRs, protocols or ports known only after apply.",
            why: "All-port egress to the internet is what malware needs to fetch tooling, reach its command-and-control server and exfiltrate data. The specification limits critical agents' egress to HTTPS for their API calls (S-SG-02) and the load balancer's egress to the agents (S-SG-05); high-tier agents follow the same design. An egress rule scoped to TCP 443 (better: VPC endpoints and a Network Firewall domain allowlist) leaves an intruder far less room.",
            fail: Example::terraform(
                r#"resource "aws_security_group" "critical_agents" {
  name   = "critical-agents"
  vpc_id = "vpc-0123456789abcdef0"
  tags   = { classification = "critical" }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_security_group" "critical_agents" {
  name   = "critical-agents"
  vpc_id = "vpc-0123456789abcdef0"
  tags   = { classification = "critical" }

  egress {
    description = "HTTPS API calls"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
            ),
            fix: "Replace the rule with the egress the workload needs: TCP 443 for API calls (through VPC endpoints where they exist), the database port to the database's security group. In CloudFormation, declare `SecurityGroupEgress` explicitly so that AWS's allow-all rule is not created.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let groups = ctx.security_groups();
    for rule in groups
        .rules
        .iter()
        .filter(|r| r.direction == Direction::Egress && r.is_all_traffic())
    {
        let Some(reason) = sensitive_tier(project, groups, rule) else {
            continue;
        };
        for peer in rule.peers.iter().filter(|p| p.is_internet()) {
            let PeerKind::Cidr(net) = peer.kind else {
                continue;
            };
            let message = if rule.is_implicit() {
                format!(
                    "{} declares no `SecurityGroupEgress`, so AWS keeps its rule allowing all traffic to {net}; {reason}",
                    name(project, rule.declared_in)
                )
            } else {
                format!(
                    "{} allows {} to {net}{}; {reason}",
                    rule_name(project, rule),
                    rule.describe_traffic(),
                    through_list(project, peer)
                )
            };
            report_rule(
                findings,
                project,
                groups,
                rule,
                peer.node.or(rule.node),
                message,
            );
        }
    }
}

/// Why the rule's group needs restricted egress: its own tier or that of a
/// resource it is attached to.
fn sensitive_tier(
    project: &Project,
    groups: &SecurityGroups<'_>,
    rule: &SgRule<'_>,
) -> Option<String> {
    let sensitive = |tier: Option<Tier>| matches!(tier, Some(Tier::Critical | Tier::High));
    let own = |index: usize| project.resource_tiers.get(index).copied().flatten();
    match rule.owner {
        Owner::Group(group) => {
            // The most critical attachment (the first of equals), which the
            // finding's tier follows.
            let attached = groups
                .attached_to(group)
                .filter_map(|a| groups.attached_tier(a.resource).map(|t| (t, a.resource)))
                .reduce(|best, next| if next.0 > best.0 { next } else { best });
            match (own(group), attached) {
                (Some(tier), attached)
                    if sensitive(Some(tier)) && attached.is_none_or(|(t, _)| t <= tier) =>
                {
                    Some(format!("the group is tagged with the {tier} tier"))
                }
                (_, Some((tier, resource))) if sensitive(Some(tier)) => Some(format!(
                    "the group protects {}, a {tier}-tier resource",
                    name(project, resource)
                )),
                _ => None,
            }
        }
        Owner::DefaultGroupOf(_) => None,
        Owner::Unknown => sensitive(own(rule.declared_in)).then(|| {
            let tier = own(rule.declared_in).map(Tier::as_str).unwrap_or_default();
            format!("the rule is tagged with the {tier} tier")
        }),
    }
}
