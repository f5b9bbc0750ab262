use rampart_config::Severity;
use rampart_model::K8sObject;

use super::{PolicyRule, is_own_rbac, item_text, policy_rules};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RBAC-004",
        name: "pod-exec-access",
        severity: Severity::High,
        summary: "Role allows exec, attach or port-forward into pods",
        requirements: &["P-IIIA1-b", "G-ENV-07", "G-SEC-02"],
        docs: RuleDocs {
            what: "Reports a Role or ClusterRole rule in the core API group (`\"\"` or `*`) that allows `create` or `get` (or `*`) on `pods/exec`, `pods/attach` or `pods/portforward`, at the resource. RBAC also matches these through `*` (every resource) and `*/exec`, `*/attach`, `*/portforward` (that subresource of every resource); `pods/*` is not a wildcard in RBAC and grants none of them. `get` is reported because until Kubernetes 1.35 (and where the `AuthorizePodWebsocketUpgradeCreatePermission` gate is off) the API server authorized exec, attach and port-forward over WebSockets, which `kubectl` uses since 1.31, with `get` alone. A rule restricted by `resourceNames` is still reported: it opens a shell in the named pods. Aggregated ClusterRoles are skipped. Kubernetes' own roles are skipped: a bootstrap name (`cluster-admin`, `admin`, `edit`, `view` or `system:…`) together with the label `kubernetes.io/bootstrapping: rbac-defaults`, as a cluster dump shows them; a name or a label alone is not enough, since anyone can write either.",
            why: "Exec and attach give an interactive shell inside a running agent: its files, its mounted Secrets and tokens, its network position. Port-forward reaches any port of the pod, including those no Service or NetworkPolicy exposes. The policy forbids direct manual access to production (P-IIIA1-b) and manual changes to it (G-ENV-07); the permission should not exist outside a break-glass role.",
            fail: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: support
  namespace: critical-agents
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/log", "pods/exec"]
    verbs: ["get", "list", "create"]
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: support
  namespace: critical-agents
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/log"]
    verbs: ["get", "list"]
"#,
            ),
            fix: "Remove `pods/exec`, `pods/attach` and `pods/portforward` (and the wildcards that include them) from the role; read logs with `pods/log` and ship debugging through the CI/CD pipeline. Keep exec for a separate break-glass role that is bound only during an incident.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const SUBRESOURCES: &[(&str, &str)] = &[
    ("exec", "exec into"),
    ("attach", "attach to"),
    ("portforward", "port-forward to"),
];

/// The subresources a `resources` item grants: all three for `*`.
fn granted(resource: &str) -> Vec<(&'static str, &'static str)> {
    SUBRESOURCES
        .iter()
        .copied()
        .filter(|(sub, _)| {
            resource == "*"
                || resource.strip_prefix("pods/") == Some(sub)
                || resource.strip_prefix("*/") == Some(sub)
        })
        .collect()
}

/// The verbs of the rule that open exec: `create`, `get` or `*`.
fn exec_verbs(rule: &PolicyRule<'_>) -> Vec<&'static str> {
    ["*", "create", "get"]
        .into_iter()
        .filter(|v| rule.has("verbs", v))
        .collect()
}

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_own_rbac(object, &["Role", "ClusterRole"]) {
        return;
    }
    let pods = match (object.kind.as_str(), object.namespace.as_deref()) {
        ("Role", Some(ns)) => format!("the pods of namespace `{ns}`"),
        ("Role", None) => "the pods of its namespace".to_owned(),
        _ => "pods wherever it is bound".to_owned(),
    };
    for rule in policy_rules(object) {
        if !rule.covers_core_group() {
            continue;
        }
        let verbs = exec_verbs(&rule);
        let Some(&verb) = verbs.first() else {
            continue;
        };
        let websocket = if verb == "get" {
            " (`get` suffices for WebSocket connections before Kubernetes 1.35)"
        } else {
            ""
        };
        for item in rule.items("resources") {
            let Some(resource) = item_text(item) else {
                continue;
            };
            let granted = granted(resource);
            if granted.is_empty() {
                continue;
            }
            let what: Vec<&str> = granted.iter().map(|(_, what)| *what).collect();
            let subresources: Vec<String> = granted
                .iter()
                .map(|(sub, _)| format!("`pods/{sub}`"))
                .collect();
            let via = if resource.starts_with("pods/") {
                String::new()
            } else {
                format!(" through `{resource}`")
            };
            sink.report(
                item.span,
                format!(
                    "{} `{}` allows `{verb}` on {}{via}{websocket}: its holders can {} {pods}",
                    object.kind,
                    object.name,
                    subresources.join(", "),
                    join_and(&what),
                ),
            );
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
