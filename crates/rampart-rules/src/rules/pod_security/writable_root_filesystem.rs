use rampart_config::Severity;
use rampart_model::{ContainerKind, Workload};

use super::{is_exempt, shown_bool};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-010",
        name: "writable-root-filesystem",
        severity: Severity::Medium,
        summary: "Container's root filesystem is writable",
        requirements: &["P-IIIA1-a"],
        docs: RuleDocs {
            what: "Reports every container and init container that does not set `securityContext.readOnlyRootFilesystem: true`: at the container's name when the field is missing or null, at the value when it is anything but `true`. This is a policy requirement (P-IIIA1-a), not a Pod Security control, so it applies to every tier whatever its Pod Security level. Ephemeral debug containers are exempt: they are attached by hand for troubleshooting and are expected to write. Windows pods are exempt, because the API does not allow the field on them, and so are namespaces in `kubernetes.exempt-namespaces`.",
            why: "Production agents must be immutable (P-IIIA1-a): what runs is what was built, reviewed and signed. A writable root filesystem lets a compromised process replace binaries, plant persistence or tamper with the code it runs, and the change survives until the container restarts. A read-only root, with `emptyDir` volumes for the paths that must be written, makes such tampering fail.",
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
          securityContext:
            readOnlyRootFilesystem: true
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
"#,
            ),
            fix: "Set `securityContext.readOnlyRootFilesystem: true` on every container and init container, and mount an `emptyDir` volume on each path the process must write (`/tmp`, caches). Run the container once locally with `--read-only` to find those paths.",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if is_exempt(workload, ctx) || workload.is_windows() {
        return;
    }
    for container in workload
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
    {
        match container
            .security("readOnlyRootFilesystem")
            .filter(|n| !n.is_null())
        {
            Some(node) if node.as_bool() == Some(true) => {}
            Some(node) if node.as_bool() == Some(false) => sink.report(
                node.span,
                format!(
                    "{} sets `readOnlyRootFilesystem` to {}: its root filesystem is writable, against the immutability requirement (P-IIIA1-a)",
                    container.describe(),
                    shown_bool(node)
                ),
            ),
            Some(node) => sink.report(
                node.span,
                format!(
                    "{} sets `readOnlyRootFilesystem` to {}; the immutability requirement (P-IIIA1-a) needs the boolean `true`",
                    container.describe(),
                    shown_bool(node)
                ),
            ),
            None => sink.report(
                container.span(),
                format!(
                    "{} does not set `readOnlyRootFilesystem: true`: its root filesystem is writable, against the immutability requirement (P-IIIA1-a)",
                    container.describe()
                ),
            ),
        }
    }
}
