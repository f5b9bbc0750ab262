use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_yaml::Node;

use super::is_own_rbac;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RBAC-002",
        name: "cluster-admin-binding",
        severity: Severity::High,
        summary: "Binding grants cluster-admin",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports every subject of a ClusterRoleBinding or RoleBinding whose `roleRef` is the ClusterRole `cluster-admin`, at the subject's name. A RoleBinding grants it within its namespace only, which is still full control of that namespace (its Secrets, RBAC and workloads). Kubernetes' own identities (users and groups named `system:…`, such as `system:masters`) are not reported, except those that stand for whole populations rather than a component: `system:authenticated`, `system:unauthenticated`, `system:anonymous`, `system:serviceaccounts`, `system:serviceaccounts:<namespace>` and service account users `system:serviceaccount:<namespace>:<name>`. Bindings named `system:…` or labelled `kubernetes.io/bootstrapping: rbac-defaults` are Kubernetes' own and skipped.",
            why: "`cluster-admin` allows every action on every resource. Whoever holds it (a person, a CI identity, or the service account of a compromised agent pod) can read every Secret, run privileged pods on critical nodes and rewrite RBAC to keep access. The policy forbids bindings to `cluster-admin` for non-system subjects (G-SEC-02).",
            fail: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: deployer-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: high-agents
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deployer
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
"#,
            ),
            fix: "Bind a Role (or ClusterRole through a RoleBinding) that lists only what the subject does, in the namespaces where it does it. Keep `cluster-admin` for break-glass access through `system:masters`-style credentials that are not bound in manifests.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

/// How a `system:` identity is described, when it is a population rather than a
/// Kubernetes component; `None` for components (not reported).
fn system_population(kind: &str, name: &str) -> Option<String> {
    match (kind, name) {
        ("Group", "system:authenticated") => Some("every authenticated identity".to_owned()),
        ("Group", "system:unauthenticated") | ("User", "system:anonymous") => {
            Some("anonymous requests".to_owned())
        }
        ("Group", "system:serviceaccounts") => {
            Some("every service account of the cluster".to_owned())
        }
        ("Group", group) => group
            .strip_prefix("system:serviceaccounts:")
            .map(|ns| format!("every service account of namespace `{ns}`")),
        ("User", user) => user
            .strip_prefix("system:serviceaccount:")
            .map(|sa| format!("service account `{}`", sa.replacen(':', "/", 1))),
        _ => None,
    }
}

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_own_rbac(object, &["ClusterRoleBinding", "RoleBinding"]) {
        return;
    }
    let role_ref = |key: &str| object.root.path(&["roleRef", key]).and_then(Node::as_str);
    if role_ref("kind") != Some("ClusterRole") || role_ref("name") != Some("cluster-admin") {
        return;
    }
    let scope = match (object.kind.as_str(), object.namespace.as_deref()) {
        ("RoleBinding", Some(ns)) => format!("full control of namespace `{ns}`"),
        ("RoleBinding", None) => "full control of its namespace".to_owned(),
        _ => "full control of the whole cluster".to_owned(),
    };
    let subjects = object
        .root
        .get("subjects")
        .map(Node::items)
        .unwrap_or_default();
    for subject in subjects {
        let kind = subject.get("kind").and_then(Node::as_str).unwrap_or("");
        let Some(name_node) = subject.get("name") else {
            continue;
        };
        let Some(name) = name_node.as_str() else {
            continue;
        };
        let who = if name.starts_with("system:") && kind != "ServiceAccount" {
            match system_population(kind, name) {
                Some(population) => format!("{} `{name}` ({population})", kind.to_lowercase()),
                None => continue,
            }
        } else if kind == "ServiceAccount" {
            let namespace = subject
                .get("namespace")
                .and_then(Node::as_str)
                .or(object.namespace.as_deref());
            match namespace {
                Some(ns) => format!("service account `{ns}/{name}`"),
                None => format!("service account `{name}`"),
            }
        } else {
            format!("{} `{name}`", kind.to_lowercase())
        };
        sink.report(
            name_node.span,
            format!(
                "{} `{}` grants `cluster-admin` to {who}: {scope}",
                object.kind, object.name
            ),
        );
    }
}
