use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::{baseline_applies, restricted_applies, shown};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-006",
        name: "seccomp-profile-not-restricted",
        severity: Severity::Medium,
        summary: "Container does not run under a RuntimeDefault or Localhost seccomp profile",
        requirements: &["S-PSS-01", "S-PSS-05", "G-SEC-02"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above, reports every `seccompProfile.type: Unconfined`, on the pod's `securityContext` or on a container's. For workloads held to `restricted`, also reports any other value than `RuntimeDefault` or `Localhost`, and every container, init container and ephemeral container whose effective profile (its own `seccompProfile.type`, else the pod's) is unset, at the container's name. A bad pod-level value is reported once, at the value, not again for each container that inherits it. The `restricted` part does not apply to Windows pods, as in Pod Security admission. The `seccomp.security.alpha.kubernetes.io` annotations are not read: the kubelet has ignored them since Kubernetes 1.27. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "Seccomp filters the system calls a container may make; the runtime's default profile blocks the calls most kernel exploits start with (`unshare`, `keyctl`, `bpf`, `mount`, …). Kubernetes runs containers `Unconfined` unless a profile is set, so without one a compromised agent has the whole kernel attack surface. `baseline` forbids disabling seccomp (S-PSS-05); `restricted` requires a profile to be set (S-PSS-01).",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  labels:
    agent-classification: critical
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  labels:
    agent-classification: critical
spec:
  template:
    spec:
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
"#,
            ),
            fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (every container inherits it), or `Localhost` with a `localhostProfile` for a tighter custom profile. Never `Unconfined`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

/// The `type` of a `seccompProfile` block, when set.
fn profile_type(security_context: Option<&Node>) -> Option<&Node> {
    security_context?
        .path(&["seccompProfile", "type"])
        .filter(|n| !n.is_null())
}

fn is_confined(node: &Node) -> bool {
    matches!(node.as_str(), Some("RuntimeDefault" | "Localhost"))
}

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let restricted = restricted_applies(workload, ctx);
    let level = ctx.level_reason(workload);
    let is_bad = |node: &Node| {
        if restricted {
            !is_confined(node)
        } else {
            node.as_str() == Some("Unconfined")
        }
    };
    let requirement = if restricted {
        "`RuntimeDefault` or `Localhost` is required by"
    } else {
        "`Unconfined` is forbidden by"
    };
    let pod = profile_type(workload.security_context());
    if let Some(node) = pod.filter(|n| is_bad(n)) {
        sink.report(
            node.span,
            format!(
                "the pod sets seccomp profile type {}; {requirement} {level}",
                shown(node)
            ),
        );
    }
    for container in workload.containers() {
        match profile_type(container.security_context()) {
            Some(node) if is_bad(node) => sink.report(
                node.span,
                format!(
                    "{} sets seccomp profile type {}; {requirement} {level}",
                    container.describe(),
                    shown(node)
                ),
            ),
            Some(_) => {}
            // Inherits the pod's profile: a bad one is reported once, above.
            None if pod.is_some() => {}
            None if restricted => sink.report(
                container.span(),
                format!(
                    "{} runs without a seccomp profile (none on it or on the pod); `RuntimeDefault` or `Localhost` is required by {level}",
                    container.describe()
                ),
            ),
            None => {}
        }
    }
}
