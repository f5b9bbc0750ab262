use rampart_config::Severity;

use super::{Field, report_missing};
use rampart_model::Workload;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RES-003",
        name: "missing-ephemeral-storage-limit",
        severity: Severity::Low,
        summary: "Container has no ephemeral-storage limit",
        requirements: &["G-RES-04"],
        docs: RuleDocs {
            what: "Reports every container and init container without `resources.limits.ephemeral-storage`, at its name, unless a `LimitRange` in the scanned files, in the same namespace (two objects written without a namespace count as the same), has a `type: Container` item whose `default` (or `max`) sets `ephemeral-storage`. Pod-level `resources` cannot set ephemeral storage, so they do not count. A LimitRange that is not among the scanned files cannot be seen, so keep it next to the workloads or expect the finding. Ephemeral containers are exempt: the API does not let them set resources.",
            why: "Container logs, the writable layer and `emptyDir` volumes without a `sizeLimit` all live on the node's disk. Without a limit one container can fill it, and the kubelet then evicts pods across the node to recover, other tiers' agents included. The policy requires a storage limit on every container (G-RES-04).",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          resources:
            limits:
              cpu: "1"
              memory: 512Mi
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          resources:
            limits:
              cpu: "1"
              memory: 512Mi
              ephemeral-storage: 2Gi
"#,
            ),
            fix: "Set `resources.limits.ephemeral-storage` on every container and init container (and a `sizeLimit` on `emptyDir` volumes), or give the namespace a `LimitRange` with `type: Container` and a `default` for `ephemeral-storage`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    report_missing(
        workload,
        ctx,
        sink,
        Field::Limits,
        &["ephemeral-storage"],
        |container, _| {
            format!(
                "{container} has no `ephemeral-storage` limit (`resources.limits`), and no scanned LimitRange of its namespace supplies a default: it can fill the node's disk"
            )
        },
    );
}
