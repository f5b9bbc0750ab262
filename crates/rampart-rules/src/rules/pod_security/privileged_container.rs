use rampart_config::Severity;
use rampart_model::Workload;

use super::is_exempt;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-001",
        name: "privileged-container",
        severity: Severity::Critical,
        summary: "Container runs privileged",
        requirements: &["S-PSS-01", "S-PSS-05", "G-SEC-02"],
        docs: RuleDocs {
            what: "Reports every container, init container and ephemeral container whose `securityContext.privileged` is `true`. Forbidden at the Pod Security `baseline` level and above, so it applies to every tier. Workloads in `kubernetes.exempt-namespaces` (by default `kube-system`, `kube-public`, `kube-node-lease`) are skipped: they belong to the platform, whose node agents may need the host.",
            why: "A privileged container runs with every Linux capability and full access to the host's devices: anyone who controls the process controls the node and every other pod on it, including the pods of the critical tier. The policy requires the `restricted` profile for critical agents and at least `baseline` everywhere else (S-PSS-01, S-PSS-05).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        privileged: true
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        privileged: false
"#,
            ),
            fix: "Remove `privileged: true`. If the container needs one specific kernel feature, grant only that capability (and only at a level the tier allows), or move the work to a node-level agent outside the agent namespaces.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    // Platform namespaces (CNI, CSI, node agents) legitimately run privileged
    // pods; Pod Security admission exempts them too.
    if is_exempt(workload, ctx) {
        return;
    }
    for container in workload.containers() {
        if let Some(node) = container
            .security("privileged")
            .filter(|n| n.as_bool() == Some(true))
        {
            sink.report(
                node.span,
                format!(
                    "{} runs privileged: it has full access to the node",
                    container.describe()
                ),
            );
        }
    }
}
