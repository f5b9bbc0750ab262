//! AWS network exposure: security groups, subnets, routes (G-NET, S-SG, S-SUB).

use rampart_model::aws::security_groups::{Owner, PortRange, Protocol, SgRule};
use rampart_model::rampart_iac::Node;
use rampart_model::{Project, Subject};

use crate::engine::{Findings, Rule};

mod agent_subnet_igw;
mod database_default_route;
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
    if let Some(resource) = project.resources.get(at) {
        findings
            .on(Subject::Resource(subject))
            .report_resource(resource, node, message);
    }
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
