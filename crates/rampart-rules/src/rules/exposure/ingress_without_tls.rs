use std::collections::HashSet;

use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_source::Span;
use rampart_yaml::Node;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-004",
        name: "ingress-without-tls",
        severity: Severity::Medium,
        summary: "Ingress serves a host without TLS",
        requirements: &["G-NET-04", "S-ISO-04"],
        docs: RuleDocs {
            what: "For every Ingress (`networking.k8s.io/v1`, and the removed `networking.k8s.io/v1beta1` and `extensions/v1beta1`), reports each host of `spec.rules` that no `spec.tls` entry covers, once per host, at the host. A host is covered by a `tls` entry that lists it (DNS names compare case-insensitively; a listed `*.example.com` covers `api.example.com`, one label deep, as a wildcard certificate does). A rule without `host` (every host) is covered only by a `tls` entry without `hosts`, which the API defines as the controller's default, wildcard host; such an entry does not cover named hosts. An Ingress with no rules but a `defaultBackend` is reported at `defaultBackend` when it declares no TLS at all. \
TLS configured by controller annotations instead of `spec.tls` counts for every host: the AWS Load Balancer Controller's `alb.ingress.kubernetes.io/listen-ports` with an `HTTPS` listener, or `alb.ingress.kubernetes.io/certificate-arn` without `listen-ports` (the listener then defaults to HTTPS 443), and GKE's `ingress.gcp.kubernetes.io/pre-shared-cert` or `networking.gke.io/managed-certificates`. Conversely, an ALB whose `listen-ports` opens no `HTTPS` listener serves every host in plaintext, whatever `spec.tls` says. Whether plain HTTP is also left open beside TLS is not checked here.",
            why: "A host without TLS is served in plaintext: requests, session cookies, API tokens and agent payloads cross the network readable and modifiable by anyone on the path. The policy requires all network traffic to be encrypted in transit (G-NET-04) and names the Ingress without `tls` as the Kubernetes signal.",
            fail: Example::yaml(
                r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: agent-api
  namespace: high-agents
spec:
  ingressClassName: nginx
  rules:
    - host: agents.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: agent-api
                port:
                  number: 8080
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: agent-api
  namespace: high-agents
spec:
  ingressClassName: nginx
  tls:
    - hosts:
        - agents.example.com
      secretName: agents-example-com-tls
  rules:
    - host: agents.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: agent-api
                port:
                  number: 8080
"#,
            ),
            fix: "Add a `spec.tls` entry listing the host with the Secret holding its certificate (cert-manager can issue and renew it), or configure TLS through your controller (on an AWS ALB, an HTTPS `listen-ports` with `certificate-arn`). Redirect plain HTTP to HTTPS.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const INGRESS_VERSIONS: &[&str] = &[
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "extensions/v1beta1",
];

/// The TLS an Ingress declares.
struct Tls {
    /// Lower-cased hosts listed in `spec.tls[].hosts`.
    hosts: HashSet<String>,
    /// A `tls` entry without `hosts`: the controller's default host.
    default_host: bool,
    /// Any `tls` entry at all.
    any: bool,
}

impl Tls {
    fn none() -> Self {
        Tls {
            hosts: HashSet::new(),
            default_host: false,
            any: false,
        }
    }

    fn of(object: &K8sObject) -> Self {
        let mut tls = Tls::none();
        let entries = object
            .root
            .path(&["spec", "tls"])
            .map(Node::items)
            .unwrap_or_default();
        for entry in entries.iter().filter(|e| e.is_map()) {
            tls.any = true;
            let hosts: Vec<&str> = entry
                .get("hosts")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .collect();
            if hosts.is_empty() {
                tls.default_host = true;
            }
            tls.hosts
                .extend(hosts.into_iter().map(|h| h.trim().to_ascii_lowercase()));
        }
        tls
    }

    fn covers(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if self.hosts.contains(&host) {
            return true;
        }
        // `*.example.com` covers exactly one more label.
        host.split_once('.').is_some_and(|(label, rest)| {
            !label.is_empty() && label != "*" && self.hosts.contains(&format!("*.{rest}"))
        })
    }
}

/// What the controller annotations say about TLS for every host.
enum AnnotatedTls {
    /// TLS is configured for every host.
    Configured,
    /// An ALB with only plain HTTP listeners: `spec.tls` is not served either.
    HttpOnly,
    /// Nothing: `spec.tls` decides.
    Unset,
}

const ALB_LISTEN_PORTS: &str = "alb.ingress.kubernetes.io/listen-ports";

fn annotated_tls(object: &K8sObject) -> AnnotatedTls {
    let set = |key: &str| object.annotation(key).is_some_and(|v| !v.trim().is_empty());
    match object.annotation(ALB_LISTEN_PORTS) {
        Some(ports) if ports.contains("HTTPS") => return AnnotatedTls::Configured,
        Some(_) => return AnnotatedTls::HttpOnly,
        // Without `listen-ports`, a certificate makes the listener HTTPS 443.
        None if set("alb.ingress.kubernetes.io/certificate-arn") => {
            return AnnotatedTls::Configured;
        }
        None => {}
    }
    if set("ingress.gcp.kubernetes.io/pre-shared-cert")
        || set("networking.gke.io/managed-certificates")
    {
        AnnotatedTls::Configured
    } else {
        AnnotatedTls::Unset
    }
}

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if object.kind != "Ingress" || !INGRESS_VERSIONS.contains(&object.api_version.as_str()) {
        return;
    }
    let (tls, no_tls) = match annotated_tls(object) {
        AnnotatedTls::Configured => return,
        AnnotatedTls::HttpOnly => (
            Tls::none(),
            format!("its load balancer listens on plain HTTP only (`{ALB_LISTEN_PORTS}`)"),
        ),
        AnnotatedTls::Unset => (
            Tls::of(object),
            "the Ingress has no `tls` section".to_owned(),
        ),
    };
    let name = &object.name;
    let rules = object
        .root
        .path(&["spec", "rules"])
        .map(Node::items)
        .unwrap_or_default();
    let rules: Vec<&Node> = rules.iter().filter(|r| r.is_map()).collect();
    if rules.is_empty() {
        // The default backend answers every request.
        let backend = object
            .key_span(&["spec", "defaultBackend"])
            .or_else(|| object.key_span(&["spec", "backend"]));
        if let Some(span) = backend.filter(|_| !tls.any) {
            sink.report(
                span,
                format!(
                    "Ingress `{name}` serves every host through its default backend over plain HTTP: {no_tls}"
                ),
            );
        }
        return;
    }
    let mut seen: HashSet<String> = HashSet::new();
    for rule in rules {
        let host = rule
            .get("host")
            .and_then(Node::as_str)
            .map(str::trim)
            .filter(|h| !h.is_empty());
        match host {
            Some(host) => {
                if tls.covers(host) || !seen.insert(host.to_ascii_lowercase()) {
                    continue;
                }
                let span = rule.get("host").map_or(rule.span, |n| n.span);
                let why = if tls.any {
                    "no `spec.tls` entry lists it"
                } else {
                    &no_tls
                };
                sink.report(
                    span,
                    format!("Ingress `{name}` serves host `{host}` over plain HTTP: {why}"),
                );
            }
            None => {
                if tls.default_host || !seen.insert(String::new()) {
                    continue;
                }
                let span: Span = rule.entry("http").map_or(rule.span, |e| e.key.span);
                let why = if tls.any {
                    "every `spec.tls` entry names specific hosts, so none covers the default host"
                } else {
                    &no_tls
                };
                sink.report(
                    span,
                    format!(
                        "Ingress `{name}` serves a rule without `host` (every host) over plain HTTP: {why}"
                    ),
                );
            }
        }
    }
}
