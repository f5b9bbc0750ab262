use rampart_source::Span;
use rampart_yaml::Node;

use crate::kubernetes::K8sObject;

/// A `networking.k8s.io` NetworkPolicy, read the way the API server reads it.
#[derive(Clone, Copy, Debug)]
pub struct NetworkPolicy<'a> {
    pub object: &'a K8sObject,
    spec: Option<&'a Node>,
}

/// A direction of traffic a policy can restrict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingress => "Ingress",
            Self::Egress => "Egress",
        }
    }

    /// The spec field holding the rules (`ingress`, `egress`).
    pub fn field(self) -> &'static str {
        match self {
            Self::Ingress => "ingress",
            Self::Egress => "egress",
        }
    }

    /// The peer field of a rule (`from`, `to`).
    pub fn peers_field(self) -> &'static str {
        match self {
            Self::Ingress => "from",
            Self::Egress => "to",
        }
    }
}

impl<'a> NetworkPolicy<'a> {
    pub fn new(object: &'a K8sObject) -> Option<Self> {
        (object.kind == "NetworkPolicy" && object.api_version.starts_with("networking.k8s.io/"))
            .then(|| Self {
                object,
                spec: object.spec(),
            })
    }

    /// Whether `spec.podSelector` is empty, so the policy applies to every pod of
    /// its namespace.
    pub fn selects_all_pods(&self) -> bool {
        match self.spec.and_then(|s| s.get("podSelector")) {
            // A missing selector is rejected by the API server; an explicit null
            // decodes to the empty selector.
            None => false,
            Some(selector) => {
                selector.is_null()
                    || ["matchLabels", "matchExpressions"].iter().all(|key| {
                        selector.get(key).is_none_or(|n| {
                            n.is_null() || n.entries().is_empty() && n.items().is_empty()
                        })
                    })
            }
        }
    }

    /// Whether the policy restricts a direction: listed in `policyTypes`, or, when
    /// `policyTypes` is absent or empty, `Ingress` always and `Egress` when the
    /// `egress` section has at least one rule — the API server's defaulting
    /// (`SetDefaults_NetworkPolicy`), under which `egress: []` restricts nothing.
    pub fn restricts(&self, direction: Direction) -> bool {
        let Some(spec) = self.spec else {
            return direction == Direction::Ingress;
        };
        match spec.get("policyTypes").filter(|n| !n.items().is_empty()) {
            Some(types) => types
                .items()
                .iter()
                .any(|t| t.as_str() == Some(direction.as_str())),
            None => match direction {
                Direction::Ingress => true,
                Direction::Egress => !self.rules(Direction::Egress).is_empty(),
            },
        }
    }

    /// The rules for a direction (`spec.ingress` / `spec.egress` items).
    pub fn rules(&self, direction: Direction) -> &'a [Node] {
        self.spec
            .and_then(|s| s.get(direction.field()))
            .map(Node::items)
            .unwrap_or_default()
    }

    /// Whether the policy denies all traffic of a direction to every pod of its
    /// namespace: it selects all pods, restricts the direction and allows nothing.
    pub fn is_default_deny(&self, direction: Direction) -> bool {
        self.selects_all_pods() && self.restricts(direction) && self.rules(direction).is_empty()
    }

    /// Whether a rule allows every peer: no `from`/`to`, or an empty list.
    pub fn rule_allows_all_peers(rule: &Node, direction: Direction) -> bool {
        rule.get(direction.peers_field())
            .is_none_or(|peers| peers.is_null() || peers.items().is_empty())
    }

    /// Whether a rule allows every port: no `ports`, or an empty list.
    pub fn rule_allows_all_ports(rule: &Node) -> bool {
        rule.get("ports")
            .is_none_or(|ports| ports.is_null() || ports.items().is_empty())
    }

    /// Where to point at a rule: its first key.
    pub fn rule_span(rule: &Node) -> Span {
        rule.entries().first().map_or(rule.span, |e| e.key.span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Project;
    use rampart_config::Config;
    use rampart_discover::{FileKind, InputFile};

    fn policy_project(yaml: &str) -> Project {
        Project::build(
            vec![InputFile::new(FileKind::Kubernetes, "np.yaml", yaml)],
            &Config::default(),
        )
    }

    #[test]
    fn default_deny_follows_api_defaulting() {
        let project = policy_project(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\nspec:\n  podSelector: {}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n",
        );
        let a = NetworkPolicy::new(&project.objects[0]).unwrap();
        assert!(a.is_default_deny(Direction::Ingress));
        assert!(!a.restricts(Direction::Egress));
        let b = NetworkPolicy::new(&project.objects[1]).unwrap();
        assert!(b.is_default_deny(Direction::Ingress));
        assert!(!b.is_default_deny(Direction::Egress));
        assert!(NetworkPolicy::rule_allows_all_peers(
            &b.rules(Direction::Egress)[0],
            Direction::Egress
        ));
    }

    #[test]
    fn empty_lists_default_like_missing_ones() {
        // `egress: []` without policyTypes leaves egress open; `policyTypes: []`
        // defaults to Ingress.
        let project = policy_project(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\nspec:\n  podSelector: {}\n  ingress: []\n  egress: []\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: []\n",
        );
        let a = NetworkPolicy::new(&project.objects[0]).unwrap();
        assert!(a.is_default_deny(Direction::Ingress));
        assert!(!a.restricts(Direction::Egress));
        let b = NetworkPolicy::new(&project.objects[1]).unwrap();
        assert!(b.is_default_deny(Direction::Ingress));
        assert!(!b.restricts(Direction::Egress));
    }

    #[test]
    fn selectors_with_labels_do_not_select_all() {
        let project = policy_project(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  podSelector:\n    matchLabels: {app: x}\n  policyTypes: [Ingress]\n",
        );
        let a = NetworkPolicy::new(&project.objects[0]).unwrap();
        assert!(!a.selects_all_pods());
        assert!(!a.is_default_deny(Direction::Ingress));
    }
}
