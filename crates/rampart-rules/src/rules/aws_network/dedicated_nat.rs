use std::collections::{BTreeMap, BTreeSet, HashSet};

use rampart_config::{Severity, Tier};
use rampart_model::Project;
use rampart_model::aws::network::NatId;

use super::{name, report};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-016",
        name: "critical-nat-gateway-shared",
        severity: Severity::High,
        summary: "NAT gateway carries the egress of the critical tier and of other tiers",
        requirements: &["S-SUB-01", "S-SUB-02", "S-SUB-03", "S-SUB-04", "S-SUB-05"],
        docs: RuleDocs {
            what: "Reports a NAT gateway (`aws_nat_gateway`, `AWS::EC2::NatGateway`, or a `nat-…` id written in the code) that carries the egress of subnets of the critical tier and also of subnets of the high or standard tier. A subnet's tier is its `classification` / `agent-classification` tag or the provider's `default_tags`; untagged subnets are not counted. \
Egress reaches a NAT gateway through a subnet's default route (`0.0.0.0/0` or `::/0`, an inline `route` or an `aws_route` / `AWS::EC2::Route` of the table its association names, else of the VPC's main route table) to `nat_gateway_id` / `NatGatewayId`, or through a default route to a Network Firewall endpoint (`vpc_endpoint_id` naming an `aws_networkfirewall_firewall`) continued by the default routes of the firewall's own subnets (`subnet_mapping`). \
The finding points at the route a user changes: the route that sends the other tiers' egress to a NAT gateway the critical tier uses; or, when the critical tier's routes are the fewer (the critical tier moved onto the NAT gateway the others share), the critical tier's route; a NAT gateway tagged with a tier keeps it (a critical-tagged one reports the other tiers' routes). A route that carries both tiers at once (a firewall shared by the tiers) is always reported. \
What cannot be followed is not counted: a route table or target known only after apply, a firewall endpoint CloudFormation writes as `!Select`/`!Split` of `EndpointIds`, a Gateway Load Balancer endpoint or a transit gateway.",
            why: "The critical tier has a NAT gateway of its own in each zone (S-SUB-01, S-SUB-02), and the high and standard tiers' shared NAT gateway must not be the critical tier's (S-SUB-03 to S-SUB-05). A dedicated NAT gateway gives the critical tier its own public egress addresses, which partners and external APIs allowlist: when another tier leaves through the same addresses, anything a high or standard agent does is trusted as critical traffic, and the critical tier's egress can be throttled or exhausted (NAT port allocation, bandwidth) by agents of lesser tiers.",
            fail: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.101.0/24"
}

resource "aws_nat_gateway" "critical" {
  subnet_id = aws_subnet.public.id
}

resource "aws_subnet" "critical" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_subnet" "standard" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.21.0/24"
  tags       = { classification = "standard" }
}

resource "aws_route_table" "critical" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.critical.id
  }
}

resource "aws_route_table" "standard" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.critical.id
  }
}

resource "aws_route_table_association" "critical" {
  subnet_id      = aws_subnet.critical.id
  route_table_id = aws_route_table.critical.id
}

resource "aws_route_table_association" "standard" {
  subnet_id      = aws_subnet.standard.id
  route_table_id = aws_route_table.standard.id
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.101.0/24"
}

resource "aws_nat_gateway" "critical" {
  subnet_id = aws_subnet.public.id
}

resource "aws_nat_gateway" "shared" {
  subnet_id = aws_subnet.public.id
}

resource "aws_subnet" "critical" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_subnet" "standard" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.21.0/24"
  tags       = { classification = "standard" }
}

resource "aws_route_table" "critical" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.critical.id
  }
}

resource "aws_route_table" "standard" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.shared.id
  }
}

resource "aws_route_table_association" "critical" {
  subnet_id      = aws_subnet.critical.id
  route_table_id = aws_route_table.critical.id
}

resource "aws_route_table_association" "standard" {
  subnet_id      = aws_subnet.standard.id
  route_table_id = aws_route_table.standard.id
}
"#,
            ),
            fix: "Give the critical tier a NAT gateway of its own in each zone and point only the critical tier's route tables at it (for firewalled egress, the route tables of the critical tier's firewall subnets); route the high and standard tiers, or their firewall subnets, to the NAT gateway they share.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// The subnets whose egress one route carries to a NAT gateway.
#[derive(Default)]
struct Carried {
    /// Subnet, tier, and the firewall passed on the way.
    subnets: Vec<(usize, Tier, Option<usize>)>,
}

impl Carried {
    fn has(&self, critical: bool) -> bool {
        self.subnets
            .iter()
            .any(|(_, tier, _)| (*tier == Tier::Critical) == critical)
    }
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let network = ctx.network();
    // Firewall subnets relay the tiers' egress: they are not counted as egress of
    // their own (their tier often comes only from default tags), and messages name
    // the subnets behind them.
    let relays: HashSet<usize> = network
        .subnets
        .iter()
        .flat_map(|s| network.nat_egress(s))
        .filter_map(|e| e.firewall)
        .flat_map(|f| network.firewall_subnets(f).iter().copied())
        .collect();
    // NAT gateway → the route bringing traffic to it → what the route carries.
    let mut nats: BTreeMap<NatId<'_>, BTreeMap<usize, Carried>> = BTreeMap::new();
    for subnet in &network.subnets {
        let Some(tier) = subnet.tier else {
            continue;
        };
        if relays.contains(&subnet.index) {
            continue;
        }
        for egress in network.nat_egress(subnet) {
            let carried = nats
                .entry(egress.nat)
                .or_default()
                .entry(egress.route)
                .or_default();
            if !carried
                .subnets
                .iter()
                .any(|(s, _, f)| *s == subnet.index && *f == egress.firewall)
            {
                carried.subnets.push((subnet.index, tier, egress.firewall));
            }
        }
    }
    for (nat, routes) in &nats {
        let critical: Vec<usize> = pure(routes, true);
        let others: Vec<usize> = pure(routes, false);
        let mixed: Vec<usize> = routes
            .iter()
            .filter(|(_, c)| c.has(true) && c.has(false))
            .map(|(r, _)| *r)
            .collect();
        let shared = !mixed.is_empty() || (!critical.is_empty() && !others.is_empty());
        if !shared {
            continue;
        }
        let nat_tier = match nat {
            NatId::Declared(i) => project.resource_tiers.get(*i).copied().flatten(),
            NatId::Id(_) => None,
        };
        // Whose routes moved: the side a user changes.
        let critical_moved = match nat_tier {
            Some(Tier::Critical) => false,
            Some(_) => true,
            None => critical.len() < others.len(),
        };
        let moved = if critical_moved { &critical } else { &others };
        let mut reported: Vec<usize> = mixed.iter().chain(moved).copied().collect();
        reported.sort_unstable();
        for position in reported {
            let (Some(route), Some(carried)) =
                (network.routes.get(position), routes.get(&position))
            else {
                continue;
            };
            let this = describe(project, &relays, &carried.subnets);
            let rest: Vec<(usize, Tier, Option<usize>)> = routes
                .iter()
                .filter(|(r, _)| **r != position)
                .flat_map(|(_, c)| c.subnets.iter().copied())
                .filter(|(s, _, _)| !carried.subnets.iter().any(|(t, _, _)| t == s))
                .collect();
            let also = if rest.is_empty() {
                String::new()
            } else {
                format!(
                    ", which also carries the egress of {}",
                    describe(project, &relays, &rest)
                )
            };
            report(
                findings,
                project,
                route.resource,
                route.resource,
                route.target_node.or(route.destination_node),
                format!(
                    "{} sends the egress of {this} to the NAT gateway {}{also}: a NAT gateway that carries the critical tier's egress must carry no other tier's",
                    name(project, route.resource),
                    nat_name(project, *nat),
                ),
            );
        }
    }
}

/// The routes that carry only critical-tier (`critical`) or only other
/// tiers' egress.
fn pure(routes: &BTreeMap<usize, Carried>, critical: bool) -> Vec<usize> {
    routes
        .iter()
        .filter(|(_, c)| c.has(critical) && !c.has(!critical))
        .map(|(r, _)| *r)
        .collect()
}

fn nat_name(project: &Project, nat: NatId<'_>) -> String {
    match nat {
        NatId::Declared(i) => name(project, i),
        NatId::Id(id) => format!("`{id}`"),
    }
}

/// "critical-tier subnet `a` (through the Network Firewall `f`) and
/// high-tier subnets `b` and `c`", most critical first.
fn describe(
    project: &Project,
    relays: &HashSet<usize>,
    subnets: &[(usize, Tier, Option<usize>)],
) -> String {
    const SHOWN: usize = 3;
    let firewalls = |tier: Option<Tier>| -> BTreeSet<usize> {
        subnets
            .iter()
            .filter(|(_, t, _)| tier.is_none_or(|tier| *t == tier))
            .filter_map(|(_, _, f)| *f)
            .collect()
    };
    let through = |firewalls: &BTreeSet<usize>| match firewalls.iter().next() {
        Some(&one) if firewalls.len() == 1 => {
            format!(" (through the Network Firewall {})", name(project, one))
        }
        Some(_) => " (through Network Firewalls)".to_owned(),
        None => String::new(),
    };
    // One firewall for all: said once, at the end.
    let common = firewalls(None);
    let once = common.len() == 1 && subnets.iter().all(|(_, _, f)| f.is_some());
    let mut parts = Vec::new();
    for tier in [Tier::Critical, Tier::High, Tier::Standard] {
        let all: BTreeSet<usize> = subnets
            .iter()
            .filter(|(_, t, _)| *t == tier)
            .map(|(s, _, _)| *s)
            .collect();
        if all.is_empty() {
            continue;
        }
        // The subnets behind a firewall rather than the firewall's own,
        // when there are any.
        let behind: BTreeSet<usize> = all
            .iter()
            .copied()
            .filter(|s| !relays.contains(s))
            .collect();
        let of_tier = if behind.is_empty() { all } else { behind };
        let mut names: Vec<String> = of_tier
            .iter()
            .take(SHOWN)
            .map(|&s| name(project, s))
            .collect();
        if of_tier.len() > SHOWN {
            names.push(format!("{} more", of_tier.len() - SHOWN));
        }
        let noun = if of_tier.len() == 1 {
            "subnet"
        } else {
            "subnets"
        };
        let via = if once {
            String::new()
        } else {
            through(&firewalls(Some(tier)))
        };
        parts.push(format!("{tier}-tier {noun} {}{via}", join(&names)));
    }
    let mut text = join(&parts);
    if once {
        text.push_str(&through(&common));
    }
    text
}

/// `a`, `a and b`, `a, b and c`.
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
