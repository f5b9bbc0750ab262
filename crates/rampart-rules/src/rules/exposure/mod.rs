//! What a manifest exposes outside the cluster (G-NET-07, G-NET-04).

use rampart_model::K8sObject;
use rampart_yaml::Node;

use crate::engine::Rule;

mod ingress_without_tls;
mod node_port_service;
mod public_database;
mod public_load_balancer;
mod service_external_ips;

pub(crate) static RULES: &[&Rule] = &[
    &public_load_balancer::RULE,
    &node_port_service::RULE,
    &service_external_ips::RULE,
    &ingress_without_tls::RULE,
    &public_database::RULE,
];

/// A core `v1` Service.
pub(crate) fn is_service(object: &K8sObject) -> bool {
    object.kind == "Service" && object.api_version == "v1"
}

/// The Service's `spec.type` node when it is exactly `value` (the API is case-sensitive).
pub(crate) fn service_type<'a>(object: &'a K8sObject, value: &str) -> Option<&'a Node> {
    object
        .root
        .path(&["spec", "type"])
        .filter(|n| n.as_str() == Some(value))
}
