//! Pod Security Standards: the `baseline` and `restricted` profiles, checked on
//! every container, init container and ephemeral container.
//!
//! Which level a workload is held to comes from its tier's profile (or
//! `kubernetes.untiered-pod-security` for pods without a tier). Workloads in
//! `kubernetes.exempt-namespaces` are skipped, as Pod Security admission's
//! namespace exemptions skip them: those namespaces belong to the platform.

use rampart_config::PodSecurityLevel;
use rampart_model::Workload;
use rampart_yaml::{Node, ScalarStyle, Value};

use crate::engine::{Context, Rule};

mod apparmor_selinux;
mod capabilities_added;
mod capabilities_not_dropped;
mod disallowed_volume_type;
mod host_namespaces;
mod host_path_volume;
mod host_port;
mod privilege_escalation;
mod privileged_container;
mod proc_mount;
mod run_as_root;
mod seccomp_profile;
mod unsafe_sysctl;
mod windows_host_process;
mod writable_root_filesystem;

pub(crate) static RULES: &[&Rule] = &[
    &privileged_container::RULE,
    &privilege_escalation::RULE,
    &run_as_root::RULE,
    &capabilities_not_dropped::RULE,
    &capabilities_added::RULE,
    &seccomp_profile::RULE,
    &host_namespaces::RULE,
    &host_path_volume::RULE,
    &host_port::RULE,
    &writable_root_filesystem::RULE,
    &disallowed_volume_type::RULE,
    &unsafe_sysctl::RULE,
    &apparmor_selinux::RULE,
    &proc_mount::RULE,
    &windows_host_process::RULE,
];

/// Whether the workload runs in a namespace of `kubernetes.exempt-namespaces`.
pub(crate) fn is_exempt(workload: &Workload<'_>, ctx: &Context<'_>) -> bool {
    ctx.is_exempt_namespace(workload.object.namespace.as_deref())
}

/// Whether the workload is held to at least `level` (and not exempt).
fn requires(workload: &Workload<'_>, ctx: &Context<'_>, level: PodSecurityLevel) -> bool {
    !is_exempt(workload, ctx) && ctx.required_pod_security(workload) >= level
}

/// Whether the `restricted`-only checks apply: the workload's tier (or the
/// untiered default) requires `restricted`, and it is not a Windows pod, which
/// Pod Security admission exempts from the Linux-only controls.
pub(crate) fn restricted_applies(workload: &Workload<'_>, ctx: &Context<'_>) -> bool {
    !workload.is_windows() && restricted_required(workload, ctx)
}

/// Whether the workload is held to `restricted`, Windows or not: for the
/// `restricted` controls that are not Linux-only (volume types, `/proc` mount).
pub(crate) fn restricted_required(workload: &Workload<'_>, ctx: &Context<'_>) -> bool {
    requires(workload, ctx, PodSecurityLevel::Restricted)
}

/// Whether the `baseline` checks apply (every level but `privileged`).
pub(crate) fn baseline_applies(workload: &Workload<'_>, ctx: &Context<'_>) -> bool {
    requires(workload, ctx, PodSecurityLevel::Baseline)
}

/// A value of a string field, for messages: `` `Unmasked` ``, `a mapping`, `a list`.
pub(crate) fn shown(node: &Node) -> String {
    match &node.value {
        Value::Scalar(text, _) => format!("`{text}`"),
        Value::Map(_) => "a mapping".to_owned(),
        Value::Seq(_) => "a list".to_owned(),
    }
}

/// A value of a boolean field, for messages: `` `yes` ``, or
/// `` `"false"` (a string, not a boolean) `` when it was quoted.
pub(crate) fn shown_bool(node: &Node) -> String {
    match &node.value {
        Value::Scalar(text, ScalarStyle::Plain) => format!("`{text}`"),
        Value::Scalar(text, _) => format!("`\"{text}\"` (a string, not a boolean)"),
        _ => shown(node),
    }
}

/// A capability name as container runtimes read it: case-insensitive, with an
/// optional `CAP_` prefix (`cap_sys_admin` is `SYS_ADMIN`).
pub(crate) fn normalize_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => upper,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_capability;

    #[test]
    fn capabilities_are_normalized() {
        assert_eq!(normalize_capability("sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize_capability("CAP_NET_RAW"), "NET_RAW");
        assert_eq!(normalize_capability("cap_chown"), "CHOWN");
        assert_eq!(normalize_capability("ALL"), "ALL");
        assert_eq!(normalize_capability("CAP_"), "CAP_");
    }
}
