use rampart_config::Severity;
use rampart_model::Subject;
use rampart_model::aws::network::{Association, Exposure, PlacementKind, TableId};
use rampart_model::rampart_iac::{Node, Value};

use super::name;
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-013",
        name: "agent-subnet-routes-to-internet-gateway",
        severity: Severity::High,
        summary: "Agent subnet has a default route to an internet gateway",
        requirements: &[
            "S-SUB-01", "S-SUB-02", "S-SUB-03", "S-SUB-04", "S-SUB-05", "G-NET-07",
        ],
        docs: RuleDocs {
            what: "Reports a subnet of an agent tier — tagged `critical`, `high` or `standard` (the `classification` / `agent-classification` tag, or the provider's `default_tags`) — whose route table sends a default route (`0.0.0.0/0` or `::/0`) to an internet gateway. The route table is the one the subnet's association names (the finding points at its `route_table_id` / `RouteTableId`), or else the VPC's main route table (the finding points at the route). \
A subnet that holds the entry points is a public subnet, even when it carries a tier, and is not reported: one with a NAT gateway, an internet-facing load balancer (`internal` unset or `false`, `Scheme` unset or `internet-facing`), or the `kubernetes.io/role/elb` tag that EKS uses for internet-facing load balancers. A route through a NAT gateway or a firewall endpoint is the intended design and passes; routes or tables known only after apply are not reported.",
            why: "The agent subnets have no inbound path from the internet (S-SUB-01 to S-SUB-05): agents are reached only through the load balancer, its TLS termination and its WAF, and leave through their tier's NAT gateway. A default route to an internet gateway makes any agent with a public address directly reachable from the internet, and lets agents bypass the NAT gateway and the Network Firewall inspecting their egress (G-NET-07).",
            fail: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "critical_a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "critical_a" {
  subnet_id      = aws_subnet.critical_a.id
  route_table_id = aws_route_table.public.id
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "critical_a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_route_table" "critical" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = "nat-0123456789abcdef0"
  }
}

resource "aws_route_table_association" "critical_a" {
  subnet_id      = aws_subnet.critical_a.id
  route_table_id = aws_route_table.critical.id
}
"#,
            ),
            fix: "Associate the agent subnets with their tier's private route table, whose default route goes to the tier's NAT gateway (for the critical tier, through the Network Firewall endpoint). Only the public load-balancer subnets route to the internet gateway.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let network = ctx.network();
    for subnet in &network.subnets {
        let Some(tier) = subnet.tier else {
            continue;
        };
        let Exposure::Public(route) = network.exposure(subnet) else {
            continue;
        };
        let entry_point = network.placed_in(subnet.index).any(|p| {
            matches!(
                p.kind,
                PlacementKind::NatGateway
                    | PlacementKind::LoadBalancer {
                        internal: Some(false)
                    }
            )
        });
        let Some(resource) = project.resources.get(subnet.index) else {
            continue;
        };
        if entry_point || has_elb_role_tag(resource.get("tags").or_else(|| resource.get("Tags"))) {
            continue;
        }
        let (at, node) = match subnet.association {
            Association::Explicit { resource, node } => (resource, Some(node)),
            Association::Main => (route.resource, route.target_node.or(route.destination_node)),
        };
        let table = match subnet.table {
            Some(TableId::Declared(t)) => name(project, t),
            Some(TableId::VpcDefault(vpc)) => {
                format!("the default route table of {}", name(project, vpc))
            }
            None => "its route table".to_owned(),
        };
        let via = match subnet.association {
            Association::Explicit { .. } => format!("its route table {table}"),
            Association::Main => format!("the VPC's main route table ({table})"),
        };
        let gateway = route
            .target_resource
            .map(|g| format!(" {}", name(project, g)))
            .unwrap_or_default();
        if let Some(written) = project.resources.get(at) {
            findings.on(Subject::Resource(subnet.index)).report_resource(
                written,
                node,
                format!(
                    "{} is a {tier}-tier agent subnet, but {via} sends {} to the internet gateway{gateway}: agent subnets have no inbound path from the internet",
                    name(project, subnet.index),
                    route.describe_destination()
                ),
            );
        }
    }
}

/// The `kubernetes.io/role/elb` tag: EKS's marker of public subnets.
fn has_elb_role_tag(tags: Option<&Node>) -> bool {
    const KEY: &str = "kubernetes.io/role/elb";
    let Some(tags) = tags else {
        return false;
    };
    match &tags.value {
        Value::Map(_) => tags.get(KEY).is_some(),
        Value::List(items) => items
            .iter()
            .any(|item| item.get("Key").and_then(Node::as_str) == Some(KEY)),
        _ => false,
    }
}
