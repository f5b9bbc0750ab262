use rampart_config::Severity;
use rampart_model::{K8sObject, ResourceQuotas};

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "RES-004",
        name: "namespace-without-resource-quota",
        severity: Severity::Medium,
        summary: "Tier namespace has no ResourceQuota bounding CPU and memory",
        requirements: &["G-RES-01", "S-PSS-04"],
        docs: RuleDocs {
            what: "For every tier namespace — a scanned `Namespace` whose labels name a tier (a key of `tiers.label-keys` with `critical`, `high` or `standard` as its value) and that is not in `kubernetes.exempt-namespaces` — reports, at the Namespace's name, that no scanned `ResourceQuota` of that namespace bounds CPU or memory. CPU is bounded by a `spec.hard` entry `requests.cpu`, `cpu` (the same as `requests.cpu`) or `limits.cpu`; memory by `requests.memory`, `memory` or `limits.memory`. Several quotas of the namespace add up (one may bound CPU, another memory). A quota that lists `scopes` or `scopeSelector.matchExpressions` bounds only the pods they match (`BestEffort`, `Terminating`, a priority class, …) and does not count. Quotas written without a namespace are not attributed to any namespace. Namespaces without a tier label are not judged; the pods' own requests and limits are checked by RES-001 and RES-002.",
            why: "Per-container limits bound one container; nothing bounds how many an agent team, a runaway controller or an attacker with create rights starts in a namespace. Without a quota, one tier namespace can take the cluster's whole capacity and starve the others — a compromised standard agent denying service to the critical tier. The policy requires a `ResourceQuota` with CPU and memory requests and limits in every agent namespace (G-RES-01) and names `critical-agents-quota` for the critical tier (S-PSS-04). A quota on `requests`/`limits` also makes the API server reject pods that declare none, unless a LimitRange gives them defaults.",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: critical-agents
  labels:
    agent-classification: critical
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: critical-agents-quota
  namespace: critical-agents
spec:
  hard:
    pods: "40"
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: critical-agents
  labels:
    agent-classification: critical
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: critical-agents-quota
  namespace: critical-agents
spec:
  hard:
    requests.cpu: "10"
    requests.memory: 20Gi
    limits.cpu: "40"
    limits.memory: 40Gi
    pods: "40"
"#,
            ),
            fix: "Add a `ResourceQuota` named `<namespace>-quota` to the namespace, without `scopes`, whose `spec.hard` sets `requests.cpu`, `requests.memory`, `limits.cpu` and `limits.memory` (and `pods`), sized for the agents of the tier; keep it in the same repository as the Namespace, with a `LimitRange` that gives containers default requests and limits so pods that set none are not rejected.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const CPU_KEYS: &[&str] = &["requests.cpu", "cpu", "limits.cpu"];
const MEMORY_KEYS: &[&str] = &["requests.memory", "memory", "limits.memory"];

/// Whether the quotas bound a resource: an unscoped one sets one of `keys`.
fn bounds(quotas: Option<&ResourceQuotas>, keys: &[&str]) -> bool {
    quotas.is_some_and(|q| keys.iter().any(|key| q.unscoped_hard.contains(*key)))
}

fn check(namespace: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !ctx.is_tier_namespace(namespace) {
        return;
    }
    let Some(tier) = namespace.tier else {
        return;
    };
    let name = &namespace.name;
    let found = ctx.project.resource_quotas(name);
    let missing: Vec<&str> = [
        (bounds(found, CPU_KEYS), "CPU"),
        (bounds(found, MEMORY_KEYS), "memory"),
    ]
    .into_iter()
    .filter(|(bounded, _)| !bounded)
    .map(|(_, resource)| resource)
    .collect();
    if missing.is_empty() {
        return;
    }
    let what = missing.join(" and ");
    let message = match found.map_or(0, |f| f.count) {
        0 => format!(
            "namespace `{name}` of the {tier} tier has no ResourceQuota, so nothing bounds the {what} its pods can take from the cluster"
        ),
        _ => format!(
            "no ResourceQuota of namespace `{name}` ({tier} tier) bounds {} for all of its pods (a `spec.hard` `requests.*` or `limits.*` entry in a quota without `scopes`), so nothing bounds the {what} its pods can take from the cluster",
            missing.join(" or ")
        ),
    };
    sink.report(namespace.span(), message);
}
