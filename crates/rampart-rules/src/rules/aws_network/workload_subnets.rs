use rampart_config::Severity;
use rampart_model::aws::network::{Exposure, PlacementKind};

use super::{name, report_serving};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-014",
        name: "workload-outside-tier-subnets",
        severity: Severity::High,
        summary: "Workload runs in another tier's subnet or in a public subnet",
        requirements: &["S-SUB-09", "S-SUB-06", "G-NET-01"],
        docs: RuleDocs {
            what: "Reports where a workload names a subnet it must not run in: \
(1) an EKS node group (`aws_eks_node_group.subnet_ids`, `AWS::EKS::Nodegroup.Subnets`), instance (`subnet_id`, `SubnetId`, a network interface's `SubnetId`), auto scaling group (`vpc_zone_identifier`, `VPCZoneIdentifier`) or internal load balancer (`internal = true`, `Scheme: internal`; `subnets`, `subnet_mapping`, `Subnets`, `SubnetMappings`) of one tier placed in a subnet tagged with another tier; \
(2) a node group, instance or auto scaling group placed in a public subnet (one whose default route goes to an internet gateway), whatever its tier. \
Tiers come from the `classification` / `agent-classification` tag or the provider's `default_tags`; a workload or subnet without a tier is only checked for (2). A finding of (1) carries the more critical of the two tiers. Internet-facing load balancers and NAT gateways belong in public subnets and are not reported; database subnet groups are NET-012's. A subnet that is not declared here, or whose routes are not all known, is not reported.",
            why: "Tiers are separated by subnets, each with its own route table, NAT gateway, flow logs and firewall policy (S-SUB-09, G-NET-01). A critical node group in a standard subnet gets the standard tier's weaker egress controls and shares its network with less trusted workloads; a high-tier load balancer in the critical subnets opens a path into them. The public subnets hold only load balancers and NAT gateways (S-SUB-06): an instance there is one security-group mistake away from the internet.",
            fail: Example::terraform(
                r#"resource "aws_subnet" "standard_a" {
  vpc_id     = "vpc-0123456789abcdef0"
  cidr_block = "10.0.21.0/24"
  tags       = { classification = "standard" }
}

resource "aws_eks_node_group" "critical" {
  cluster_name    = "agents"
  node_group_name = "critical"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = [aws_subnet.standard_a.id]
  tags            = { classification = "critical" }

  scaling_config {
    desired_size = 2
    min_size     = 2
    max_size     = 4
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_subnet" "critical_a" {
  vpc_id     = "vpc-0123456789abcdef0"
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_eks_node_group" "critical" {
  cluster_name    = "agents"
  node_group_name = "critical"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = [aws_subnet.critical_a.id]
  tags            = { classification = "critical" }

  scaling_config {
    desired_size = 2
    min_size     = 2
    max_size     = 4
  }
}
"#,
            ),
            fix: "Place each workload in the subnets of its own tier (`subnet_ids = [aws_subnet.critical_a.id, aws_subnet.critical_b.id]` for a critical node group), and keep instances and node groups out of the public subnets: only load balancers and NAT gateways go there.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let network = ctx.network();
    for placement in &network.placements {
        let compute = matches!(
            placement.kind,
            PlacementKind::NodeGroup | PlacementKind::Instance | PlacementKind::AutoScalingGroup
        );
        let internal_lb = placement.kind
            == PlacementKind::LoadBalancer {
                internal: Some(true),
            };
        if !compute && !internal_lb {
            continue;
        }
        let Some(subnet) = placement.subnet.subnet.and_then(|s| network.subnet(s)) else {
            continue;
        };
        let mut reasons = Vec::new();
        // A workload in another tier's subnet puts the more critical of the
        // two at risk.
        let mut served = None;
        let tier = project
            .resource_tiers
            .get(placement.resource)
            .copied()
            .flatten();
        if let (Some(own), Some(theirs)) = (tier, subnet.tier)
            && own != theirs
        {
            reasons.push(format!("a {theirs}-tier subnet, not one of the {own} tier"));
            served = Some(own.max(theirs));
        }
        if compute && matches!(network.exposure(subnet), Exposure::Public(_)) {
            reasons.push(
                "a public subnet (default route to an internet gateway), which holds only load balancers and NAT gateways"
                    .to_owned(),
            );
        }
        if reasons.is_empty() {
            continue;
        }
        report_serving(
            findings,
            project,
            placement.resource,
            served,
            placement.resource,
            Some(placement.subnet.node),
            format!(
                "{} runs in {}, {}",
                name(project, placement.resource),
                name(project, subnet.index),
                reasons.join(", and ")
            ),
        );
    }
}
