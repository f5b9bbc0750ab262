use std::collections::BTreeMap;

use rampart_config::{Severity, Tier};
use rampart_model::Project;
use rampart_model::rampart_iac::{BlockKind, Node};

use super::{name, own_tier, report_serving};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-012",
        name: "database-subnet-has-default-route",
        severity: Severity::High,
        summary: "Database subnet has a default route",
        requirements: &["S-SUB-07", "G-NET-01"],
        docs: RuleDocs {
            what: "Reports a default route (`0.0.0.0/0` or `::/0`), whatever its target — internet gateway, NAT gateway, transit gateway, firewall endpoint — in the route table of a subnet that belongs to a data store's subnet group: `aws_db_subnet_group` (also `aws_docdb_subnet_group`, `aws_neptune_subnet_group`, `aws_elasticache_subnet_group`, `aws_redshift_subnet_group`) and their CloudFormation twins (`AWS::RDS::DBSubnetGroup`, …). \
The route table is the one the subnet's association names, or else its VPC's main route table; routes are the table's inline `route` blocks and the `aws_route` / `AWS::EC2::Route` resources that name it. The finding points at the route's destination, once per route, naming the database subnets it serves, with the most critical tier among those subnets, their subnet groups and the data stores that use them (by reference or by the group's name). A destination known only after apply is not reported.",
            why: "The database subnets have no internet access at all, not even through a NAT gateway (S-SUB-07): a database has no reason to open connections to the internet, and a default route is the path an attacker who reaches it would use to exfiltrate data. Isolating the data tier by routing is part of the segmentation the policy requires (G-NET-01).",
            fail: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "database_a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.201.0/24"
}

resource "aws_route_table" "database" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = "nat-0123456789abcdef0"
  }
}

resource "aws_route_table_association" "database_a" {
  subnet_id      = aws_subnet.database_a.id
  route_table_id = aws_route_table.database.id
}

resource "aws_db_subnet_group" "agents" {
  name       = "agents"
  subnet_ids = [aws_subnet.database_a.id]
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "database_a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.201.0/24"
}

# Local route only.
resource "aws_route_table" "database" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "database_a" {
  subnet_id      = aws_subnet.database_a.id
  route_table_id = aws_route_table.database.id
}

resource "aws_db_subnet_group" "agents" {
  name       = "agents"
  subnet_ids = [aws_subnet.database_a.id]
}
"#,
            ),
            fix: "Give the database subnets a route table of their own with no default route (only the VPC's local route). Databases that need AWS services reach them through VPC endpoints.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let network = ctx.network();
    // Route (by position) → the database subnets it serves, with their groups.
    let mut served: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for group in &network.subnet_groups {
        for subnet in group.subnets.iter().filter_map(|s| s.subnet) {
            let Some(subnet) = network.subnet(subnet) else {
                continue;
            };
            for route in network.default_routes(subnet) {
                let position = network
                    .routes
                    .iter()
                    .position(|r| std::ptr::eq(r, route))
                    .unwrap_or(usize::MAX);
                let entry = served.entry(position).or_default();
                if !entry.contains(&(subnet.index, group.index)) {
                    entry.push((subnet.index, group.index));
                }
            }
        }
    }
    for (position, subnets) in served {
        let Some(route) = network.routes.get(position) else {
            continue;
        };
        let mut subnet_names: Vec<String> =
            subnets.iter().map(|(s, _)| name(project, *s)).collect();
        subnet_names.sort();
        subnet_names.dedup();
        let mut group_names: Vec<String> = subnets.iter().map(|(_, g)| name(project, *g)).collect();
        group_names.sort();
        group_names.dedup();
        let target = route
            .target_resource
            .map(|t| format!("{} ({})", route.target.describe(), name(project, t)))
            .unwrap_or_else(|| route.target.describe().to_owned());
        // What the route puts at risk: the most critical of the database
        // subnets, their subnet groups and the data stores using them.
        let tier = subnets
            .iter()
            .map(|&(subnet, group)| own_tier(project, subnet).max(group_tier(project, group)))
            .max()
            .flatten();
        report_serving(
            findings,
            project,
            route.resource,
            tier,
            route.resource,
            route.destination_node.or(route.target_node),
            format!(
                "default route {} to {target} serves database subnet{} {} of {}: database subnets must have no default route",
                route.describe_destination(),
                if subnet_names.len() == 1 { "" } else { "s" },
                subnet_names.join(", "),
                group_names.join(", ")
            ),
        );
    }
}

/// The attributes by which a data store names its subnet group.
const SUBNET_GROUP_KEYS: &[&str] = &[
    "db_subnet_group_name",
    "subnet_group_name",
    "cluster_subnet_group_name",
    "neptune_subnet_group_name",
    "DBSubnetGroupName",
    "CacheSubnetGroupName",
    "ClusterSubnetGroupName",
];

/// The tier of a subnet group: the most critical of its own and those of the
/// data stores that use it, by reference or by the group's name (Terraform
/// resolves `aws_db_subnet_group.x.name` to the name written there).
fn group_tier(project: &Project, group: usize) -> Option<Tier> {
    let resource = project.resources.get(group)?;
    let group_name = ["name", "DBSubnetGroupName", "CacheSubnetGroupName"]
        .iter()
        .find_map(|key| resource.get(key))
        .and_then(Node::as_str);
    let names_group = |store: usize, node: &Node| {
        let scope = project.scope_of(store);
        project
            .link_targets(scope, node)
            .iter()
            .any(|(t, _)| *t == group)
            || (group_name.is_some() && node.as_str() == group_name)
    };
    project
        .resources
        .iter()
        .enumerate()
        .filter(|(store, r)| {
            r.kind == BlockKind::Resource
                && *store != group
                && SUBNET_GROUP_KEYS
                    .iter()
                    .any(|key| r.get(key).is_some_and(|n| names_group(*store, n)))
        })
        .map(|(store, _)| own_tier(project, store))
        .chain([own_tier(project, group)])
        .max()
        .flatten()
}
