use rampart_config::Severity;
use rampart_model::Workload;

use super::baseline_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-007",
        name: "host-namespaces",
        severity: Severity::High,
        summary: "Pod shares the node's network, process or IPC namespace",
        requirements: &["S-PSS-01", "S-PSS-05", "G-NET-07"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above (every tier by default), reports `hostNetwork: true`, `hostPID: true` and `hostIPC: true` on a pod spec, one finding per field, at its value. Only a boolean `true` counts (YAML 1.1 spellings such as `yes` included); a quoted `\"true\"` is a string the API server rejects. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "`hostNetwork` puts the pod on the node's network stack: it can bind any node port, reach node-local services such as the kubelet and the cloud metadata endpoint, sniff traffic, and bypasses NetworkPolicy. `hostPID` lets it see, signal and trace every process on the node; `hostIPC` lets it read other processes' shared memory. Each breaks the isolation between the pod and the node that the `baseline` profile (S-PSS-05) and `restricted` profile (S-PSS-01) guarantee, and `hostNetwork` exposes the pod directly on the node (G-NET-07).",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
spec:
  template:
    spec:
      hostNetwork: true
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
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          ports:
            - containerPort: 8080
"#,
            ),
            fix: "Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them to `false`). Expose the pod through a Service instead of the node's network; share data between containers of one pod through a volume, not the host's IPC namespace.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

const FIELDS: &[(&str, &str)] = &[
    ("hostNetwork", "the node's network namespace"),
    ("hostPID", "the node's process namespace"),
    ("hostIPC", "the node's IPC namespace"),
];

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    for (field, namespace) in FIELDS {
        if let Some((_, span)) = workload
            .field(field)
            .filter(|(node, _)| node.as_bool() == Some(true))
        {
            sink.report(
                span,
                format!("the pod shares {namespace} (`{field}: true`), forbidden by {level}"),
            );
        }
    }
}
