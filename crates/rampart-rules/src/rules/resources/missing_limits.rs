use rampart_config::Severity;

use super::{Field, names, report_missing};
use rampart_model::Workload;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RES-002",
        name: "missing-resource-limits",
        severity: Severity::Medium,
        summary: "Container has no CPU or memory limit",
        requirements: &["G-RES-04", "G-RES-01"],
        docs: RuleDocs {
            what: "Reports every container and init container that ends up without a `cpu` or `memory` limit, one finding per container naming what is missing, at its name. A limit counts as present when the container sets `resources.limits.<resource>`; when the pod sets a pod-level `resources.limits` for it (pod-level resources, beta and on by default since Kubernetes 1.34), which bounds all its containers together; or when a `LimitRange` in the scanned files, in the same namespace (two objects written without a namespace count as the same), has a `type: Container` item whose `default` sets it, or whose `max` does (the API defaults a LimitRange's `default` from `max`). A LimitRange that is not among the scanned files cannot be seen, so keep it next to the workloads or expect the finding. Ephemeral containers are exempt: the API does not let them set resources.",
            why: "Without a memory limit a container can take all of the node's memory until the kernel kills processes on the node, other tiers' agents included; without a CPU limit a busy or compromised agent starves its neighbours. Limits are what turns a runaway or hijacked agent into a contained incident. The policy requires CPU and memory limits on every container (G-RES-04).",
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
            requests:
              cpu: 250m
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
            requests:
              cpu: 250m
              memory: 512Mi
            limits:
              cpu: "1"
              memory: 512Mi
"#,
            ),
            fix: "Set `resources.limits.cpu` and `resources.limits.memory` on every container and init container (a memory limit equal to the request avoids overcommit), or give the namespace a `LimitRange` with `type: Container` and a `default`, kept in the same repository as the workloads.",
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
        &["cpu", "memory"],
        |container, missing| {
            format!(
                "{container} has no {} limit (`resources.limits`), and no scanned LimitRange of its namespace supplies a default: it can use all of the node's {}",
                names(missing, " or "),
                names(missing, " and ")
            )
        },
    );
}
