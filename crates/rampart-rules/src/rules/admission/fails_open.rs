use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_yaml::Node;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ADM-001",
        name: "admission-fails-open",
        severity: Severity::High,
        summary: "Admission policy or webhook fails open or enforces nothing",
        requirements: &["S-ADM-02", "S-ADM-01"],
        docs: RuleDocs {
            what: "Reports, in the `admissionregistration.k8s.io` API: a `ValidatingAdmissionPolicy` with `spec.failurePolicy: Ignore` (the default is `Fail`); a `ValidatingAdmissionPolicyBinding` whose `spec.validationActions` lists no `Deny` (only `Warn` and `Audit`), at the field; and each webhook of a `ValidatingWebhookConfiguration` with `failurePolicy: Ignore`, at the value, or without `failurePolicy` in the removed `v1beta1` version, whose default was `Ignore` (at the webhook's name; in `v1` the default is `Fail`). A binding without `validationActions`, or with an empty list, is not reported: `v1` and `v1beta1` reject it, and the `v1alpha1` API of Kubernetes 1.26 denied by default. Mutating webhooks are not judged: many fail open by design (sidecar injection), and validation is what must hold.",
            why: "An admission control that fails open is skipped exactly when it is needed: while its webhook is down, overloaded or unreachable, when a CEL expression errors on an unexpected object, or when a parameter resource is missing, every request is admitted unchecked, and an attacker who can slow down the webhook switches the control off. A binding that only warns or audits enforces nothing at all: violating pods are admitted with a warning. The policy requires admission controls to fail closed (S-ADM-02) and to enforce the per-classification policies (S-ADM-01).",
            fail: Example::yaml(
                r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: agent-pod-security
spec:
  failurePolicy: Ignore
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [pods]
  validations:
    - expression: object.spec.containers.all(c, has(c.securityContext) && c.securityContext.privileged != true)
      message: privileged containers are not allowed
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: agent-pod-security
spec:
  policyName: agent-pod-security
  validationActions: [Warn, Audit]
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: agent-pod-security
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [pods]
  validations:
    - expression: object.spec.containers.all(c, has(c.securityContext) && c.securityContext.privileged != true)
      message: privileged containers are not allowed
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: agent-pod-security
spec:
  policyName: agent-pod-security
  validationActions: [Deny, Audit]
"#,
            ),
            fix: "Set `failurePolicy: Fail` (or leave it unset in `admissionregistration.k8s.io/v1`) on the policy or webhook, and include `Deny` in the binding's `validationActions` (`[Deny, Audit]` also records the denials in the audit log). To roll out a new policy safely, bind it with `[Warn, Audit]` in a test cluster first, not in the committed baseline. Keep the webhook's own namespace out of its `namespaceSelector` so a fail-closed webhook cannot block its own restart.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const GROUP: &str = "admissionregistration.k8s.io/";

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(version) = object.api_version.strip_prefix(GROUP) else {
        return;
    };
    let name = &object.name;
    match object.kind.as_str() {
        "ValidatingAdmissionPolicy" => {
            if let Some(node) = object
                .root
                .path(&["spec", "failurePolicy"])
                .filter(|n| n.as_str() == Some("Ignore"))
            {
                sink.report(
                    node.span,
                    format!(
                        "ValidatingAdmissionPolicy `{name}` sets `failurePolicy: Ignore`: when an expression errors or its parameters are missing, requests are admitted unchecked; set `failurePolicy: Fail`"
                    ),
                );
            }
        }
        "ValidatingAdmissionPolicyBinding" => {
            let Some(actions) = object
                .root
                .path(&["spec", "validationActions"])
                .filter(|n| n.is_seq())
            else {
                return;
            };
            let listed: Vec<&str> = actions.items().iter().filter_map(Node::as_str).collect();
            // An empty list is rejected by the API server, like a missing one.
            if listed.is_empty() || listed.contains(&"Deny") {
                return;
            }
            let policy = object
                .root
                .path(&["spec", "policyName"])
                .and_then(Node::as_str)
                .map_or_else(String::new, |p| format!(" of policy `{p}`"));
            let shown = listed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            sink.report(
                object
                    .key_span(&["spec", "validationActions"])
                    .unwrap_or(actions.span),
                format!(
                    "ValidatingAdmissionPolicyBinding `{name}` has {shown} but not `Deny` in `validationActions`: violations{policy} are admitted, so it enforces nothing; add `Deny`"
                ),
            );
        }
        "ValidatingWebhookConfiguration" => {
            let webhooks = object
                .root
                .get("webhooks")
                .map(Node::items)
                .unwrap_or_default();
            for webhook in webhooks.iter().filter(|w| w.is_map()) {
                let hook_name = webhook.get("name");
                let shown = hook_name.and_then(Node::as_str).unwrap_or("<unnamed>");
                match webhook.get("failurePolicy").filter(|n| !n.is_null()) {
                    Some(node) if node.as_str() == Some("Ignore") => sink.report(
                        node.span,
                        format!(
                            "webhook `{shown}` of ValidatingWebhookConfiguration `{name}` sets `failurePolicy: Ignore`: while the webhook is down or slow, requests are admitted unchecked; set `failurePolicy: Fail`"
                        ),
                    ),
                    None if version == "v1beta1" => sink.report(
                        hook_name.map_or_else(|| object.span(), |n| n.span),
                        format!(
                            "webhook `{shown}` of ValidatingWebhookConfiguration `{name}` does not set `failurePolicy`, which defaults to `Ignore` in `{GROUP}v1beta1`: while the webhook is down or slow, requests are admitted unchecked; move to `{GROUP}v1` (default `Fail`) or set `failurePolicy: Fail`"
                        ),
                    ),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}
