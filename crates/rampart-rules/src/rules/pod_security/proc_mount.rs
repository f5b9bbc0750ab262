use rampart_config::Severity;
use rampart_model::Workload;

use super::{baseline_applies, restricted_required, shown};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-014",
        name: "unmasked-proc-mount",
        severity: Severity::High,
        summary: "Container unmasks /proc",
        requirements: &["S-PSS-05", "S-PSS-01", "G-SEC-02"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above (every tier by default), reports every container, init container and ephemeral container whose `securityContext.procMount` is set to anything but `Default` (in practice `Unmasked`), at the value. Under `baseline` only, a pod in its own user namespace (`hostUsers: false`) may unmask `/proc`, as Pod Security admission allows since Kubernetes 1.35; `restricted` forbids it regardless. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "The container runtime masks and makes read-only the parts of `/proc` that expose or control the host kernel (`/proc/kcore`, `/proc/sysrq-trigger`, `/proc/sys`, …). `Unmasked` removes that protection, so a process in a container that shares the host's user namespace can read kernel memory layout or change kernel settings for the whole node. `baseline` forbids it (S-PSS-05).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: builder
spec:
  containers:
    - name: builder
      image: registry.example.com/builder:2.1.0
      securityContext:
        procMount: Unmasked
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: builder
spec:
  containers:
    - name: builder
      image: registry.example.com/builder:2.1.0
      securityContext:
        procMount: Default
"#,
            ),
            fix: "Remove `procMount` (or set it to `Default`). Nested container builds that need an unmasked `/proc` should use a rootless builder, or run with `hostUsers: false` in a tier held only to `baseline`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let own_user_namespace =
        workload.spec.get("hostUsers").and_then(|n| n.as_bool()) == Some(false);
    if own_user_namespace && !restricted_required(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    for container in workload.containers() {
        let Some(node) = container
            .security("procMount")
            .filter(|n| !n.is_null() && n.as_str() != Some("Default"))
        else {
            continue;
        };
        sink.report(
            node.span,
            format!(
                "{} sets `procMount` to {}, exposing the host kernel's `/proc` paths the runtime masks; only `Default` is allowed by {level}",
                container.describe(),
                shown(node)
            ),
        );
    }
}
