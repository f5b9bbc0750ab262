use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::baseline_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-015",
        name: "windows-host-process",
        severity: Severity::Critical,
        summary: "Windows container runs as a HostProcess on the node",
        requirements: &["S-PSS-05", "S-PSS-01", "G-SEC-02"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above (every tier by default), reports every `securityContext.windowsOptions.hostProcess: true`, on the pod or on a container, init container or ephemeral container, at the value. Only a boolean `true` counts. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "A Windows HostProcess container is not isolated at all: it runs as a process on the node, with the node's network and filesystem, typically as `NT AUTHORITY\\SYSTEM`. It is the Windows equivalent of a privileged container and forbidden from `baseline` up (S-PSS-05).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  os:
    name: windows
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\SYSTEM"
  containers:
    - name: agent
      image: registry.example.com/agent-win:1.4.2
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  os:
    name: windows
  securityContext:
    windowsOptions:
      runAsUserName: ContainerUser
  containers:
    - name: agent
      image: registry.example.com/agent-win:1.4.2
"#,
            ),
            fix: "Remove `hostProcess: true` and run the agent as an ordinary Windows container under `ContainerUser`. Node-management tooling that needs HostProcess belongs to the platform team, outside the agent namespaces.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

/// `windowsOptions.hostProcess` of a security context, when it is `true`.
fn host_process(security_context: Option<&Node>) -> Option<&Node> {
    security_context?
        .path(&["windowsOptions", "hostProcess"])
        .filter(|n| n.as_bool() == Some(true))
}

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    if let Some(node) = host_process(workload.security_context()) {
        sink.report(
            node.span,
            format!("the pod runs its containers as HostProcesses on the Windows node (`hostProcess: true`), forbidden by {level}"),
        );
    }
    for container in workload.containers() {
        if let Some(node) = host_process(container.security_context()) {
            sink.report(
                node.span,
                format!(
                    "{} runs as a HostProcess on the Windows node (`hostProcess: true`), forbidden by {level}",
                    container.describe()
                ),
            );
        }
    }
}
