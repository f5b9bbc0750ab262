use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::baseline_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-008",
        name: "host-path-volume",
        severity: Severity::High,
        summary: "Pod mounts a directory or file of the node (hostPath volume)",
        requirements: &["S-PSS-01", "S-PSS-05", "G-SEC-02"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above (every tier by default), reports every volume with a `hostPath` source, at its `path` (or its `hostPath` key when it has none), naming the volume and the path. Container-runtime sockets (`docker.sock`, `containerd.sock`, `crio.sock`, …) and the directories that hold them, the node's root, and the kubelet's credentials are called out. Whether a container mounts the volume does not matter: the volume alone is forbidden, as in Pod Security admission. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "A hostPath volume gives the pod the node's filesystem: node credentials, other pods' secrets under `/var/lib/kubelet`, and with the container runtime's socket, the power to start a privileged container and own the node. It also ties the pod to one node's disk. The policy forbids it at every level (`baseline`, S-PSS-05; `restricted`, S-PSS-01).",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          volumeMounts:
            - name: docker
              mountPath: /var/run/docker.sock
      volumes:
        - name: docker
          hostPath:
            path: /var/run/docker.sock
            type: Socket
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          volumeMounts:
            - name: scratch
              mountPath: /tmp
      volumes:
        - name: scratch
          emptyDir: {}
"#,
            ),
            fix: "Replace the hostPath volume with an `emptyDir` (scratch space), a `persistentVolumeClaim` (durable data), or a `configMap`/`secret`/`projected` volume (configuration). Building images inside a pod needs a daemonless builder (BuildKit rootless, Kaniko), never the node's runtime socket.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

/// File names of container runtime API sockets.
const RUNTIME_SOCKETS: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
    "podman.sock",
];

/// Directories that hold a runtime socket.
const SOCKET_DIRECTORIES: &[&str] = &[
    "/run",
    "/var/run",
    "/run/containerd",
    "/var/run/containerd",
    "/run/crio",
    "/var/run/crio",
    "/run/docker",
    "/var/run/docker",
    "/run/podman",
    "/var/run/podman",
];

/// Why a host path is especially dangerous, when it is.
fn danger(path: &str) -> Option<&'static str> {
    // `/var/run/` and `//var//run` are `/var/run`.
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let normalized = format!("/{}", parts.join("/"));
    let file = parts.last().copied().unwrap_or_default();
    if parts.is_empty() && path.starts_with('/') {
        Some("the node's whole filesystem")
    } else if RUNTIME_SOCKETS.contains(&file) {
        Some(
            "the container runtime's socket: whoever can write to it can start a privileged container and take over the node",
        )
    } else if SOCKET_DIRECTORIES.contains(&normalized.as_str()) {
        Some(
            "a directory holding the container runtime's socket, which gives control of every container on the node",
        )
    } else if normalized == "/var/lib/kubelet" || normalized.starts_with("/var/lib/kubelet/") {
        Some(
            "the kubelet's data, including the secrets and tokens mounted into every pod on the node",
        )
    } else if normalized == "/etc/kubernetes" || normalized.starts_with("/etc/kubernetes/") {
        Some("the node's Kubernetes credentials")
    } else {
        None
    }
}

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    for volume in workload.volumes() {
        let Some(entry) = volume.entry("hostPath").filter(|e| !e.value.is_null()) else {
            continue;
        };
        let name = volume
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("<unnamed>");
        let message = match entry.value.get("path").and_then(Node::as_str) {
            Some(path) => {
                let note = danger(path).map(|d| format!(", {d}")).unwrap_or_default();
                format!(
                    "volume `{name}` mounts the node's `{path}`{note}; hostPath volumes are forbidden by {level}"
                )
            }
            None => format!(
                "volume `{name}` is a hostPath volume (a path of the node), forbidden by {level}"
            ),
        };
        // At the path when there is one: the path is what a baseline accepts, so a
        // worse path written in the same place is a new finding.
        let span = entry.value.get("path").map_or(entry.key.span, |p| p.span);
        sink.report(span, message);
    }
}

#[cfg(test)]
mod tests {
    use super::danger;

    #[test]
    fn dangerous_paths_are_recognized() {
        assert!(danger("/").is_some());
        assert!(danger("/var/run/docker.sock").is_some());
        assert!(danger("/run/containerd/containerd.sock").is_some());
        assert!(danger("/var/run/").is_some());
        assert!(danger("/var/lib/kubelet/pods").is_some());
        assert!(danger("/var/log").is_none());
        assert!(danger("/var/lib/kubeletx").is_none());
        assert!(danger("").is_none());
    }
}
