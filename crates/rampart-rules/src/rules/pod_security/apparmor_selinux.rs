use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::baseline_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-013",
        name: "apparmor-or-selinux-relaxed",
        severity: Severity::High,
        summary: "Pod disables AppArmor or sets a custom SELinux context",
        requirements: &["S-PSS-05", "S-PSS-01", "G-SEC-02"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above (every tier by default), reports on the pod's `securityContext` and on every container's: `appArmorProfile.type: Unconfined`; a `seLinuxOptions.type` other than `container_t`, `container_init_t`, `container_kvm_t` or `container_engine_t` (allowed since Kubernetes 1.31); and any non-empty `seLinuxOptions.user` or `seLinuxOptions.role`. Also reports every legacy `container.apparmor.security.beta.kubernetes.io/<container>` annotation of the pod (template) whose value is not `runtime/default` or `localhost/<profile>`, such as `unconfined`. Each finding is at the offending value. `seLinuxOptions.level` is not restricted. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "AppArmor and SELinux are the mandatory access control layers that keep a process confined even if it escapes the container's namespaces. `Unconfined` AppArmor removes that layer; a custom SELinux type such as `spc_t` (super-privileged container) or a custom user or role grants access to host files and processes the container label denies. `baseline` forbids both (S-PSS-05), and `restricted` builds on it (S-PSS-01).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  securityContext:
    appArmorProfile:
      type: Unconfined
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  securityContext:
    appArmorProfile:
      type: RuntimeDefault
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
"#,
            ),
            fix: "Use `appArmorProfile.type: RuntimeDefault` (or `Localhost` with a reviewed profile) and remove `unconfined` AppArmor annotations. Leave `seLinuxOptions` unset, or set only `level` (the MCS categories); never a custom `type`, `user` or `role`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

/// A non-empty string field.
fn set<'a>(parent: &'a Node, key: &str) -> Option<(&'a Node, &'a str)> {
    let node = parent.get(key)?;
    let text = node.as_str().filter(|t| !t.is_empty())?;
    Some((node, text))
}

/// Checks one `securityContext` (the pod's or a container's); `who` names it.
fn check_context(security_context: Option<&Node>, who: &str, level: &str, sink: &mut Sink<'_>) {
    let Some(sc) = security_context else {
        return;
    };
    if let Some(node) = sc
        .path(&["appArmorProfile", "type"])
        .filter(|n| n.as_str() == Some("Unconfined"))
    {
        sink.report(
            node.span,
            format!("{who} runs without AppArmor (`appArmorProfile.type: Unconfined`), forbidden by {level}"),
        );
    }
    let Some(options) = sc.get("seLinuxOptions") else {
        return;
    };
    if let Some((node, value)) = set(options, "type").filter(|(_, t)| !SELINUX_TYPES.contains(t)) {
        sink.report(
            node.span,
            format!("{who} sets SELinux type `{value}`; only `container_t`, `container_init_t`, `container_kvm_t` and `container_engine_t` are allowed by {level}"),
        );
    }
    for field in ["user", "role"] {
        if let Some((node, value)) = set(options, field) {
            sink.report(
                node.span,
                format!("{who} sets SELinux {field} `{value}`; a custom SELinux {field} is forbidden by {level}"),
            );
        }
    }
}

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    check_context(workload.security_context(), "the pod", &level, sink);
    for container in workload.containers() {
        check_context(
            container.security_context(),
            &container.describe(),
            &level,
            sink,
        );
    }
    let annotations = workload
        .metadata
        .and_then(|m| m.get("annotations"))
        .map(Node::entries)
        .unwrap_or_default();
    for entry in annotations {
        let Some(container) = entry
            .key
            .as_str()
            .and_then(|k| k.strip_prefix(APPARMOR_ANNOTATION))
        else {
            continue;
        };
        let Some(profile) = entry.value.as_str() else {
            continue;
        };
        if profile.is_empty() || profile == "runtime/default" || profile.starts_with("localhost/") {
            continue;
        }
        sink.report(
            entry.value.span,
            format!(
                "the AppArmor annotation of container `{container}` sets profile `{profile}`; only `runtime/default` or `localhost/<profile>` is allowed by {level}"
            ),
        );
    }
}
