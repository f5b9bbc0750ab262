use rampart_config::Severity;
use rampart_model::K8sObject;

use super::{PolicyRule, code_list, is_own_rbac, item_text, policy_rules};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RBAC-001",
        name: "rbac-wildcard",
        severity: Severity::High,
        summary: "Role grants wildcard permissions",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports every `*` in the `verbs`, `resources` or `apiGroups` of a rule of a Role or ClusterRole, one finding per wildcard, at the `*`. Only the full wildcard counts: `*/scale` (one subresource of every resource) and `pods/*` (which RBAC treats as a literal name, matching nothing) are not reported. An aggregated ClusterRole (one with an `aggregationRule`) has its rules written by Kubernetes from the roles it selects, which are checked themselves, so its own rules are ignored. Kubernetes' own roles are skipped: a bootstrap name (`cluster-admin`, `admin`, `edit`, `view` or `system:…`) together with the label `kubernetes.io/bootstrapping: rbac-defaults`, as a cluster dump shows them; a name or a label alone is not enough, since anyone can write either.",
            why: "A wildcard grants everything that exists now and everything added later: `verbs: [\"*\"]` includes `escalate`, `bind`, `impersonate` and `delete`; `resources: [\"*\"]` includes Secrets and RBAC objects; `apiGroups: [\"*\"]` includes every custom resource a future operator installs. Least privilege (G-SEC-02, P-IIA-1) means naming what an agent needs.",
            fail: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: agent
  namespace: high-agents
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["*"]
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: agent
  namespace: high-agents
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "list", "watch"]
"#,
            ),
            fix: "Replace each `*` with the verbs, resources and API groups the workload actually uses (`kubectl auth can-i --list --as=system:serviceaccount:<ns>:<sa>` and the API server's audit log show what it calls).",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

/// What a wildcard in `field` of `rule` grants, for messages.
fn grant(rule: &PolicyRule<'_>, field: &str) -> String {
    let verbs = rule.texts("verbs");
    let verbs = if verbs.contains(&"*") {
        "every verb".to_owned()
    } else {
        code_list(&verbs)
    };
    let resources = rule.texts("resources");
    let on = if resources.contains(&"*") {
        "every resource".to_owned()
    } else if resources.is_empty() {
        format!(
            "non-resource URLs {}",
            code_list(&rule.texts("nonResourceURLs"))
        )
    } else {
        code_list(&resources)
    };
    let groups = rule.texts("apiGroups");
    let of = match groups.as_slice() {
        g if g.contains(&"*") => "every API group".to_owned(),
        [""] => "the core API group".to_owned(),
        [group] => format!("API group `{group}`"),
        _ => {
            let shown: Vec<&str> = groups
                .iter()
                .map(|g| if g.is_empty() { "\"\"" } else { g })
                .collect();
            format!("API groups {}", code_list(&shown))
        }
    };
    match field {
        "verbs" => format!("every verb (`*`) on {on}"),
        "resources" => format!("{verbs} on every resource (`*`) of {of}"),
        _ => format!("{verbs} on {on} in every API group (`*`), custom resources included"),
    }
}

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_own_rbac(object, &["Role", "ClusterRole"]) {
        return;
    }
    for rule in policy_rules(object) {
        for field in ["verbs", "resources", "apiGroups"] {
            for item in rule.items(field) {
                if item_text(item) != Some("*") {
                    continue;
                }
                sink.report(
                    item.span,
                    format!(
                        "{} `{}` allows {}",
                        object.kind,
                        object.name,
                        grant(&rule, field)
                    ),
                );
            }
        }
    }
}
