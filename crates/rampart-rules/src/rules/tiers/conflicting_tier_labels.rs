use rampart_config::{Severity, Tier};
use rampart_model::{K8sObject, TierLabel, TierOrigin, tier_labels};

use super::no_tier_keys;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "TIER-005",
        name: "conflicting-tier-labels",
        severity: Severity::High,
        summary: "Tier labels disagree or name no tier",
        requirements: &["S-INV-01"],
        docs: RuleDocs {
            what: "Reports, at the offending value, every tier label (a key of `tiers.label-keys`) whose value is not a tier name (`crit`, `Critical-1`, empty); two tier keys on the same labels that name different tiers; a pod template label that names a different tier than its workload's own label; and an object's tier label that names a different tier than the label of its Namespace (when the Namespace is among the scanned files). Tier names are matched case-insensitively, as everywhere in rampart. The tier rampart uses is unchanged (own label, then pod template, then namespace, and the first key in `tiers.label-keys` order); this rule reports the disagreement.",
            why: "Every tier-aware control reads one of these labels, and they do not all read the same one: rampart and admission webhooks resolve the object's own label first, Pod Security and NetworkPolicies work per namespace, and the pods carry only their template's labels. When the labels disagree, different controls apply different tiers to the same agent: a pod labelled `standard` in the critical namespace escapes the critical controls (S-INV-01 requires the values to agree along the chain). A value that is not a tier silently leaves the object without one.",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: critical-agents
  labels:
    agent-classification: critical
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-agent
  namespace: critical-agents
  labels:
    agent-classification: standard
spec:
  template:
    metadata:
      labels:
        agent-classification: standard
    spec:
      containers:
        - name: agent
          image: registry.example.com/payments-agent:3.2.0
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
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-agent
  namespace: critical-agents
  labels:
    agent-classification: critical
spec:
  template:
    metadata:
      labels:
        agent-classification: critical
    spec:
      containers:
        - name: agent
          image: registry.example.com/payments-agent:3.2.0
"#,
            ),
            fix: "Decide the agent's tier and write the same value (`critical`, `high` or `standard`) on the Namespace, the workload and its pod template, under one key. Move a workload whose tier differs from its namespace's to a namespace of its own tier.",
        },
    },
    check: Check::Object(check),
    inactive_when: Some(no_tier_keys),
};

/// `` `agent-classification: crit` ``.
fn quote(label: &TierLabel) -> String {
    if label.value.is_empty() {
        format!("`{}: \"\"`", label.key)
    } else {
        format!("`{}: {}`", label.key, label.value)
    }
}

fn tier_name(label: &TierLabel) -> &'static str {
    label.tier.map_or("", Tier::as_str)
}

/// Where the object's tier comes from, for the message about an ignored label.
fn resolution(object: &K8sObject) -> String {
    let kind = &object.kind;
    match (object.tier, &object.tier_origin) {
        (Some(tier), TierOrigin::Label { key }) => {
            format!("the {kind} is `{tier}` by its label `{key}`")
        }
        (Some(tier), TierOrigin::PodLabel { key }) => {
            format!("the {kind} is `{tier}` by its pod template label `{key}`")
        }
        (Some(tier), TierOrigin::Namespace { name }) => {
            format!("the {kind} is `{tier}` by its Namespace `{name}`")
        }
        (Some(tier), _) => format!("the {kind} is `{tier}`"),
        (None, _) => format!("the {kind} has no tier"),
    }
}

/// The problems within one set of labels: values that are not tiers, and keys
/// that name different tiers. Returns the label that gives the set's tier.
fn check_set<'a>(
    labels: &'a [TierLabel],
    place: &str,
    object: &K8sObject,
    sink: &mut Sink<'_>,
) -> Option<&'a TierLabel> {
    let mut first: Option<&TierLabel> = None;
    for label in labels {
        match (label.tier, first) {
            (None, _) => sink.report(
                label.span,
                format!(
                    "{place}label {} is not a tier (`critical`, `high` or `standard`), so it is ignored: {}",
                    quote(label),
                    resolution(object)
                ),
            ),
            (Some(_), None) => first = Some(label),
            (Some(tier), Some(winner)) if Some(tier) != winner.tier => sink.report(
                label.span,
                format!(
                    "{place}label {} disagrees with {} on the same labels; the first key of `tiers.label-keys` wins",
                    quote(label),
                    quote(winner)
                ),
            ),
            (Some(_), Some(_)) => {}
        }
    }
    first
}

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let keys = &ctx.config.tiers.label_keys;
    let own_labels = object.labels();
    let own_set = tier_labels(own_labels, keys);
    let own = check_set(&own_set, "", object, sink);
    // A Pod's "pod template" labels are its own labels.
    let pod_labels = object
        .pod_labels()
        .filter(|pod| !own_labels.is_some_and(|own| std::ptr::eq(own, *pod)));
    let pod_set = tier_labels(pod_labels, keys);
    let pod = check_set(&pod_set, "pod template ", object, sink);
    let kind = &object.kind;
    if let (Some(own), Some(pod)) = (own, pod)
        && own.tier != pod.tier
    {
        sink.report(
            pod.span,
            format!(
                "pod template label {} disagrees with the {kind}'s own label {}: rampart checks the {kind} as `{}`, but its pods carry `{}`",
                quote(pod),
                quote(own),
                tier_name(own),
                tier_name(pod)
            ),
        );
    }
    if object.kind == "Namespace" {
        return;
    }
    let Some(resolved) = own.or(pod) else {
        return;
    };
    let Some(namespace) = object
        .namespace
        .as_deref()
        .and_then(|ns| ctx.project.namespace(ns))
    else {
        return;
    };
    let namespace_set = tier_labels(namespace.labels(), keys);
    let Some(namespace_label) = namespace_set.iter().find(|l| l.tier.is_some()) else {
        return;
    };
    let (Some(tier), Some(namespace_tier)) = (resolved.tier, namespace_label.tier) else {
        return;
    };
    if tier == namespace_tier {
        return;
    }
    let place = if own.is_some() { "" } else { "pod template " };
    let consequence = if tier < namespace_tier {
        format!("the label wins, so the {kind} escapes the controls of the `{namespace_tier}` tier")
    } else {
        format!(
            "the {kind} is checked as `{tier}`, but its namespace's controls (Pod Security level, NetworkPolicies) are those of `{namespace_tier}`"
        )
    };
    sink.report(
        resolved.span,
        format!(
            "{place}label {} disagrees with its Namespace `{}` ({}): {consequence}",
            quote(resolved),
            namespace.name,
            quote(namespace_label)
        ),
    );
}
