use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_yaml::Node;

use super::{is_service, service_type};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-002",
        name: "node-port-service",
        severity: Severity::High,
        summary: "Service opens a port on every node",
        requirements: &["G-NET-07", "G-NET-03"],
        docs: RuleDocs {
            what: "Reports the `type: NodePort` of a Service. A `LoadBalancer` Service is not reported here even though it also allocates node ports (unless `allocateLoadBalancerNodePorts: false`), with or without an explicit `nodePort`: those ports are how its load balancer reaches the nodes, and whether the load balancer is exposed is NET-001's question. Services in `kubernetes.edge-namespaces` are skipped.",
            why: "A NodePort Service opens the same port on every node of the cluster, critical nodes included, and forwards it to the Service's pods. Anyone who can reach a node's address (another VPC, a peered network, the internet when nodes have public addresses) reaches the pods directly, bypassing the ingress controller, its TLS and the NetworkPolicy-protected path. The policy lists `NodePort` in agent namespaces as direct exposure (G-NET-07).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Service
metadata:
  name: agent-api
  namespace: high-agents
spec:
  type: NodePort
  selector:
    app: agent-api
  ports:
    - port: 8080
      nodePort: 30080
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Service
metadata:
  name: agent-api
  namespace: high-agents
spec:
  type: ClusterIP
  selector:
    app: agent-api
  ports:
    - port: 8080
"#,
            ),
            fix: "Use a `ClusterIP` Service and route outside traffic through the ingress controller (an Ingress in front of it), or an internal `LoadBalancer` when another network must reach it.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_service(object) || ctx.is_edge_namespace(object.namespace.as_deref()) {
        return;
    }
    let Some(node) = service_type(object, "NodePort") else {
        return;
    };
    let ports = object
        .root
        .path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or_default();
    let chosen: Vec<String> = ports
        .iter()
        .filter_map(|p| p.get("nodePort").and_then(Node::as_i64))
        .map(|p| format!("`{p}`"))
        .collect();
    let opened = match chosen.len() {
        0 => "a port Kubernetes picks (30000-32767)".to_owned(),
        1 => format!("port {}", chosen.join("")),
        _ => format!("ports {}", chosen.join(", ")),
    };
    let opened = if !chosen.is_empty() && chosen.len() < ports.len() {
        format!("{opened} (and ports Kubernetes picks)")
    } else {
        opened
    };
    sink.report(
        node.span,
        format!(
            "Service `{}` is a NodePort: every node opens {opened} to anyone who can reach the node, bypassing the ingress path",
            object.name
        ),
    );
}
