//! The internet edge: load balancer listeners, WAF, Shield, Network Firewall (G-NET-04, S-WAF, S-PROF).

use rampart_config::Tier;
use rampart_model::aws::edge::{self, ServedTier};
use rampart_model::rampart_iac::{Node, Resource};
use rampart_model::{Project, Subject};

use crate::engine::{Findings, Rule};

mod critical_entry_without_shield_advanced;
mod critical_geo_restriction;
mod http_listener_without_redirect;
mod internet_facing_lb_without_waf;
mod ip_allowlist_bypass;
mod missing_managed_rule_group;
mod network_firewall_profile;
mod rate_limit_missing_or_too_high;
mod waf_logging_missing;
mod waf_metrics_disabled;
mod weak_tls_policy;

pub(crate) static RULES: &[&Rule] = &[
    &http_listener_without_redirect::RULE,
    &weak_tls_policy::RULE,
    &internet_facing_lb_without_waf::RULE,
    &missing_managed_rule_group::RULE,
    &rate_limit_missing_or_too_high::RULE,
    &critical_geo_restriction::RULE,
    &ip_allowlist_bypass::RULE,
    &waf_logging_missing::RULE,
    &waf_metrics_disabled::RULE,
    &critical_entry_without_shield_advanced::RULE,
    &network_firewall_profile::RULE,
];

/// Resource `index` of the project (always present: indices come from the model).
fn resource(project: &Project, index: usize) -> Option<&Resource> {
    project.resources.get(index).map(|resource| &**resource)
}

/// Reports a finding about resource `subject` (at `node` of `at`, or `at`'s
/// header) that concerns resources of `tier`: what a load balancer fronts,
/// what a web ACL or a firewall policy protects (see [`Sink::serving`]).
fn report(
    findings: &mut Findings,
    subject: usize,
    tier: Option<Tier>,
    at: &Resource,
    node: Option<&Node>,
    message: String,
) {
    let mut sink = findings.on(Subject::Resource(subject));
    match tier {
        Some(tier) => sink.serving(tier).report_resource(at, node, message),
        None => sink.report_resource(at, node, message),
    }
}

/// `` `aws_lb.agents` `` (or `` `AWS::…/Logical` `` style for CloudFormation).
fn name(project: &Project, index: usize) -> String {
    resource(project, index).map_or_else(String::new, |r| format!("`{}`", r.address))
}

/// How a resource comes to serve a tier, for messages: "is tagged critical",
/// "fronts critical-tier `aws_instance.payments`".
fn served(project: &Project, tier: &ServedTier) -> String {
    match tier.via {
        None => format!("is tagged `{}`", tier.tier),
        Some(via) => format!("fronts {}-tier {}", tier.tier, name(project, via)),
    }
}

/// How a web ACL comes to serve a tier: "is tagged `critical`", "protects
/// `aws_lb.agents` (critical tier)".
fn acl_served(project: &Project, tier: &ServedTier) -> String {
    match tier.via {
        None => format!("is tagged `{}`", tier.tier),
        Some(via) => format!("protects {} ({} tier)", name(project, via), tier.tier),
    }
}

/// Whether a web ACL protects an internet-facing load balancer, and which.
fn internet_facing_protected(edge: &edge::Edge<'_>, acl: usize) -> Option<usize> {
    let (protected, _) = edge.protected_by(acl);
    protected.into_iter().find(|&i| {
        edge::load_balancer(edge.project, i)
            .is_some_and(|lb| lb.exposure == Some(edge::Exposure::InternetFacing))
            || edge::CLOUDFRONT_TYPES
                .contains(&resource(edge.project, i).map_or("", |r| r.resource_type.as_str()))
    })
}
