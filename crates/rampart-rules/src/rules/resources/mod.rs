//! Resource requests and limits, and namespace quotas (G-RES).
//!
//! What a container ends up with is not only what its manifest says: the API
//! server defaults a missing request to the container's limit, a pod-level
//! `resources` block bounds all containers together, and the `LimitRanger`
//! admission plugin fills in the defaults of every `LimitRange` of the
//! namespace. The rules here only report what none of these supplies, looking
//! at the LimitRanges in the scanned files through a per-namespace index built
//! once per rule.

use rampart_model::{Container, ContainerKind, Project, Workload};
use rampart_yaml::Node;

use crate::engine::{Context, Rule, Sink};

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
/// The resources of `wanted` that `container` has no value for in `field`,
/// neither its own nor (for CPU and memory) the pod's, and that no LimitRange
/// of its namespace gives a default for.
fn missing(
    project: &Project,
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
    let defaults = project.limit_range_defaults(workload.object.namespace.as_deref());
    let filled = |resource: &str| {
        defaults.is_some_and(|d| match field {
            Field::Requests => d.requests.contains(resource),
            Field::Limits => d.limits.contains(resource),
        })
    };
    wanted
        .iter()
        .copied()
        .filter(|resource| {
            let pod_level = POD_LEVEL_RESOURCES.contains(resource);
            let given = match field {
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
            !given && !filled(resource)
        })
        .collect()
}

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
/// Reports each container of `workload` that misses a resource of `wanted`
/// in `field` (see [`missing`]).
pub(crate) fn report_missing(
    workload: &Workload<'_>,
    ctx: &Context<'_>,
    sink: &mut Sink<'_>,
    field: Field,
    wanted: &'static [&'static str],
    message: fn(&str, &[&str]) -> String,
) {
    for container in resource_containers(workload) {
        let missing = missing(ctx.project, workload, &container, field, wanted);
        if !missing.is_empty() {
            sink.report(container.span(), message(&container.describe(), &missing));
        }
    }
}
