use rampart_config::Severity;
use rampart_model::K8sObject;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "API-001",
        name: "pod-security-policy",
        severity: Severity::Medium,
        summary: "PodSecurityPolicy enforces nothing on Kubernetes 1.25 and later",
        requirements: &["S-PSS-02", "S-PSS-06", "S-PSS-01"],
        docs: RuleDocs {
            what: "Reports every `PodSecurityPolicy` (`policy/v1beta1`, or the older `extensions/v1beta1`), at its `kind`.",
            why: "PodSecurityPolicy was removed in Kubernetes 1.25: the API server rejects the manifest, or a pipeline that tolerates the failure carries on without it. Either way it restricts no pod, while its presence suggests to reviewers that pod security is enforced. The policy's PSP requirements (S-PSS-02, S-PSS-06) can only be met through Pod Security admission labels on the namespaces (S-PSS-01), backed by an admission policy.",
            fail: Example::yaml(
                r#"apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: critical-agents-psp
spec:
  privileged: false
  runAsUser:
    rule: MustRunAsNonRoot
  seLinux:
    rule: RunAsAny
  supplementalGroups:
    rule: RunAsAny
  fsGroup:
    rule: RunAsAny
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: critical-agents
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/warn: restricted
"#,
            ),
            fix: "Delete the PodSecurityPolicy (and the RBAC that grants `use` on it) and label each namespace with `pod-security.kubernetes.io/enforce` at the level its tier requires (`restricted` for critical agents), plus `audit` and `warn`. Enforce what Pod Security admission cannot express (allowed registries, critical-node placement) with an admission policy.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const VERSIONS: &[&str] = &["policy/v1beta1", "extensions/v1beta1"];

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if object.kind != "PodSecurityPolicy" || !VERSIONS.contains(&object.api_version.as_str()) {
        return;
    }
    let Some(kind) = object.root.get("kind") else {
        return;
    };
    sink.report(
        kind.span,
        format!(
            "PodSecurityPolicy `{}` uses an API removed in Kubernetes 1.25: it restricts no pod; label the namespaces with `pod-security.kubernetes.io/enforce` instead",
            object.name
        ),
    );
}
