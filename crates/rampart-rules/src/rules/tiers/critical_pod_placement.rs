use rampart_config::{CriticalNodes, Severity, Tier};
use rampart_model::Workload;
use rampart_yaml::Node;

use super::{describe_taint, no_critical_nodes, tolerates_critical_taint};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "TIER-002",
        name: "critical-pod-placement",
        severity: Severity::High,
        summary: "Critical-tier pod is not pinned to critical nodes",
        requirements: &["S-NODE-09", "G-RES-05", "S-INV-01"],
        docs: RuleDocs {
            what: "For every workload of the critical tier, reports (at the pod spec) each half of critical-node placement that is missing. First, a toleration of the critical-node taint (`kubernetes.critical-nodes`, by default `agent-classification=critical:NoSchedule`): `operator: Equal` (the default) with the taint's key and value, or `operator: Exists` on the key, or `Exists` with no key (tolerates every taint); an empty `effect` matches every effect. Second, a selection of critical nodes: `nodeSelector` with the critical node label, or a `requiredDuringSchedulingIgnoredDuringExecution` node affinity in which every term (terms are ORed) has an `In` expression on the label whose values are only the critical value. Preferred affinity does not count: it is a preference the scheduler may ignore.",
            why: "A `NoSchedule` taint only repels: it keeps pods that do not tolerate it off critical nodes, but it does not attract the pods that do (C-27). A critical pod that tolerates the taint but selects nothing can land on any node, next to standard-tier workloads; one that selects critical nodes without tolerating the taint stays `Pending`. The policy requires both (S-NODE-09, G-RES-05) so critical agents run only on the isolated, hardened node group.",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-agent
  namespace: critical-agents
  labels:
    agent-classification: critical
spec:
  template:
    spec:
      tolerations:
        - key: agent-classification
          operator: Equal
          value: critical
          effect: NoSchedule
      containers:
        - name: agent
          image: registry.example.com/payments-agent:3.2.0
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-agent
  namespace: critical-agents
  labels:
    agent-classification: critical
spec:
  template:
    spec:
      nodeSelector:
        agent-classification: critical
      tolerations:
        - key: agent-classification
          operator: Equal
          value: critical
          effect: NoSchedule
      containers:
        - name: agent
          image: registry.example.com/payments-agent:3.2.0
"#,
            ),
            fix: "Give the pod template both halves: a toleration `{key: agent-classification, operator: Equal, value: critical, effect: NoSchedule}` and `nodeSelector: {agent-classification: critical}` (or a required node affinity `agent-classification In [critical]` in every term). Use the taint and label configured in `kubernetes.critical-nodes`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: Some(no_critical_nodes),
};

/// How the pod's node selection falls short of requiring critical nodes, or
/// `None` when it requires them.
fn selection_gap(spec: &Node, nodes: &CriticalNodes) -> Option<String> {
    let label = format!("{}: {}", nodes.label_key, nodes.label_value);
    let selector = spec.get("nodeSelector");
    let selected = selector.and_then(|s| s.get(&nodes.label_key));
    if selected.and_then(Node::as_str) == Some(nodes.label_value.as_str()) {
        return None;
    }
    let node_affinity = spec.path(&["affinity", "nodeAffinity"]);
    let terms = node_affinity
        .and_then(|a| {
            a.path(&[
                "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms",
            ])
        })
        .map(Node::items)
        .unwrap_or_default();
    if !terms.is_empty() && terms.iter().all(|t| term_requires(t, nodes)) {
        return None;
    }
    let what = if let Some(other) = selected {
        format!(
            "its `nodeSelector` asks for `{}: {}`, not `{label}`",
            nodes.label_key,
            other.as_str().unwrap_or("null")
        )
    } else if !terms.is_empty() {
        format!(
            "not every required node-affinity term demands `{} In [{}]` (terms are ORed, so one term without it lets the pod run anywhere that term allows)",
            nodes.label_key, nodes.label_value
        )
    } else if node_affinity
        .and_then(|a| a.get("preferredDuringSchedulingIgnoredDuringExecution"))
        .is_some()
    {
        format!(
            "it only prefers `{label}` nodes (preferred affinity is a hint, not a requirement) and has no `nodeSelector` `{label}`"
        )
    } else {
        format!(
            "it has neither `nodeSelector` `{label}` nor a required node affinity on that label"
        )
    };
    Some(what)
}

/// Whether a node selector term confines the pod to nodes carrying the label
/// with the critical value: one of its (ANDed) expressions is `In` with only
/// that value.
fn term_requires(term: &Node, nodes: &CriticalNodes) -> bool {
    term.get("matchExpressions")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|expression| {
            let values = expression
                .get("values")
                .map(Node::items)
                .unwrap_or_default();
            expression.get("key").and_then(Node::as_str) == Some(nodes.label_key.as_str())
                && expression.get("operator").and_then(Node::as_str) == Some("In")
                && !values.is_empty()
                && values
                    .iter()
                    .all(|v| v.as_str() == Some(nodes.label_value.as_str()))
        })
}

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if workload.object.tier != Some(Tier::Critical) {
        return;
    }
    let nodes = &ctx.config.kubernetes.critical_nodes;
    let taint = describe_taint(nodes);
    let tolerated = workload
        .spec
        .get("tolerations")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|t| tolerates_critical_taint(t, nodes));
    if !tolerated {
        sink.report(
            workload.spec_key,
            format!(
                "critical-tier pod does not tolerate the critical-node taint `{taint}`, so it can never be scheduled onto critical nodes"
            ),
        );
    }
    if let Some(gap) = selection_gap(workload.spec, nodes) {
        sink.report(
            workload.spec_key,
            format!(
                "critical-tier pod is not confined to critical nodes: {gap}; the taint `{taint}` keeps other pods off critical nodes but does not attract this one, so it can run on any node"
            ),
        );
    }
}
