use rampart_config::Severity;
use rampart_model::Subject;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NP-001",
        name: "namespace-without-default-deny",
        severity: Severity::High,
        summary: "Namespace has no default-deny NetworkPolicy",
        requirements: &["S-PSS-03", "S-PSS-07", "G-NET-01", "G-NET-06"],
        docs: RuleDocs {
            what: "For every tier namespace and every namespace that runs workloads in the scanned files, reports a missing default-deny NetworkPolicy for `Ingress` and for `Egress`: a policy with an empty `podSelector` that restricts the direction (in `policyTypes`, or by the API's defaulting) and allows nothing. One policy may cover both directions. A tier namespace is a scanned `Namespace` object whose labels name a tier (a key of `tiers.label-keys` with `critical`, `high` or `standard` as its value; other values are reported by `conflicting-tier-labels`): it is reported even when none of its workloads is in the scan, since the baseline must be in place before the first agent is deployed. Any other namespace needs to be seen with its policies: it is reported only when it runs a scanned workload and its `Namespace` object or at least one of its NetworkPolicies is in the scan, so scanning one Deployment out of context reports nothing here, and neither does a namespace without a tier label and without workloads. The finding is at the Namespace's name, or at the first workload when the Namespace object is not scanned. NetworkPolicies written without a namespace are not attributed to any namespace. Namespaces in `kubernetes.exempt-namespaces` are skipped. Cluster-wide policies of other APIs (`AdminNetworkPolicy`, `BaselineAdminNetworkPolicy`, Calico `GlobalNetworkPolicy`, `CiliumClusterwideNetworkPolicy`) are not interpreted: where a cluster denies by default that way, ignore this rule in `rampart.toml`.",
            why: "Kubernetes lets every pod talk to every other pod until a policy selects it. Without a default deny, a pod that no allow-policy selects (a new agent, a debug pod, an attacker's pod) is reachable from, and can reach, the whole cluster, across tiers. The policy requires a default deny in every tier namespace (S-PSS-03) and rejects the seed's `default-allow` (S-PSS-07, contradiction C-17 of the catalogue): an agent namespace that exists without one is one `kubectl apply` away from an unsegmented agent.",
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
    check: Check::Manifests(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    // Gathered by the model from every object, while its tree was read.
    for (name, facts) in ctx.project.namespace_traffic() {
        let name = name.as_str();
        if ctx.is_exempt_namespace(Some(name)) {
            continue;
        }
        // The tier of a scanned Namespace object that carries a tier label.
        let tier = facts
            .namespace_object
            .map(|i| &ctx.project.objects[i])
            .filter(|o| ctx.is_tier_namespace(o))
            .and_then(|o| o.tier);
        if facts.workloads == 0 && tier.is_none() {
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
            (None, Some((_, workload)), policies) if policies > 0 => workload,
            _ => continue,
        };
        let object = &ctx.project.objects[subject];
        let missing = missing.join(" or ");
        let message = match (facts.workloads, tier) {
            (0, Some(tier)) => format!(
                "namespace `{name}` of the {tier} tier has no NetworkPolicy that denies {missing} traffic by default"
            ),
            (workloads, _) => format!(
                "namespace `{name}` runs {workloads} workload{} but no NetworkPolicy denies {missing} traffic by default",
                if workloads == 1 { "" } else { "s" },
            ),
        };
        findings
            .on(Subject::Object(subject))
            .report(object.span(), message);
    }
}
