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
            what: "Reports every subject of a ClusterRoleBinding or RoleBinding whose `roleRef` is the ClusterRole `cluster-admin`, at the subject's name. A RoleBinding grants it within its namespace only, which is still full control of that namespace (its Secrets, RBAC and workloads). Only the identity Kubernetes itself gives `cluster-admin` is not reported: the `system:masters` group. Every other subject is, including `system:` groups that stand for whole populations (`system:authenticated`, `system:nodes`, `system:serviceaccounts[:<namespace>]`, …). Kubernetes' own bindings (a bootstrap name such as `cluster-admin` or `system:…` together with the label `kubernetes.io/bootstrapping: rbac-defaults`) are skipped; a name or a label alone is not, since anyone can write either.",
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

/// How a `system:` identity is described. `None` only for the identity
/// Kubernetes itself binds to `cluster-admin`, the `system:masters` break-glass
/// group; every other `system:` identity is reported, described by the
/// population it stands for where it stands for one.
fn system_identity(kind: &str, name: &str) -> Option<String> {
    let population = match (kind, name) {
        ("Group", "system:masters") => return None,
        ("Group", "system:authenticated") => "every authenticated identity".to_owned(),
        ("Group", "system:unauthenticated") | ("User", "system:anonymous") => {
            "anonymous requests".to_owned()
        }
        ("Group", "system:serviceaccounts") => "every service account of the cluster".to_owned(),
        ("Group", "system:nodes") => "every node's kubelet".to_owned(),
        ("Group", group) if group.starts_with("system:serviceaccounts:") => format!(
            "every service account of namespace `{}`",
            &group["system:serviceaccounts:".len()..]
        ),
        ("User", user) if user.starts_with("system:serviceaccount:") => format!(
            "service account `{}`",
            user["system:serviceaccount:".len()..].replacen(':', "/", 1)
        ),
        _ => return Some(format!("{} `{name}`", kind.to_lowercase())),
    };
    Some(format!("{} `{name}` ({population})", kind.to_lowercase()))
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
            match system_identity(kind, name) {
                Some(who) => who,
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
