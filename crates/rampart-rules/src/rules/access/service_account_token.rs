use rampart_config::Severity;
use rampart_model::Workload;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink, Unless};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SA-001",
        name: "service-account-token-automounted",
        severity: Severity::Low,
        summary: "Pod mounts an API token it has no visible use for",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports the pod spec of a workload that gets a Kubernetes API token mounted although nothing in the scan gives the token a use: the pod does not set `automountServiceAccountToken`, its ServiceAccount (`serviceAccountName`, `default` when unset) does not set it to `false` when that ServiceAccount is in the scan, and no scanned RoleBinding or ClusterRoleBinding grants that ServiceAccount a role, whether as a `ServiceAccount` subject, as the user `system:serviceaccount:<namespace>:<name>`, or through the groups `system:serviceaccounts:<namespace>` and `system:serviceaccounts`. A pod that sets `automountServiceAccountToken: true` has decided it needs the token and is not reported. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "Kubernetes mounts the service account's API token into every container by default. A pod that never calls the API gains nothing from it, but anyone who compromises the pod gets a credential for the API server: enough to enumerate the cluster, and whatever a later, broader binding grants. The policy asks pods that do not need the API to set `automountServiceAccountToken: false` (G-SEC-02).",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/summariser:2.0.1
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers:
        - name: summariser
          image: registry.example.com/summariser:2.0.1
"#,
            ),
            fix: "Set `automountServiceAccountToken: false` in the pod spec, or on the ServiceAccount to cover every pod that uses it. If the pod does call the API, give it its own ServiceAccount bound to a Role listing what it calls (and set `automountServiceAccountToken: true` on the pod to record the decision).",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if ctx.is_exempt_namespace(workload.object.namespace.as_deref()) {
        return;
    }
    if let Some(value) = workload.spec.get("automountServiceAccountToken") {
        // `true` is a decision; anything else but null is not ours to judge.
        if !value.is_null() {
            return;
        }
    }
    let namespace = workload.object.namespace.as_deref();
    let account = workload.service_account();
    // A role granted stays granted, whatever is read after.
    if ctx.project.service_account_has_role(namespace, account) {
        return;
    }
    sink.report_unless(
        workload.spec_key,
        format!(
            "the pod mounts an API token for service account `{account}`, which no scanned RoleBinding or ClusterRoleBinding grants a role: set `automountServiceAccountToken: false`"
        ),
        Unless::AccountOptsOutOrHasRole {
            namespace: namespace.map(str::to_owned),
            name: account.to_owned(),
        },
    );
}
