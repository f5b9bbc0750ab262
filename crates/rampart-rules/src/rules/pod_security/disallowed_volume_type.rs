use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::restricted_required;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-011",
        name: "disallowed-volume-type",
        severity: Severity::Medium,
        summary: "Pod uses a volume type the restricted Pod Security level does not allow",
        requirements: &["S-PSS-01"],
        docs: RuleDocs {
            what: "For workloads held to the `restricted` Pod Security level (by their tier, or by `kubernetes.untiered-pod-security` for pods without one), reports every volume whose source is not one of `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected` or `secret`, at the source's key. `image` volumes are allowed since Kubernetes 1.33. `hostPath` is reported by PSS-008 at every level, so it is not reported twice here. A volume with no source at all is an `emptyDir` by the API's defaulting. Keys that are not volume sources known to Kubernetes are left to the API server, which rejects them. The rule applies to Windows pods too (the volume control is not Linux-only); namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "In-tree volume plugins such as `nfs`, `iscsi`, `rbd` or `gitRepo` are mounted by the kubelet on the node with its privileges, from wherever the pod spec points, bypassing the PersistentVolume model in which the platform team decides what storage exists. `gitRepo` even runs `git` on the node (CVE-2024-10220). The `restricted` profile the policy requires of critical agents (S-PSS-01) allows only the volume types that are isolated per pod or go through a PersistentVolumeClaim.",
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
          volumeMounts:
            - name: shared
              mountPath: /data
      volumes:
        - name: shared
          nfs:
            server: nfs.internal.example.com
            path: /exports/agents
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
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          volumeMounts:
            - name: shared
              mountPath: /data
      volumes:
        - name: shared
          persistentVolumeClaim:
            claimName: agent-data
"#,
            ),
            fix: "Have the platform team expose the storage as a PersistentVolume (or a CSI driver) and mount it through a `persistentVolumeClaim`; replace `gitRepo` with an init container that clones into an `emptyDir`.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

/// Volume sources of the API that `restricted` forbids (`hostPath` is PSS-008's).
const DISALLOWED: &[&str] = &[
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
    "gitRepo",
    "glusterfs",
    "iscsi",
    "nfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "rbd",
    "scaleIO",
    "storageos",
    "vsphereVolume",
];

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !restricted_required(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    for volume in workload.volumes() {
        let name = volume
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("<unnamed>");
        for entry in volume.entries() {
            let Some(source) = entry.key.as_str().filter(|k| DISALLOWED.contains(k)) else {
                continue;
            };
            if entry.value.is_null() {
                continue;
            }
            sink.report(
                entry.key.span,
                format!(
                    "volume `{name}` uses the `{source}` volume type; only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes are allowed by {level}"
                ),
            );
        }
    }
}
