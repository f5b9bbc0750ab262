use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_yaml::Node;

use super::is_service;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-003",
        name: "service-external-ips",
        severity: Severity::High,
        summary: "Service claims external IP addresses",
        requirements: &["G-NET-07", "G-NET-03"],
        docs: RuleDocs {
            what: "Reports every address in a Service's `spec.externalIPs`, whatever the Service's type and namespace (edge namespaces included: the risk is to the whole cluster, not to the Service). An empty or null list is not reported.",
            why: "kube-proxy on every node captures traffic sent to a Service's external IPs and delivers it to the Service's pods, for any address the Service names, with no check that the Service owns it. Anyone who can create a Service can therefore intercept traffic meant for another workload or an outside host (CVE-2020-8554, unfixed by design; the mitigation is to forbid the field). External IPs also expose the pods on those addresses, outside the ingress path the policy requires (G-NET-07).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Service
metadata:
  name: agent-api
  namespace: high-agents
spec:
  selector:
    app: agent-api
  ports:
    - port: 443
  externalIPs:
    - 203.0.113.10
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Service
metadata:
  name: agent-api
  namespace: high-agents
spec:
  selector:
    app: agent-api
  ports:
    - port: 443
"#,
            ),
            fix: "Remove `externalIPs` and expose the Service through the ingress controller or an internal load balancer. Block the field cluster-wide with the `DenyServiceExternalIPs` admission plugin or an admission policy.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_service(object) {
        return;
    }
    let ips = object
        .root
        .path(&["spec", "externalIPs"])
        .map(Node::items)
        .unwrap_or_default();
    for ip in ips {
        let Some(address) = ip.as_str() else {
            continue;
        };
        sink.report(
            ip.span,
            format!(
                "Service `{}` claims external IP `{address}`: every node's kube-proxy sends traffic for that address to this Service's pods (CVE-2020-8554)",
                object.name
            ),
        );
    }
}
