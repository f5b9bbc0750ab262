//! NetworkPolicy: default deny per namespace, and what the allow rules let through.

use ipnet::IpNet;
use rampart_yaml::Node;

use crate::engine::Rule;

mod allows_all;
mod egress_to_internet;
mod missing_default_deny;

pub(crate) static RULES: &[&Rule] = &[
    &missing_default_deny::RULE,
    &egress_to_internet::RULE,
    &allows_all::RULE,
];

/// The `cidr` of a peer's `ipBlock` when it covers every address of its family
/// (`0.0.0.0/0`, `::/0`): `except` ranges carve out a few private ranges at most,
/// never the internet.
pub(crate) fn anywhere_cidr(peer: &Node) -> Option<&Node> {
    peer.path(&["ipBlock", "cidr"]).filter(|cidr| {
        cidr.as_str()
            .and_then(|text| text.trim().parse::<IpNet>().ok())
            .is_some_and(|net| net.prefix_len() == 0)
    })
}

/// Whether a peer's `ipBlock` lists `except` ranges.
pub(crate) fn has_except(peer: &Node) -> bool {
    peer.path(&["ipBlock", "except"])
        .is_some_and(|e| !e.items().is_empty())
}

/// Whether a label selector that is present selects everything: `{}`, or only
/// empty `matchLabels`/`matchExpressions`. A null selector is an absent one
/// (for peers, that is not "everything"), so it is not empty here.
pub(crate) fn selector_is_empty(selector: &Node) -> bool {
    selector.is_map()
        && selector.entries().iter().all(|e| {
            matches!(e.key.as_str(), Some("matchLabels" | "matchExpressions"))
                && (e.value.is_null() || e.value.entries().is_empty() && e.value.items().is_empty())
        })
}

/// A present, non-null field.
pub(crate) fn present<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.get(key).filter(|n| !n.is_null())
}
