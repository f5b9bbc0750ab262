//! Pod Security Standards: the `baseline` and `restricted` profiles, checked on
//! every container, init container and ephemeral container.

use rampart_config::PodSecurityLevel;
use rampart_model::Workload;

use crate::engine::{Context, Rule};

mod privileged_container;
mod run_as_root;

pub(crate) static RULES: &[&Rule] = &[&privileged_container::RULE, &run_as_root::RULE];

/// Whether the `restricted`-only checks apply: the workload's tier (or the
/// untiered default) requires `restricted`, and it is not a Windows pod, which
/// Pod Security admission exempts from the Linux-only controls.
pub(crate) fn restricted_applies(workload: &Workload<'_>, ctx: &Context<'_>) -> bool {
    !workload.is_windows() && ctx.required_pod_security(workload) >= PodSecurityLevel::Restricted
}

/// Whether the `baseline` checks apply (every level but `privileged`).
pub(crate) fn baseline_applies(workload: &Workload<'_>, ctx: &Context<'_>) -> bool {
    ctx.required_pod_security(workload) >= PodSecurityLevel::Baseline
}
