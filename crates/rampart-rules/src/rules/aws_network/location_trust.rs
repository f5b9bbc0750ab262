use std::collections::HashSet;

use ipnet::IpNet;
use rampart_config::Severity;
use rampart_model::aws::security_groups::{
    Direction, Owner, PeerKind, PortRange, Protocol, SecurityGroups, SgRule,
};
use rampart_model::rampart_iac::{Node, Origin};

use super::{group_tier, name, report_rule, rule_name, through_list};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-008",
        name: "location-based-trust",
        severity: Severity::Medium,
        summary: "Security group trusts a whole private range instead of the callers' security group",
        requirements: &["G-NET-06", "P-II-ZT", "G-NET-02"],
        docs: RuleDocs {
            what: "Reports a security-group ingress rule whose source CIDR covers a whole private range — `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` — or the whole CIDR block (primary or associated secondary) of the VPC the group belongs to, or anything wider that is not the internet itself (`0.0.0.0/0` and `::/0` are NET-006's and NET-007's). \
The VPC's CIDR is read from the group's `vpc_id` / `VpcId`; a reference to it (`aws_vpc.main.cidr_block`, `!GetAtt Vpc.CidrBlock`) counts like the literal. A managed prefix list declared in the scan counts as its CIDRs (`aws_ec2_managed_prefix_list` entries, `aws_ec2_managed_prefix_list_entry`, `AWS::EC2::PrefixList`), reported at the rule's reference to the list; AWS-managed prefix lists are not judged. Narrower ranges (a subnet, a peer's `/24`) and security-group and `self` sources are not reported. \
One exemption follows the policy's own allowlist (S-PROF-IP-CRIT, C-08): a rule of a group attached only to load balancers that admits HTTPS (TCP 443) from a range inside the `allowed-ip-ranges` of the group's tier profile (the critical tier's `10.0.0.0/8` and `172.16.0.0/12` by default) is the entry point's client allowlist and passes, unless the range overlaps the VPC's own CIDR: clients outside the VPC have no security group to name, while a range holding the VPC lets every workload in it, of any tier, in by address. The same range on a workload's group (nodes, instances, databases), on another port, or on a group of a tier with no allowlist is reported. \
Every spelling of a rule is read, and a finding carries the tier of the rule's group, as for NET-006; a CIDR known only after apply is not reported.",
            why: "A rule that admits the VPC or a whole RFC 1918 range trusts every workload that happens to be on the network: any compromised instance, pod or peered network can reach the service. The policy asks for zero trust — never trust based on location (P-II-ZT, G-NET-06): a service admits the security groups of the callers that need it, so the permission follows the workload, not its address.",
            fail: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "database" {
  name   = "database"
  vpc_id = aws_vpc.main.id

  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "agents" {
  name   = "critical-agents"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "database" {
  name   = "database"
  vpc_id = aws_vpc.main.id

  ingress {
    protocol        = "tcp"
    from_port       = 5432
    to_port         = 5432
    security_groups = [aws_security_group.agents.id]
  }
}
"#,
            ),
            fix: "Replace the CIDR with the security groups of the callers (`security_groups`, `source_security_group_id`, `referenced_security_group_id`, `SourceSecurityGroupId`). Where the callers have no security group (a peered network, an on-premises range), admit the narrowest CIDR that holds them.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

const PRIVATE_RANGES: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let groups = ctx.security_groups();
    let private: Vec<IpNet> = PRIVATE_RANGES
        .iter()
        .filter_map(|r| r.parse().ok())
        .collect();
    // Where VPC and subnet CIDRs are written: a rule that refers to one
    // (`aws_vpc.main.cidr_block`) is reported where the rule refers to it.
    let cidr_origins: HashSet<Origin> = project
        .resources
        .iter()
        .filter(|r| {
            matches!(
                r.resource_type.as_str(),
                "aws_vpc"
                    | "aws_subnet"
                    | "aws_vpc_ipv4_cidr_block_association"
                    | "AWS::EC2::VPC"
                    | "AWS::EC2::Subnet"
                    | "AWS::EC2::VPCCidrBlock"
            )
        })
        .filter_map(|r| r.attr("cidr_block", "CidrBlock"))
        .filter_map(|n| n.origin)
        .collect();
    let elsewhere = |node: &Node| node.origin.is_some_and(|o| cidr_origins.contains(&o));
    for rule in groups
        .rules
        .iter()
        .filter(|r| r.direction == Direction::Ingress)
    {
        // The allowlist exemption needs the VPC's ranges: without them a range that
        // holds the VPC (or the default VPC's 172.31.0.0/16) could not be told apart.
        let vpc = groups.vpc_of(rule.owner);
        let vpc_cidrs = vpc.map(|v| groups.vpc_cidrs(v)).unwrap_or_default();
        for peer in &rule.peers {
            let PeerKind::Cidr(net) = peer.kind else {
                continue;
            };
            if net.prefix_len() == 0 {
                continue;
            }
            if !vpc_cidrs.is_empty() && client_allowlist(ctx, groups, rule, net, &vpc_cidrs) {
                continue;
            }
            let what = if let Some(range) = private.iter().find(|r| net.contains(*r)) {
                if net == *range {
                    "a whole private range".to_owned()
                } else {
                    format!("a range wider than the private range {range}")
                }
            } else if let Some(cidr) = vpc_cidrs.iter().find(|c| net.contains(*c)) {
                let vpc_name = vpc.map(|v| name(project, v)).unwrap_or_default();
                if net == *cidr {
                    format!("the whole CIDR of VPC {vpc_name}")
                } else {
                    format!("a range covering the whole CIDR {cidr} of VPC {vpc_name}")
                }
            } else {
                continue;
            };
            report_rule(
                findings,
                project,
                groups,
                rule,
                match peer.node {
                    Some(node) if elsewhere(node) => [peer.field, rule.node]
                        .into_iter()
                        .flatten()
                        .find(|n| !elsewhere(n)),
                    node => node.or(rule.node),
                },
                format!(
                    "{} admits {} from {net}{}, {what}: access is granted by network location instead of by the callers' security group",
                    rule_name(project, rule),
                    rule.describe_traffic(),
                    through_list(project, peer)
                ),
            );
        }
    }
}

/// Load balancers: the entry points an allowlist guards.
const LOAD_BALANCER_TYPES: &[&str] = &[
    "aws_lb",
    "aws_alb",
    "aws_elb",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancing::LoadBalancer",
];

/// Whether `net` is the policy's client allowlist at an entry point: HTTPS
/// on a group attached only to load balancers, from a range inside its
/// tier's `allowed-ip-ranges`, clear of the VPC's own CIDRs (which must be known).
fn client_allowlist(
    ctx: &Context<'_>,
    groups: &SecurityGroups<'_>,
    rule: &SgRule<'_>,
    net: IpNet,
    vpc_cidrs: &[IpNet],
) -> bool {
    let project = ctx.project;
    let Owner::Group(group) = rule.owner else {
        return false;
    };
    let https = rule.protocol == Some(Protocol::Tcp)
        && rule.tcp_ports() == Some(PortRange { from: 443, to: 443 });
    let mut attached = groups.attached_to(group).peekable();
    let load_balancers = attached.peek().is_some()
        && attached.all(|a| {
            project
                .resources
                .get(a.resource)
                .is_some_and(|r| LOAD_BALANCER_TYPES.contains(&r.resource_type.as_str()))
        });
    let Some(tier) = group_tier(project, groups, group) else {
        return false;
    };
    let allowed = ctx
        .config
        .tiers
        .profile(tier)
        .allowed_ip_ranges
        .iter()
        .any(|range| range.0.contains(&net));
    let in_vpc = vpc_cidrs
        .iter()
        .any(|cidr| cidr.contains(&net) || net.contains(cidr));
    https && load_balancers && allowed && !in_vpc
}
