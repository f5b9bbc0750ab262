use rampart_config::Severity;
use rampart_model::{Direction, K8sObject, NetworkPolicy};
use rampart_yaml::Node;

use super::{anywhere_cidr, present, selector_is_empty};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NP-003",
        name: "network-policy-allows-all",
        severity: Severity::Medium,
        summary: "NetworkPolicy allows traffic from every source or to every destination",
        requirements: &["S-PSS-07", "S-NP-02", "G-NET-06"],
        docs: RuleDocs {
            what: "For every NetworkPolicy outside `kubernetes.exempt-namespaces`, reports each ingress rule (of a policy that restricts ingress) that allows every source: a rule with no `from` or an empty `from` (at the rule), a peer `namespaceSelector: {}` whose `podSelector` is absent or empty (every pod of every namespace), and a peer `ipBlock` of `0.0.0.0/0` or `::/0` (at the peer). Policies in `kubernetes.edge-namespaces` may accept ingress from anywhere: that is their job. Also reports each egress rule (of a policy that restricts egress) with no `to` and no `ports`, which allows every destination on every port (`egress: [{}]`). Egress to any destination on specific ports, or to an `ipBlock` of `0.0.0.0/0`, is `egress-to-internet-on-unexpected-port`'s. A peer `podSelector: {}` alone is the policy's own namespace and is not reported.",
            why: "An allow-all rule undoes the namespace's default deny for the pods the policy selects: the seed's `default-allow` (S-PSS-07) by another name. Agents must accept traffic only from the ingress controller namespace (S-NP-02) and reach only the destinations they need; trusting every source or destination is the opposite of zero trust (G-NET-06).",
            fail: Example::yaml(
                r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
  namespace: standard-agents
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - {}
  egress:
    - {}
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-from-ingress
  namespace: standard-agents
spec:
  podSelector:
    matchLabels:
      app: summariser
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ingress-controller
      ports:
        - protocol: TCP
          port: 8080
"#,
            ),
            fix: "Replace the rule with the sources (or destinations) the pods need: a `namespaceSelector` on `kubernetes.io/metadata.name` for the ingress controller, `podSelector`s for in-cluster clients, and `ports` for the services. Delete allow-all policies; the namespace's default deny plus specific allows is the pattern.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

fn ports_part(rule: &Node) -> &'static str {
    if NetworkPolicy::rule_allows_all_ports(rule) {
        " on every port"
    } else {
        ""
    }
}

fn check_ingress(rule: &Node, sink: &mut Sink<'_>) {
    let ports = ports_part(rule);
    if NetworkPolicy::rule_allows_all_peers(rule, Direction::Ingress) {
        let how = if present(rule, "from").is_some() {
            "`from` is empty"
        } else {
            "the rule has no `from`"
        };
        sink.report(
            NetworkPolicy::rule_span(rule),
            format!("ingress rule allows traffic from every source{ports} ({how})"),
        );
        return;
    }
    for peer in rule.get("from").map(Node::items).unwrap_or_default() {
        if let Some(cidr) = anywhere_cidr(peer) {
            sink.report(
                cidr.span,
                format!(
                    "ingress rule allows traffic from `{}`{ports}: every address, inside the cluster and out",
                    cidr.as_str().unwrap_or_default()
                ),
            );
            continue;
        }
        let Some(entry) = peer.entry("namespaceSelector") else {
            continue;
        };
        let every_pod = present(peer, "podSelector").is_none_or(selector_is_empty);
        if selector_is_empty(&entry.value) && every_pod {
            sink.report(
                entry.key.span,
                format!(
                    "ingress rule allows traffic from every pod of every namespace{ports} (`namespaceSelector: {{}}`)"
                ),
            );
        }
    }
}

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(policy) = NetworkPolicy::new(object) else {
        return;
    };
    let namespace = object.namespace.as_deref();
    if ctx.is_exempt_namespace(namespace) {
        return;
    }
    let usable = |rule: &&Node| rule.is_map() || rule.is_null();
    if policy.restricts(Direction::Ingress) && !ctx.is_edge_namespace(namespace) {
        for rule in policy.rules(Direction::Ingress).iter().filter(usable) {
            check_ingress(rule, sink);
        }
    }
    if policy.restricts(Direction::Egress) {
        for rule in policy.rules(Direction::Egress).iter().filter(usable) {
            if NetworkPolicy::rule_allows_all_peers(rule, Direction::Egress)
                && NetworkPolicy::rule_allows_all_ports(rule)
            {
                sink.report(
                    NetworkPolicy::rule_span(rule),
                    "egress rule allows traffic to every destination on every port (it has neither `to` nor `ports`)",
                );
            }
        }
    }
}
