use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::baseline_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-012",
        name: "unsafe-sysctl",
        severity: Severity::High,
        summary: "Pod sets a sysctl outside the Pod Security safe set",
        requirements: &["S-PSS-05", "S-PSS-01", "G-SEC-02"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above (every tier by default), reports every `securityContext.sysctls[].name` of a pod that is not in the Pod Security safe set, at the name: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports` (since Kubernetes 1.27), `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes` (1.29), `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem` (1.32), `net.ipv4.tcp_slow_start_after_idle` and `net.ipv4.tcp_notsent_lowat` (1.37). A name written with slashes (`net/ipv4/tcp_syncookies`) is read as the kubelet reads it, with the separators swapped. Sysctls can only be set on the pod, not per container. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "Sysctls outside the safe set are either not namespaced (they change the kernel for every pod on the node) or not isolated (they let one pod exhaust or weaken a resource others depend on, such as `kernel.msgmax` or `net.core.somaxconn`). Allowing them means trusting every agent with the node's kernel configuration; `baseline` forbids them (S-PSS-05).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  securityContext:
    sysctls:
      - name: kernel.msgmax
        value: "65536"
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
    sysctls:
      - name: net.ipv4.tcp_keepalive_time
        value: "300"
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
"#,
            ),
            fix: "Remove the sysctl, or tune the setting per node (a node-level DaemonSet outside the agent namespaces, the node image) where the platform team controls it. Keepalive and port-range tuning are in the safe set and may stay.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

/// The sysctls Pod Security `baseline` allows (its newest version).
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// A sysctl name in its dotted form. A name whose first separator is `/` uses
/// slashes as separators and dots inside components, and the kubelet swaps them.
fn dotted(name: &str) -> String {
    let name = name.trim();
    let first_separator = name.chars().find(|c| matches!(c, '.' | '/'));
    match first_separator {
        Some('/') => name
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                other => other,
            })
            .collect(),
        _ => name.to_owned(),
    }
}

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    let sysctls = workload
        .security_context()
        .and_then(|sc| sc.get("sysctls"))
        .map(Node::items)
        .unwrap_or_default();
    for sysctl in sysctls {
        let Some(name_node) = sysctl.get("name") else {
            continue;
        };
        let Some(name) = name_node.as_str() else {
            continue;
        };
        if SAFE.contains(&dotted(name).as_str()) {
            continue;
        }
        sink.report(
            name_node.span,
            format!(
                "the pod sets sysctl `{name}`, which is not in the Pod Security safe set and is forbidden by {level}"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::dotted;

    #[test]
    fn slash_separated_names_are_read_as_the_kubelet_does() {
        assert_eq!(dotted("net/ipv4/tcp_syncookies"), "net.ipv4.tcp_syncookies");
        assert_eq!(dotted("net.ipv4.tcp_syncookies"), "net.ipv4.tcp_syncookies");
        assert_eq!(
            dotted("net/ipv4/conf/eth0.100/forwarding"),
            "net.ipv4.conf.eth0/100.forwarding"
        );
    }
}
