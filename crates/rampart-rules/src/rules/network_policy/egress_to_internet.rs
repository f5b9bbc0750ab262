use rampart_config::Severity;
use rampart_model::{Direction, K8sObject, NetworkPolicy};
use rampart_yaml::Node;

use super::{anywhere_cidr, has_except, present};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NP-002",
        name: "egress-to-internet-on-unexpected-port",
        severity: Severity::Medium,
        summary: "NetworkPolicy allows egress to any destination on a port other than HTTPS or DNS",
        requirements: &["S-NP-04", "P-II-ZT", "G-NET-06"],
        docs: RuleDocs {
            what: "For every NetworkPolicy that restricts egress (outside `kubernetes.exempt-namespaces`), reports each egress rule that allows any destination (no `to`, an empty `to`, or a peer with an `ipBlock` of `0.0.0.0/0` or `::/0`, with or without `except`) on a port other than TCP 443 and port 53 (DNS, UDP or TCP): at each such port, including a port entry without `port` (every port of its protocol) and an `endPort` range that reaches beyond 443 or 53, and at the rule when an `ipBlock` rule lists no ports at all. Named ports (`port: https`) are not reported: which number they stand for depends on the destination pod, which a static check cannot know. A rule with no `to` and no ports (`egress: [{}]`) is left to `network-policy-allows-all`.",
            why: "The policy allows agents to reach the outside only over TLS on 443, plus DNS (S-NP-04). Any other port open to every address is an exfiltration and command-and-control channel that bypasses the TLS-inspecting egress path, and trusting every destination is the opposite of zero trust (G-NET-06, P-II-ZT).",
            fail: Example::yaml(
                r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: agent-egress
  namespace: high-agents
spec:
  podSelector:
    matchLabels:
      app: summariser
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
      ports:
        - protocol: TCP
          port: 443
        - protocol: TCP
          port: 8080
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: agent-egress
  namespace: high-agents
spec:
  podSelector:
    matchLabels:
      app: summariser
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except: [10.0.0.0/8, 172.16.0.0/12]
      ports:
        - protocol: TCP
          port: 443
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
"#,
            ),
            fix: "Limit the rule's `ports` to TCP 443 (and DNS on 53, preferably only to the cluster DNS pods). For any other port, name the destination: an `ipBlock` with the service's own range, or a `namespaceSelector`/`podSelector` for in-cluster services.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

/// What "any destination" a rule allows, for messages.
fn anywhere(rule: &Node) -> Option<(String, bool)> {
    if NetworkPolicy::rule_allows_all_peers(rule, Direction::Egress) {
        let how = if present(rule, "to").is_some() {
            "every destination (`to` is empty)"
        } else {
            "every destination (the rule has no `to`)"
        };
        return Some((how.to_owned(), true));
    }
    let peers = rule.get("to").map(Node::items).unwrap_or_default();
    let peer = peers.iter().find(|p| anywhere_cidr(p).is_some())?;
    let cidr = anywhere_cidr(peer)
        .and_then(Node::as_str)
        .unwrap_or_default();
    let except = if has_except(peer) {
        " (its `except` ranges still leave the internet)"
    } else {
        ""
    };
    Some((format!("`{cidr}`{except}"), false))
}

/// The ports of a `ports` item that are not HTTPS or DNS, described, or `None`
/// when the item only allows those (or names a port, which cannot be resolved).
fn unexpected(item: &Node) -> Option<String> {
    let protocol = present(item, "protocol")
        .and_then(Node::as_str)
        .unwrap_or("TCP");
    let Some(port) = present(item, "port") else {
        return Some(format!("every {protocol} port"));
    };
    let text = port.as_str()?.trim();
    // A named port stands for whatever the destination pod calls it.
    let first: u32 = text.parse().ok()?;
    let last = present(item, "endPort")
        .and_then(Node::as_str)
        .and_then(|e| e.trim().parse::<u32>().ok())
        .map_or(first, |end| end.max(first));
    let allowed = first == last
        && match protocol {
            "TCP" => first == 443 || first == 53,
            "UDP" => first == 53,
            _ => false,
        };
    if allowed {
        return None;
    }
    Some(if first == last {
        format!("{protocol} port {first}")
    } else {
        format!("{protocol} ports {first}-{last}")
    })
}

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(policy) = NetworkPolicy::new(object) else {
        return;
    };
    if ctx.is_exempt_namespace(object.namespace.as_deref()) || !policy.restricts(Direction::Egress)
    {
        return;
    }
    for rule in policy.rules(Direction::Egress) {
        if !rule.is_map() && !rule.is_null() {
            continue;
        }
        let Some((destination, no_peers)) = anywhere(rule) else {
            continue;
        };
        if NetworkPolicy::rule_allows_all_ports(rule) {
            // Every destination on every port is `network-policy-allows-all`'s.
            if !no_peers {
                sink.report(
                    NetworkPolicy::rule_span(rule),
                    format!(
                        "egress rule allows {destination} on every port; only TCP 443 and DNS (port 53) may go to any destination"
                    ),
                );
            }
            continue;
        }
        for item in rule.get("ports").map(Node::items).unwrap_or_default() {
            if !item.is_map() && !item.is_null() {
                continue;
            }
            let Some(ports) = unexpected(item) else {
                continue;
            };
            let span = present(item, "port")
                .map(|p| p.span)
                .or_else(|| item.entries().first().map(|e| e.key.span))
                .unwrap_or(item.span);
            sink.report(
                span,
                format!(
                    "egress rule allows {ports} to {destination}; only TCP 443 and DNS (port 53) may go to any destination"
                ),
            );
        }
    }
}
