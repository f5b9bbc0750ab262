use rampart_config::Severity;
use rampart_model::Workload;

use super::restricted_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-003",
        name: "run-as-root",
        severity: Severity::High,
        summary: "Container may run as root",
        requirements: &["S-PSS-01", "G-SEC-02"],
        docs: RuleDocs {
            what: "For workloads held to the `restricted` Pod Security level (by their tier, or by `kubernetes.untiered-pod-security` for pods without one), reports every container whose effective `runAsNonRoot` (the container's value, else the pod's) is not `true`, and every `runAsUser: 0` on the pod or a container. Windows pods are exempt, as in Pod Security admission.",
            why: "A process running as UID 0 inside a container is root on the node if it escapes, and can rewrite anything the image ships. `restricted` requires `runAsNonRoot: true` so the kubelet refuses to start an image that would run as root, whatever its `USER` says.",
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
            runAsUser: 0
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
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
"#,
            ),
            fix: "Set `securityContext.runAsNonRoot: true` on the pod (it applies to every container) and a non-zero `runAsUser`, and build the image with a non-root `USER`.",
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
    if let Some(user) = workload
        .security_context()
        .and_then(|sc| sc.get("runAsUser"))
        .filter(|n| n.as_i64() == Some(0))
    {
        sink.report(
            user.span,
            format!("the pod runs as `runAsUser: 0` (root), which is forbidden by {level}"),
        );
    }
    for container in workload.containers() {
        if let Some(user) = container
            .security("runAsUser")
            .filter(|n| n.as_i64() == Some(0))
        {
            sink.report(
                user.span,
                format!(
                    "{} runs as `runAsUser: 0` (root), which is forbidden by {level}",
                    container.describe()
                ),
            );
        }
        match workload.effective_security(&container, "runAsNonRoot") {
            Some(node) if node.as_bool() == Some(true) => {}
            Some(node) => sink.report(
                node.span,
                format!(
                    "{} sets `runAsNonRoot` to `{}`; `true` is required by {level}",
                    container.describe(),
                    node.as_str().unwrap_or("null")
                ),
            ),
            None => sink.report(
                container.span(),
                format!(
                    "{} does not set `runAsNonRoot: true` (on itself or the pod), required by {level}",
                    container.describe()
                ),
            ),
        }
    }
}
