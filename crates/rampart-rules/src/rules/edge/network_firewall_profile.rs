use std::collections::BTreeMap;

use rampart_config::{NetworkFirewall, Severity, Tier};
use rampart_model::aws::edge::{self, FirewallGroup, FirewallPolicy, InternetPath, Routing};
use rampart_model::rampart_iac::Node;
use rampart_model::{Project, Subject};

use super::{name, report, resource};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NFW-001",
        name: "network-firewall-profile",
        severity: Severity::Medium,
        summary: "Tier subnets reach the internet without a Network Firewall, or through a policy below the tier's level",
        requirements: &[
            "S-PROF-NFW-CRIT",
            "S-PROF-NFW-HIGH",
            "S-PROF-NFW-STD",
            "G-NET-02",
        ],
        docs: RuleDocs {
            what: "For every subnet with a tier (Terraform `aws_subnet`, CloudFormation `AWS::EC2::Subnet`, tagged directly or through the provider's `default_tags`), follows its route table (its association, else the VPC's main route table set with `aws_main_route_table_association` or `aws_default_route_table`) and reports a route to an internet gateway, or to a NAT gateway whose own subnet routes to one, that passes no Network Firewall endpoint (`vpc_endpoint_id` naming an `aws_networkfirewall_firewall`). The edge's own subnets are exempt: firewall subnets (`subnet_mapping`), NAT gateway subnets and the subnets of internet-facing load balancers. For each firewall in a tier's path (or tagged with a tier), checks its policy (`aws_networkfirewall_firewall_policy`, `AWS::NetworkFirewall::FirewallPolicy`) against the most demanding `network-firewall` level among those tiers: `stateless` needs a rule group that filters (or a `aws:drop` default) and a stateless default of `aws:forward_to_sfe` or `aws:drop`; `stateful-basic` needs `stateless_default_actions = [\"aws:forward_to_sfe\"]` and a stateful rule group; `stateful-with-ids` adds `rule_order = \"STRICT_ORDER\"`, a stateful default of `aws:drop_established` or `aws:drop_strict`, and an IDS group (an AWS managed `ThreatSignatures*` group, or a stateful group of Suricata `alert`/`drop` signatures with a `sid`). When the path cannot be established (a route to a transit gateway or a third-party appliance, a firewall endpoint or route table rampart cannot resolve, a VPC managed elsewhere), nothing is reported: the values involved are listed by `--show-unknown`. Logging, `HOME_NET` and delete protection are not checked here. The catalogue rates the critical tier High and the others Medium: the rule is Medium, raised to High when a finding concerns the critical tier: a route of critical-tier subnets, or a firewall policy held to the critical tier's level (or tagged critical).",
            why: "Security groups filter by address and port; a Network Firewall inspects the traffic itself and stops what they cannot: connections to command-and-control domains, data exfiltration over allowed ports, exploits in flight. The policy gives each tier a firewall level (S-PROF-NFW-*): stateless filtering for standard agents, stateful inspection for high, stateful inspection with intrusion detection signatures and a default drop for critical. A firewall that traffic routes around, or whose policy passes everything by default, inspects nothing.",
            fail: Example::terraform(
                r#"resource "aws_vpc" "agents" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "agents" {
  vpc_id = aws_vpc.agents.id
}

resource "aws_subnet" "critical" {
  vpc_id     = aws_vpc.agents.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_route_table" "critical" {
  vpc_id = aws_vpc.agents.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.agents.id
  }
}

resource "aws_route_table_association" "critical" {
  subnet_id      = aws_subnet.critical.id
  route_table_id = aws_route_table.critical.id
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "agents" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "critical" {
  vpc_id     = aws_vpc.agents.id
  cidr_block = "10.0.1.0/24"
  tags       = { classification = "critical" }
}

resource "aws_subnet" "firewall" {
  vpc_id     = aws_vpc.agents.id
  cidr_block = "10.0.0.0/28"
}

resource "aws_networkfirewall_firewall_policy" "critical" {
  name = "critical"

  firewall_policy {
    stateless_default_actions          = ["aws:forward_to_sfe"]
    stateless_fragment_default_actions = ["aws:forward_to_sfe"]
    stateful_default_actions           = ["aws:drop_established", "aws:alert_established"]

    stateful_engine_options {
      rule_order = "STRICT_ORDER"
    }

    stateful_rule_group_reference {
      priority     = 1
      resource_arn = "arn:aws:network-firewall:us-east-1:aws-managed:stateful-rulegroup/ThreatSignaturesMalwareStrictOrder"
    }
  }
}

resource "aws_networkfirewall_firewall" "critical" {
  name                = "critical"
  vpc_id              = aws_vpc.agents.id
  firewall_policy_arn = aws_networkfirewall_firewall_policy.critical.arn

  subnet_mapping {
    subnet_id = aws_subnet.firewall.id
  }
}

resource "aws_route_table" "critical" {
  vpc_id = aws_vpc.agents.id

  route {
    cidr_block      = "0.0.0.0/0"
    vpc_endpoint_id = tolist(aws_networkfirewall_firewall.critical.firewall_status[0].sync_states)[0].attachment[0].endpoint_id
  }
}

resource "aws_route_table_association" "critical" {
  subnet_id      = aws_subnet.critical.id
  route_table_id = aws_route_table.critical.id
}
"#,
            ),
            fix: "Put dedicated firewall subnets in each AZ, deploy an `aws_networkfirewall_firewall` there, and point the tier subnets' default route (or the NAT subnets' route to the internet gateway, with the return route from the internet gateway's edge route table) at the firewall endpoint. Give the policy what the tier's level needs: `stateless_default_actions = [\"aws:forward_to_sfe\"]`, stateful rule groups, and for critical `rule_order = \"STRICT_ORDER\"`, `stateful_default_actions = [\"aws:drop_established\", \"aws:alert_established\"]` and a `ThreatSignatures…StrictOrder` managed group.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn level_name(level: NetworkFirewall) -> &'static str {
    match level {
        NetworkFirewall::Stateless => "stateless",
        NetworkFirewall::StatefulBasic => "stateful-basic",
        NetworkFirewall::StatefulWithIds => "stateful-with-ids",
    }
}

fn subnets_list(project: &Project, subnets: &[usize]) -> String {
    let shown: Vec<String> = subnets.iter().take(3).map(|&s| name(project, s)).collect();
    let more = subnets.len().saturating_sub(3);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// What a route that bypasses the firewall is, for grouping.
type BypassKey = (usize, Option<(usize, u32, u32)>, Tier);

struct Bypass {
    target: Node,
    gateway: usize,
    nat: Option<usize>,
    subnets: Vec<usize>,
}

/// What a firewall must meet, and why.
#[derive(Clone, Copy)]
struct Need {
    level: NetworkFirewall,
    tier: Tier,
    /// A subnet of that tier behind the firewall (`None`: the firewall's tag).
    subnet: Option<usize>,
    firewall: usize,
}

impl Need {
    /// Keeps the most demanding level; between tiers of one level, the most
    /// critical tier, which the finding then carries.
    fn keep_most_demanding(&mut self, other: Need) {
        if (other.level, other.tier) > (self.level, self.tier) {
            *self = other;
        }
    }
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let routing = Routing::build(project);
    let exempt = routing.edge_subnets();
    let mut bypasses: BTreeMap<BypassKey, Bypass> = BTreeMap::new();
    let mut needs: BTreeMap<usize, Need> = BTreeMap::new();
    for subnet in edge::resources_of(project, edge::SUBNET_TYPES) {
        if exempt.contains(&subnet) {
            continue;
        }
        let Some(tier) = project.resource_tiers.get(subnet).copied().flatten() else {
            continue;
        };
        let level = ctx.config.tiers.profile(tier).network_firewall;
        match routing.internet_path(subnet) {
            InternetPath::Bypass {
                route_resource,
                target,
                gateway,
                nat,
            } => {
                let at = target
                    .origin
                    .map(|o| (o.file.index(), o.span.start.line, o.span.start.column));
                bypasses
                    .entry((route_resource, at, tier))
                    .or_insert_with(|| Bypass {
                        target,
                        gateway,
                        nat,
                        subnets: Vec::new(),
                    })
                    .subnets
                    .push(subnet);
            }
            InternetPath::Firewalls(firewalls) => {
                for firewall in firewalls {
                    let need = Need {
                        level,
                        tier,
                        subnet: Some(subnet),
                        firewall,
                    };
                    needs
                        .entry(firewall)
                        .and_modify(|n| n.keep_most_demanding(need))
                        .or_insert(need);
                }
            }
            InternetPath::None | InternetPath::Unknown => {}
        }
    }
    for ((route_resource, _, tier), bypass) in &bypasses {
        let (Some(&first), Some(route)) =
            (bypass.subnets.first(), resource(project, *route_resource))
        else {
            continue;
        };
        let level = ctx.config.tiers.profile(*tier).network_firewall;
        let through = match bypass.nat {
            Some(nat) => format!(
                "through NAT gateway {} and {}",
                name(project, nat),
                name(project, bypass.gateway)
            ),
            None => format!("through {}", name(project, bypass.gateway)),
        };
        let plural = if bypass.subnets.len() > 1 {
            "subnets"
        } else {
            "subnet"
        };
        let verb = if bypass.subnets.len() > 1 {
            "reach"
        } else {
            "reaches"
        };
        findings.on(Subject::Resource(first)).report_resource(
            route,
            Some(&bypass.target),
            format!(
                "{tier}-tier {plural} {} {verb} the internet {through} without passing a Network Firewall; the {tier} profile requires one (`{}`)",
                subnets_list(project, &bypass.subnets),
                level_name(level)
            ),
        );
    }
    // Firewalls tagged with a tier but in no tier subnet's known path.
    let firewalls = edge::firewalls(project);
    for firewall in &firewalls {
        if needs.contains_key(&firewall.index) {
            continue;
        }
        if let Some(tier) = project
            .resource_tiers
            .get(firewall.index)
            .copied()
            .flatten()
        {
            needs.insert(
                firewall.index,
                Need {
                    level: ctx.config.tiers.profile(tier).network_firewall,
                    tier,
                    subnet: None,
                    firewall: firewall.index,
                },
            );
        }
    }
    // The most demanding need of each policy.
    let mut policies: BTreeMap<usize, Need> = BTreeMap::new();
    for firewall in &firewalls {
        let Some(need) = needs.get(&firewall.index).copied() else {
            continue;
        };
        for &policy in &firewall.policies {
            policies
                .entry(policy)
                .and_modify(|n| n.keep_most_demanding(need))
                .or_insert(need);
        }
    }
    for (policy, need) in policies {
        let Some(policy) = edge::firewall_policy(project, policy) else {
            continue;
        };
        let why = match need.subnet {
            Some(subnet) => format!(
                "firewall {} is in the path of {}-tier subnet {}",
                name(project, need.firewall),
                need.tier,
                name(project, subnet)
            ),
            None => format!(
                "firewall {} is tagged `{}`",
                name(project, need.firewall),
                need.tier
            ),
        };
        // Reported with the tier whose level the policy misses: a policy of
        // no tier of its own in front of critical subnets is critical.
        for (node, gap) in gaps(&policy, need.level) {
            report(
                findings,
                policy.index,
                Some(need.tier),
                policy.resource,
                node.or(policy.body),
                format!(
                    "firewall policy `{}` {gap}, below the `{}` level of the {} tier ({why})",
                    policy.resource.address,
                    level_name(need.level),
                    need.tier
                ),
            );
        }
    }
}

/// The strings of a list value, when known.
fn known_strings(node: Option<&Node>) -> Option<Vec<String>> {
    match node {
        None => Some(Vec::new()),
        Some(n) if n.contains_unknown() => None,
        Some(n) => Some(n.strings().into_iter().map(str::to_owned).collect()),
    }
}

/// What a policy lacks for a level, and where to say so.
fn gaps<'p>(
    policy: &FirewallPolicy<'p>,
    level: NetworkFirewall,
) -> Vec<(Option<&'p Node>, String)> {
    let mut out = Vec::new();
    let stateless_default = known_strings(policy.stateless_default_actions);
    let forward = stateless_default
        .as_ref()
        .map(|d| d.iter().any(|a| a == "aws:forward_to_sfe"));
    let drop = stateless_default
        .as_ref()
        .map(|d| d.iter().any(|a| a == "aws:drop"));
    let groups_known = !policy.groups_unknown
        && !policy
            .stateless_groups
            .iter()
            .chain(&policy.stateful_groups)
            .any(|g| matches!(g, FirewallGroup::Unknown));
    let shown = |n: Option<&Node>| n.map_or_else(|| "not set".to_owned(), Node::describe);
    if level == NetworkFirewall::Stateless {
        if let (Some(false), Some(false)) = (forward, drop) {
            out.push((
                policy.stateless_default_actions,
                format!(
                    "passes every packet no stateless rule matches (`stateless_default_actions` {})",
                    shown(policy.stateless_default_actions)
                ),
            ));
        }
        let filters = !policy.stateless_groups.is_empty()
            || (forward == Some(true) && !policy.stateful_groups.is_empty())
            || drop == Some(true);
        if !filters && groups_known && stateless_default.is_some() {
            out.push((
                None,
                "references no rule group that filters traffic".to_owned(),
            ));
        }
        return out;
    }
    if forward == Some(false)
        || (forward == Some(true) && stateless_default.as_ref().is_some_and(|d| d.len() > 1))
    {
        out.push((
            policy.stateless_default_actions,
            format!(
                "does not forward traffic to the stateful engine (`stateless_default_actions` {}, needs `[\"aws:forward_to_sfe\"]`)",
                shown(policy.stateless_default_actions)
            ),
        ));
    }
    let stateful = policy.stateful_groups.iter().any(|g| match g {
        FirewallGroup::Managed { stateful, .. } => *stateful,
        FirewallGroup::Custom { stateful, .. } => *stateful != Some(false),
        FirewallGroup::Unknown => true,
    });
    if !stateful && !policy.groups_unknown {
        out.push((None, "references no stateful rule group".to_owned()));
    }
    if level != NetworkFirewall::StatefulWithIds {
        return out;
    }
    match policy.rule_order {
        None => out.push((
            None,
            "evaluates stateful rules in the default action order (`rule_order` not set, needs `STRICT_ORDER`)".to_owned(),
        )),
        Some(n) if n.as_str().is_some_and(|o| o != "STRICT_ORDER") => out.push((
            Some(n),
            format!("sets `rule_order` to {}, not `STRICT_ORDER`", n.describe()),
        )),
        Some(_) => {}
    }
    match known_strings(policy.stateful_default_actions) {
        Some(actions)
            if !actions
                .iter()
                .any(|a| a == "aws:drop_established" || a == "aws:drop_strict") =>
        {
            out.push((
                policy.stateful_default_actions,
                format!(
                    "has no stateful default drop (`stateful_default_actions` {}, needs `aws:drop_established` or `aws:drop_strict`): traffic no rule matches is allowed",
                    shown(policy.stateful_default_actions)
                ),
            ));
        }
        _ => {}
    }
    let ids: Vec<Option<bool>> = policy
        .stateful_groups
        .iter()
        .map(FirewallGroup::is_ids)
        .collect();
    if !policy.groups_unknown && !ids.contains(&Some(true)) && !ids.contains(&None) {
        out.push((
            None,
            "references no intrusion-detection signature group (an AWS managed `ThreatSignatures…` group or Suricata `alert`/`drop` signatures)".to_owned(),
        ));
    }
    out
}
