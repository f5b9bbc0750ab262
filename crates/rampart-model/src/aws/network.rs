//! Subnets, route tables and where their default routes lead (S-SUB,
//! G-NET-01, G-NET-07), the same for Terraform, plans and CloudFormation.
//!
//! A subnet's route table is the one an association names
//! (`aws_route_table_association`, `AWS::EC2::SubnetRouteTableAssociation`),
//! or else its VPC's main route table: the table an
//! `aws_main_route_table_association` names, or the VPC's default route table
//! (which `aws_default_route_table` manages, and which otherwise holds only
//! the `local` route). A table's routes are its inline `route` blocks and the
//! `aws_route` / `AWS::EC2::Route` resources that name it.
//!
//! Egress is followed to the NAT gateways that carry it
//! ([`Network::nat_egress`]): a subnet's default routes to a NAT gateway, and
//! its default routes to a Network Firewall endpoint, continued through the
//! firewall's own subnets (`subnet_mapping`, `SubnetMappings`) and their
//! default routes.
//!
//! What cannot be known stays unknown: a subnet whose association names a
//! table not declared here, whose VPC is not declared, or whose table's routes
//! are known only after apply has an [`Exposure::Unknown`], and rules say
//! nothing about it.

use std::collections::{HashMap, HashSet};

use ipnet::IpNet;
use rampart_config::Tier;
use rampart_iac::{BlockKind, Language, Node, Resource, Value};

use crate::Project;

pub const VPC_TYPES: &[&str] = &["aws_vpc", "AWS::EC2::VPC"];
pub const SUBNET_TYPES: &[&str] = &["aws_subnet", "AWS::EC2::Subnet"];
const ROUTE_TABLE_TYPES: &[&str] = &["aws_route_table", "AWS::EC2::RouteTable"];
const ROUTE_TYPES: &[&str] = &["aws_route", "AWS::EC2::Route"];
const ASSOCIATION_TYPES: &[&str] = &[
    "aws_route_table_association",
    "AWS::EC2::SubnetRouteTableAssociation",
];
const NAT_GATEWAY_TYPES: &[&str] = &["aws_nat_gateway", "AWS::EC2::NatGateway"];
const FIREWALL_TYPES: &[&str] = &[
    "aws_networkfirewall_firewall",
    "AWS::NetworkFirewall::Firewall",
];

/// Resource types of subnet groups for data stores, with the attribute that
/// lists their subnets (Terraform, CloudFormation).
const SUBNET_GROUPS: &[(&str, &str)] = &[
    ("aws_db_subnet_group", "subnet_ids"),
    ("aws_docdb_subnet_group", "subnet_ids"),
    ("aws_neptune_subnet_group", "subnet_ids"),
    ("aws_elasticache_subnet_group", "subnet_ids"),
    ("aws_redshift_subnet_group", "subnet_ids"),
    ("AWS::RDS::DBSubnetGroup", "SubnetIds"),
    ("AWS::DocDB::DBSubnetGroup", "SubnetIds"),
    ("AWS::Neptune::DBSubnetGroup", "SubnetIds"),
    ("AWS::ElastiCache::SubnetGroup", "SubnetIds"),
    ("AWS::Redshift::ClusterSubnetGroup", "SubnetIds"),
];

/// The resources a value refers to (a reference, a list of them, a splat),
/// with the attribute each reads, resolved in the scope of resource `from`.
pub(crate) fn linked<'n>(project: &Project, from: usize, node: &'n Node) -> Vec<(usize, &'n str)> {
    let scope = project.scope_of(from);
    project.link_targets(scope, node)
}

pub(crate) fn type_of(project: &Project, index: usize) -> &str {
    project
        .resources
        .get(index)
        .map_or("", |r| r.resource_type.as_str())
}

/// The types [`Network::collect_placements`] places in subnets.
const PLACEMENT_TYPES: &[&str] = &[
    "aws_eks_node_group",
    "AWS::EKS::Nodegroup",
    "aws_instance",
    "AWS::EC2::Instance",
    "aws_autoscaling_group",
    "AWS::AutoScaling::AutoScalingGroup",
    "aws_lb",
    "aws_alb",
    "aws_elb",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancing::LoadBalancer",
    "aws_nat_gateway",
    "AWS::EC2::NatGateway",
];

/// A managed resource whose body is known (a CloudFormation resource whose
/// whole `Properties` hang on an unknown condition is not).
pub(crate) fn is_managed(resource: &Resource) -> bool {
    resource.kind == BlockKind::Resource && !resource.attributes.is_unknown()
}

/// Managed resources of `types` whose body is unknown: they may be anything.
fn unknown_bodies<'p>(project: &'p Project, types: &[&str]) -> impl Iterator<Item = usize> + 'p {
    (project.resources_of_types(types).into_iter()).filter(move |&i| {
        let r = &project.resources[i];
        r.kind == BlockKind::Resource && r.attributes.is_unknown()
    })
}

/// Managed resources of `types`, by index, in order, with the resource:
/// [`super::logging::managed`], which looks them up in the index of resources
/// by type (a pass over every resource reads each one's memory, and the
/// network's model made twelve, docs/benchmarks-history.md, thirteenth round).
pub(crate) fn managed<'p>(
    project: &'p Project,
    types: &[&str],
) -> impl Iterator<Item = (usize, &'p Resource)> + 'p {
    (super::logging::managed(project, types).into_iter()).map(|i| (i, &*project.resources[i]))
}

/// The items of a list value, or the value itself (a single reference or a
/// splat, which stands for a whole list).
pub(crate) fn items_or_self(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::List(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        _ => vec![node],
    }
}

/// Every node at `path` (map keys), going through lists of nested blocks.
pub(crate) fn walk<'a>(node: &'a Node, path: &[&str], out: &mut Vec<&'a Node>) {
    let Some((first, rest)) = path.split_first() else {
        out.push(node);
        return;
    };
    match &node.value {
        Value::Map(_) => {
            if let Some(next) = node.get(first) {
                walk(next, rest, out);
            }
        }
        Value::List(items) => {
            for item in items {
                if matches!(item.value, Value::Map(_)) {
                    walk(item, path, out);
                }
            }
        }
        _ => {}
    }
}

/// A CIDR written as a string (`"10.0.0.0/16"`); anything else is `None`.
pub fn parse_cidr(node: &Node) -> Option<IpNet> {
    node.as_str().and_then(|s| s.trim().parse::<IpNet>().ok())
}

/// A route table: one declared as a resource, or a VPC's default route
/// table (the original main table AWS creates with the VPC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableId {
    Declared(usize),
    VpcDefault(usize),
}

/// What a route's destination is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Cidr(IpNet),
    PrefixList,
    Unknown,
}

/// Where a route sends traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    InternetGateway,
    /// IPv6 outbound only: nothing comes in through it.
    EgressOnlyInternetGateway,
    NatGateway,
    /// A Network Firewall or Gateway Load Balancer endpoint, or another VPC
    /// endpoint.
    Endpoint,
    TransitGateway,
    Peering,
    VpnGateway,
    NetworkInterface,
    Local,
    Other,
    Unknown,
}

impl RouteTarget {
    pub fn describe(self) -> &'static str {
        match self {
            Self::InternetGateway => "an internet gateway",
            Self::EgressOnlyInternetGateway => "an egress-only internet gateway",
            Self::NatGateway => "a NAT gateway",
            Self::Endpoint => "a firewall or VPC endpoint",
            Self::TransitGateway => "a transit gateway",
            Self::Peering => "a VPC peering connection",
            Self::VpnGateway => "a VPN gateway",
            Self::NetworkInterface => "a network interface",
            Self::Local => "the VPC (local)",
            Self::Other => "another gateway",
            Self::Unknown => "a target known after apply",
        }
    }
}

/// One route of a route table.
#[derive(Clone, Debug)]
pub struct Route<'p> {
    /// The resource the route is written in (the route table for inline
    /// routes, the `aws_route` / `AWS::EC2::Route`).
    pub resource: usize,
    /// The table it belongs to (`None`: a table not declared here).
    pub table: Option<TableId>,
    pub destination: Destination,
    pub destination_node: Option<&'p Node>,
    pub target: RouteTarget,
    /// The gateway resource, when the reference could be followed.
    pub target_resource: Option<usize>,
    pub target_node: Option<&'p Node>,
}

impl Route<'_> {
    /// `0.0.0.0/0` or `::/0`.
    pub fn is_default(&self) -> bool {
        matches!(self.destination, Destination::Cidr(net) if net.prefix_len() == 0)
    }

    /// The destination as written, for messages.
    pub fn describe_destination(&self) -> String {
        match self.destination {
            Destination::Cidr(net) => net.to_string(),
            Destination::PrefixList => "a prefix list".to_owned(),
            Destination::Unknown => "an unknown destination".to_owned(),
        }
    }
}

/// How a subnet got its route table.
#[derive(Clone, Copy, Debug)]
pub enum Association<'p> {
    /// An association resource; `node` is its `route_table_id` / `RouteTableId`.
    Explicit { resource: usize, node: &'p Node },
    /// No association: the VPC's main route table.
    Main,
}

/// A subnet and what is known about its routing.
#[derive(Clone, Debug)]
pub struct Subnet<'p> {
    pub index: usize,
    pub vpc: Option<usize>,
    pub tier: Option<Tier>,
    pub cidr: Option<IpNet>,
    pub availability_zone: Option<&'p Node>,
    /// `map_public_ip_on_launch` / `MapPublicIpOnLaunch` as written.
    pub map_public_ip_on_launch: Option<&'p Node>,
    pub association: Association<'p>,
    /// The route table, when it is known.
    pub table: Option<TableId>,
}

/// Whether a subnet is reachable from the internet through its routes.
#[derive(Clone, Copy, Debug)]
pub enum Exposure<'r, 'p> {
    /// A default route (`0.0.0.0/0` or `::/0`) goes to an internet gateway.
    Public(&'r Route<'p>),
    /// Every route is known and none goes to an internet gateway.
    Private,
    /// Something needed is known only after apply, or not declared here.
    Unknown,
}

/// A subnet named by a value: the node where it was written and the subnet
/// it names (`None`: a subnet not declared here, or not known).
#[derive(Clone, Copy, Debug)]
pub struct SubnetRef<'p> {
    pub node: &'p Node,
    pub subnet: Option<usize>,
}

/// A subnet group of a data store (`aws_db_subnet_group`, …).
#[derive(Clone, Debug)]
pub struct SubnetGroup<'p> {
    pub index: usize,
    pub subnets: Vec<SubnetRef<'p>>,
}

/// What is placed in a subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlacementKind {
    NodeGroup,
    Instance,
    AutoScalingGroup,
    /// A load balancer; `internal` is `None` when the scheme is not known.
    LoadBalancer {
        internal: Option<bool>,
    },
    /// A public NAT gateway (private ones are not placements).
    NatGateway,
    /// A data store's subnet group.
    SubnetGroup,
}

/// A resource placed in a subnet.
#[derive(Clone, Copy, Debug)]
pub struct Placement<'p> {
    pub resource: usize,
    pub kind: PlacementKind,
    pub subnet: SubnetRef<'p>,
}

/// A NAT gateway, as a route names it: a declared resource, or an id written
/// as text (`nat-0123456789abcdef0`, from a variable or a parameter), which
/// names the same gateway wherever it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NatId<'p> {
    Declared(usize),
    Id(&'p str),
}

/// A way a subnet's egress reaches a NAT gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NatEgress<'p> {
    pub nat: NatId<'p>,
    /// The default route that sends the traffic to the NAT gateway (an index
    /// into [`Network::routes`]): the subnet's own, or that of the subnet of
    /// a firewall it routes through.
    pub route: usize,
    /// The Network Firewall the traffic passes on its way, if any.
    pub firewall: Option<usize>,
}

/// How many firewalls in a row egress is followed through.
const MAX_FIREWALL_HOPS: usize = 2;

/// An association resource, its `route_table_id` and the table it names.
type ExplicitAssociation<'p> = (usize, &'p Node, Option<TableId>);

#[derive(Debug, Default)]
struct TableRoutes {
    routes: Vec<usize>,
    /// False when some of its routes are known only after apply.
    complete: bool,
}

/// The network of a project: subnets, route tables, routes and what is
/// placed where.
#[derive(Debug)]
pub struct Network<'p> {
    project: &'p Project,
    pub subnets: Vec<Subnet<'p>>,
    by_index: HashMap<usize, usize>,
    pub routes: Vec<Route<'p>>,
    tables: HashMap<TableId, TableRoutes>,
    /// Scopes with a route whose body is unknown: it may belong to any table.
    uncertain_scopes: HashSet<&'p str>,
    pub subnet_groups: Vec<SubnetGroup<'p>>,
    pub placements: Vec<Placement<'p>>,
    /// Network Firewall → its own subnets (declared ones).
    firewall_subnets: HashMap<usize, Vec<usize>>,
}

impl<'p> Network<'p> {
    pub fn build(project: &'p Project) -> Self {
        let mut network = Network {
            project,
            subnets: Vec::new(),
            by_index: HashMap::new(),
            routes: Vec::new(),
            tables: HashMap::new(),
            uncertain_scopes: HashSet::new(),
            subnet_groups: Vec::new(),
            placements: Vec::new(),
            firewall_subnets: HashMap::new(),
        };
        network.collect_tables();
        network.collect_subnets();
        network.collect_subnet_groups();
        network.collect_placements();
        network.collect_firewall_subnets();
        network
    }

    /// The subnet declared by resource `index`.
    pub fn subnet(&self, index: usize) -> Option<&Subnet<'p>> {
        self.by_index.get(&index).map(|&i| &self.subnets[i])
    }

    /// The routes of a subnet's route table, and whether they are all known.
    pub fn routes_of(&self, subnet: &Subnet<'p>) -> Option<(Vec<&Route<'p>>, bool)> {
        let table = subnet.table?;
        Some(self.table_routes(table))
    }

    /// The routes of a route table, and whether they are all known.
    pub fn table_routes(&self, table: TableId) -> (Vec<&Route<'p>>, bool) {
        let (TableId::Declared(i) | TableId::VpcDefault(i)) = table;
        let scope = self.project.scope_of(i);
        let certain = !self.uncertain_scopes.contains(scope);
        match self.tables.get(&table) {
            Some(t) => (
                t.routes.iter().map(|&i| &self.routes[i]).collect(),
                t.complete && certain,
            ),
            // A VPC's untouched default table: the local route only.
            None => (Vec::new(), certain),
        }
    }

    /// The NAT gateways a subnet's egress reaches: its default routes
    /// (`0.0.0.0/0`, `::/0`) that name a NAT gateway, and those of the subnets
    /// of a Network Firewall its default routes send traffic to (the
    /// firewall's own subnets, `subnet_mapping` / `SubnetMappings`). A route
    /// whose target cannot be told (a reference rampart cannot follow, a
    /// third-party appliance) leads nowhere here: the list holds what is
    /// known, not everything.
    pub fn nat_egress(&self, subnet: &Subnet<'p>) -> Vec<NatEgress<'p>> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([subnet.index]);
        self.follow_egress(subnet, None, 0, &mut seen, &mut out);
        out
    }

    fn follow_egress(
        &self,
        subnet: &Subnet<'p>,
        firewall: Option<usize>,
        hops: usize,
        seen: &mut HashSet<usize>,
        out: &mut Vec<NatEgress<'p>>,
    ) {
        let Some(table) = subnet.table.and_then(|t| self.tables.get(&t)) else {
            return;
        };
        for &position in &table.routes {
            let Some(route) = self.routes.get(position).filter(|r| r.is_default()) else {
                continue;
            };
            match (route.target, route.target_resource) {
                (RouteTarget::NatGateway, Some(nat))
                    if NAT_GATEWAY_TYPES.contains(&type_of(self.project, nat)) =>
                {
                    out.push(NatEgress {
                        nat: NatId::Declared(nat),
                        route: position,
                        firewall,
                    });
                }
                (RouteTarget::NatGateway, None) => {
                    let id = route
                        .target_node
                        .and_then(Node::as_str)
                        .map(str::trim)
                        .filter(|id| id.starts_with("nat-"));
                    if let Some(id) = id {
                        out.push(NatEgress {
                            nat: NatId::Id(id),
                            route: position,
                            firewall,
                        });
                    }
                }
                (RouteTarget::Endpoint, Some(through))
                    if hops < MAX_FIREWALL_HOPS
                        && FIREWALL_TYPES.contains(&type_of(self.project, through)) =>
                {
                    let subnets = self
                        .firewall_subnets
                        .get(&through)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    for &next in subnets {
                        if !seen.insert(next) {
                            continue;
                        }
                        if let Some(next) = self.subnet(next) {
                            self.follow_egress(next, Some(through), hops + 1, seen, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The declared subnets of Network Firewall `firewall`.
    pub fn firewall_subnets(&self, firewall: usize) -> &[usize] {
        self.firewall_subnets
            .get(&firewall)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The known default routes (`0.0.0.0/0`, `::/0`) of a subnet.
    pub fn default_routes(&self, subnet: &Subnet<'p>) -> Vec<&Route<'p>> {
        self.routes_of(subnet)
            .map(|(routes, _)| routes.into_iter().filter(|r| r.is_default()).collect())
            .unwrap_or_default()
    }

    /// Where a subnet's default routes lead (an empty list: nowhere), when
    /// every route of its table is known; `None` otherwise.
    pub fn default_targets(&self, subnet: &Subnet<'p>) -> Option<Vec<RouteTarget>> {
        let (routes, complete) = self.routes_of(subnet)?;
        if !complete || routes.iter().any(|r| r.destination == Destination::Unknown) {
            return None;
        }
        Some(
            routes
                .iter()
                .filter(|r| r.is_default())
                .map(|r| r.target)
                .collect(),
        )
    }

    /// Whether a subnet is public (a default route to an internet gateway),
    /// private (no route to an internet gateway at all), or unknown.
    pub fn exposure(&self, subnet: &Subnet<'p>) -> Exposure<'_, 'p> {
        let Some((routes, complete)) = self.routes_of(subnet) else {
            return Exposure::Unknown;
        };
        if let Some(route) = routes
            .iter()
            .find(|r| r.is_default() && r.target == RouteTarget::InternetGateway)
        {
            return Exposure::Public(route);
        }
        let uncertain = routes.iter().any(|r| {
            matches!(
                r.target,
                RouteTarget::InternetGateway | RouteTarget::Unknown
            )
        });
        if complete && !uncertain {
            Exposure::Private
        } else {
            Exposure::Unknown
        }
    }

    /// The subnets a value names (`subnet_ids`, `subnet_id`, `SubnetId`),
    /// written in resource `from`.
    pub fn subnet_refs(&self, from: usize, node: &'p Node) -> Vec<SubnetRef<'p>> {
        let mut out = Vec::new();
        for item in items_or_self(node) {
            let targets: Vec<usize> = linked(self.project, from, item)
                .into_iter()
                .filter(|(i, attribute)| {
                    self.by_index.contains_key(i) && matches!(*attribute, "id" | "" | "SubnetId")
                })
                .map(|(i, _)| i)
                .collect();
            if targets.is_empty() {
                out.push(SubnetRef {
                    node: item,
                    subnet: None,
                });
            }
            for subnet in targets {
                out.push(SubnetRef {
                    node: item,
                    subnet: Some(subnet),
                });
            }
        }
        out
    }

    /// The resources placed in subnet `index`.
    pub fn placed_in(&self, index: usize) -> impl Iterator<Item = &Placement<'p>> {
        self.placements
            .iter()
            .filter(move |p| p.subnet.subnet == Some(index))
    }

    /// The VPC a value names (`vpc_id`, `VpcId`).
    fn vpc_of(&self, from: usize, node: Option<&Node>) -> Option<usize> {
        let node = node?;
        let vpcs: Vec<usize> = linked(self.project, from, node)
            .into_iter()
            .filter(|(i, attribute)| {
                VPC_TYPES.contains(&type_of(self.project, *i)) && matches!(*attribute, "id" | "")
            })
            .map(|(i, _)| i)
            .collect();
        match vpcs.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The route table a value names (`route_table_id`, `RouteTableId`).
    fn table_of(&self, from: usize, node: &Node) -> Option<TableId> {
        let found: Vec<TableId> = linked(self.project, from, node)
            .into_iter()
            .filter_map(|(i, attribute)| {
                let resource = &self.project.resources[i];
                match resource.resource_type.as_str() {
                    "aws_route_table" | "AWS::EC2::RouteTable" => Some(TableId::Declared(i)),
                    "aws_default_route_table" => Some(self.default_table_identity(i)),
                    "aws_vpc"
                        if matches!(
                            attribute,
                            "default_route_table_id" | "main_route_table_id"
                        ) =>
                    {
                        Some(TableId::VpcDefault(i))
                    }
                    _ => None,
                }
            })
            .collect();
        match found.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// An `aws_default_route_table` is its VPC's default table.
    fn default_table_identity(&self, index: usize) -> TableId {
        let resource = &self.project.resources[index];
        let vpc = resource
            .get("default_route_table_id")
            .map(|node| linked(self.project, index, node))
            .unwrap_or_default()
            .into_iter()
            .find(|(i, attribute)| {
                type_of(self.project, *i) == "aws_vpc"
                    && matches!(*attribute, "default_route_table_id" | "main_route_table_id")
            })
            .map(|(i, _)| i);
        match vpc {
            Some(vpc) => TableId::VpcDefault(vpc),
            None => TableId::Declared(index),
        }
    }

    fn collect_tables(&mut self) {
        let project = self.project;
        // Inline routes.
        for (index, resource) in managed(project, &["aws_route_table", "aws_default_route_table"]) {
            let table = if resource.resource_type == "aws_default_route_table" {
                self.default_table_identity(index)
            } else {
                TableId::Declared(index)
            };
            let entry = self.tables.entry(table).or_insert(TableRoutes {
                routes: Vec::new(),
                complete: true,
            });
            match resource.get("route") {
                Some(routes) if routes.is_unknown() => entry.complete = false,
                Some(routes) => {
                    for block in routes.blocks() {
                        let route = read_route(project, index, Some(table), block, false);
                        entry.routes.push(self.routes.len());
                        self.routes.push(route);
                    }
                    if routes.items().iter().any(Node::is_unknown) {
                        entry.complete = false;
                    }
                }
                None => {}
            }
        }
        // Declared tables with no inline routes still exist.
        for (index, _) in managed(project, ROUTE_TABLE_TYPES) {
            self.tables
                .entry(TableId::Declared(index))
                .or_insert(TableRoutes {
                    routes: Vec::new(),
                    complete: true,
                });
        }
        for index in unknown_bodies(
            project,
            &[
                "aws_route_table",
                "aws_default_route_table",
                "AWS::EC2::RouteTable",
            ],
        ) {
            self.tables.insert(
                TableId::Declared(index),
                TableRoutes {
                    routes: Vec::new(),
                    complete: false,
                },
            );
        }
        for index in unknown_bodies(project, ROUTE_TYPES) {
            self.uncertain_scopes.insert(project.scope_of(index));
        }
        // Route resources.
        for (index, resource) in managed(project, ROUTE_TYPES) {
            let table = resource
                .attr("route_table_id", "RouteTableId")
                .and_then(|node| self.table_of(index, node));
            let route = read_route(project, index, table, &resource.attributes, true);
            let position = self.routes.len();
            self.routes.push(route);
            if let Some(table) = table {
                let entry = self.tables.entry(table).or_insert(TableRoutes {
                    routes: Vec::new(),
                    complete: true,
                });
                entry.routes.push(position);
            }
        }
    }

    fn collect_subnets(&mut self) {
        let project = self.project;
        // Explicit associations, by subnet.
        let mut associations: HashMap<usize, Vec<ExplicitAssociation<'p>>> = HashMap::new();
        for (index, resource) in managed(project, ASSOCIATION_TYPES) {
            let Some(subnet) = resource.attr("subnet_id", "SubnetId") else {
                // A gateway association (edge route table).
                continue;
            };
            let subnets: Vec<usize> = linked(project, index, subnet)
                .into_iter()
                .filter(|(i, _)| SUBNET_TYPES.contains(&type_of(project, *i)))
                .map(|(i, _)| i)
                .collect();
            let Some(table_node) = resource.attr("route_table_id", "RouteTableId") else {
                continue;
            };
            let table = self.table_of(index, table_node);
            for subnet in subnets {
                associations
                    .entry(subnet)
                    .or_default()
                    .push((index, table_node, table));
            }
        }
        // An association whose body is unknown may name any subnet of its scope.
        let uncertain: HashSet<&str> = unknown_bodies(project, ASSOCIATION_TYPES)
            .map(|i| project.scope_of(i))
            .collect();
        // Main route tables, by VPC.
        let mut main: HashMap<usize, Vec<Option<TableId>>> = HashMap::new();
        for (index, resource) in managed(project, &["aws_main_route_table_association"]) {
            let Some(vpc) = self.vpc_of(index, resource.get("vpc_id")) else {
                continue;
            };
            let table = resource
                .get("route_table_id")
                .and_then(|node| self.table_of(index, node));
            main.entry(vpc).or_default().push(table);
        }
        for (index, resource) in managed(project, SUBNET_TYPES) {
            let vpc = self.vpc_of(index, resource.attr("vpc_id", "VpcId"));
            let (association, table) = match associations.get(&index).map(Vec::as_slice) {
                Some([(association, node, table)]) => (
                    Association::Explicit {
                        resource: *association,
                        node,
                    },
                    *table,
                ),
                Some([(association, node, _), ..]) => (
                    Association::Explicit {
                        resource: *association,
                        node,
                    },
                    None,
                ),
                _ if uncertain.contains(project.scope_of(index)) => (Association::Main, None),
                _ => (
                    Association::Main,
                    vpc.and_then(|vpc| match main.get(&vpc).map(Vec::as_slice) {
                        Some([table]) => *table,
                        Some(_) => None,
                        None => Some(TableId::VpcDefault(vpc)),
                    }),
                ),
            };
            let cidr = resource
                .attr("cidr_block", "CidrBlock")
                .and_then(parse_cidr);
            self.by_index.insert(index, self.subnets.len());
            self.subnets.push(Subnet {
                index,
                vpc,
                tier: project.resource_tiers.get(index).copied().flatten(),
                cidr,
                availability_zone: resource.attr("availability_zone", "AvailabilityZone"),
                map_public_ip_on_launch: resource
                    .attr("map_public_ip_on_launch", "MapPublicIpOnLaunch"),
                association,
                table,
            });
        }
    }

    fn collect_subnet_groups(&mut self) {
        let project = self.project;
        let types: Vec<&str> = SUBNET_GROUPS.iter().map(|(t, _)| *t).collect();
        for (index, resource) in managed(project, &types) {
            let Some((_, key)) = SUBNET_GROUPS
                .iter()
                .find(|(t, _)| *t == resource.resource_type)
            else {
                continue;
            };
            let subnets = resource
                .get(key)
                .map(|node| self.subnet_refs(index, node))
                .unwrap_or_default();
            self.subnet_groups.push(SubnetGroup { index, subnets });
        }
    }

    fn collect_firewall_subnets(&mut self) {
        let project = self.project;
        for (index, resource) in managed(project, FIREWALL_TYPES) {
            let mut nodes = Vec::new();
            walk(
                &resource.attributes,
                &["subnet_mapping", "subnet_id"],
                &mut nodes,
            );
            walk(
                &resource.attributes,
                &["SubnetMappings", "SubnetId"],
                &mut nodes,
            );
            let subnets: Vec<usize> = nodes
                .into_iter()
                .flat_map(|node| self.subnet_refs(index, node))
                .filter_map(|r| r.subnet)
                .collect();
            self.firewall_subnets.insert(index, subnets);
        }
    }

    fn collect_placements(&mut self) {
        let project = self.project;
        let mut placements = Vec::new();
        // Only `PLACEMENT_TYPES` are visited: a type placed below must be
        // listed there too.
        for (index, resource) in managed(project, PLACEMENT_TYPES) {
            let (kind, paths): (PlacementKind, &[&[&str]]) = match resource.resource_type.as_str() {
                "aws_eks_node_group" => (PlacementKind::NodeGroup, &[&["subnet_ids"]]),
                "AWS::EKS::Nodegroup" => (PlacementKind::NodeGroup, &[&["Subnets"]]),
                "aws_instance" => (PlacementKind::Instance, &[&["subnet_id"]]),
                "AWS::EC2::Instance" => (
                    PlacementKind::Instance,
                    &[&["SubnetId"], &["NetworkInterfaces", "SubnetId"]],
                ),
                "aws_autoscaling_group" => {
                    (PlacementKind::AutoScalingGroup, &[&["vpc_zone_identifier"]])
                }
                "AWS::AutoScaling::AutoScalingGroup" => {
                    (PlacementKind::AutoScalingGroup, &[&["VPCZoneIdentifier"]])
                }
                // A Gateway Load Balancer has no scheme: it is neither.
                "aws_lb" | "AWS::ElasticLoadBalancingV2::LoadBalancer"
                    if resource
                        .attr("load_balancer_type", "Type")
                        .and_then(Node::as_str)
                        == Some("gateway") =>
                {
                    (
                        PlacementKind::LoadBalancer { internal: None },
                        &[
                            &["subnets"],
                            &["subnet_mapping", "subnet_id"],
                            &["Subnets"],
                            &["SubnetMappings", "SubnetId"],
                        ],
                    )
                }
                "aws_lb" | "aws_alb" | "aws_elb" => (
                    PlacementKind::LoadBalancer {
                        internal: internal_flag(resource.get("internal")),
                    },
                    &[&["subnets"], &["subnet_mapping", "subnet_id"]],
                ),
                "AWS::ElasticLoadBalancingV2::LoadBalancer"
                | "AWS::ElasticLoadBalancing::LoadBalancer" => (
                    PlacementKind::LoadBalancer {
                        internal: scheme_internal(resource.get("Scheme")),
                    },
                    &[&["Subnets"], &["SubnetMappings", "SubnetId"]],
                ),
                // A private NAT gateway (`connectivity_type = "private"`)
                // is no public entry point.
                "aws_nat_gateway" | "AWS::EC2::NatGateway"
                    if resource
                        .attr("connectivity_type", "ConnectivityType")
                        .and_then(Node::as_str)
                        == Some("private") =>
                {
                    continue;
                }
                "aws_nat_gateway" => (PlacementKind::NatGateway, &[&["subnet_id"]]),
                "AWS::EC2::NatGateway" => (PlacementKind::NatGateway, &[&["SubnetId"]]),
                _ => continue,
            };
            for path in paths {
                let mut nodes = Vec::new();
                walk(&resource.attributes, path, &mut nodes);
                for node in nodes {
                    for subnet in self.subnet_refs(index, node) {
                        placements.push(Placement {
                            resource: index,
                            kind,
                            subnet,
                        });
                    }
                }
            }
        }
        for group in &self.subnet_groups {
            for subnet in &group.subnets {
                placements.push(Placement {
                    resource: group.index,
                    kind: PlacementKind::SubnetGroup,
                    subnet: *subnet,
                });
            }
        }
        self.placements = placements;
    }
}

/// Terraform's `internal` (default `false`).
fn internal_flag(node: Option<&Node>) -> Option<bool> {
    match node {
        None => Some(false),
        Some(n) if n.is_null() => Some(false),
        Some(n) => n.as_bool(),
    }
}

/// CloudFormation's `Scheme` (default `internet-facing`).
fn scheme_internal(node: Option<&Node>) -> Option<bool> {
    match node {
        None => Some(false),
        Some(n) => match n.as_str() {
            Some("internal") => Some(true),
            Some("internet-facing") => Some(false),
            _ => None,
        },
    }
}

/// Reads one route: an inline `route` block (`standalone` false) or a route
/// resource's attributes.
fn read_route<'p>(
    project: &'p Project,
    index: usize,
    table: Option<TableId>,
    node: &'p Node,
    standalone: bool,
) -> Route<'p> {
    let cloudformation = project
        .resources
        .get(index)
        .is_some_and(|r| r.language == Language::CloudFormation);
    let destination_keys: &[&str] = if cloudformation {
        &[
            "DestinationCidrBlock",
            "DestinationIpv6CidrBlock",
            "DestinationPrefixListId",
        ]
    } else if standalone {
        &[
            "destination_cidr_block",
            "destination_ipv6_cidr_block",
            "destination_prefix_list_id",
        ]
    } else {
        &[
            "cidr_block",
            "ipv6_cidr_block",
            "destination_prefix_list_id",
        ]
    };
    let (destination, destination_node) = destination_keys
        .iter()
        .filter_map(|k| node.get(k).filter(|v| is_set(v)).map(|v| (*k, v)))
        .map(|(key, value)| {
            let destination = if value.is_unknown() {
                Destination::Unknown
            } else if key.contains("refix") {
                Destination::PrefixList
            } else {
                parse_cidr(value).map_or(Destination::Unknown, Destination::Cidr)
            };
            (destination, Some(value))
        })
        .next()
        .unwrap_or((Destination::Unknown, None));
    let target_keys: &[(&str, RouteTarget)] = if cloudformation {
        &[
            ("GatewayId", RouteTarget::Unknown),
            ("NatGatewayId", RouteTarget::NatGateway),
            ("VpcEndpointId", RouteTarget::Endpoint),
            ("TransitGatewayId", RouteTarget::TransitGateway),
            ("VpcPeeringConnectionId", RouteTarget::Peering),
            ("NetworkInterfaceId", RouteTarget::NetworkInterface),
            ("InstanceId", RouteTarget::NetworkInterface),
            (
                "EgressOnlyInternetGatewayId",
                RouteTarget::EgressOnlyInternetGateway,
            ),
            ("CarrierGatewayId", RouteTarget::Other),
            ("LocalGatewayId", RouteTarget::Other),
            ("CoreNetworkArn", RouteTarget::Other),
        ]
    } else {
        &[
            ("gateway_id", RouteTarget::Unknown),
            ("nat_gateway_id", RouteTarget::NatGateway),
            ("vpc_endpoint_id", RouteTarget::Endpoint),
            ("transit_gateway_id", RouteTarget::TransitGateway),
            ("vpc_peering_connection_id", RouteTarget::Peering),
            ("network_interface_id", RouteTarget::NetworkInterface),
            ("instance_id", RouteTarget::NetworkInterface),
            (
                "egress_only_gateway_id",
                RouteTarget::EgressOnlyInternetGateway,
            ),
            ("carrier_gateway_id", RouteTarget::Other),
            ("local_gateway_id", RouteTarget::Other),
            ("core_network_arn", RouteTarget::Other),
        ]
    };
    let mut target = RouteTarget::Unknown;
    let mut target_resource = None;
    let mut target_node = None;
    if let Some((value, by_key)) = target_keys
        .iter()
        .find_map(|(k, t)| node.get(k).filter(|v| is_set(v)).map(|v| (v, *t)))
    {
        target_node = Some(value);
        let linked_target = linked(project, index, value)
            .into_iter()
            .find_map(|(i, _)| gateway_kind(type_of(project, i)).map(|kind| (i, kind)));
        (target, target_resource) = match (linked_target, value.as_str()) {
            (Some((i, kind)), _) => (kind, Some(i)),
            (None, Some(text)) => (literal_target(text).unwrap_or(by_key), None),
            (None, None) => (by_key, None),
        };
    }
    Route {
        resource: index,
        table,
        destination,
        destination_node,
        target,
        target_resource,
        target_node,
    }
}

/// Whether an optional attribute is set: plans write unset strings as `""`.
fn is_set(node: &Node) -> bool {
    match &node.value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn gateway_kind(resource_type: &str) -> Option<RouteTarget> {
    Some(match resource_type {
        "aws_internet_gateway" | "AWS::EC2::InternetGateway" => RouteTarget::InternetGateway,
        "aws_egress_only_internet_gateway" | "AWS::EC2::EgressOnlyInternetGateway" => {
            RouteTarget::EgressOnlyInternetGateway
        }
        "aws_nat_gateway" | "AWS::EC2::NatGateway" => RouteTarget::NatGateway,
        "aws_vpc_endpoint"
        | "AWS::EC2::VPCEndpoint"
        | "aws_networkfirewall_firewall"
        | "AWS::NetworkFirewall::Firewall" => RouteTarget::Endpoint,
        "aws_ec2_transit_gateway" | "AWS::EC2::TransitGateway" => RouteTarget::TransitGateway,
        "aws_vpc_peering_connection" | "AWS::EC2::VPCPeeringConnection" => RouteTarget::Peering,
        "aws_vpn_gateway" | "AWS::EC2::VPNGateway" => RouteTarget::VpnGateway,
        "aws_network_interface"
        | "AWS::EC2::NetworkInterface"
        | "aws_instance"
        | "AWS::EC2::Instance" => RouteTarget::NetworkInterface,
        _ => return None,
    })
}

/// A target written as an id: `igw-…`, `nat-…`, `local`.
fn literal_target(text: &str) -> Option<RouteTarget> {
    let text = text.trim();
    if text == "local" {
        return Some(RouteTarget::Local);
    }
    let prefixes = [
        ("igw-", RouteTarget::InternetGateway),
        ("eigw-", RouteTarget::EgressOnlyInternetGateway),
        ("nat-", RouteTarget::NatGateway),
        ("vpce-", RouteTarget::Endpoint),
        ("tgw-", RouteTarget::TransitGateway),
        ("pcx-", RouteTarget::Peering),
        ("vgw-", RouteTarget::VpnGateway),
        ("eni-", RouteTarget::NetworkInterface),
    ];
    prefixes
        .iter()
        .find(|(p, _)| text.starts_with(p))
        .map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::testing::{index, project};
    use rampart_discover::FileKind;

    const TERRAFORM: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "igw" {
  vpc_id = aws_vpc.main.id
}
resource "aws_nat_gateway" "nat" {
  subnet_id = aws_subnet.public.id
}
resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.101.0/24"
}
resource "aws_subnet" "agents" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.${count.index + 1}.0/24"
  tags       = { classification = "critical" }
}
resource "aws_subnet" "db" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.201.0/24"
}
resource "aws_subnet" "elsewhere" {
  vpc_id     = var.vpc_id
  cidr_block = "10.1.0.0/24"
}
variable "vpc_id" {}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
}
resource "aws_route_table" "agents" {
  vpc_id = aws_vpc.main.id
}
resource "aws_route" "agents_default" {
  route_table_id         = aws_route_table.agents.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.nat.id
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
resource "aws_route_table_association" "agents" {
  count          = 2
  subnet_id      = aws_subnet.agents[count.index].id
  route_table_id = aws_route_table.agents.id
}
resource "aws_db_subnet_group" "db" {
  subnet_ids = [aws_subnet.db.id, aws_subnet.agents[0].id]
}
resource "aws_eks_node_group" "critical" {
  subnet_ids = aws_subnet.agents[*].id
}
"#;

    #[test]
    fn subnets_find_their_routes() {
        let project = project(&[("main.tf", FileKind::Terraform, TERRAFORM)]);
        let network = Network::build(&project);
        let public = network
            .subnet(index(&project, "aws_subnet.public"))
            .unwrap();
        assert!(matches!(network.exposure(public), Exposure::Public(_)));
        let agent = network
            .subnet(index(&project, "aws_subnet.agents[1]"))
            .unwrap();
        assert_eq!(agent.tier, Some(Tier::Critical));
        assert!(matches!(network.exposure(agent), Exposure::Private));
        let defaults = network.default_routes(agent);
        assert_eq!(defaults.len(), 1);
        assert_eq!(defaults[0].target, RouteTarget::NatGateway);
        // No association: the VPC's default table, with the local route only.
        let db = network.subnet(index(&project, "aws_subnet.db")).unwrap();
        assert!(matches!(db.association, Association::Main));
        assert!(matches!(network.exposure(db), Exposure::Private));
        assert!(network.default_routes(db).is_empty());
        assert_eq!(network.default_targets(db), Some(Vec::new()));
        assert_eq!(
            network.default_targets(agent),
            Some(vec![RouteTarget::NatGateway])
        );
        // A VPC not declared here: nothing is known.
        let elsewhere = network
            .subnet(index(&project, "aws_subnet.elsewhere"))
            .unwrap();
        assert!(matches!(network.exposure(elsewhere), Exposure::Unknown));
    }

    #[test]
    fn groups_and_placements_name_subnets() {
        let project = project(&[("main.tf", FileKind::Terraform, TERRAFORM)]);
        let network = Network::build(&project);
        assert_eq!(network.subnet_groups.len(), 1);
        let subnets: Vec<Option<usize>> = network.subnet_groups[0]
            .subnets
            .iter()
            .map(|s| s.subnet)
            .collect();
        assert_eq!(
            subnets,
            vec![
                Some(index(&project, "aws_subnet.db")),
                Some(index(&project, "aws_subnet.agents[0]"))
            ]
        );
        let node_group = index(&project, "aws_eks_node_group.critical");
        let placed: Vec<usize> = network
            .placements
            .iter()
            .filter(|p| p.resource == node_group)
            .filter_map(|p| p.subnet.subnet)
            .collect();
        assert_eq!(placed.len(), 2);
        let public = index(&project, "aws_subnet.public");
        assert!(
            network
                .placed_in(public)
                .any(|p| p.kind == PlacementKind::NatGateway)
        );
    }

    #[test]
    fn main_route_table_and_default_table() {
        let project = project(&[(
            "main.tf",
            FileKind::Terraform,
            r#"
resource "aws_vpc" "a" { cidr_block = "10.0.0.0/16" }
resource "aws_vpc" "b" { cidr_block = "10.1.0.0/16" }
resource "aws_internet_gateway" "a" { vpc_id = aws_vpc.a.id }
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.a.id
  route {
    ipv6_cidr_block = "::/0"
    gateway_id      = aws_internet_gateway.a.id
  }
}
resource "aws_main_route_table_association" "a" {
  vpc_id         = aws_vpc.a.id
  route_table_id = aws_route_table.public.id
}
resource "aws_default_route_table" "b" {
  default_route_table_id = aws_vpc.b.default_route_table_id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = "igw-0123456789"
  }
}
resource "aws_subnet" "a" { vpc_id = aws_vpc.a.id }
resource "aws_subnet" "b" { vpc_id = aws_vpc.b.id }
"#,
        )]);
        let network = Network::build(&project);
        for address in ["aws_subnet.a", "aws_subnet.b"] {
            let subnet = network.subnet(index(&project, address)).unwrap();
            assert!(
                matches!(network.exposure(subnet), Exposure::Public(_)),
                "{address}"
            );
        }
    }

    #[test]
    fn a_route_whose_body_is_unknown_may_be_anywhere() {
        let project = project(&[(
            "template.yaml",
            FileKind::CloudFormation,
            r#"
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Routes:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  Maybe:
    Type: AWS::EC2::Route
    Properties: !If
      - IsProd
      - {RouteTableId: !Ref Routes, DestinationCidrBlock: 0.0.0.0/0, GatewayId: igw-0123456789abcdef0}
      - {RouteTableId: !Ref Routes, DestinationCidrBlock: 10.1.0.0/16, GatewayId: vgw-0123456789abcdef0}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
  Association:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Subnet, RouteTableId: !Ref Routes}
"#,
        )]);
        let network = Network::build(&project);
        let subnet = network.subnet(index(&project, "Subnet")).unwrap();
        assert!(matches!(network.exposure(subnet), Exposure::Unknown));
    }

    #[test]
    fn egress_is_followed_to_nat_gateways_through_firewalls() {
        let project = project(&[(
            "main.tf",
            FileKind::Terraform,
            r#"
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "public" { vpc_id = aws_vpc.main.id }
resource "aws_nat_gateway" "critical" { subnet_id = aws_subnet.public.id }
resource "aws_subnet" "critical" {
  vpc_id = aws_vpc.main.id
  tags   = { classification = "critical" }
}
resource "aws_subnet" "firewall" { vpc_id = aws_vpc.main.id }
resource "aws_subnet" "high" {
  vpc_id = aws_vpc.main.id
  tags   = { classification = "high" }
}
resource "aws_subnet" "standard" {
  vpc_id = aws_vpc.main.id
  tags   = { classification = "standard" }
}
resource "aws_networkfirewall_firewall" "critical" {
  vpc_id = aws_vpc.main.id
  subnet_mapping {
    subnet_id = aws_subnet.firewall.id
  }
}
resource "aws_route_table" "critical" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block      = "0.0.0.0/0"
    vpc_endpoint_id = tolist(aws_networkfirewall_firewall.critical.firewall_status[0].sync_states)[0].attachment[0].endpoint_id
  }
}
resource "aws_route_table" "firewall" {
  vpc_id = aws_vpc.main.id
}
resource "aws_route" "firewall_default" {
  route_table_id         = aws_route_table.firewall.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.critical.id
}
resource "aws_route_table" "high" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "10.1.0.0/16"
    nat_gateway_id = aws_nat_gateway.critical.id
  }
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = var.shared_nat
  }
}
variable "shared_nat" { default = "nat-0123456789abcdef0" }
resource "aws_route_table_association" "critical" {
  subnet_id      = aws_subnet.critical.id
  route_table_id = aws_route_table.critical.id
}
resource "aws_route_table_association" "firewall" {
  subnet_id      = aws_subnet.firewall.id
  route_table_id = aws_route_table.firewall.id
}
resource "aws_route_table_association" "high" {
  subnet_id      = aws_subnet.high.id
  route_table_id = aws_route_table.high.id
}
resource "aws_route_table_association" "standard" {
  subnet_id      = aws_subnet.standard.id
  route_table_id = aws_route_table.high.id
}
"#,
        )]);
        let network = Network::build(&project);
        let nat = index(&project, "aws_nat_gateway.critical");
        let firewall = index(&project, "aws_networkfirewall_firewall.critical");
        assert_eq!(
            network.firewall_subnets(firewall),
            [index(&project, "aws_subnet.firewall")]
        );
        let critical = network
            .subnet(index(&project, "aws_subnet.critical"))
            .unwrap();
        let egress = network.nat_egress(critical);
        assert_eq!(egress.len(), 1);
        assert_eq!(egress[0].nat, NatId::Declared(nat));
        assert_eq!(egress[0].firewall, Some(firewall));
        let route = &network.routes[egress[0].route];
        assert_eq!(
            route.resource,
            index(&project, "aws_route.firewall_default")
        );
        // The firewall subnet's own egress, directly.
        let own = network
            .subnet(index(&project, "aws_subnet.firewall"))
            .unwrap();
        assert_eq!(network.nat_egress(own)[0].firewall, None);
        // Only default routes carry egress; a NAT named by its id is the same
        // gateway wherever the id is written.
        for address in ["aws_subnet.high", "aws_subnet.standard"] {
            let subnet = network.subnet(index(&project, address)).unwrap();
            let egress = network.nat_egress(subnet);
            assert_eq!(egress.len(), 1, "{address}");
            assert_eq!(egress[0].nat, NatId::Id("nat-0123456789abcdef0"));
        }
        // A subnet with no default route.
        let public = network
            .subnet(index(&project, "aws_subnet.public"))
            .unwrap();
        assert!(network.nat_egress(public).is_empty());
    }

    #[test]
    fn cloudformation_egress_reaches_nat_gateways() {
        let project = project(&[(
            "template.yaml",
            FileKind::CloudFormation,
            r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Public:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24}
  Nat:
    Type: AWS::EC2::NatGateway
    Properties: {SubnetId: !Ref Public}
  Agents:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
      Tags: [{Key: classification, Value: critical}]
  Routes:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  Default:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Routes, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat}
  Association:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Agents, RouteTableId: !Ref Routes}
"#,
        )]);
        let network = Network::build(&project);
        let agents = network.subnet(index(&project, "Agents")).unwrap();
        assert_eq!(agents.tier, Some(Tier::Critical));
        let egress = network.nat_egress(agents);
        assert_eq!(egress.len(), 1);
        assert_eq!(egress[0].nat, NatId::Declared(index(&project, "Nat")));
        assert_eq!(
            network.routes[egress[0].route].resource,
            index(&project, "Default")
        );
    }

    #[test]
    fn cloudformation_routes() {
        let project = project(&[(
            "template.yaml",
            FileKind::CloudFormation,
            r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Igw:
    Type: AWS::EC2::InternetGateway
  Public:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  Default:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref Public
      DestinationCidrBlock: 0.0.0.0/0
      GatewayId: !Ref Igw
  Firewalled:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  ToFirewall:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref Firewalled
      DestinationCidrBlock: 0.0.0.0/0
      VpcEndpointId: !Select [0, !GetAtt Firewall.EndpointIds]
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: true}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}
  AssocA:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref SubnetA, RouteTableId: !Ref Public}
  AssocB:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref SubnetB, RouteTableId: !Ref Firewalled}
"#,
        )]);
        let network = Network::build(&project);
        let a = network.subnet(index(&project, "SubnetA")).unwrap();
        assert!(matches!(network.exposure(a), Exposure::Public(_)));
        assert_eq!(a.cidr, "10.0.1.0/24".parse().ok());
        let b = network.subnet(index(&project, "SubnetB")).unwrap();
        assert!(matches!(network.exposure(b), Exposure::Private));
        assert_eq!(network.default_routes(b)[0].target, RouteTarget::Endpoint);
    }
}
