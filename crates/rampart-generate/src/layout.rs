//! The names and address plan every part of the baseline agrees on: the Terraform
//! subnets, the Kubernetes NetworkPolicies that admit the load balancers and reach the
//! database, and the README all read them from here, so they cannot drift apart.
//!
//! The plan keeps seed 003's numbering inside the VPC's /16 (critical `.1`/`.2`, high
//! `.11`/`.12`, standard `.21`, public `.101`, database `.201`) and adds what the seed
//! is missing to be deployable (C-03, C-20): one subnet per tier *per zone*, dedicated
//! firewall subnets per tier, and subnets for the critical tier's internal load balancer.

use ipnet::Ipv4Net;
use rampart_config::Tier;

use crate::inventory::{Agent, Inventory};

/// What a subnet is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubnetRole {
    /// Where a tier's nodes, and so its pods, run.
    Agents(Tier),
    /// The internet-facing load balancers and the NAT gateways.
    Public,
    /// The critical tier's internal load balancer, when its IP allowlist is private (C-08).
    CriticalIngress,
    /// The database; no default route at all.
    Database,
    /// The endpoints of a tier's Network Firewall (/28, C-20): each tier has its own
    /// firewall, because one firewall has one policy and the tiers need different ones.
    Firewall(Tier),
}

impl SubnetRole {
    /// Every role, in the order the plan lists them.
    pub const ALL: [SubnetRole; 9] = [
        SubnetRole::Agents(Tier::Critical),
        SubnetRole::Agents(Tier::High),
        SubnetRole::Agents(Tier::Standard),
        SubnetRole::CriticalIngress,
        SubnetRole::Public,
        SubnetRole::Database,
        SubnetRole::Firewall(Tier::Critical),
        SubnetRole::Firewall(Tier::High),
        SubnetRole::Firewall(Tier::Standard),
    ];

    /// The Terraform-friendly name: `critical_agents`, `public`, …
    pub fn key(self) -> &'static str {
        match self {
            Self::Agents(Tier::Critical) => "critical_agents",
            Self::Agents(Tier::High) => "high_value_agents",
            Self::Agents(Tier::Standard) => "standard_agents",
            Self::CriticalIngress => "critical_ingress",
            Self::Public => "public_alb",
            Self::Database => "database",
            Self::Firewall(Tier::Critical) => "critical_firewall",
            Self::Firewall(Tier::High) => "high_value_firewall",
            Self::Firewall(Tier::Standard) => "standard_firewall",
        }
    }

    /// The seed's subnet name stem: `critical-agents-private`, `public-alb`, …
    pub fn name_stem(self) -> &'static str {
        match self {
            Self::Agents(Tier::Critical) => "critical-agents-private",
            Self::Agents(Tier::High) => "high-value-agents-private",
            Self::Agents(Tier::Standard) => "standard-agents-private",
            Self::CriticalIngress => "critical-ingress-private",
            Self::Public => "public-alb",
            Self::Database => "database-private",
            Self::Firewall(Tier::Critical) => "critical-firewall",
            Self::Firewall(Tier::High) => "high-value-firewall",
            Self::Firewall(Tier::Standard) => "standard-firewall",
        }
    }

    /// The tier tagged on the subnet, if it belongs to one.
    pub fn tier(self) -> Option<Tier> {
        match self {
            Self::Agents(tier) | Self::Firewall(tier) => Some(tier),
            Self::CriticalIngress => Some(Tier::Critical),
            Self::Public | Self::Database => None,
        }
    }

    /// The third octet of the zone-`index` subnet (for /24s), as the seed numbers them.
    fn third_octet(self, index: usize) -> u8 {
        let index = u8::try_from(index).unwrap_or(0);
        match self {
            Self::Agents(Tier::Critical) => 1 + index,
            Self::Agents(Tier::High) => 11 + index,
            Self::Agents(Tier::Standard) => 21 + index,
            Self::CriticalIngress => 31 + index,
            Self::Public => 101 + index,
            Self::Database => 201 + index,
            Self::Firewall(Tier::Critical) => 250,
            Self::Firewall(Tier::High) => 251,
            Self::Firewall(Tier::Standard) => 252,
        }
    }
}

/// One subnet of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
    pub role: SubnetRole,
    /// Index into `platform.availability_zones`.
    pub zone_index: usize,
    /// The zone's letter: `a`, `b`, …
    pub zone_letter: char,
    /// `critical-agents-private-a`, …
    pub name: String,
    pub cidr: Ipv4Net,
}

/// The address plan of an inventory.
#[derive(Clone, Debug)]
pub struct Layout {
    pub vpc_cidr: Ipv4Net,
    pub subnets: Vec<Subnet>,
    /// Whether the critical tier's entry point is an internal load balancer: it is
    /// whenever the critical IP allowlist holds only private ranges, because internet
    /// clients never arrive at an internet-facing ALB from those (C-08).
    pub critical_entry_is_internal: bool,
}

impl Layout {
    pub fn of(inventory: &Inventory) -> Self {
        let platform = &inventory.platform;
        let octets = platform.vpc_cidr.network().octets();
        let critical_entry_is_internal = platform.ip_allowlist.iter().all(is_private);
        let mut subnets = Vec::new();
        for role in SubnetRole::ALL {
            if role == SubnetRole::CriticalIngress && !critical_entry_is_internal {
                continue;
            }
            for (zone_index, _) in platform.availability_zones.iter().enumerate() {
                let zone_letter = char::from(b'a' + u8::try_from(zone_index).unwrap_or(0));
                let third = role.third_octet(zone_index);
                let cidr = if matches!(role, SubnetRole::Firewall(_)) {
                    let fourth = u8::try_from(zone_index * 16).unwrap_or(0);
                    Ipv4Net::new([octets[0], octets[1], third, fourth].into(), 28)
                } else {
                    Ipv4Net::new([octets[0], octets[1], third, 0].into(), 24)
                };
                let Ok(cidr) = cidr else { continue };
                subnets.push(Subnet {
                    role,
                    zone_index,
                    zone_letter,
                    name: format!("{}-{zone_letter}", role.name_stem()),
                    cidr,
                });
            }
        }
        Self {
            vpc_cidr: platform.vpc_cidr,
            subnets,
            critical_entry_is_internal,
        }
    }

    /// The subnets of one role, in zone order.
    pub fn subnets(&self, role: SubnetRole) -> impl Iterator<Item = &Subnet> {
        self.subnets.iter().filter(move |s| s.role == role)
    }

    /// The CIDRs of one role, in zone order.
    pub fn cidrs(&self, role: SubnetRole) -> Vec<Ipv4Net> {
        self.subnets(role).map(|s| s.cidr).collect()
    }

    /// The subnets a tier's load balancer lives in (and so the sources Kubernetes
    /// must admit to that tier's pods, since the ALB sends to pod IPs directly).
    pub fn entry_role(&self, tier: Tier) -> SubnetRole {
        if tier == Tier::Critical && self.critical_entry_is_internal {
            SubnetRole::CriticalIngress
        } else {
            SubnetRole::Public
        }
    }
}

/// Inside RFC 1918, loopback, link-local or carrier-grade NAT space: ranges an
/// internet client never arrives from.
pub fn is_private(net: &Ipv4Net) -> bool {
    const NON_INTERNET: [&str; 6] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
    ];
    NON_INTERNET
        .iter()
        .filter_map(|range| range.parse::<Ipv4Net>().ok())
        .any(|range| range.contains(net))
}

/// A tier's stem in Terraform names: `critical_agents`, `high_value_agents`, `standard_agents`.
pub fn tier_key(tier: Tier) -> &'static str {
    SubnetRole::Agents(tier).key()
}

/// The Kubernetes namespace of a tier.
pub fn namespace(tier: Tier) -> &'static str {
    match tier {
        Tier::Critical => "critical-agents",
        Tier::High => "high-value-agents",
        Tier::Standard => "standard-agents",
    }
}

/// The label every agent's pods carry with the agent id.
pub const AGENT_LABEL: &str = "app.kubernetes.io/name";

/// The label (on namespaces and pods) and tag (on AWS resources) carrying the tier (S-INV-01).
pub const TIER_LABEL: &str = "classification";

/// The node label and taint key carrying the tier (S-NODE-09).
pub const NODE_TIER_KEY: &str = "agent-classification";

/// The ServiceAccount of an agent: named after it, in its tier's namespace.
pub fn service_account(agent: &Agent) -> &str {
    &agent.id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;

    #[test]
    fn the_plan_keeps_the_seed_numbering_and_adds_the_second_zone() {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let layout = Layout::of(&inventory);
        let names: Vec<String> = layout
            .subnets
            .iter()
            .map(|s| format!("{} {}", s.name, s.cidr))
            .collect();
        assert_eq!(
            names,
            [
                "critical-agents-private-a 10.0.1.0/24",
                "critical-agents-private-b 10.0.2.0/24",
                "high-value-agents-private-a 10.0.11.0/24",
                "high-value-agents-private-b 10.0.12.0/24",
                "standard-agents-private-a 10.0.21.0/24",
                "standard-agents-private-b 10.0.22.0/24",
                "critical-ingress-private-a 10.0.31.0/24",
                "critical-ingress-private-b 10.0.32.0/24",
                "public-alb-a 10.0.101.0/24",
                "public-alb-b 10.0.102.0/24",
                "database-private-a 10.0.201.0/24",
                "database-private-b 10.0.202.0/24",
                "critical-firewall-a 10.0.250.0/28",
                "critical-firewall-b 10.0.250.16/28",
                "high-value-firewall-a 10.0.251.0/28",
                "high-value-firewall-b 10.0.251.16/28",
                "standard-firewall-a 10.0.252.0/28",
                "standard-firewall-b 10.0.252.16/28",
            ]
        );
        assert!(layout.critical_entry_is_internal);
    }
}
