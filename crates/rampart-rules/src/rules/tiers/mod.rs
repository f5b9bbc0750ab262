//! Tiers: every resource carries one, they agree along the chain, and each tier
//! gets the isolation its profile requires (S-INV-01, S-PSS-01, S-NODE-09).

use rampart_config::{Config, CriticalNodes};
use rampart_yaml::Node;

use crate::engine::Rule;

mod conflicting_tier_labels;
mod critical_pod_placement;
mod critical_taint_tolerated;
mod namespace_pod_security_level;
mod workload_without_tier;

pub(crate) static RULES: &[&Rule] = &[
    &namespace_pod_security_level::RULE,
    &critical_pod_placement::RULE,
    &critical_taint_tolerated::RULE,
    &workload_without_tier::RULE,
    &conflicting_tier_labels::RULE,
];

/// The text of a scalar field, `""` when it is missing or null (how the API
/// server decodes an absent or null string field).
fn text<'a>(node: &'a Node, key: &str) -> &'a str {
    node.get(key).and_then(Node::as_str).unwrap_or_default()
}

/// Whether a toleration (an item of `tolerations`) tolerates the critical-node
/// taint, as the scheduler decides it: the effect matches (an empty effect
/// matches every effect), the key matches (an empty key with `Exists` matches
/// every key) and the value matches (`Equal`, the default operator, compares
/// it; `Exists` ignores it). Unknown operators tolerate nothing.
pub(crate) fn tolerates_critical_taint(toleration: &Node, nodes: &CriticalNodes) -> bool {
    if !toleration.is_map() {
        return false;
    }
    let effect = text(toleration, "effect");
    if !effect.is_empty() && effect != nodes.taint_effect.as_str() {
        return false;
    }
    let key = text(toleration, "key");
    if !key.is_empty() && key != nodes.taint_key {
        return false;
    }
    match text(toleration, "operator") {
        "" | "Equal" => text(toleration, "value") == nodes.taint_value,
        "Exists" => true,
        _ => false,
    }
}

/// `agent-classification=critical:NoSchedule`, for messages.
pub(crate) fn describe_taint(nodes: &CriticalNodes) -> String {
    format!(
        "{}={}:{}",
        nodes.taint_key,
        nodes.taint_value,
        nodes.taint_effect.as_str()
    )
}

/// Says why the critical-node rules cannot check anything (no taint key configured).
pub(crate) fn no_critical_taint(config: &Config) -> Option<String> {
    config
        .kubernetes
        .critical_nodes
        .taint_key
        .is_empty()
        .then(|| "`kubernetes.critical-nodes.taint-key` is empty: there is no critical taint to check tolerations against".to_owned())
}

/// Says why the critical-placement rule cannot check anything (no taint key or
/// no node label key configured).
pub(crate) fn no_critical_nodes(config: &Config) -> Option<String> {
    no_critical_taint(config).or_else(|| {
        config
            .kubernetes
            .critical_nodes
            .label_key
            .is_empty()
            .then(|| "`kubernetes.critical-nodes.label-key` is empty: there is no node label critical pods could select".to_owned())
    })
}

/// Says why the tier-label rules cannot check anything (no label keys configured).
pub(crate) fn no_tier_keys(config: &Config) -> Option<String> {
    config
        .tiers
        .label_keys
        .is_empty()
        .then(|| "`tiers.label-keys` is empty: no label can carry a tier".to_owned())
}

/// `` `agent-classification` or `classification` ``, for messages.
pub(crate) fn describe_keys(keys: &[String]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        None => "no tier label key".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
