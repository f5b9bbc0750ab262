//! RBAC and service account tokens: least privilege inside the cluster (P-IIA, G-SEC-02).

use rampart_model::K8sObject;
use rampart_yaml::Node;

use crate::engine::Rule;

mod cluster_admin_binding;
mod pod_exec_access;
mod rbac_wildcard;
mod secrets_read_access;
mod service_account_automount;
mod service_account_token;

pub(crate) static RULES: &[&Rule] = &[
    &rbac_wildcard::RULE,
    &cluster_admin_binding::RULE,
    &secrets_read_access::RULE,
    &pod_exec_access::RULE,
    &service_account_token::RULE,
    &service_account_automount::RULE,
];

const RBAC_GROUP: &str = "rbac.authorization.k8s.io/";

/// Whether the object is an RBAC object of one of `kinds` that rampart should
/// judge. Kubernetes' own roles and bindings, as a cluster dump contains them,
/// are skipped: they carry the label `kubernetes.io/bootstrapping: rbac-defaults`
/// and a bootstrap name (`cluster-admin`, `admin`, `edit`, `view`, or a
/// `system:` name). Neither alone proves anything — anyone can choose a name or a
/// label — so an object needs both to be skipped.
pub(crate) fn is_own_rbac(object: &K8sObject, kinds: &[&str]) -> bool {
    kinds.contains(&object.kind.as_str())
        && object.api_version.starts_with(RBAC_GROUP)
        && !is_kubernetes_default(object)
}

fn is_kubernetes_default(object: &K8sObject) -> bool {
    let bootstrap_name = matches!(
        object.name.as_str(),
        "cluster-admin" | "admin" | "edit" | "view"
    ) || object.name.starts_with("system:");
    bootstrap_name && object.label("kubernetes.io/bootstrapping") == Some("rbac-defaults")
}

/// The text of an item of an RBAC string list. A null item decodes as the empty
/// string, which in `apiGroups` is the core group.
pub(crate) fn item_text(node: &Node) -> Option<&str> {
    if node.is_null() {
        Some("")
    } else {
        node.as_str()
    }
}

/// A rule of a Role or ClusterRole.
#[derive(Clone, Copy)]
pub(crate) struct PolicyRule<'a> {
    pub node: &'a Node,
}

impl<'a> PolicyRule<'a> {
    /// The items of a list field (`verbs`, `resources`, `apiGroups`, …).
    pub fn items(&self, field: &str) -> &'a [Node] {
        self.node.get(field).map(Node::items).unwrap_or_default()
    }

    /// The texts of a list field.
    pub fn texts(&self, field: &str) -> Vec<&'a str> {
        self.items(field).iter().filter_map(item_text).collect()
    }

    pub fn has(&self, field: &str, value: &str) -> bool {
        self.items(field)
            .iter()
            .any(|n| item_text(n) == Some(value))
    }

    /// Whether the rule applies to the core API group (`""` or `*`).
    pub fn covers_core_group(&self) -> bool {
        self.has("apiGroups", "") || self.has("apiGroups", "*")
    }

    /// Whether `resourceNames` restricts the rule to named objects.
    pub fn is_name_restricted(&self) -> bool {
        !self.items("resourceNames").is_empty()
    }
}

/// The rules of a Role or ClusterRole as written. An aggregated ClusterRole's
/// rules are overwritten by the aggregation controller with those of the roles
/// it selects (reported on their own), so it has none of its own.
pub(crate) fn policy_rules(object: &K8sObject) -> Vec<PolicyRule<'_>> {
    let aggregated = object
        .root
        .get("aggregationRule")
        .is_some_and(|n| !n.is_null());
    if aggregated {
        return Vec::new();
    }
    object
        .root
        .get("rules")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter(|n| n.is_map())
        .map(|node| PolicyRule { node })
        .collect()
}

/// `` `a`, `b` `` for messages.
pub(crate) fn code_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
