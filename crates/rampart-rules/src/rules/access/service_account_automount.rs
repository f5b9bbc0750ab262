use rampart_config::Severity;
use rampart_model::K8sObject;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink, Unless};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SA-002",
        name: "service-account-automounts-token",
        severity: Severity::Low,
        summary: "ServiceAccount of a tier mounts its API token into every pod by default",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports every `ServiceAccount` (`apiVersion: v1`) of a tier that does not set `automountServiceAccountToken: false`: at the name when the field is missing (Kubernetes then mounts the token), at the value when it is `true`. A ServiceAccount has a tier when its own labels name one, or when its namespace is a scanned `Namespace` whose labels name one (a key of `tiers.label-keys`); ServiceAccounts with no known tier are not judged, so ordinary manifests scanned out of context report nothing. The `default` ServiceAccount is judged like any other when it is in the scan: it is the one every pod without `serviceAccountName` uses. A ServiceAccount that a scanned RoleBinding or ClusterRoleBinding grants a role (as a `ServiceAccount` subject, as the user `system:serviceaccount:<namespace>:<name>`, or through the groups `system:serviceaccounts:<namespace>` and `system:serviceaccounts`) has a use for its token and is not reported. A value that is not a boolean is left to the API server, which rejects it. Namespaces in `kubernetes.exempt-namespaces` are skipped. Pods are judged separately by `service-account-token-automounted` (SA-001).",
            why: "Unless a pod sets `automountServiceAccountToken` itself, Kubernetes mounts the API token of its ServiceAccount into every container. Agents do not call the Kubernetes API, so the token only serves whoever compromises an agent: a credential for the API server, good for enumerating the cluster and for whatever a later, broader binding grants. Setting the field to `false` on the ServiceAccount closes this for every pod that uses it, including pods written later or by hand; the pod spec can still opt in with `automountServiceAccountToken: true` where the API is needed (G-SEC-02, P-IIA-1).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: summariser
  namespace: high-agents
  labels:
    agent-classification: high
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: summariser
  namespace: high-agents
  labels:
    agent-classification: high
automountServiceAccountToken: false
"#,
            ),
            fix: "Set `automountServiceAccountToken: false` at the top level of the ServiceAccount (beside `metadata`, not under it). A pod that does call the API sets `automountServiceAccountToken: true` in its own spec, and its ServiceAccount is bound to a Role listing what it calls.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

fn check(account: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if account.kind != "ServiceAccount" || account.api_version != "v1" {
        return;
    }
    let namespace = account.namespace.as_deref();
    let Some(tier) = account.tier else {
        return;
    };
    // A role granted stays granted whatever is read after: that need not
    // wait for every object (`report_unless` below).
    if ctx.is_exempt_namespace(namespace)
        || ctx
            .project
            .service_account_has_role(namespace, &account.name)
    {
        return;
    }
    let name = &account.name;
    let field = account
        .root
        .get("automountServiceAccountToken")
        .filter(|n| !n.is_null());
    let (span, how) = match field.map(|n| (n, n.as_bool())) {
        None => (
            account.span(),
            "does not set `automountServiceAccountToken`",
        ),
        Some((node, Some(true))) => (node.span, "sets `automountServiceAccountToken: true`"),
        // `false` is the fix; anything else is rejected by the API server.
        Some((_, Some(false) | None)) => return,
    };
    sink.report_unless(
        span,
        format!(
            "ServiceAccount `{name}` of the {tier} tier {how}, so its API token is mounted into every pod that uses it and does not opt out, yet no scanned RoleBinding or ClusterRoleBinding grants it a role: set `automountServiceAccountToken: false`"
        ),
        Unless::AccountHasRole {
            namespace: namespace.map(str::to_owned),
            name: name.clone(),
        },
    );
}
