use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::{baseline_applies, normalize_capability, restricted_applies};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-005",
        name: "capabilities-added",
        severity: Severity::High,
        summary: "Container adds a Linux capability its Pod Security level forbids",
        requirements: &["S-PSS-01", "S-PSS-05", "G-SEC-02"],
        docs: RuleDocs {
            what: "Reports every capability in `securityContext.capabilities.add` of a container, init container or ephemeral container that the workload's Pod Security level forbids, one finding per capability. At `restricted` only `NET_BIND_SERVICE` may be added; at `baseline` (and for Windows pods held to `restricted`, which Pod Security admission exempts from the Linux-only rule) the allowed set is `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID` and `SYS_CHROOT`. Names are compared as container runtimes read them: case-insensitively and with an optional `CAP_` prefix, so `cap_sys_admin` is reported as `SYS_ADMIN` and `cap_chown` is allowed where `CHOWN` is (Pod Security admission compares the exact text and would also refuse the unusual spelling). Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "Capabilities are slices of root: `SYS_ADMIN` is nearly full root on the node, `NET_ADMIN` rewrites the pod's networking, `SYS_PTRACE` reads other processes' memory, `NET_RAW` forges packets. Adding one outside the profile's set reopens the escalation paths the policy closes with `baseline` everywhere (S-PSS-05) and `restricted` for critical agents (S-PSS-01).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        capabilities:
          drop: [ALL]
          add: [NET_ADMIN]
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        capabilities:
          drop: [ALL]
          add: [NET_BIND_SERVICE]
"#,
            ),
            fix: "Remove the capability from `capabilities.add`. Most needs have an unprivileged alternative (listen on a port above 1024; let a CNI plugin or a node-level agent outside the agent namespaces do network configuration). If the workload truly needs it, it does not belong in this tier.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

/// Capabilities `baseline` allows adding (the container runtimes' defaults minus `NET_RAW`).
const BASELINE_ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Capabilities `restricted` allows adding.
const RESTRICTED_ALLOWED: &[&str] = &["NET_BIND_SERVICE"];

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    let (allowed, rule) = if restricted_applies(workload, ctx) {
        (
            RESTRICTED_ALLOWED,
            format!("only `NET_BIND_SERVICE` may be added under {level}"),
        )
    } else if workload.is_windows() && super::restricted_required(workload, ctx) {
        (
            BASELINE_ALLOWED,
            format!(
                "it is outside the `baseline` set, which still applies to Windows pods under {level}"
            ),
        )
    } else {
        (
            BASELINE_ALLOWED,
            format!("it is outside the set allowed by {level}"),
        )
    };
    for container in workload.containers() {
        let added = container
            .security("capabilities")
            .and_then(|c| c.get("add"))
            .map(Node::items)
            .unwrap_or_default();
        for item in added {
            let Some(text) = item.as_str() else {
                continue;
            };
            let name = normalize_capability(text);
            if allowed.contains(&name.as_str()) {
                continue;
            }
            let what = if name == "ALL" {
                format!("adds every capability (`{text}`)")
            } else if name == text {
                format!("adds capability `{name}`")
            } else {
                format!("adds capability `{name}` (written `{text}`)")
            };
            sink.report(
                item.span,
                format!("{} {what}; {rule}", container.describe()),
            );
        }
    }
}
