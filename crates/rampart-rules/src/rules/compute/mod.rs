//! Compute: EKS clusters, node groups, launch templates (S-EKS, S-NODE).
//!
//! The relations (node group → cluster, node group → launch template, add-on →
//! cluster), the EKS lifecycle table and the defaults a node gets live in
//! `rampart_model::aws::compute`; the rules here only judge.

use rampart_config::Tier;
use rampart_model::rampart_iac::{BlockKind, Node, Resource};

use crate::engine::{Context, IacResource, Rule};

mod critical_taint;
mod eks_logging;
mod eks_public_endpoint;
mod eks_secrets_encryption;
mod eks_version;
mod imds_hop_limit;
mod imdsv1;
mod network_policy_enforcement;
mod node_ami;
mod node_ssh;
mod node_volume_encryption;
mod user_data_secret;

pub(crate) static RULES: &[&Rule] = &[
    &eks_public_endpoint::RULE,
    &eks_version::RULE,
    &eks_logging::RULE,
    &network_policy_enforcement::RULE,
    &eks_secrets_encryption::RULE,
    &node_volume_encryption::RULE,
    &imdsv1::RULE,
    &imds_hop_limit::RULE,
    &node_ssh::RULE,
    &node_ami::RULE,
    &critical_taint::RULE,
    &user_data_secret::RULE,
];

/// A resource block, not a data source of the same type.
pub(crate) fn is_managed(resource: &Resource) -> bool {
    resource.kind == BlockKind::Resource
}

/// The Terraform or CloudFormation spelling of an attribute, for messages.
pub(crate) fn spelled<'a>(
    resource: &Resource,
    terraform: &'a str,
    cloudformation: &'a str,
) -> &'a str {
    if resource.is_cloudformation() {
        cloudformation
    } else {
        terraform
    }
}

/// Where to report about a missing setting inside a nested block: the
/// block's header in Terraform; the resource's logical id in CloudFormation,
/// whose mappings have no header line of their own.
pub(crate) fn block_anchor<'a>(resource: &Resource, block: Option<&'a Node>) -> Option<&'a Node> {
    if resource.is_cloudformation() {
        None
    } else {
        block
    }
}

/// `launch template`, `instance`, `node group`, for messages.
pub(crate) fn noun(resource: &Resource) -> &'static str {
    match resource.resource_type.as_str() {
        "aws_launch_template" | "AWS::EC2::LaunchTemplate" => "launch template",
        "aws_instance" | "AWS::EC2::Instance" => "instance",
        "aws_eks_node_group" | "AWS::EKS::Nodegroup" => "node group",
        "aws_eks_cluster" | "AWS::EKS::Cluster" => "EKS cluster",
        _ => "resource",
    }
}

/// Whether a node group carries the critical node label
/// (`agent-classification=critical` by default); `None` when its labels are unknown.
pub(crate) fn has_critical_label(ctx: &Context<'_>, node_group: &Resource) -> Option<bool> {
    let nodes = &ctx.config.kubernetes.critical_nodes;
    if nodes.label_key.is_empty() {
        return Some(false);
    }
    let labels = node_group.attr("labels", "Labels");
    match labels {
        None => Some(false),
        Some(labels) if labels.is_unknown() => None,
        Some(labels) => match labels.get(&nodes.label_key) {
            None => Some(false),
            Some(value) if value.is_unknown() => None,
            Some(value) => Some(value.as_str() == Some(nodes.label_value.as_str())),
        },
    }
}

/// Whether a node group runs critical agents: tagged critical (its own tags or
/// the provider's `default_tags`), or labelled for critical pods.
pub(crate) fn is_critical_node_group(ctx: &Context<'_>, node_group: &IacResource<'_>) -> bool {
    node_group.tier == Some(Tier::Critical) || has_critical_label(ctx, node_group) == Some(true)
}

/// Why a cluster hosts critical agents, for messages: its own tier, or a node
/// group of critical agents.
pub(crate) fn hosts_critical_agents(
    ctx: &Context<'_>,
    cluster: &IacResource<'_>,
) -> Option<String> {
    if cluster.tier == Some(Tier::Critical) {
        return Some("it is classified critical".to_owned());
    }
    rampart_model::aws::compute::node_groups_of(ctx.project, cluster.index)
        .into_iter()
        .map(|i| ctx.resource(i))
        .find(|ng| is_critical_node_group(ctx, ng))
        .map(|ng| format!("its node group `{}` runs critical agents", ng.address))
}
