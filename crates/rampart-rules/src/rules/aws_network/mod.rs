//! AWS network exposure: security groups, subnets, routes (G-NET, S-SG, S-SUB).

use rampart_config::Tier;
use rampart_model::aws::security_groups::{
    Owner, Peer, PortRange, Protocol, SecurityGroups, SgRule,
};
use rampart_model::rampart_iac::Node;
use rampart_model::{Project, Subject};

use crate::engine::{Findings, Rule};

mod agent_subnet_igw;
mod database_default_route;
mod dedicated_nat;
mod default_security_group;
mod internet_admin_port;
mod internet_not_https;
mod location_trust;
mod public_ip;
mod shared_security_group;
mod unrestricted_egress;
mod workload_subnets;

pub(crate) static RULES: &[&Rule] = &[
    &internet_admin_port::RULE,
    &internet_not_https::RULE,
    &location_trust::RULE,
    &default_security_group::RULE,
    &unrestricted_egress::RULE,
    &public_ip::RULE,
    &database_default_route::RULE,
    &agent_subnet_igw::RULE,
    &workload_subnets::RULE,
    &shared_security_group::RULE,
    &dedicated_nat::RULE,
];

/// Reports about resource `subject` at `node` (written in resource `at`, whose
/// header is used when `node` is `None`).
fn report(
    findings: &mut Findings,
    project: &Project,
    subject: usize,
    at: usize,
    node: Option<&Node>,
    message: String,
) {
    report_serving(findings, project, subject, None, at, node, message);
}

/// As [`report`], for a finding that concerns resources of `tier` (the
/// group a rule belongs to, what the group protects; see [`Sink::serving`]).
fn report_serving(
    findings: &mut Findings,
    project: &Project,
    subject: usize,
    tier: Option<Tier>,
    at: usize,
    node: Option<&Node>,
    message: String,
) {
    let Some(resource) = project.resources.get(at) else {
        return;
    };
    let mut sink = findings.on(Subject::Resource(subject));
    match tier {
        Some(tier) => sink.serving(tier).report_resource(resource, node, message),
        None => sink.report_resource(resource, node, message),
    }
}

/// A resource's own tier (its tag, or the provider's `default_tags`).
fn own_tier(project: &Project, index: usize) -> Option<Tier> {
    project.resource_tiers.get(index).copied().flatten()
}

/// The tier a security group protects: the most critical of its own tag and
/// the tiers of the resources it is attached to.
fn group_tier(project: &Project, groups: &SecurityGroups<'_>, group: usize) -> Option<Tier> {
    groups
        .attached_to(group)
        .map(|a| groups.attached_tier(a.resource))
        .chain([own_tier(project, group)])
        .max()
        .flatten()
}

/// The tier a finding on a security-group rule concerns: its group's (see
/// [`group_tier`]), so a standalone rule resource (`aws_security_group_rule`,
/// `aws_vpc_security_group_egress_rule`, `AWS::EC2::SecurityGroupIngress`, …)
/// weighs as much as an inline rule of the same group. A group not declared
/// here leaves the rule's own tier.
fn rule_tier(project: &Project, groups: &SecurityGroups<'_>, rule: &SgRule<'_>) -> Option<Tier> {
    match rule.owner {
        Owner::Group(group) => group_tier(project, groups, group),
        Owner::DefaultGroupOf(_) | Owner::Unknown => None,
    }
}

/// Reports about a security-group rule (its subject is the resource it is
/// written in) with the tier of its group.
fn report_rule(
    findings: &mut Findings,
    project: &Project,
    groups: &SecurityGroups<'_>,
    rule: &SgRule<'_>,
    node: Option<&Node>,
    message: String,
) {
    report_serving(
        findings,
        project,
        rule.declared_in,
        rule_tier(project, groups, rule),
        rule.declared_in,
        node,
        message,
    );
}

/// `` `aws_security_group.web` `` for messages.
fn name(project: &Project, index: usize) -> String {
    project
        .resources
        .get(index)
        .map_or_else(|| "a resource".to_owned(), |r| format!("`{}`", r.address))
}

/// The group a rule belongs to, for messages.
fn group_name(project: &Project, owner: Owner) -> String {
    match owner {
        Owner::Group(i) => name(project, i),
        Owner::DefaultGroupOf(vpc) => {
            format!("the default security group of {}", name(project, vpc))
        }
        Owner::Unknown => "a security group not declared here".to_owned(),
    }
}

/// What wrote a rule: the group (inline rule), or a rule resource and its group.
fn rule_name(project: &Project, rule: &SgRule<'_>) -> String {
    if rule.owner == Owner::Group(rule.declared_in) {
        name(project, rule.declared_in)
    } else {
        format!(
            "{} (a rule of {})",
            name(project, rule.declared_in),
            group_name(project, rule.owner)
        )
    }
}

/// `" (an entry of the prefix list `pl`)"` for a CIDR a rule admits through
/// a managed prefix list declared in the scan; nothing otherwise.
fn through_list(project: &Project, peer: &Peer<'_>) -> String {
    match peer.via {
        Some(entry) if entry.declared_in == entry.list => {
            format!(
                " (an entry of the prefix list {})",
                name(project, entry.list)
            )
        }
        Some(entry) => format!(
            " ({}, an entry of the prefix list {})",
            name(project, entry.declared_in),
            name(project, entry.list)
        ),
        None => String::new(),
    }
}

/// Administration and data ports that must never face the internet (G-NET-03).
const ADMIN_PORTS: &[(u16, u16, &str)] = &[
    (22, 22, "22 (SSH)"),
    (3389, 3389, "3389 (RDP)"),
    (5432, 5432, "5432 (PostgreSQL)"),
    (3306, 3306, "3306 (MySQL)"),
    (6379, 6379, "6379 (Redis)"),
    (9200, 9200, "9200 (Elasticsearch/OpenSearch)"),
    (2379, 2380, "2379-2380 (etcd)"),
    (10250, 10250, "10250 (kubelet)"),
];

/// What an ingress rule opens that NET-006 reports when it faces the
/// internet: every protocol, or TCP ports that include an administration or
/// data port.
fn admin_exposure(rule: &SgRule<'_>) -> Option<String> {
    if rule.protocol == Some(Protocol::All) {
        return Some("all traffic (every protocol and port)".to_owned());
    }
    let range: PortRange = rule.tcp_ports()?;
    let reached: Vec<&str> = ADMIN_PORTS
        .iter()
        .filter(|(from, to, _)| range.overlaps(*from, *to))
        .map(|(_, _, label)| *label)
        .collect();
    if reached.is_empty() {
        return None;
    }
    Some(match reached.as_slice() {
        [one] if range.from == range.to => format!("TCP port {one}"),
        [one] if range_is(range, one) => format!("TCP ports {one}"),
        _ => format!(
            "TCP {}, including {},",
            range.describe(),
            reached.join(", ")
        ),
    })
}

/// Whether `range` is exactly the admin entry labelled `label`.
fn range_is(range: PortRange, label: &str) -> bool {
    ADMIN_PORTS
        .iter()
        .any(|(from, to, l)| *l == label && range.from == *from && range.to == *to)
}
