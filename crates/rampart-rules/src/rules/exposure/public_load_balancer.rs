use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_yaml::Node;

use super::{is_service, service_type};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-001",
        name: "public-load-balancer-service",
        severity: Severity::High,
        summary: "Service gets an internet-facing load balancer",
        requirements: &["G-NET-07", "G-NET-03"],
        docs: RuleDocs {
            what: "Reports the `type: LoadBalancer` of a Service whose load balancer is internet-facing and open to any source address. A load balancer is internal when the Service says so in a way its cloud controller honours: \
`service.beta.kubernetes.io/aws-load-balancer-scheme: internal` (AWS Load Balancer Controller; `internet-facing` there is reported even beside other annotations, since it takes precedence); \
the legacy `service.beta.kubernetes.io/aws-load-balancer-internal` set to anything but `false` (the in-tree AWS provider's reading, which covers the historical `0.0.0.0/0`); \
`networking.gke.io/load-balancer-type: Internal`, or the older `cloud.google.com/load-balancer-type: Internal` when the newer one is absent (`internal` is accepted too); \
`service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"`; or `spec.loadBalancerClass: networking.gke.io/l4-regional-internal`. \
A Service handed to the AWS Load Balancer Controller (`spec.loadBalancerClass: service.k8s.aws/nlb`, or `service.beta.kubernetes.io/aws-load-balancer-type: external` or `nlb-ip`) is internal unless it asks for `internet-facing` (by scheme, or by the legacy annotation set to `false`), which is that controller's documented default since v2.2; it reads the legacy annotation as a Go boolean, so `\"False\"` or `\"0\"` ask for `internet-facing` there. \
Every other load balancer, including those of other `loadBalancerClass`es, is taken as internet-facing. \
A load balancer whose `spec.loadBalancerSourceRanges` (or, when that is empty, the `service.beta.kubernetes.io/load-balancer-source-ranges` annotation) lists only specific ranges is not reported: the cloud firewall admits only those clients, so it is not exposed to the internet. A range with prefix length 0 (`0.0.0.0/0`, `::/0`) opens it again. \
Services in `kubernetes.edge-namespaces` (ingress controllers, whose job is to receive internet traffic) are skipped.",
            why: "A public load balancer puts the Service's pods directly on the internet, bypassing the ingress controller, its TLS termination and the WAF in front of it. The policy forbids exposing internal services directly to the internet (G-NET-07): agents are reached through the designated edge only.",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Service
metadata:
  name: agent-api
  namespace: high-agents
spec:
  type: LoadBalancer
  selector:
    app: agent-api
  ports:
    - port: 443
      targetPort: 8443
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Service
metadata:
  name: agent-api
  namespace: high-agents
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-scheme: internal
spec:
  type: LoadBalancer
  selector:
    app: agent-api
  ports:
    - port: 443
      targetPort: 8443
"#,
            ),
            fix: "Make the load balancer internal with your cloud's annotation (on EKS, `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`), or use a `ClusterIP` Service behind the ingress controller. If the Service really must be reachable from outside, restrict `loadBalancerSourceRanges` to the clients that need it, or move it to an edge namespace.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const AWS_SCHEME: &str = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const AWS_INTERNAL: &str = "service.beta.kubernetes.io/aws-load-balancer-internal";
const AWS_TYPE: &str = "service.beta.kubernetes.io/aws-load-balancer-type";
const GKE_TYPE: &str = "networking.gke.io/load-balancer-type";
const GKE_TYPE_LEGACY: &str = "cloud.google.com/load-balancer-type";
const AZURE_INTERNAL: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";
const SOURCE_RANGES: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

/// Why a load balancer is internet-facing.
enum Exposure {
    Internal,
    /// The Service asks for an internet-facing load balancer.
    Requested(String),
    /// Nothing makes it internal.
    Default,
}

/// Go's `strconv.ParseBool`, which the AWS Load Balancer Controller uses.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "True" | "TRUE" => Some(true),
        "0" | "f" | "F" | "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn exposure(object: &K8sObject) -> Exposure {
    let annotation = |key: &str| object.annotation(key);
    let class = object
        .root
        .path(&["spec", "loadBalancerClass"])
        .and_then(Node::as_str);
    let aws_controller = class == Some("service.k8s.aws/nlb")
        || matches!(annotation(AWS_TYPE), Some("external" | "nlb-ip"));

    // AWS: the scheme annotation wins, then the legacy boolean.
    match annotation(AWS_SCHEME) {
        Some("internal") => return Exposure::Internal,
        Some("internet-facing") => {
            return Exposure::Requested(format!("`{AWS_SCHEME}: internet-facing`"));
        }
        _ => {}
    }
    if let Some(value) = annotation(AWS_INTERNAL).filter(|v| !v.is_empty()) {
        if aws_controller {
            // The controller parses a Go boolean (and rejects anything else, so
            // provisions nothing).
            if go_bool(value) == Some(false) {
                return Exposure::Requested(format!("`{AWS_INTERNAL}: \"{value}\"`"));
            }
            return Exposure::Internal;
        }
        // The in-tree provider makes anything but `false` internal.
        if value != "false" {
            return Exposure::Internal;
        }
        return Exposure::Requested(format!("`{AWS_INTERNAL}: \"false\"`"));
    }
    if aws_controller {
        // The AWS Load Balancer Controller provisions internal NLBs by default.
        return Exposure::Internal;
    }
    // GKE: the newer annotation, else the older one.
    let gke = annotation(GKE_TYPE).or_else(|| annotation(GKE_TYPE_LEGACY));
    if matches!(gke, Some("Internal" | "internal")) {
        return Exposure::Internal;
    }
    if annotation(AZURE_INTERNAL) == Some("true") {
        return Exposure::Internal;
    }
    if class == Some("networking.gke.io/l4-regional-internal") {
        return Exposure::Internal;
    }
    Exposure::Default
}

/// The source ranges the load balancer admits, as Kubernetes reads them: the
/// spec field, else the annotation. `None` when neither restricts anything.
fn source_ranges(object: &K8sObject) -> Option<Vec<&str>> {
    let spec: Vec<&str> = object
        .root
        .path(&["spec", "loadBalancerSourceRanges"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if !spec.is_empty() {
        return Some(spec);
    }
    let annotation: Vec<&str> = object
        .annotation(SOURCE_RANGES)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!annotation.is_empty()).then_some(annotation)
}

fn is_anywhere(range: &str) -> bool {
    range
        .parse::<ipnet::IpNet>()
        .is_ok_and(|net| net.prefix_len() == 0)
}

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_service(object) || ctx.is_edge_namespace(object.namespace.as_deref()) {
        return;
    }
    let Some(node) = service_type(object, "LoadBalancer") else {
        return;
    };
    let name = &object.name;
    let exposed = match exposure(object) {
        Exposure::Internal => return,
        Exposure::Requested(annotation) => {
            format!("Service `{name}` asks for an internet-facing load balancer ({annotation})")
        }
        Exposure::Default => {
            format!("Service `{name}` gets a public load balancer: no annotation makes it internal")
        }
    };
    let sources = match source_ranges(object) {
        None => "no `loadBalancerSourceRanges` restrict who can connect".to_owned(),
        Some(ranges) => match ranges.into_iter().find(|r| is_anywhere(r)) {
            Some(open) => format!("its source ranges admit `{open}`"),
            None => return,
        },
    };
    sink.report(node.span, format!("{exposed}, and {sources}"));
}
