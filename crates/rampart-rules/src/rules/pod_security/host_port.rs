use rampart_config::Severity;
use rampart_model::Workload;
use rampart_yaml::Node;

use super::baseline_applies;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PSS-009",
        name: "host-port",
        severity: Severity::High,
        summary: "Container binds a port of the node (hostPort)",
        requirements: &["S-PSS-05", "S-PSS-01", "G-NET-07"],
        docs: RuleDocs {
            what: "At the `baseline` Pod Security level and above (every tier by default), reports every `ports[].hostPort` other than `0` on a container, init container or ephemeral container, at the value. Only integers count: a quoted `\"8080\"` is a string the API server rejects. The port a pod with `hostNetwork: true` binds on the node is reported by PSS-007, not here. Namespaces in `kubernetes.exempt-namespaces` are skipped.",
            why: "A hostPort publishes the container on that port of every node it lands on, outside the Service and NetworkPolicy model: anything that can reach the node's address reaches the agent, and the port is claimed node-wide, so pods collide. The policy forbids direct exposure of internal services (G-NET-07) and `baseline` forbids host ports (S-PSS-05).",
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
          ports:
            - containerPort: 8080
              hostPort: 8080
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
          ports:
            - containerPort: 8080
"#,
            ),
            fix: "Remove `hostPort` and expose the container through a Service (`ClusterIP` inside the cluster; an Ingress or an internal load balancer in an edge namespace for traffic from outside).",
        },
    },
    check: Check::Workload(check),
    inactive_when: None,
};

fn check(workload: &Workload<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !baseline_applies(workload, ctx) {
        return;
    }
    let level = ctx.level_reason(workload);
    for container in workload.containers() {
        let ports = container.get("ports").map(Node::items).unwrap_or_default();
        for port in ports {
            let Some(host_port) = port.get("hostPort") else {
                continue;
            };
            let Some(number) = host_port.as_i64().filter(|n| *n != 0) else {
                continue;
            };
            let container_port = port
                .get("containerPort")
                .and_then(Node::as_i64)
                .map(|p| format!(" (container port {p})"))
                .unwrap_or_default();
            sink.report(
                host_port.span,
                format!(
                    "{} binds port {number} of the node{container_port}; host ports are forbidden by {level}",
                    container.describe()
                ),
            );
        }
    }
}
