use rampart_config::Severity;
use rampart_model::{Workload, tier_labels};

use super::{describe_keys, no_tier_keys};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "TIER-004",
        name: "workload-without-tier",
        severity: Severity::High,
        summary: "Workload has no tier",
        requirements: &["S-INV-01", "P-I"],
        docs: RuleDocs {
            what: "Reports every object that runs pods (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) that gets no tier: none of the keys of `tiers.label-keys` is on its own labels, on its pod template's labels, or on the labels of its Namespace (when the Namespace is among the scanned files). Workloads in `kubernetes.exempt-namespaces` and `kubernetes.edge-namespaces` are skipped. A workload that carries a tier key with a value that is not a tier name is left to `conflicting-tier-labels`, which reports that value.",
            why: "Every control of the policy is risk-based on the agent's classification (S-INV-01); a workload without one falls out of scope (P-I): rampart holds it to the untiered defaults and cannot check it against its real tier's profile, and admission webhooks keyed on the label skip it. Labelling the pod template as well as the namespace keeps the tier on every pod, wherever it is deployed.",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/summariser:2.0.1
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: agents
  labels:
    agent-classification: high
spec:
  template:
    metadata:
      labels:
        agent-classification: high
    spec:
      containers:
        - name: summariser
          image: registry.example.com/summariser:2.0.1
"#,
            ),
            fix: "Label the workload and its pod template with the agent's tier (`agent-classification: critical`, `high` or `standard`), and label its Namespace the same way. Platform namespaces that are not agent workloads belong in `kubernetes.exempt-namespaces`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: Some(no_tier_keys),
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let object = workload.object;
    let namespace = object.namespace.as_deref();
    if object.tier.is_some()
        || ctx.is_exempt_namespace(namespace)
        || ctx.is_edge_namespace(namespace)
    {
        return;
    }
    let keys = &ctx.config.tiers.label_keys;
    let namespace_object = namespace.and_then(|ns| ctx.project.namespace(ns));
    // A tier key with a value that is not a tier: `conflicting-tier-labels`
    // reports the value; reporting the missing tier too would say it twice.
    let mislabelled = [
        object.labels(),
        workload.labels(),
        namespace_object.and_then(|ns| ns.labels()),
    ]
    .into_iter()
    .any(|labels| !tier_labels(labels, keys).is_empty());
    if mislabelled {
        return;
    }
    let namespace_part = match (namespace, namespace_object) {
        (Some(ns), Some(_)) => format!("or on its Namespace `{ns}`"),
        (Some(ns), None) => {
            format!("and its Namespace `{ns}` is not among the scanned files")
        }
        (None, _) => "and it names no namespace".to_owned(),
    };
    let on = if object.kind == "Pod" {
        "on it"
    } else {
        "on it or its pod template"
    };
    sink.report(
        object.span(),
        format!(
            "{} `{}` has no tier: no label {} {on}, {namespace_part}; tier-aware rules cannot be applied to it (it is held to the untiered defaults)",
            object.kind,
            object.name,
            describe_keys(keys)
        ),
    );
}
