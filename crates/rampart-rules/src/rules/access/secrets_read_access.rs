use rampart_config::Severity;
use rampart_model::K8sObject;

use super::{code_list, is_own_rbac, item_text, policy_rules};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink, Unless};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RBAC-003",
        name: "secrets-read-access",
        severity: Severity::High,
        summary: "ClusterRole can read Secrets in every namespace",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports a ClusterRole rule that allows `get`, `list` or `watch` (or `*`) on `secrets` (or `*` resources) in the core API group (`\"\"` or `*`), at the resource. A rule restricted by `resourceNames` is scoped to the named Secrets and not reported. Namespaced Roles are not reported: a Role reaches only its own namespace's Secrets, which is how an application legitimately reads its own credentials; the policy targets cluster-wide read. For the same reason, a ClusterRole that the scanned files bind only through RoleBindings (so only inside those namespaces) is not reported; one bound by a ClusterRoleBinding, or whose bindings are not in the scan, is. Aggregated ClusterRoles are skipped. Kubernetes' own roles are skipped: a bootstrap name (`cluster-admin`, `admin`, `edit`, `view` or `system:…`) together with the label `kubernetes.io/bootstrapping: rbac-defaults`, as a cluster dump shows them; a name or a label alone is not enough, since anyone can write either.",
            why: "Secrets hold every credential in the cluster: database passwords, API keys, registry credentials, TLS keys and, on older clusters, service account tokens (including those of controllers that can create pods). Reading Secrets cluster-wide is equivalent to holding all of those identities at once. The policy names cluster-wide `get/list secrets` as a least-privilege violation (G-SEC-02).",
            fail: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: config-reader
rules:
  - apiGroups: [""]
    resources: ["configmaps", "secrets"]
    verbs: ["get", "list", "watch"]
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: config-reader
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "list", "watch"]
"#,
            ),
            fix: "Grant Secret access with a namespaced Role in the namespace that holds the Secret, restricted with `resourceNames` to the Secrets the workload needs; or mount the Secret into the pod instead of reading it through the API.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const READ_VERBS: &[&str] = &["get", "list", "watch"];

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_own_rbac(object, &["ClusterRole"]) {
        return;
    }
    for rule in policy_rules(object) {
        if !rule.covers_core_group() || rule.is_name_restricted() {
            continue;
        }
        let verbs: Vec<&str> = if rule.has("verbs", "*") {
            vec!["*"]
        } else {
            READ_VERBS
                .iter()
                .copied()
                .filter(|v| rule.has("verbs", v))
                .collect()
        };
        if verbs.is_empty() {
            continue;
        }
        let Some(resource) = rule
            .items("resources")
            .iter()
            .find(|r| matches!(item_text(r), Some("secrets" | "*")))
        else {
            continue;
        };
        let on = if item_text(resource) == Some("*") {
            "every resource (`*`), Secrets included"
        } else {
            "`secrets`"
        };
        // Its bindings may be in any file: whether they all bind it inside
        // a namespace is known once every object is read.
        sink.report_unless(
            resource.span,
            format!(
                "ClusterRole `{}` allows {} on {on}: bound cluster-wide, it can read any Secret in any namespace",
                object.name,
                code_list(&verbs)
            ),
            Unless::ClusterRoleBoundOnlyInNamespaces {
                name: object.name.clone(),
            },
        );
    }
}
