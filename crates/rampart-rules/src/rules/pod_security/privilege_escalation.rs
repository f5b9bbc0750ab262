use rampart_config::Severity;
use rampart_model::Workload;

use super::{restricted_applies, shown_bool};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-002",
        name: "privilege-escalation-allowed",
        severity: Severity::High,
        summary: "Container allows privilege escalation",
        requirements: &["S-PSS-01", "G-SEC-02"],
        docs: RuleDocs {
            what: "For workloads held to the `restricted` Pod Security level (by their tier, or by `kubernetes.untiered-pod-security` for pods without one), reports every container, init container and ephemeral container that does not set `securityContext.allowPrivilegeEscalation: false`: at the container's name when the field is missing or null, at the value when it is anything but `false`. The field exists only on containers; there is no pod-level default. Windows pods are exempt, as in Pod Security admission, and so are namespaces in `kubernetes.exempt-namespaces`.",
            why: "Unless `allowPrivilegeEscalation` is `false`, the kernel's `no_new_privs` flag is not set, so a setuid binary in the image (or one an attacker drops into a writable path) can gain privileges the container was started without. The `restricted` profile the policy requires of critical agents (S-PSS-01) demands `false` on every container.",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  labels:
    agent-classification: critical
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          securityContext:
            runAsNonRoot: true
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  labels:
    agent-classification: critical
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
"#,
            ),
            fix: "Set `securityContext.allowPrivilegeEscalation: false` on every container, init container and ephemeral container (it cannot be set once on the pod). A container that truly needs setuid binaries does not belong in a `restricted` tier.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !restricted_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    for container in workload.containers() {
        match container
            .security("allowPrivilegeEscalation")
            .filter(|n| !n.is_null())
        {
            Some(node) if node.as_bool() == Some(false) => {}
            Some(node) => sink.report(
                node.span,
                format!(
                    "{} sets `allowPrivilegeEscalation` to {}; `false` is required by {level}",
                    container.describe(),
                    shown_bool(node)
                ),
            ),
            None => sink.report(
                container.span(),
                format!(
                    "{} does not set `allowPrivilegeEscalation: false`, required by {level}",
                    container.describe()
                ),
            ),
        }
    }
}
