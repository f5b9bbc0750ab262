//! `network.tf` and `firewall.tf`: the VPC, every subnet of the address plan, NAT
//! gateways, route tables, network ACLs, and a Network Firewall per tier and zone
//! whose policy is the tier profile's `network-firewall` level.
//!
//! Traffic paths (S-SUB-01..07, C-01, C-20):
//!
//! - agent subnets: `0.0.0.0/0` and the public subnets → their tier's firewall
//!   endpoint in the same zone;
//! - firewall subnets: `0.0.0.0/0` → the tier's NAT gateway in the zone (a dedicated
//!   one for the critical tier, a shared one for high and standard);
//! - public subnets: `0.0.0.0/0` → the internet gateway, and each agent subnet →
//!   that subnet's firewall endpoint, so replies through the NAT gateways and the
//!   load balancers' traffic pass the same endpoint both ways (symmetric inspection);
//! - database and critical-ingress subnets: no route but the VPC's own.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use rampart_config::{NetworkFirewall, Tier};

use super::Part;
use super::base::format_hcl;
use crate::layout::{Layout, Subnet, SubnetRole, TIER_LABEL, tier_key};
use crate::{Context, Deviation};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "One subnet each for the standard tier, the load balancer and the database, all in us-east-1a; zones and CIDRs written as literals.",
        generated: "Every tier, the load balancers and the database get a subnet in each zone of the inventory (for the seed's plan: standard-agents-private-b 10.0.22.0/24, public-alb-b 10.0.102.0/24, database-private-b 10.0.202.0/24); zones are `var.availability_zones[i]` and CIDRs `cidrsubnet(var.vpc_cidr, …)`, set from the inventory.",
        why: "An application load balancer needs subnets in two zones and an RDS subnet group must cover two: the seed's plan cannot be deployed, and a single-zone tier contradicts its own `Multi_AZ: true`. Environment values are inputs, not code.",
        refs: &[
            "C-03", "C-21", "S-VPC-02", "S-SUB-05", "S-SUB-06", "S-SUB-07",
        ],
    },
    Deviation {
        seed: "Agent subnets are `Internet_Access: false` yet list a NAT gateway (dedicated for critical, shared for high and standard).",
        generated: "Read as no inbound path: no route to the internet gateway and no public IPs (`map_public_ip_on_launch = false` on every subnet, the public ones included); egress leaves through the tier's Network Firewall, then a NAT gateway: one per zone used only by the critical tier, one per zone shared by high and standard. The database subnets, and the subnets of the critical tier's internal load balancer, have no default route at all.",
        why: "A NAT default route is outbound internet access, which the critical tier's own security group needs (HTTPS to 0.0.0.0/0); what the seed rules out is reachability from the internet.",
        refs: &[
            "C-01", "S-SUB-01", "S-SUB-02", "S-SUB-03", "S-SUB-04", "S-SUB-05", "S-SUB-07",
        ],
    },
    Deviation {
        seed: "A Network Firewall configured per agent (`configure_network_firewall(agent_id, …)`); the subnet plan has no firewall subnets or firewall routes.",
        generated: "A Network Firewall per tier and zone in dedicated /28 firewall subnets, each tier with its own policy at its profile's level (critical: strict order, default drop, AWS threat-signature groups; high: strict order, default drop, 5-tuple pass rules; standard: stateless rules with a default drop). Agent subnets route through their zone's endpoint and the public subnets route each agent subnet back through the same endpoint. ALERT and FLOW logs go to KMS-encrypted log groups kept as long as the tier's flow logs.",
        why: "A firewall has one policy and is deployed per VPC and zone, not per agent, and the tiers need different policies. A firewall per zone makes the route to the same-zone endpoint explicit (the provider lists a firewall's endpoints as an unordered set) at no extra cost: Network Firewall is billed per endpoint.",
        refs: &[
            "C-20",
            "S-PROF-NFW-CRIT",
            "S-PROF-NFW-HIGH",
            "S-PROF-NFW-STD",
        ],
    },
    Deviation {
        seed: "NACLs are claimed as implemented (A.13.1.1) but none is specified.",
        generated: "Network ACLs on the database subnets (only the database port from the agent subnets of tiers whose agents use the database, and the replies) and on the public subnets (HTTPS in, ephemeral-port replies); the VPC's default security group is adopted with no rules.",
        why: "A second, stateless layer under the security groups for the two subnet kinds that border the internet and the data; anything launched without a security group lands in a default group that allows nothing.",
        refs: &["S-SG-07", "S-SUB-07", "G-NET-02"],
    },
];

pub(crate) fn render(context: &Context<'_>) -> Part {
    Part {
        files: vec![
            ("network.tf", format_hcl(&network(context))),
            ("firewall.tf", format_hcl(&firewall(context))),
        ],
        variables: Vec::new(),
    }
}

// ----- names shared with the logging module ------------------------------------

/// `critical_agents_a`: the Terraform name of a subnet (and of what is per subnet).
pub(super) fn subnet_name(subnet: &Subnet) -> String {
    format!("{}_{}", subnet.role.key(), subnet.zone_letter)
}

/// `aws_subnet.critical_agents_a`.
pub(super) fn subnet_address(subnet: &Subnet) -> String {
    format!("aws_subnet.{}", subnet_name(subnet))
}

/// The log groups a tier's firewalls log to: `(alert, flow)` resource names.
pub(super) fn firewall_log_groups(tier: Tier) -> (String, String) {
    let key = tier_key(tier);
    (
        format!("{key}_firewall_alert"),
        format!("{key}_firewall_flow"),
    )
}

/// Retention of everything a tier logs about its network: the profile's flow-log
/// retention, never below the policy's 90 days (C-11).
pub(super) fn retention_days(context: &Context<'_>, tier: Tier) -> u32 {
    context
        .config
        .tiers
        .profile(tier)
        .flow_logs_retention_days
        .effective()
}

/// A quoted name under `local.name`: `"${local.name}-critical-agents"`.
pub(super) fn local_name(suffix: &str) -> String {
    format!("\"${{local.name}}-{suffix}\"")
}

/// A `tags` block: `Name`, and the tier where there is one (S-INV-01).
pub(super) fn tags(indent: usize, name: &str, tier: Option<Tier>) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}tags = {{\n{pad}  Name = {name}\n");
    if let Some(tier) = tier {
        let _ = writeln!(out, "{pad}  {TIER_LABEL} = \"{tier}\"");
    }
    let _ = writeln!(out, "{pad}}}");
    out
}

// ----- the address plan as Terraform ------------------------------------------------

/// The subnet's CIDR as an expression of `var.vpc_cidr` that evaluates to the plan's.
fn cidr_expression(layout: &Layout, subnet: &Subnet) -> String {
    let newbits = subnet
        .cidr
        .prefix_len()
        .saturating_sub(layout.vpc_cidr.prefix_len());
    let offset =
        u32::from(subnet.cidr.network()).wrapping_sub(u32::from(layout.vpc_cidr.network()));
    let netnum = offset
        .checked_shr(32 - u32::from(subnet.cidr.prefix_len()))
        .unwrap_or(0);
    format!("cidrsubnet(var.vpc_cidr, {newbits}, {netnum})")
}

/// Which NAT gateway a tier's egress leaves through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nat {
    /// Used by the critical tier only ("dedicated-high-performance", S-SUB-01/02).
    Dedicated,
    /// Shared by the high and standard tiers (S-SUB-03..05); never the critical one.
    Shared,
}

impl Nat {
    fn of(tier: Tier) -> Self {
        match tier {
            Tier::Critical => Self::Dedicated,
            Tier::High | Tier::Standard => Self::Shared,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Dedicated => "critical",
            Self::Shared => "shared",
        }
    }
}

/// Where a route sends traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// The endpoint of a tier's Network Firewall in a zone.
    Firewall(Tier, char),
    Nat(Nat, char),
    InternetGateway,
}

/// One route: to `0.0.0.0/0` (`None`) or to a subnet of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Route<'a> {
    destination: Option<&'a Subnet>,
    target: Target,
}

#[derive(Clone, Debug)]
struct RouteTable<'a> {
    /// Terraform name: `critical_agents_a`, `public`, `database`.
    name: String,
    /// The suffix of its `Name` tag.
    label: String,
    tier: Option<Tier>,
    subnets: Vec<&'a Subnet>,
    routes: Vec<Route<'a>>,
    why: &'static str,
}

/// The route tables of the plan, in the order they are written.
fn route_tables(layout: &Layout) -> Vec<RouteTable<'_>> {
    let public: Vec<&Subnet> = layout.subnets(SubnetRole::Public).collect();
    let mut tables = Vec::new();
    for tier in Tier::ALL {
        for subnet in layout.subnets(SubnetRole::Agents(tier)) {
            let endpoint = Target::Firewall(tier, subnet.zone_letter);
            let mut routes = vec![Route {
                destination: None,
                target: endpoint,
            }];
            routes.extend(public.iter().map(|p| Route {
                destination: Some(*p),
                target: endpoint,
            }));
            tables.push(RouteTable {
                name: subnet_name(subnet),
                label: subnet.name.clone(),
                tier: Some(tier),
                subnets: vec![subnet],
                routes,
                why: "Egress, and traffic to the load-balancer subnets, through the tier's firewall endpoint in the same zone: no route to the internet gateway (S-SUB-01..05, C-01).",
            });
        }
    }
    for tier in Tier::ALL {
        for subnet in layout.subnets(SubnetRole::Firewall(tier)) {
            tables.push(RouteTable {
                name: subnet_name(subnet),
                label: subnet.name.clone(),
                tier: Some(tier),
                subnets: vec![subnet],
                routes: vec![Route {
                    destination: None,
                    target: Target::Nat(Nat::of(tier), subnet.zone_letter),
                }],
                why: match Nat::of(tier) {
                    Nat::Dedicated => {
                        "Inspected egress leaves through the critical tier's dedicated NAT gateway in the zone (S-SUB-01/02)."
                    }
                    Nat::Shared => {
                        "Inspected egress leaves through the NAT gateway the high and standard tiers share in the zone (S-SUB-03..05)."
                    }
                },
            });
        }
    }
    let mut returns = Vec::new();
    for tier in Tier::ALL {
        for subnet in layout.subnets(SubnetRole::Agents(tier)) {
            returns.push(Route {
                destination: Some(subnet),
                target: Target::Firewall(tier, subnet.zone_letter),
            });
        }
    }
    let mut public_routes = vec![Route {
        destination: None,
        target: Target::InternetGateway,
    }];
    public_routes.extend(returns);
    tables.push(RouteTable {
        name: "public".to_owned(),
        label: "public-alb".to_owned(),
        tier: None,
        subnets: public,
        routes: public_routes,
        why: "The load balancers and NAT gateways reach the internet gateway; traffic to an agent subnet goes back through the endpoint that subnet routes through, so the firewall sees both directions (S-SUB-06).",
    });
    let ingress: Vec<&Subnet> = layout.subnets(SubnetRole::CriticalIngress).collect();
    if !ingress.is_empty() {
        tables.push(RouteTable {
            name: "critical_ingress".to_owned(),
            label: "critical-ingress-private".to_owned(),
            tier: Some(Tier::Critical),
            subnets: ingress,
            routes: Vec::new(),
            why: "The critical tier's internal load balancer: VPC-local routes only, no default route (C-08, S-SUB-07).",
        });
    }
    tables.push(RouteTable {
        name: "database".to_owned(),
        label: "database-private".to_owned(),
        tier: None,
        subnets: layout.subnets(SubnetRole::Database).collect(),
        routes: Vec::new(),
        why: "No default route at all, not even through a NAT gateway: VPC-local routes only (S-SUB-07).",
    });
    tables
}

fn endpoint_expression(tier: Tier, zone_letter: char) -> String {
    format!(
        "tolist(aws_networkfirewall_firewall.{}_{zone_letter}.firewall_status[0].sync_states)[0].attachment[0].endpoint_id",
        tier_key(tier)
    )
}

fn write_route(out: &mut String, route: &Route<'_>) {
    let destination = match route.destination {
        None => "\"0.0.0.0/0\"".to_owned(),
        Some(subnet) => format!("{}.cidr_block", subnet_address(subnet)),
    };
    let (key, value) = match route.target {
        Target::Firewall(tier, zone) => ("vpc_endpoint_id", endpoint_expression(tier, zone)),
        Target::Nat(nat, zone) => (
            "nat_gateway_id",
            format!("aws_nat_gateway.{}_{zone}.id", nat.key()),
        ),
        Target::InternetGateway => ("gateway_id", "aws_internet_gateway.this.id".to_owned()),
    };
    let _ = writeln!(
        out,
        "  route {{\n    cidr_block = {destination}\n    {key} = {value}\n  }}\n"
    );
}

fn network(context: &Context<'_>) -> String {
    let layout = &context.layout;
    let mut out = String::from(
        r#"# The VPC of seed 003 (S-VPC-01), with DNS resolution and hostnames on: the EKS private
# endpoint and interface endpoints with private DNS need both (S-VPC-03, S-VPC-04).
resource "aws_vpc" "this" {
  cidr_block = var.vpc_cidr
  enable_dns_support = true
  enable_dns_hostnames = true

  tags = {
    Name = local.name
  }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name = "${local.name}-igw"
  }
}

# The VPC's default security group, adopted with no rules: anything launched without a
# security group of its own can neither send nor receive (G-NET-02).
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name = "${local.name}-default-deny-all"
  }
}

"#,
    );
    write_subnets(&mut out, layout);
    write_nat_gateways(&mut out, layout);
    for table in route_tables(layout) {
        write_route_table(&mut out, &table);
    }
    write_database_network(&mut out, context);
    write_public_acl(&mut out, context);
    out.trim_end().to_owned() + "\n"
}

fn write_subnets(out: &mut String, layout: &Layout) {
    let _ = writeln!(
        out,
        "# The address plan: one subnet per role and zone, named as seed 003 names them. No\n# subnet assigns public IPs, not even the public ones: the load balancers and NAT\n# gateways there do not need it (S-SUB-01..08, NET-011).\n"
    );
    for subnet in &layout.subnets {
        let _ = writeln!(
            out,
            "resource \"aws_subnet\" \"{}\" {{\n  vpc_id = aws_vpc.this.id\n  cidr_block = {}\n  availability_zone = var.availability_zones[{}]\n  map_public_ip_on_launch = false\n",
            subnet_name(subnet),
            cidr_expression(layout, subnet),
            subnet.zone_index,
        );
        out.push_str(&tags(
            2,
            &format!("\"{}\"", subnet.name),
            subnet.role.tier(),
        ));
        out.push_str("}\n\n");
    }
}

fn write_nat_gateways(out: &mut String, layout: &Layout) {
    let _ = writeln!(
        out,
        "# NAT gateways in the public subnets, one per zone and use: the critical tier's are\n# dedicated to it; high and standard share theirs (S-SUB-01..05). Only the firewall\n# subnets route to them, so every packet they carry has been inspected.\n"
    );
    for subnet in layout.subnets(SubnetRole::Public) {
        let zone = subnet.zone_letter;
        for nat in [Nat::Dedicated, Nat::Shared] {
            let key = nat.key();
            let label = match nat {
                Nat::Dedicated => format!("critical-nat-{zone}"),
                Nat::Shared => format!("shared-nat-{zone}"),
            };
            let _ = writeln!(
                out,
                "resource \"aws_eip\" \"nat_{key}_{zone}\" {{\n  domain = \"vpc\"\n"
            );
            out.push_str(&tags(2, &local_name(&label), None));
            let _ = writeln!(out, "\n  depends_on = [aws_internet_gateway.this]\n}}\n");
            let _ = writeln!(
                out,
                "resource \"aws_nat_gateway\" \"{key}_{zone}\" {{\n  connectivity_type = \"public\"\n  allocation_id = aws_eip.nat_{key}_{zone}.id\n  subnet_id = {}.id\n",
                subnet_address(subnet)
            );
            out.push_str(&tags(2, &local_name(&label), None));
            let _ = writeln!(out, "\n  depends_on = [aws_internet_gateway.this]\n}}\n");
        }
    }
}

fn write_route_table(out: &mut String, table: &RouteTable<'_>) {
    let _ = writeln!(
        out,
        "# {}\nresource \"aws_route_table\" \"{}\" {{\n  vpc_id = aws_vpc.this.id\n",
        table.why, table.name
    );
    for route in &table.routes {
        write_route(out, route);
    }
    out.push_str(&tags(2, &local_name(&table.label), table.tier));
    out.push_str("}\n\n");
    for subnet in &table.subnets {
        let _ = writeln!(
            out,
            "resource \"aws_route_table_association\" \"{}\" {{\n  subnet_id = {}.id\n  route_table_id = aws_route_table.{}.id\n}}\n",
            subnet_name(subnet),
            subnet_address(subnet),
            table.name
        );
    }
}

/// The tiers whose agents use the database, in `Tier::ALL` order.
fn database_tiers(context: &Context<'_>) -> Vec<Tier> {
    Tier::ALL
        .into_iter()
        .filter(|&tier| {
            context
                .inventory
                .agents_of(tier)
                .any(|a| a.reaches.database)
        })
        .collect()
}

struct AclRule {
    egress: bool,
    cidr: String,
    from_port: String,
    to_port: String,
}

fn write_acl(out: &mut String, name: &str, label: &str, subnets: &[&Subnet], rules: &[AclRule]) {
    let subnet_ids: Vec<String> = subnets
        .iter()
        .map(|s| format!("    {}.id,", subnet_address(s)))
        .collect();
    let _ = writeln!(
        out,
        "resource \"aws_network_acl\" \"{name}\" {{\n  vpc_id = aws_vpc.this.id\n  subnet_ids = [\n{}\n  ]\n",
        subnet_ids.join("\n")
    );
    for egress in [false, true] {
        let block = if egress { "egress" } else { "ingress" };
        for (index, rule) in rules.iter().filter(|r| r.egress == egress).enumerate() {
            let _ = writeln!(
                out,
                "  {block} {{\n    rule_no = {}\n    action = \"allow\"\n    protocol = \"tcp\"\n    cidr_block = {}\n    from_port = {}\n    to_port = {}\n  }}\n",
                100 + 10 * index,
                rule.cidr,
                rule.from_port,
                rule.to_port
            );
        }
    }
    out.push_str(&tags(2, &local_name(label), None));
    out.push_str("}\n\n");
}

fn write_database_network(out: &mut String, context: &Context<'_>) {
    let layout = &context.layout;
    let database: Vec<&Subnet> = layout.subnets(SubnetRole::Database).collect();
    let subnet_ids: Vec<String> = database
        .iter()
        .map(|s| format!("    {}.id,", subnet_address(s)))
        .collect();
    let _ = writeln!(
        out,
        "# The database subnets, in every zone: an RDS subnet group must span two (C-03, S-SUB-07).\nresource \"aws_db_subnet_group\" \"database\" {{\n  name = \"${{local.name}}-database\"\n  description = \"Database subnets of ${{local.name}}: no default route, reachable from the agent subnets only\"\n  subnet_ids = [\n{}\n  ]\n",
        subnet_ids.join("\n")
    );
    out.push_str(&tags(2, &local_name("database"), None));
    out.push_str("}\n\n");

    let mut rules = Vec::new();
    for tier in database_tiers(context) {
        for subnet in layout.subnets(SubnetRole::Agents(tier)) {
            let cidr = format!("{}.cidr_block", subnet_address(subnet));
            rules.push(AclRule {
                egress: false,
                cidr: cidr.clone(),
                from_port: "var.database_port".to_owned(),
                to_port: "var.database_port".to_owned(),
            });
            rules.push(AclRule {
                egress: true,
                cidr,
                from_port: "1024".to_owned(),
                to_port: "65535".to_owned(),
            });
        }
    }
    let _ = writeln!(
        out,
        "# Only the database port, and only from the subnets of tiers whose agents use the\n# database; replies to their ephemeral ports. Everything else is denied (S-SG-07, S-SUB-07)."
    );
    write_acl(out, "database", "database", &database, &rules);
}

fn write_public_acl(out: &mut String, context: &Context<'_>) {
    let layout = &context.layout;
    let public: Vec<&Subnet> = layout.subnets(SubnetRole::Public).collect();
    let anywhere = "\"0.0.0.0/0\"".to_owned();
    let rule = |egress: bool, from: &str, to: &str| AclRule {
        egress,
        cidr: anywhere.clone(),
        from_port: from.to_owned(),
        to_port: to.to_owned(),
    };
    let mut rules = vec![
        rule(false, "443", "443"),
        rule(false, "1024", "65535"),
        rule(true, "443", "443"),
        rule(true, "1024", "65535"),
    ];
    // Agent ports below 1024 behind a load balancer here are not covered by the
    // ephemeral range: the load balancer must still reach them inside the VPC.
    let low_ports: BTreeSet<u16> = Tier::ALL
        .into_iter()
        .filter(|&tier| layout.entry_role(tier) == SubnetRole::Public)
        .flat_map(|tier| context.inventory.agents_of(tier).map(|a| a.port))
        .filter(|&port| port < 1024 && port != 443)
        .collect();
    for port in low_ports {
        rules.push(AclRule {
            egress: true,
            cidr: "var.vpc_cidr".to_owned(),
            from_port: port.to_string(),
            to_port: port.to_string(),
        });
    }
    let _ = writeln!(
        out,
        "# HTTPS in to the load balancers and out of the NAT gateways, and the replies on ephemeral\n# ports both ways (which also carries the load balancers' traffic to the agent ports);\n# everything else is denied (S-SG-07, S-SG-04)."
    );
    write_acl(out, "public", "public-alb", &public, &rules);
}

// ----- Network Firewall ------------------------------------------------------------

/// The AWS managed threat-signature groups of an IDS-level policy. Strict-order
/// policies can only reference `…StrictOrder` groups.
const THREAT_SIGNATURE_GROUPS: [&str; 4] = [
    "ThreatSignaturesBotnetStrictOrder",
    "ThreatSignaturesBotnetWebStrictOrder",
    "ThreatSignaturesMalwareStrictOrder",
    "ThreatSignaturesEmergingEventsStrictOrder",
];

/// The firewall level a tier's policy is built at: its profile's, which the scan
/// judges it by (S-PROF-NFW-*).
pub(super) fn firewall_level(context: &Context<'_>, tier: Tier) -> NetworkFirewall {
    context.config.tiers.profile(tier).network_firewall
}

/// The ports a tier's agents are reached on through the public subnets (its load
/// balancer lives there); empty when its entry point is elsewhere.
fn public_entry_ports(context: &Context<'_>, tier: Tier) -> Vec<u16> {
    if context.layout.entry_role(tier) != SubnetRole::Public {
        return Vec::new();
    }
    let ports: BTreeSet<u16> = context.inventory.agents_of(tier).map(|a| a.port).collect();
    ports.into_iter().collect()
}

fn tier_words(tier: Tier) -> &'static str {
    match tier {
        Tier::Critical => "critical",
        Tier::High => "high-value",
        Tier::Standard => "standard",
    }
}

/// `critical` → `Critical`.
pub(super) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

fn level_words(level: NetworkFirewall) -> &'static str {
    match level {
        NetworkFirewall::StatefulWithIds => "stateful with IDS",
        NetworkFirewall::StatefulBasic => "stateful",
        NetworkFirewall::Stateless => "stateless",
    }
}

fn firewall(context: &Context<'_>) -> String {
    let mut out = String::from(
        "# A Network Firewall per tier and zone, in the tier's firewall subnets (C-20): each tier\n# has its own policy, at the level of its profile (S-PROF-NFW-*). Firewalls and policies\n# cannot be deleted or moved to other subnets or policies without first lifting the\n# protection.\n\n",
    );
    for tier in Tier::ALL {
        let level = firewall_level(context, tier);
        let key = tier_key(tier);
        let stem = SubnetRole::Agents(tier).key().replace('_', "-");
        let _ = writeln!(
            out,
            "# ----- {} agents: {} ({}) -----\n",
            tier_words(tier),
            level_words(level),
            match tier {
                Tier::Critical => "S-PROF-NFW-CRIT",
                Tier::High => "S-PROF-NFW-HIGH",
                Tier::Standard => "S-PROF-NFW-STD",
            }
        );
        match level {
            NetworkFirewall::Stateless => write_stateless_group(&mut out, context, tier),
            NetworkFirewall::StatefulBasic => write_five_tuple_group(&mut out, context, tier),
            NetworkFirewall::StatefulWithIds => write_signature_group(&mut out, context, tier),
        }
        write_policy(&mut out, context, tier, level);
        let (alert, flow) = firewall_log_groups(tier);
        let days = retention_days(context, tier);
        for (name, kind) in [(&alert, "alert"), (&flow, "flow")] {
            let _ = writeln!(
                out,
                "resource \"aws_cloudwatch_log_group\" \"{name}\" {{\n  name = \"/${{local.name}}/network-firewall/{stem}/{kind}\"\n  retention_in_days = {days}\n  kms_key_id = aws_kms_key.logs.arn\n"
            );
            out.push_str(&tags(
                2,
                &local_name(&format!("{stem}-firewall-{kind}")),
                Some(tier),
            ));
            out.push_str("}\n\n");
        }
        for subnet in context.layout.subnets(SubnetRole::Firewall(tier)) {
            let zone = subnet.zone_letter;
            let _ = writeln!(
                out,
                "resource \"aws_networkfirewall_firewall\" \"{key}_{zone}\" {{\n  name = \"${{local.name}}-{stem}-{zone}\"\n  description = \"Inspects the {} agents' traffic in zone {zone}\"\n  vpc_id = aws_vpc.this.id\n  firewall_policy_arn = aws_networkfirewall_firewall_policy.{key}.arn\n  delete_protection = true\n  firewall_policy_change_protection = true\n  subnet_change_protection = true\n\n  subnet_mapping {{\n    subnet_id = {}.id\n  }}\n",
                tier_words(tier),
                subnet_address(subnet)
            );
            out.push_str(&tags(2, &local_name(&format!("{stem}-{zone}")), Some(tier)));
            out.push_str("}\n\n");
            let _ = writeln!(
                out,
                "resource \"aws_networkfirewall_logging_configuration\" \"{key}_{zone}\" {{\n  firewall_arn = aws_networkfirewall_firewall.{key}_{zone}.arn\n\n  logging_configuration {{"
            );
            for (name, kind) in [(&alert, "ALERT"), (&flow, "FLOW")] {
                let _ = writeln!(
                    out,
                    "    log_destination_config {{\n      log_type = \"{kind}\"\n      log_destination_type = \"CloudWatchLogs\"\n      log_destination = {{\n        logGroup = aws_cloudwatch_log_group.{name}.name\n      }}\n    }}\n"
                );
            }
            trim_blank_line(&mut out);
            out.push_str("  }\n}\n\n");
        }
    }
    out.trim_end().to_owned() + "\n"
}

fn trim_blank_line(out: &mut String) {
    while out.ends_with("\n\n") {
        out.pop();
    }
}

/// The CIDRs of a role, as references to the subnets' `cidr_block`, one per line.
fn cidr_list(layout: &Layout, role: SubnetRole, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let items: Vec<String> = layout
        .subnets(role)
        .map(|s| format!("{pad}  {}.cidr_block,", subnet_address(s)))
        .collect();
    format!("[\n{}\n{pad}]", items.join("\n"))
}

fn write_policy(out: &mut String, context: &Context<'_>, tier: Tier, level: NetworkFirewall) {
    let key = tier_key(tier);
    let stem = key.replace('_', "-");
    let _ = writeln!(
        out,
        "resource \"aws_networkfirewall_firewall_policy\" \"{key}\" {{\n  name = \"${{local.name}}-{stem}\"\n  description = \"{} agents: {}\"\n\n  firewall_policy {{",
        capitalized(tier_words(tier)),
        level_words(level)
    );
    match level {
        NetworkFirewall::Stateless => {
            let _ = writeln!(
                out,
                "    # Deny by default: only what the stateless rules forward gets through.\n    stateless_default_actions = [\"aws:drop\"]\n    stateless_fragment_default_actions = [\"aws:drop\"]\n\n    stateless_rule_group_reference {{\n      priority = 10\n      resource_arn = aws_networkfirewall_rule_group.{key}.arn\n    }}"
            );
        }
        NetworkFirewall::StatefulBasic | NetworkFirewall::StatefulWithIds => {
            let _ = writeln!(
                out,
                "    # Everything goes to the stateful engine, which drops what no rule passes.\n    stateless_default_actions = [\"aws:forward_to_sfe\"]\n    stateless_fragment_default_actions = [\"aws:forward_to_sfe\"]\n    stateful_default_actions = [\"aws:drop_established\", \"aws:alert_established\"]\n\n    stateful_engine_options {{\n      rule_order = \"STRICT_ORDER\"\n      stream_exception_policy = \"DROP\"\n    }}\n\n    policy_variables {{\n      rule_variables {{\n        key = \"HOME_NET\"\n        ip_set {{\n          definition = {}\n        }}\n      }}\n    }}\n",
                cidr_list(&context.layout, SubnetRole::Agents(tier), 10)
            );
            if level == NetworkFirewall::StatefulWithIds {
                let _ = writeln!(
                    out,
                    "    # Intrusion prevention first: AWS managed threat signatures drop known botnet,\n    # malware and emerging-threat traffic before any pass rule is considered."
                );
                for (index, group) in THREAT_SIGNATURE_GROUPS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "    stateful_rule_group_reference {{\n      priority = {}\n      resource_arn = \"arn:${{local.partition}}:network-firewall:${{var.region}}:aws-managed:stateful-rulegroup/{group}\"\n    }}\n",
                        10 * (index + 1)
                    );
                }
            }
            let _ = writeln!(
                out,
                "    stateful_rule_group_reference {{\n      priority = 100\n      resource_arn = aws_networkfirewall_rule_group.{key}.arn\n    }}"
            );
        }
    }
    out.push_str("  }\n\n");
    out.push_str(&tags(2, &local_name(&stem), Some(tier)));
    out.push_str("}\n\n");
}

fn write_group_header(
    out: &mut String,
    tier: Tier,
    kind: &str,
    capacity: usize,
    description: &str,
) {
    let key = tier_key(tier);
    let stem = key.replace('_', "-");
    let _ = writeln!(
        out,
        "resource \"aws_networkfirewall_rule_group\" \"{key}\" {{\n  name = \"${{local.name}}-{stem}\"\n  description = \"{description}\"\n  type = \"{kind}\"\n  capacity = {capacity}\n\n  rule_group {{"
    );
}

/// What a tier's rule group allows: HTTPS egress, and the load balancer's traffic to
/// the agent ports when the load balancer is in the public subnets.
fn group_description(tier: Tier, load_balancer: bool) -> String {
    let words = capitalized(tier_words(tier));
    if load_balancer {
        format!(
            "{words} agents: HTTPS egress and the load balancer's traffic to the agent ports; the policy drops the rest"
        )
    } else {
        format!("{words} agents: HTTPS egress; the policy drops the rest")
    }
}

fn write_group_footer(out: &mut String, tier: Tier) {
    let stem = tier_key(tier).replace('_', "-");
    out.push_str("  }\n\n");
    out.push_str(&tags(2, &local_name(&format!("{stem}-rules")), Some(tier)));
    out.push_str("}\n\n");
}

/// Capacity for `rules` rules: room to grow, since it cannot change in place.
fn capacity(rules: usize) -> usize {
    (rules * 2).div_ceil(50).max(2) * 50
}

/// Critical level: Suricata pass rules behind the managed signature groups; the
/// policy's default drops the rest.
fn write_signature_group(out: &mut String, context: &Context<'_>, tier: Tier) {
    let ports = public_entry_ports(context, tier);
    let words = tier_words(tier);
    let sid = 1_000_000 + 100 * (tier_rank(tier) + 1);
    let mut rules = vec![format!(
        "pass tls $HOME_NET any -> any 443 (msg:\"{words} agents: TLS to port 443\"; flow:to_server, established; sid:{}; rev:1;)",
        sid + 1
    )];
    if !ports.is_empty() {
        rules.push(format!(
            "pass tcp $ALB_NET any -> $HOME_NET $AGENT_PORTS (msg:\"{words} agents: load balancer to the agent ports\"; flow:to_server; sid:{}; rev:1;)",
            sid + 2
        ));
    }
    write_group_header(
        out,
        tier,
        "STATEFUL",
        capacity(rules.len()),
        &group_description(tier, !ports.is_empty()),
    );
    let _ = writeln!(
        out,
        "    stateful_rule_options {{\n      rule_order = \"STRICT_ORDER\"\n    }}\n"
    );
    if !ports.is_empty() {
        let port_list: Vec<String> = ports.iter().map(|p| format!("\"{p}\"")).collect();
        let _ = writeln!(
            out,
            "    rule_variables {{\n      ip_sets {{\n        key = \"ALB_NET\"\n        ip_set {{\n          definition = {}\n        }}\n      }}\n\n      port_sets {{\n        key = \"AGENT_PORTS\"\n        port_set {{\n          definition = [{}]\n        }}\n      }}\n    }}\n",
            cidr_list(&context.layout, SubnetRole::Public, 10),
            port_list.join(", ")
        );
    }
    let _ = writeln!(out, "    rules_source {{\n      rules_string = <<-EOT");
    for rule in &rules {
        let _ = writeln!(out, "        {rule}");
    }
    let _ = writeln!(out, "      EOT\n    }}");
    write_group_footer(out, tier);
}

fn tier_rank(tier: Tier) -> usize {
    match tier {
        Tier::Critical => 0,
        Tier::High => 1,
        Tier::Standard => 2,
    }
}

/// High level: 5-tuple pass rules, evaluated in strict order; the policy's default
/// drops the rest.
fn write_five_tuple_group(out: &mut String, context: &Context<'_>, tier: Tier) {
    let layout = &context.layout;
    let ports = public_entry_ports(context, tier);
    let sid = 1_000_000 + 100 * (tier_rank(tier) + 1);
    struct Rule {
        comment: String,
        protocol: &'static str,
        source: String,
        destination: String,
        destination_port: String,
    }
    let mut rules = Vec::new();
    for subnet in layout.subnets(SubnetRole::Agents(tier)) {
        rules.push(Rule {
            comment: format!("TLS to port 443 from {}", subnet.name),
            protocol: "TLS",
            source: format!("{}.cidr_block", subnet_address(subnet)),
            destination: "\"ANY\"".to_owned(),
            destination_port: "\"443\"".to_owned(),
        });
    }
    for public in layout.subnets(SubnetRole::Public) {
        for subnet in layout.subnets(SubnetRole::Agents(tier)) {
            for port in &ports {
                rules.push(Rule {
                    comment: format!(
                        "load balancer in {} to agent port {port} in {}",
                        public.name, subnet.name
                    ),
                    protocol: "TCP",
                    source: format!("{}.cidr_block", subnet_address(public)),
                    destination: format!("{}.cidr_block", subnet_address(subnet)),
                    destination_port: format!("\"{port}\""),
                });
            }
        }
    }
    write_group_header(
        out,
        tier,
        "STATEFUL",
        capacity(rules.len()),
        &group_description(tier, !ports.is_empty()),
    );
    let _ = writeln!(
        out,
        "    stateful_rule_options {{\n      rule_order = \"STRICT_ORDER\"\n    }}\n\n    rules_source {{"
    );
    for (index, rule) in rules.iter().enumerate() {
        let _ = writeln!(
            out,
            "      # {}\n      stateful_rule {{\n        action = \"PASS\"\n\n        header {{\n          protocol = \"{}\"\n          source = {}\n          source_port = \"ANY\"\n          direction = \"FORWARD\"\n          destination = {}\n          destination_port = {}\n        }}\n\n        rule_option {{\n          keyword = \"sid\"\n          settings = [\"{}\"]\n        }}\n      }}\n",
            rule.comment,
            rule.protocol,
            rule.source,
            rule.destination,
            rule.destination_port,
            sid + index + 1
        );
    }
    trim_blank_line(out);
    out.push_str("    }\n");
    write_group_footer(out, tier);
}

/// Standard level: stateless rules that forward the allowed 5-tuples (both
/// directions, the engine keeps no state) to the stateful engine, which passes and
/// records them; the policy's stateless default drops the rest.
fn write_stateless_group(out: &mut String, context: &Context<'_>, tier: Tier) {
    let layout = &context.layout;
    let ports = public_entry_ports(context, tier);
    let agents: Vec<String> = layout
        .subnets(SubnetRole::Agents(tier))
        .map(|s| format!("{}.cidr_block", subnet_address(s)))
        .collect();
    let public: Vec<String> = layout
        .subnets(SubnetRole::Public)
        .map(|s| format!("{}.cidr_block", subnet_address(s)))
        .collect();
    let anywhere = vec!["\"0.0.0.0/0\"".to_owned()];
    let ephemeral = vec![(1024, 65535)];
    let https = vec![(443, 443)];
    let agent_ports: Vec<(u16, u16)> = ports.iter().map(|&p| (p, p)).collect();
    struct Rule {
        comment: &'static str,
        sources: Vec<String>,
        source_ports: Vec<(u16, u16)>,
        destinations: Vec<String>,
        destination_ports: Vec<(u16, u16)>,
    }
    let mut rules = vec![
        Rule {
            comment: "Egress: HTTPS from the tier's subnets.",
            sources: agents.clone(),
            source_ports: Vec::new(),
            destinations: anywhere.clone(),
            destination_ports: https.clone(),
        },
        Rule {
            comment: "Replies to that egress, on the agents' ephemeral ports.",
            sources: anywhere,
            source_ports: https,
            destinations: agents.clone(),
            destination_ports: ephemeral.clone(),
        },
    ];
    if !agent_ports.is_empty() {
        rules.push(Rule {
            comment: "The load balancers to the agent ports.",
            sources: public.clone(),
            source_ports: Vec::new(),
            destinations: agents.clone(),
            destination_ports: agent_ports.clone(),
        });
        rules.push(Rule {
            comment: "The agents' replies to the load balancers.",
            sources: agents,
            source_ports: agent_ports,
            destinations: public,
            destination_ports: ephemeral,
        });
    }
    // A stateless rule costs the product of its sources, destinations, port ranges
    // and protocols.
    let cost: usize = rules
        .iter()
        .map(|r| {
            r.sources.len()
                * r.destinations.len()
                * r.source_ports.len().max(1)
                * r.destination_ports.len().max(1)
        })
        .sum();
    write_group_header(
        out,
        tier,
        "STATELESS",
        capacity(cost),
        &group_description(tier, !ports.is_empty()),
    );
    let _ = writeln!(
        out,
        "    rules_source {{\n      stateless_rules_and_custom_actions {{"
    );
    for (index, rule) in rules.iter().enumerate() {
        let _ = writeln!(
            out,
            "        # {}\n        stateless_rule {{\n          priority = {}\n\n          rule_definition {{\n            actions = [\"aws:forward_to_sfe\"]\n\n            match_attributes {{\n              protocols = [6]\n",
            rule.comment,
            10 * (index + 1)
        );
        for source in &rule.sources {
            let _ = writeln!(
                out,
                "              source {{\n                address_definition = {source}\n              }}\n"
            );
        }
        for (from, to) in &rule.source_ports {
            let _ = writeln!(
                out,
                "              source_port {{\n                from_port = {from}\n                to_port = {to}\n              }}\n"
            );
        }
        for destination in &rule.destinations {
            let _ = writeln!(
                out,
                "              destination {{\n                address_definition = {destination}\n              }}\n"
            );
        }
        for (from, to) in &rule.destination_ports {
            let _ = writeln!(
                out,
                "              destination_port {{\n                from_port = {from}\n                to_port = {to}\n              }}\n"
            );
        }
        trim_blank_line(out);
        out.push_str("            }\n          }\n        }\n\n");
    }
    trim_blank_line(out);
    out.push_str("      }\n    }\n");
    write_group_footer(out, tier);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Inventory, InventorySource};
    use rampart_config::Config;

    fn with_context<T>(config: &Config, f: impl FnOnce(&Context<'_>) -> T) -> T {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let source = InventorySource::of("agents.yaml", b"");
        let context = Context {
            inventory: &inventory,
            config,
            layout: Layout::of(&inventory),
            source: &source,
        };
        f(&context)
    }

    /// `cidrsubnet(prefix, newbits, netnum)` as Terraform computes it.
    fn cidrsubnet(vpc: ipnet::Ipv4Net, expression: &str) -> ipnet::Ipv4Net {
        let args = expression
            .strip_prefix("cidrsubnet(var.vpc_cidr, ")
            .and_then(|s| s.strip_suffix(')'))
            .unwrap();
        let (newbits, netnum) = args.split_once(", ").unwrap();
        let newbits: u8 = newbits.parse().unwrap();
        let netnum: u32 = netnum.parse().unwrap();
        let prefix = vpc.prefix_len() + newbits;
        let network = u32::from(vpc.network()) + (netnum << (32 - u32::from(prefix)));
        ipnet::Ipv4Net::new(network.into(), prefix).unwrap()
    }

    #[test]
    fn cidr_expressions_evaluate_to_the_plan() {
        with_context(&Config::default(), |context| {
            let layout = &context.layout;
            for subnet in &layout.subnets {
                let expression = cidr_expression(layout, subnet);
                assert_eq!(
                    cidrsubnet(layout.vpc_cidr, &expression),
                    subnet.cidr,
                    "{}",
                    subnet.name
                );
            }
            let firewall_b = layout
                .subnets(SubnetRole::Firewall(Tier::Critical))
                .nth(1)
                .unwrap();
            assert_eq!(
                cidr_expression(layout, firewall_b),
                "cidrsubnet(var.vpc_cidr, 12, 4001)"
            );
        });
    }

    fn describe(route: &Route<'_>) -> String {
        let destination = route
            .destination
            .map_or("0.0.0.0/0".to_owned(), |s| s.name.clone());
        let target = match route.target {
            Target::Firewall(tier, zone) => format!("{tier} firewall {zone}"),
            Target::Nat(nat, zone) => format!("{} nat {zone}", nat.key()),
            Target::InternetGateway => "igw".to_owned(),
        };
        format!("{destination} -> {target}")
    }

    #[test]
    fn every_subnet_routes_through_its_tier_and_zone() {
        with_context(&Config::default(), |context| {
            let tables = route_tables(&context.layout);
            let routes = |name: &str| -> Vec<String> {
                let table = tables.iter().find(|t| t.name == name).unwrap();
                table.routes.iter().map(describe).collect()
            };
            assert_eq!(
                routes("critical_agents_b"),
                [
                    "0.0.0.0/0 -> critical firewall b",
                    "public-alb-a -> critical firewall b",
                    "public-alb-b -> critical firewall b",
                ]
            );
            assert_eq!(
                routes("standard_agents_a")[0],
                "0.0.0.0/0 -> standard firewall a"
            );
            assert_eq!(
                routes("critical_firewall_a"),
                ["0.0.0.0/0 -> critical nat a"]
            );
            assert_eq!(
                routes("high_value_firewall_b"),
                ["0.0.0.0/0 -> shared nat b"]
            );
            assert_eq!(routes("standard_firewall_a"), ["0.0.0.0/0 -> shared nat a"]);
            let public = routes("public");
            assert_eq!(public[0], "0.0.0.0/0 -> igw");
            assert!(public.contains(&"high-value-agents-private-b -> high firewall b".to_owned()));
            assert_eq!(public.len(), 7);
            assert!(routes("database").is_empty());
            assert!(routes("critical_ingress").is_empty());
            // Every subnet of the plan has exactly one route table.
            let mut associated: Vec<&str> = tables
                .iter()
                .flat_map(|t| t.subnets.iter().map(|s| s.name.as_str()))
                .collect();
            associated.sort_unstable();
            let mut all: Vec<&str> = context
                .layout
                .subnets
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            all.sort_unstable();
            assert_eq!(associated, all);
        });
    }

    #[test]
    fn the_firewall_level_follows_the_profile() {
        let rendered = |config: &Config| with_context(config, |c| format_hcl(&firewall(c)));
        let seed = rendered(&Config::default());
        let policy = |text: &str, key: &str| -> String {
            let start = text
                .find(&format!(
                    "resource \"aws_networkfirewall_firewall_policy\" \"{key}\""
                ))
                .unwrap();
            let end = text[start..].find("\n}\n").unwrap();
            text[start..start + end].to_owned()
        };
        let critical = policy(&seed, "critical_agents");
        assert!(critical.contains("STRICT_ORDER"));
        assert!(critical.contains("stateful-rulegroup/ThreatSignaturesMalwareStrictOrder"));
        assert!(critical.contains("\"aws:drop_established\""));
        let high = policy(&seed, "high_value_agents");
        assert!(high.contains("\"aws:forward_to_sfe\""));
        assert!(!high.contains("ThreatSignatures"));
        let standard = policy(&seed, "standard_agents");
        assert!(standard.contains("stateless_default_actions          = [\"aws:drop\"]"));
        assert!(standard.contains("stateless_rule_group_reference"));
        assert!(!standard.contains("stateful_rule_group_reference"));

        let mut config = Config::default();
        config.tiers.standard.network_firewall = NetworkFirewall::StatefulWithIds;
        let raised = rendered(&config);
        assert!(policy(&raised, "standard_agents").contains("ThreatSignaturesBotnetStrictOrder"));
    }

    #[test]
    fn load_balancer_rules_follow_the_entry_point() {
        with_context(&Config::default(), |context| {
            // The starter's critical allowlist is private: its load balancer is internal.
            assert!(public_entry_ports(context, Tier::Critical).is_empty());
            assert_eq!(public_entry_ports(context, Tier::High), [8443]);
            assert_eq!(
                database_tiers(context),
                [Tier::Critical, Tier::High, Tier::Standard]
            );
        });
        assert_eq!(capacity(1), 100);
        assert_eq!(capacity(60), 150);
    }
}
