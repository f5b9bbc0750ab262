use rampart_config::{Severity, Tier};
use rampart_model::Workload;
use rampart_yaml::Node;

use super::{describe_taint, no_critical_taint, text, tolerates_critical_taint};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "TIER-003",
        name: "critical-taint-tolerated",
        severity: Severity::High,
        summary: "Non-critical pod tolerates the critical-node taint",
        requirements: &["S-NODE-09", "G-RES-05", "S-INV-01"],
        docs: RuleDocs {
            what: "For every workload that is not of the critical tier (high, standard, or without a tier), reports each toleration that tolerates the critical-node taint (`kubernetes.critical-nodes`, by default `agent-classification=critical:NoSchedule`): `Equal` with its key and value, `Exists` on its key, or `Exists` with no key, which tolerates every taint. A toleration with an effect other than the taint's does not tolerate it. Workloads in `kubernetes.exempt-namespaces` are skipped: node agents (CNI, log shippers, Falco) must run on every node and tolerate every taint.",
            why: "The critical taint is what keeps other tiers off the critical node group (S-NODE-09). A high- or standard-tier pod that tolerates it can be scheduled next to critical agents, sharing their kernel, node credentials and network position, which defeats the node-level segregation by classification.",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: report-builder
  namespace: standard-agents
  labels:
    agent-classification: standard
spec:
  template:
    spec:
      tolerations:
        - operator: Exists
      containers:
        - name: builder
          image: registry.example.com/report-builder:1.0.4
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: report-builder
  namespace: standard-agents
  labels:
    agent-classification: standard
spec:
  template:
    spec:
      tolerations:
        - key: node.kubernetes.io/not-ready
          operator: Exists
          effect: NoExecute
          tolerationSeconds: 300
      containers:
        - name: builder
          image: registry.example.com/report-builder:1.0.4
"#,
            ),
            fix: "Remove the toleration, or narrow it to the taints the pod really needs (give `key` and `effect`). If the workload is a node agent that must run everywhere, deploy it to a namespace listed in `kubernetes.exempt-namespaces`; if it is a critical agent, label it `critical`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: Some(no_critical_taint),
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let object = workload.object;
    if object.tier == Some(Tier::Critical) || ctx.is_exempt_namespace(object.namespace.as_deref()) {
        return;
    }
    let nodes = &ctx.config.kubernetes.critical_nodes;
    let tier = match object.tier {
        Some(tier) => format!("{tier}-tier pod"),
        None => "pod without a tier".to_owned(),
    };
    let taint = describe_taint(nodes);
    for toleration in workload
        .spec
        .get("tolerations")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter(|t| tolerates_critical_taint(t, nodes))
    {
        let how = if text(toleration, "key").is_empty() {
            "tolerates every taint (`operator: Exists` without a key), including".to_owned()
        } else {
            "tolerates".to_owned()
        };
        let span = toleration
            .entries()
            .first()
            .map_or(toleration.span, |e| e.key.span);
        sink.report(
            span,
            format!(
                "{tier} {how} the critical-node taint `{taint}`: it can be scheduled onto critical nodes"
            ),
        );
    }
}
