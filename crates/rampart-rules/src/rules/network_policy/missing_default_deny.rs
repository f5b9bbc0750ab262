use std::collections::BTreeMap;

use rampart_config::Severity;
use rampart_model::{Direction, NetworkPolicy, Subject};

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NP-001",
        name: "namespace-without-default-deny",
        severity: Severity::High,
        summary: "Namespace runs workloads without a default-deny NetworkPolicy",
        requirements: &["S-PSS-03", "S-PSS-07", "G-NET-01", "G-NET-06"],
        docs: RuleDocs {
            what: "For every namespace that runs workloads in the scanned files, reports a missing default-deny NetworkPolicy for `Ingress` and for `Egress`: a policy with an empty `podSelector` that restricts the direction (in `policyTypes`, or by the API's defaulting) and allows nothing. One policy may cover both directions. The rule needs to see the namespace's policies: it reports a namespace only when its `Namespace` object or at least one of its NetworkPolicies is in the scan, so scanning one Deployment out of context reports nothing here. Namespaces in `kubernetes.exempt-namespaces` are skipped. Cluster-wide policies of other APIs (`AdminNetworkPolicy`, `BaselineAdminNetworkPolicy`, Calico `GlobalNetworkPolicy`, `CiliumClusterwideNetworkPolicy`) are not interpreted: where a cluster denies by default that way, ignore this rule in `rampart.toml`.",
            why: "Kubernetes lets every pod talk to every other pod until a policy selects it. Without a default deny, a pod that no allow-policy selects (a new agent, a debug pod, an attacker's pod) is reachable from, and can reach, the whole cluster, across tiers. The policy requires a default deny in every tier namespace (S-PSS-03) and rejects the seed's `default-allow` (S-PSS-07).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: high-agents
  labels:
    agent-classification: high
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/summariser:2.0.1
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: high-agents
  labels:
    agent-classification: high
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: high-agents
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/summariser:2.0.1
"#,
            ),
            fix: "Add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress, Egress]` and no rules to the namespace, then allow each needed flow (including DNS to `kube-system`) with its own policy.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

#[derive(Default)]
struct NamespaceFacts {
    namespace_object: Option<usize>,
    first_workload: Option<usize>,
    workloads: usize,
    policies: usize,
    denies_ingress: bool,
    denies_egress: bool,
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let mut namespaces: BTreeMap<&str, NamespaceFacts> = BTreeMap::new();
    for (i, object) in ctx.project.objects.iter().enumerate() {
        if object.kind == "Namespace" {
            namespaces.entry(&object.name).or_default().namespace_object = Some(i);
            continue;
        }
        let Some(namespace) = object.namespace.as_deref() else {
            continue;
        };
        if let Some(policy) = NetworkPolicy::new(object) {
            let facts = namespaces.entry(namespace).or_default();
            facts.policies += 1;
            facts.denies_ingress |= policy.is_default_deny(Direction::Ingress);
            facts.denies_egress |= policy.is_default_deny(Direction::Egress);
        } else if object.workload().is_some() {
            let facts = namespaces.entry(namespace).or_default();
            facts.workloads += 1;
            facts.first_workload.get_or_insert(i);
        }
    }
    for (name, facts) in namespaces {
        if facts.workloads == 0 || ctx.is_exempt_namespace(Some(name)) {
            continue;
        }
        let missing: Vec<&str> = [
            (facts.denies_ingress, "Ingress"),
            (facts.denies_egress, "Egress"),
        ]
        .into_iter()
        .filter(|(denied, _)| !denied)
        .map(|(_, direction)| direction)
        .collect();
        if missing.is_empty() {
            continue;
        }
        let subject = match (facts.namespace_object, facts.first_workload, facts.policies) {
            (Some(namespace), _, _) => namespace,
            (None, Some(workload), policies) if policies > 0 => workload,
            _ => continue,
        };
        let object = &ctx.project.objects[subject];
        findings.on(Subject::Object(subject)).report(
            object.span(),
            format!(
                "namespace `{name}` runs {} workload{} but no NetworkPolicy denies {} traffic by default",
                facts.workloads,
                if facts.workloads == 1 { "" } else { "s" },
                missing.join(" or ")
            ),
        );
    }
}
