use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::restricted_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-004",
        name: "capabilities-not-dropped",
        severity: Severity::Medium,
        summary: "Container does not drop all capabilities",
        requirements: &["S-PSS-01", "G-SEC-02"],
        docs: RuleDocs {
            what: "For workloads held to the `restricted` Pod Security level (by their tier, or by `kubernetes.untiered-pod-security` for pods without one), reports every container, init container and ephemeral container whose `securityContext.capabilities.drop` does not contain `ALL`: at the container's name when there is no `drop` list, at the `drop` key when the list leaves `ALL` out. `ALL` is accepted in any case (`all`), as containerd and CRI-O read it, although Pod Security admission itself only accepts the exact `ALL`; `CAP_ALL` is not accepted, because no runtime reads it as every capability. Windows pods are exempt, as in Pod Security admission, and so are namespaces in `kubernetes.exempt-namespaces`. Capabilities that are added back are the concern of PSS-005.",
            why: "A container keeps the runtime's default capability set (including `NET_RAW`, which allows spoofed packets, and `CHOWN`, `DAC_OVERRIDE`, `SETUID`) unless it drops them. The `restricted` profile the policy requires of critical agents (S-PSS-01) demands dropping `ALL` and adding back at most `NET_BIND_SERVICE`, so a compromised agent process starts with no kernel privileges to abuse.",
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
            capabilities:
              drop: [NET_RAW]
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
            capabilities:
              drop: [ALL]
"#,
            ),
            fix: "Add `securityContext.capabilities.drop: [\"ALL\"]` to every container, init container and ephemeral container, and add back only `NET_BIND_SERVICE` if the process must bind a port below 1024 (better: listen on a high port).",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

/// Whether a `drop` list drops every capability.
fn drops_all(drop: &Node) -> bool {
    drop.items()
        .iter()
        .filter_map(Node::as_str)
        .any(|c| c.trim().eq_ignore_ascii_case("ALL"))
}

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !restricted_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    for container in workload.containers() {
        let capabilities = container.security("capabilities");
        let drop = capabilities.and_then(|c| c.entry("drop"));
        match drop {
            Some(entry) if drops_all(&entry.value) => {}
            Some(entry) if !entry.value.is_null() => sink.report(
                entry.key.span,
                format!(
                    "{} does not drop `ALL` capabilities (its `drop` list leaves the rest of the runtime's defaults in place); `drop: [\"ALL\"]` is required by {level}",
                    container.describe()
                ),
            ),
            _ => sink.report(
                container.span(),
                format!(
                    "{} does not set `capabilities.drop: [\"ALL\"]`, required by {level}: it keeps the runtime's default capabilities",
                    container.describe()
                ),
            ),
        }
    }
}
