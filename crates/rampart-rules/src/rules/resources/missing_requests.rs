use rampart_config::Severity;

use super::{Field, names, report_missing};
use rampart_model::Workload;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RES-001",
        name: "missing-resource-requests",
        severity: Severity::Medium,
        summary: "Container has no CPU or memory request",
        requirements: &["G-RES-04", "G-RES-01"],
        docs: RuleDocs {
            what: "Reports every container and init container that ends up without a `cpu` or `memory` request, one finding per container naming what is missing, at its name. A request counts as present when the container sets `resources.requests.<resource>`; when it sets `resources.limits.<resource>` (the API server copies a missing request from the limit); when the pod sets a pod-level `resources.requests` or `resources.limits` for it (pod-level resources, beta and on by default since Kubernetes 1.34); or when a `LimitRange` in the scanned files, in the same namespace (two objects written without a namespace count as the same), has a `type: Container` item whose `defaultRequest` sets it, or whose `default`, `max` or `min` does (the API defaults a LimitRange's `defaultRequest` from them). A LimitRange that is not among the scanned files cannot be seen, so keep it next to the workloads or expect the finding. Ephemeral containers are exempt: the API does not let them set resources.",
            why: "The scheduler places pods by their requests. A container without them reserves nothing: it can be packed onto a node that cannot actually run it, it is the first to be evicted or OOM-killed under pressure, and ResourceQuotas that count requests cannot bound the namespace. The policy requires requests and limits on every container (G-RES-04) and enforced quotas (G-RES-01).",
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
"#,
            ),
            fix: "Set `resources.requests.cpu` and `resources.requests.memory` on every container and init container, sized from observed usage; or give the namespace a `LimitRange` with `type: Container` and a `defaultRequest`, kept in the same repository as the workloads.",
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
        Field::Requests,
        &["cpu", "memory"],
        |container, missing| {
            format!(
                "{container} has no {} request (`resources.requests`), and no scanned LimitRange of its namespace supplies a default: the scheduler reserves no {} for it",
                names(missing, " or "),
                names(missing, " or ")
            )
        },
    );
}
