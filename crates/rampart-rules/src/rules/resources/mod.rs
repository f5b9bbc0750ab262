//! Resource requests and limits, and namespace quotas (G-RES).
//!
//! What a container ends up with is not only what its manifest says: the API
//! server defaults a missing request to the container's limit, a pod-level
//! `resources` block bounds all containers together, and the `LimitRanger`
//! admission plugin fills in the defaults of every `LimitRange` of the
//! namespace. The rules here only report what none of these supplies, looking
//! at the LimitRanges in the scanned files through a per-namespace index built
//! once per rule.

use std::collections::{BTreeSet, HashMap};

use rampart_model::{Container, ContainerKind, Project, Subject, Workload};
use rampart_yaml::Node;

use crate::engine::{Context, Findings, Rule};

mod missing_ephemeral_storage_limit;
mod missing_limits;
mod missing_requests;
mod namespace_without_quota;

pub(crate) static RULES: &[&Rule] = &[
    &missing_requests::RULE,
    &missing_limits::RULE,
    &missing_ephemeral_storage_limit::RULE,
    &namespace_without_quota::RULE,
];

/// Which half of `resources` a rule checks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Requests,
    Limits,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Self::Requests => "requests",
            Self::Limits => "limits",
        }
    }
}

/// Resources a pod-level `resources` block can set (beta since Kubernetes 1.34).
const POD_LEVEL_RESOURCES: &[&str] = &["cpu", "memory"];

/// The defaults the scanned `LimitRange`s of one namespace give containers.
#[derive(Default)]
struct NamespaceDefaults {
    /// Resources given a default limit (`default`, else `max`).
    limits: BTreeSet<String>,
    /// Resources given a default request (`defaultRequest`, else `default`,
    /// `max` or `min`, by the API's defaulting of LimitRange items).
    requests: BTreeSet<String>,
}

/// The container defaults of the scanned LimitRanges, by namespace (`None`:
/// objects written without a namespace, which land in the same namespace).
pub(crate) struct LimitRangeDefaults<'a> {
    by_namespace: HashMap<Option<&'a str>, NamespaceDefaults>,
}

fn keys(node: Option<&Node>) -> impl Iterator<Item = String> + '_ {
    node.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter(|e| !e.value.is_null())
        .filter_map(|e| e.key.as_str().map(str::to_owned))
}

impl<'a> LimitRangeDefaults<'a> {
    pub(crate) fn build(project: &'a Project) -> Self {
        let mut by_namespace: HashMap<Option<&'a str>, NamespaceDefaults> = HashMap::new();
        for object in project.objects.iter().filter(|o| o.kind == "LimitRange") {
            let items = object
                .root
                .path(&["spec", "limits"])
                .map(Node::items)
                .unwrap_or_default();
            for item in items {
                if item.get("type").and_then(Node::as_str) != Some("Container") {
                    continue;
                }
                let defaults = by_namespace.entry(object.namespace.as_deref()).or_default();
                let default = || keys(item.get("default"));
                let max = || keys(item.get("max"));
                defaults.limits.extend(default().chain(max()));
                defaults.requests.extend(
                    keys(item.get("defaultRequest"))
                        .chain(default())
                        .chain(max())
                        .chain(keys(item.get("min"))),
                );
            }
        }
        Self { by_namespace }
    }

    /// Whether a LimitRange of the namespace gives containers a default.
    fn fills(&self, namespace: Option<&str>, field: Field, resource: &str) -> bool {
        self.by_namespace
            .get(&namespace)
            .is_some_and(|d| match field {
                Field::Requests => d.requests.contains(resource),
                Field::Limits => d.limits.contains(resource),
            })
    }

    /// The resources of `wanted` the container ends up without, in `field`.
    pub(crate) fn missing(
        &self,
        workload: &Workload<'_>,
        container: &Container<'_>,
        field: Field,
        wanted: &'static [&'static str],
    ) -> Vec<&'static str> {
        let own = container.get("resources");
        let pod = workload.spec.get("resources");
        let set = |block: Option<&Node>, half: Field, resource: &str| {
            block
                .and_then(|b| b.path(&[half.key(), resource]))
                .and_then(Node::as_str)
                .is_some_and(|v| !v.trim().is_empty())
        };
        let namespace = workload.object.namespace.as_deref();
        wanted
            .iter()
            .copied()
            .filter(|resource| {
                let pod_level = POD_LEVEL_RESOURCES.contains(resource);
                let given = match field {
                    // A missing request defaults to the limit of the same resource.
                    Field::Requests => {
                        set(own, Field::Requests, resource)
                            || set(own, Field::Limits, resource)
                            || (pod_level
                                && (set(pod, Field::Requests, resource)
                                    || set(pod, Field::Limits, resource)))
                    }
                    Field::Limits => {
                        set(own, Field::Limits, resource)
                            || (pod_level && set(pod, Field::Limits, resource))
                    }
                };
                !given && !self.fills(namespace, field, resource)
            })
            .collect()
    }
}

/// The containers resource rules check: containers and init containers
/// (ephemeral containers cannot set resources).
pub(crate) fn resource_containers<'a>(
    workload: &Workload<'a>,
) -> impl Iterator<Item = Container<'a>> + 'a {
    workload
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
}

/// `CPU`, `memory`, `CPU or memory`.
pub(crate) fn names(missing: &[&str], joiner: &str) -> String {
    missing
        .iter()
        .map(|r| if *r == "cpu" { "CPU" } else { *r })
        .collect::<Vec<_>>()
        .join(joiner)
}

/// Runs a resource rule: reports each container that ends up without some of
/// `wanted` in `field`, with the message `message` builds from the container's
/// description and the missing resources.
pub(crate) fn report_missing(
    ctx: &Context<'_>,
    findings: &mut Findings,
    field: Field,
    wanted: &'static [&'static str],
    message: fn(&str, &[&str]) -> String,
) {
    let defaults = LimitRangeDefaults::build(ctx.project);
    for &(i, ref workload) in ctx.workloads() {
        for container in resource_containers(workload) {
            let missing = defaults.missing(workload, &container, field, wanted);
            if missing.is_empty() {
                continue;
            }
            findings
                .on(Subject::Object(i))
                .report(container.span(), message(&container.describe(), &missing));
        }
    }
}
