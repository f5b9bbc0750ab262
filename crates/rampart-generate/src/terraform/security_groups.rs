//! `security-groups.tf`: one security group per tier for its nodes (and so its pods,
//! which share the node's ENIs under the VPC CNI), one per tier load balancer, one for
//! the database and one for the EKS control plane, and every flow between them as its
//! own rule resource with a description, derived from the inventory (S-SG-01..08, C-02).
//!
//! Nothing is admitted by network location: flows between tiers name the callers'
//! security group; the only CIDRs are the internet (TCP 443 to the internet-facing
//! load balancers, TCP 443 out of the nodes) and the critical tier's client ranges.

use std::fmt::Write as _;

use ipnet::Ipv4Net;
use rampart_config::Tier;

use super::Part;
use super::hcl::{Block, Expr};
use crate::inventory::Inventory;
use crate::layout::{TIER_LABEL, tier_key};
use crate::{Context, Deviation};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "Critical_Agents_SG and an ALB SG whose egress reaches only Critical_Agents_SG; Database_SG referenced but never defined; no groups for the high and standard tiers",
        generated: "A node security group per tier, a security group per tier load balancer with egress only to its own tier's nodes on that tier's agent ports, and a database security group admitting the database port from exactly the tiers with an agent that reaches the database",
        why: "As written, 40 of the 51 agents are unreachable through the only load balancer and the database group does not exist; one group per tier keeps the tiers segmented at the firewall too",
        refs: &["C-02", "S-SG-05", "S-SG-06", "S-SG-08"],
    },
    Deviation {
        seed: "Agents admit TCP 443 from the load balancer only",
        generated: "Agents admit their own inventory port (TLS) from their tier's load balancer, and from the security group of every tier with an agent the inventory lets call them; nodes reach other tiers only on the called agents' ports",
        why: "Agents listen on the port the inventory gives them and call each other directly (pod to pod), which the seed's design has no rule for",
        refs: &["S-SG-01", "C-13"],
    },
    Deviation {
        seed: "Critical_Agents_SG egress TCP 443 to 0.0.0.0/0 for API calls",
        generated: "Every tier's nodes keep TCP 443 to 0.0.0.0/0 (the kubelet, the container runtime and the VPC CNI call ECR, EKS, STS and EC2 through the NAT gateways); which pods may use it is decided per agent by NetworkPolicy (`reaches.external-https`) and per tier by the Network Firewall",
        why: "Pods share the node's security groups, so a group cannot tell an agent's call from the node's own; without VPC endpoints for every AWS API a node needs, a tier without this rule cannot join the cluster",
        refs: &["S-SG-02", "C-01"],
    },
    Deviation {
        seed: "The ALB security group admits TCP 443 from 0.0.0.0/0",
        generated: "The critical tier's load balancer admits TCP 443 only from a managed prefix list holding the inventory's IP allowlist without the VPC's own range (an internal load balancer when the allowlist is private); the others admit TCP 443 from 0.0.0.0/0",
        why: "Internet clients never arrive with private addresses, and workloads inside the VPC reach critical agents only through the flows the inventory allows, not by being inside the allowlisted range",
        refs: &["C-08", "S-SG-04", "S-PROF-IP-CRIT"],
    },
    Deviation {
        seed: "Nodes carry the EKS cluster security group",
        generated: "Nodes carry only their tier's group; a dedicated control-plane group admits the API server from each tier and reaches the kubelets (and, on the untainted standard nodes, the add-ons' admission webhooks); CoreDNS on the standard nodes is admitted from every tier on port 53",
        why: "The EKS cluster security group admits all traffic between its members, which would connect every tier's nodes on every port and undo the segmentation",
        refs: &["S-SG-08", "G-NET-01"],
    },
];

/// The agent port of a flow between tiers, or the ports of control-plane traffic.
const KUBELET_PORT: u16 = 10250;
/// Ports the control plane calls admission and conversion webhooks of cluster add-ons
/// on; the add-ons run on the untainted standard nodes.
const WEBHOOK_PORTS: [u16; 3] = [443, 8443, 9443];
const DNS_PORT: u16 = 53;

/// The security group of a tier's nodes.
pub(super) fn node_sg(tier: Tier) -> String {
    format!("aws_security_group.{}", tier_key(tier))
}

/// The security group of a tier's load balancer.
pub(super) fn alb_sg(tier: Tier) -> String {
    format!("aws_security_group.{}_alb", tier_key(tier))
}

pub(super) const DATABASE_SG: &str = "aws_security_group.database";
pub(super) const CONTROL_PLANE_SG: &str = "aws_security_group.eks_control_plane";
const CRITICAL_CLIENTS: &str = "aws_ec2_managed_prefix_list.critical_clients";

/// The tiers in the order the output lists them: critical first.
pub(super) fn tier_rank(tier: Tier) -> usize {
    Tier::ALL.iter().position(|t| *t == tier).unwrap_or(0)
}

/// A tier's name in descriptions: `critical-tier`.
fn tier_words(tier: Tier) -> String {
    format!("{}-tier", tier.as_str())
}

/// A flow between agents of two tiers (possibly the same) on the callee's port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PeerFlow {
    pub caller: Tier,
    pub callee: Tier,
    pub port: u16,
}

/// Every tier-to-tier flow the inventory allows, one per (caller tier, callee tier,
/// port): critical callees first, then by caller, then by port.
pub(super) fn peer_flows(inventory: &Inventory) -> Vec<PeerFlow> {
    let mut flows: Vec<PeerFlow> = Vec::new();
    for callee in &inventory.agents {
        for caller in inventory.callers_of(&callee.id) {
            flows.push(PeerFlow {
                caller: caller.classification,
                callee: callee.classification,
                port: callee.port,
            });
        }
    }
    flows.sort_by_key(|f| (tier_rank(f.callee), tier_rank(f.caller), f.port));
    flows.dedup();
    flows
}

/// The ports a tier's agents listen on, ascending.
pub(super) fn agent_ports(inventory: &Inventory, tier: Tier) -> Vec<u16> {
    let mut ports: Vec<u16> = inventory.agents_of(tier).map(|a| a.port).collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Whether an agent of the tier may reach the database.
pub(super) fn reaches_database(inventory: &Inventory, tier: Tier) -> bool {
    inventory.agents_of(tier).any(|a| a.reaches.database)
}

/// Whether the tier has agents, and so an entry point.
pub(super) fn has_agents(inventory: &Inventory, tier: Tier) -> bool {
    inventory.agents_of(tier).next().is_some()
}

/// The critical tier's client ranges: the inventory's allowlist without the VPC's own
/// range, merged. Workloads inside the VPC never reach critical agents by address;
/// they use the flows the inventory allows (C-08, NET-008).
pub(super) fn critical_client_ranges(allowlist: &[Ipv4Net], vpc: Ipv4Net) -> Vec<Ipv4Net> {
    let mut out = Vec::new();
    for &range in allowlist {
        if vpc.contains(&range) {
            continue;
        }
        if !range.contains(&vpc) {
            out.push(range);
            continue;
        }
        // Split the range in halves down to the VPC, keeping the half without it.
        let mut current = range;
        while current != vpc {
            let Some((low, high)) = halves(current) else {
                break;
            };
            if low.contains(&vpc) {
                out.push(high);
                current = low;
            } else {
                out.push(low);
                current = high;
            }
        }
    }
    Ipv4Net::aggregate(&out)
}

fn halves(net: Ipv4Net) -> Option<(Ipv4Net, Ipv4Net)> {
    let mut subnets = net.subnets(net.prefix_len().checked_add(1)?).ok()?;
    Some((subnets.next()?, subnets.next()?))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

enum Peer {
    Group(String),
    Cidr(&'static str),
    PrefixList(&'static str),
}

struct Rule {
    direction: Direction,
    name: String,
    group: String,
    description: String,
    protocol: &'static str,
    /// An HCL expression: a port number or `var.database_port`.
    port: String,
    peer: Peer,
}

impl Rule {
    /// What AWS compares to find duplicate rules.
    fn identity(&self) -> String {
        let peer = match &self.peer {
            Peer::Group(group) => group.clone(),
            Peer::Cidr(cidr) => (*cidr).to_owned(),
            Peer::PrefixList(list) => (*list).to_owned(),
        };
        let direction = match self.direction {
            Direction::Ingress => "in",
            Direction::Egress => "out",
        };
        format!(
            "{direction} {} {} {} {peer}",
            self.group, self.protocol, self.port
        )
    }

    fn block(&self) -> Block {
        let kind = match self.direction {
            Direction::Ingress => "aws_vpc_security_group_ingress_rule",
            Direction::Egress => "aws_vpc_security_group_egress_rule",
        };
        let block = Block::resource(kind, &self.name)
            .attr("security_group_id", format!("{}.id", self.group))
            .string("description", &self.description)
            .string("ip_protocol", self.protocol)
            .attr("from_port", &self.port)
            .attr("to_port", &self.port);
        match &self.peer {
            Peer::Group(group) => block.attr("referenced_security_group_id", format!("{group}.id")),
            Peer::Cidr(cidr) => block.string("cidr_ipv4", cidr),
            Peer::PrefixList(list) => block.attr("prefix_list_id", format!("{list}.id")),
        }
    }
}

fn group(name: &str, aws_name: &str, description: &str, tier: Option<Tier>) -> Block {
    let mut tags = vec![("Name".to_owned(), Expr::template(aws_name))];
    if let Some(tier) = tier {
        tags.push((TIER_LABEL.to_owned(), Expr::string(tier.as_str())));
    }
    Block::resource("aws_security_group", name)
        .template("name", aws_name)
        .string("description", description)
        .attr("vpc_id", "aws_vpc.this.id")
        .expr("tags", Expr::Object(tags))
}

/// The groups (and the critical clients' prefix list) and every rule, deduplicated.
fn build(context: &Context<'_>) -> (Vec<Block>, Vec<Rule>) {
    let inventory = context.inventory;
    let mut blocks: Vec<Block> = Vec::new();
    let mut rules: Vec<Rule> = Vec::new();
    let flows = peer_flows(inventory);
    let db_port = "var.database_port".to_owned();

    // The groups.
    for tier in Tier::ALL {
        let key = tier_key(tier);
        blocks.push(group(
            key,
            &format!("${{local.name}}-{}", key.replace('_', "-")),
            &format!(
                "Nodes and pods of the {} agents (S-SG-01..03, S-SG-08)",
                tier_words(tier)
            ),
            Some(tier),
        ));
        if has_agents(inventory, tier) {
            blocks.push(group(
                &format!("{key}_alb"),
                &format!("${{local.name}}-{}-alb", key.replace('_', "-")),
                &format!(
                    "Load balancer of the {} agents (S-SG-04, S-SG-05)",
                    tier_words(tier)
                ),
                Some(tier),
            ));
        }
    }
    let database_tier = Tier::ALL
        .into_iter()
        .find(|t| reaches_database(inventory, *t));
    blocks.push(group(
        "database",
        "${local.name}-database",
        "Agent database: the database port from the agent tiers that reach it, no egress (S-SG-06)",
        database_tier,
    ));
    blocks.push(group(
        "eks_control_plane",
        "${local.name}-eks-control-plane",
        "EKS control plane ENIs: the API server for the nodes, the kubelets and webhooks for the control plane",
        None,
    ));

    // The critical tier's clients (C-08).
    let client_ranges =
        critical_client_ranges(&inventory.platform.ip_allowlist, context.layout.vpc_cidr);
    if has_agents(inventory, Tier::Critical) && !client_ranges.is_empty() {
        blocks.push(critical_clients_list(context, &client_ranges));
    }

    // The load balancers (S-SG-04, S-SG-05, C-02).
    for tier in Tier::ALL {
        if !has_agents(inventory, tier) {
            continue;
        }
        let key = tier_key(tier);
        let words = tier_words(tier);
        if tier == Tier::Critical {
            if !client_ranges.is_empty() {
                rules.push(Rule {
                    direction: Direction::Ingress,
                    name: format!("{key}_alb_https_from_clients"),
                    group: alb_sg(tier),
                    description:
                        "HTTPS from the critical-tier client ranges (IP allowlist without the VPC)"
                            .to_owned(),
                    protocol: "tcp",
                    port: "443".to_owned(),
                    peer: Peer::PrefixList(CRITICAL_CLIENTS),
                });
            }
        } else {
            rules.push(Rule {
                direction: Direction::Ingress,
                name: format!("{key}_alb_https_from_internet"),
                group: alb_sg(tier),
                description: format!("HTTPS from the internet to the {words} load balancer"),
                protocol: "tcp",
                port: "443".to_owned(),
                peer: Peer::Cidr("0.0.0.0/0"),
            });
        }
        for port in agent_ports(inventory, tier) {
            rules.push(Rule {
                direction: Direction::Egress,
                name: format!("{key}_alb_to_agents_{port}"),
                group: alb_sg(tier),
                description: format!("To the {words} agents on port {port}"),
                protocol: "tcp",
                port: port.to_string(),
                peer: Peer::Group(node_sg(tier)),
            });
        }
    }

    // The nodes.
    for tier in Tier::ALL {
        let key = tier_key(tier);
        let words = tier_words(tier);
        let group = node_sg(tier);
        if has_agents(inventory, tier) {
            for port in agent_ports(inventory, tier) {
                rules.push(Rule {
                    direction: Direction::Ingress,
                    name: format!("{key}_from_alb_{port}"),
                    group: group.clone(),
                    description: format!("Agent port {port} from the {words} load balancer"),
                    protocol: "tcp",
                    port: port.to_string(),
                    peer: Peer::Group(alb_sg(tier)),
                });
            }
        }
        for flow in flows.iter().filter(|f| f.callee == tier) {
            rules.push(Rule {
                direction: Direction::Ingress,
                name: format!("{key}_from_{}_{}", tier_key(flow.caller), flow.port),
                group: group.clone(),
                description: format!(
                    "Agent port {} from {} agents the inventory lets call {words} agents",
                    flow.port,
                    tier_words(flow.caller)
                ),
                protocol: "tcp",
                port: flow.port.to_string(),
                peer: Peer::Group(node_sg(flow.caller)),
            });
        }
        rules.push(Rule {
            direction: Direction::Ingress,
            name: format!("{key}_from_control_plane_kubelet"),
            group: group.clone(),
            description: "Kubelet API from the EKS control plane".to_owned(),
            protocol: "tcp",
            port: KUBELET_PORT.to_string(),
            peer: Peer::Group(CONTROL_PLANE_SG.to_owned()),
        });
        if tier == Tier::Standard {
            for port in WEBHOOK_PORTS {
                rules.push(Rule {
                    direction: Direction::Ingress,
                    name: format!("{key}_from_control_plane_webhooks_{port}"),
                    group: group.clone(),
                    description: format!(
                        "Admission webhooks of cluster add-ons on port {port} from the EKS control plane"
                    ),
                    protocol: "tcp",
                    port: port.to_string(),
                    peer: Peer::Group(CONTROL_PLANE_SG.to_owned()),
                });
            }
            for client in Tier::ALL {
                for protocol in ["udp", "tcp"] {
                    rules.push(Rule {
                        direction: Direction::Ingress,
                        name: format!("{key}_dns_{protocol}_from_{}", tier_key(client)),
                        group: group.clone(),
                        description: format!(
                            "DNS ({}) to CoreDNS from {} pods",
                            protocol.to_uppercase(),
                            tier_words(client)
                        ),
                        protocol,
                        port: DNS_PORT.to_string(),
                        peer: Peer::Group(node_sg(client)),
                    });
                }
            }
        }

        let external: Vec<&str> = inventory
            .agents_of(tier)
            .filter(|a| a.reaches.external_https)
            .map(|a| a.id.as_str())
            .collect();
        rules.push(Rule {
            direction: Direction::Egress,
            name: format!("{key}_https_to_internet"),
            group: group.clone(),
            description: if external.is_empty() {
                "HTTPS to AWS APIs (ECR, EKS, STS, EC2) for the kubelet and the VPC CNI; no agent of the tier reaches external APIs".to_owned()
            } else {
                "HTTPS to AWS APIs (ECR, EKS, STS, EC2) and the external APIs of agents with reaches.external-https".to_owned()
            },
            protocol: "tcp",
            port: "443".to_owned(),
            peer: Peer::Cidr("0.0.0.0/0"),
        });
        rules.push(Rule {
            direction: Direction::Egress,
            name: format!("{key}_to_control_plane"),
            group: group.clone(),
            description: "Kubernetes API server (private endpoint)".to_owned(),
            protocol: "tcp",
            port: "443".to_owned(),
            peer: Peer::Group(CONTROL_PLANE_SG.to_owned()),
        });
        for protocol in ["udp", "tcp"] {
            rules.push(Rule {
                direction: Direction::Egress,
                name: format!("{key}_dns_{protocol}"),
                group: group.clone(),
                description: format!(
                    "DNS ({}) to CoreDNS on the standard-tier nodes",
                    protocol.to_uppercase()
                ),
                protocol,
                port: DNS_PORT.to_string(),
                peer: Peer::Group(node_sg(Tier::Standard)),
            });
        }
        if reaches_database(inventory, tier) {
            rules.push(Rule {
                direction: Direction::Egress,
                name: format!("{key}_to_database"),
                group: group.clone(),
                description: format!(
                    "Database port to the agent database ({words} agents with reaches.database)"
                ),
                protocol: "tcp",
                port: db_port.clone(),
                peer: Peer::Group(DATABASE_SG.to_owned()),
            });
        }
        for flow in flows.iter().filter(|f| f.caller == tier) {
            rules.push(Rule {
                direction: Direction::Egress,
                name: format!("{key}_to_{}_{}", tier_key(flow.callee), flow.port),
                group: group.clone(),
                description: format!(
                    "Agent port {} of the {} agents that {words} agents may call",
                    flow.port,
                    tier_words(flow.callee)
                ),
                protocol: "tcp",
                port: flow.port.to_string(),
                peer: Peer::Group(node_sg(flow.callee)),
            });
        }
    }

    // The database: the port, from exactly the tiers that reach it; no egress (S-SG-06).
    for tier in Tier::ALL {
        if reaches_database(inventory, tier) {
            rules.push(Rule {
                direction: Direction::Ingress,
                name: format!("database_from_{}", tier_key(tier)),
                group: DATABASE_SG.to_owned(),
                description: format!(
                    "Database port from the {} agents with reaches.database",
                    tier_words(tier)
                ),
                protocol: "tcp",
                port: db_port.clone(),
                peer: Peer::Group(node_sg(tier)),
            });
        }
    }

    // The control plane.
    for tier in Tier::ALL {
        let key = tier_key(tier);
        rules.push(Rule {
            direction: Direction::Ingress,
            name: format!("eks_control_plane_from_{key}"),
            group: CONTROL_PLANE_SG.to_owned(),
            description: format!(
                "Kubernetes API from the {} nodes and pods",
                tier_words(tier)
            ),
            protocol: "tcp",
            port: "443".to_owned(),
            peer: Peer::Group(node_sg(tier)),
        });
        rules.push(Rule {
            direction: Direction::Egress,
            name: format!("eks_control_plane_to_{key}_kubelet"),
            group: CONTROL_PLANE_SG.to_owned(),
            description: format!("Kubelet API on the {} nodes", tier_words(tier)),
            protocol: "tcp",
            port: KUBELET_PORT.to_string(),
            peer: Peer::Group(node_sg(tier)),
        });
    }
    for port in WEBHOOK_PORTS {
        rules.push(Rule {
            direction: Direction::Egress,
            name: format!("eks_control_plane_to_standard_agents_webhooks_{port}"),
            group: CONTROL_PLANE_SG.to_owned(),
            description: format!(
                "Admission webhooks of cluster add-ons on port {port} on the standard-tier nodes"
            ),
            protocol: "tcp",
            port: port.to_string(),
            peer: Peer::Group(node_sg(Tier::Standard)),
        });
    }

    // AWS rejects two rules of a group with the same protocol, port and peer (an agent
    // listening on 53 would repeat a DNS rule): keep the first, the more specific one.
    let mut seen = std::collections::BTreeSet::new();
    rules.retain(|r| seen.insert(r.identity()));
    (blocks, rules)
}

/// The default quota of rules per security group and direction.
const RULES_PER_GROUP_AND_DIRECTION: usize = 60;

/// Why the inventory's flows do not fit AWS's default security-group quotas, if
/// they do not: the groups with more than 60 rules in one direction.
pub(crate) fn over_quota(context: &Context<'_>) -> Vec<String> {
    let (_, rules) = build(context);
    let mut counts: std::collections::BTreeMap<(String, &str), usize> = Default::default();
    for rule in &rules {
        let direction = match rule.direction {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        };
        *counts.entry((rule.group.clone(), direction)).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(_, count)| *count > RULES_PER_GROUP_AND_DIRECTION)
        .map(|((group, direction), count)| {
            format!("{group} would need {count} {direction} rules (the default quota is {RULES_PER_GROUP_AND_DIRECTION})")
        })
        .collect()
}

/// Whether the critical tier's load balancer would admit nobody: every allowlisted
/// range lies inside the VPC, whose workloads reach critical agents only through
/// the flows the inventory allows.
pub(crate) fn critical_entry_unreachable(context: &Context<'_>) -> bool {
    has_agents(context.inventory, Tier::Critical)
        && critical_client_ranges(
            &context.inventory.platform.ip_allowlist,
            context.layout.vpc_cidr,
        )
        .is_empty()
}

pub(crate) fn render(context: &Context<'_>) -> Part {
    let (mut blocks, rules) = build(context);
    let mut body = String::new();
    blocks.extend(rules.iter().map(Rule::block));
    for block in &blocks {
        let _ = writeln!(body, "{}", block.render());
    }
    Part {
        files: vec![("security-groups.tf", body.trim_end().to_owned() + "\n")],
        variables: Vec::new(),
    }
}

fn critical_clients_list(context: &Context<'_>, ranges: &[Ipv4Net]) -> Block {
    let mut block = Block::resource("aws_ec2_managed_prefix_list", "critical_clients")
        .comment("The critical tier's clients: the inventory's IP allowlist without the VPC's own range,")
        .comment("so no workload inside the VPC, whatever its tier, reaches critical agents by address (C-08).")
        .template("name", "${local.name}-critical-clients")
        .string("address_family", "IPv4")
        .attr("max_entries", ranges.len().to_string());
    for range in ranges {
        let source = context
            .inventory
            .platform
            .ip_allowlist
            .iter()
            .find(|a| a.contains(range))
            .copied()
            .unwrap_or(*range);
        block = block.block(
            Block::new("entry")
                .string("cidr", &range.to_string())
                .string(
                    "description",
                    &if source == *range {
                        format!("Critical IP allowlist {source}")
                    } else {
                        format!("Critical IP allowlist {source}, outside the VPC")
                    },
                ),
        );
    }
    block.expr(
        "tags",
        Expr::Object(vec![
            (
                "Name".to_owned(),
                Expr::template("${local.name}-critical-clients"),
            ),
            (TIER_LABEL.to_owned(), Expr::string(Tier::Critical.as_str())),
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;

    fn starter() -> Inventory {
        Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap()
    }

    #[test]
    fn flows_between_tiers_come_from_the_inventory() {
        let flows = peer_flows(&starter());
        let described: Vec<String> = flows
            .iter()
            .map(|f| format!("{}->{}:{}", f.caller.as_str(), f.callee.as_str(), f.port))
            .collect();
        // critical agents call critical agents; high agents call high and standard
        // agents (customer-support -> ticket-router, knowledge-search); standard agents
        // call standard agents.
        assert_eq!(
            described,
            [
                "critical->critical:8443",
                "high->high:8443",
                "high->standard:8443",
                "standard->standard:8443",
            ]
        );
        assert!(reaches_database(&starter(), Tier::Standard));
        assert_eq!(agent_ports(&starter(), Tier::High), [8443]);
    }

    #[test]
    fn the_vpc_is_cut_out_of_the_critical_client_ranges() {
        let nets =
            |list: &[&str]| -> Vec<Ipv4Net> { list.iter().map(|s| s.parse().unwrap()).collect() };
        let ranges = critical_client_ranges(
            &nets(&["10.0.0.0/8", "172.16.0.0/12"]),
            "10.0.0.0/16".parse().unwrap(),
        );
        assert_eq!(
            ranges,
            nets(&[
                "10.1.0.0/16",
                "10.2.0.0/15",
                "10.4.0.0/14",
                "10.8.0.0/13",
                "10.16.0.0/12",
                "10.32.0.0/11",
                "10.64.0.0/10",
                "10.128.0.0/9",
                "172.16.0.0/12",
            ])
        );
        // A range inside the VPC is dropped; a public one is kept.
        assert_eq!(
            critical_client_ranges(
                &nets(&["10.0.4.0/24", "203.0.113.0/24"]),
                "10.0.0.0/16".parse().unwrap()
            ),
            nets(&["203.0.113.0/24"])
        );
    }

    #[test]
    fn every_flow_is_one_rule_and_none_repeats() {
        // The inventory rejects agent ports that would repeat a node rule (53 for DNS);
        // every rule is a distinct resource and a distinct flow.
        let text = crate::STARTER_INVENTORY;
        assert!(
            Inventory::parse(&text.replacen("port: 8443", "port: 53", 1), "agents.yaml").is_err()
        );
        let inventory = Inventory::parse(text, "agents.yaml").unwrap();
        let config = rampart_config::Config::default();
        let source = crate::InventorySource::of("agents.yaml", text.as_bytes());
        let context = Context {
            inventory: &inventory,
            config: &config,
            layout: crate::Layout::of(&inventory),
            source: &source,
        };
        let (_, rules) = build(&context);
        let identities: std::collections::BTreeSet<String> =
            rules.iter().map(Rule::identity).collect();
        assert_eq!(identities.len(), rules.len());
        let names: std::collections::BTreeSet<&str> =
            rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), rules.len());
        assert!(over_quota(&context).is_empty());
        let part = render(&context);
        let body = &part.files[0].1;
        // The critical load balancer admits only the client ranges; the others the internet.
        assert!(
            body.contains("prefix_list_id    = aws_ec2_managed_prefix_list.critical_clients.id")
        );
        assert!(!body.contains("\"critical_agents_alb_https_from_internet\""));
        assert!(body.contains("\"high_value_agents_alb_https_from_internet\""));
    }

    #[test]
    fn a_tier_without_callers_admits_only_its_load_balancer_and_the_control_plane() {
        let text = crate::STARTER_INVENTORY;
        let inventory = Inventory::parse(text, "agents.yaml").unwrap();
        let flows = peer_flows(&inventory);
        assert!(
            !flows
                .iter()
                .any(|f| f.callee == Tier::Critical && f.caller != Tier::Critical)
        );
        assert!(
            !flows
                .iter()
                .any(|f| f.caller == Tier::Critical && f.callee != Tier::Critical)
        );
    }
}
