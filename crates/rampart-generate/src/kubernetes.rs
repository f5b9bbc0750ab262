//! The Kubernetes part of the baseline: one namespace per tier with Pod Security
//! admission at the tier's level, a default deny plus one NetworkPolicy per agent that
//! allows exactly the agent's flows, a ResourceQuota and a LimitRange per tier, and a
//! ServiceAccount per agent that mounts no API token.
//!
//! Files (`kubectl apply -f kubernetes/` applies them in name order, so the namespaces
//! exist before anything is created in them):
//!
//! - `namespaces.yaml`: the tier namespaces (S-PSS-01, S-PSS-05, C-04, C-28).
//! - `network-policies-<namespace>.yaml`: `deny-all-default` and `allow-<agent>` per
//!   agent of the tier (S-PSS-03, S-NP-01…05, C-13…C-17).
//! - `quotas.yaml`: `<namespace>-quota` and `<namespace>-limits` per tier (S-PSS-04,
//!   G-RES-01, G-RES-04).
//! - `service-accounts.yaml`: one per agent (P-IIA-1, G-SEC-02).

use ipnet::Ipv4Net;
use rampart_config::Tier;

use crate::inventory::Agent;
use crate::layout::{AGENT_LABEL, SubnetRole, TIER_LABEL, namespace, service_account};
use crate::yaml::Yaml;
use crate::{Context, Deviation, GeneratedFile};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "`Pod_Security_Policy: critical-agents-psp` and `default-psp`",
        generated: "Pod Security admission labels on every tier namespace: `enforce`, `audit` and `warn` at the tier's level (`restricted` for critical and high, `baseline` for standard by default), each pinned to the cluster's Kubernetes version",
        why: "PodSecurityPolicy was removed in Kubernetes 1.25; a PSP manifest is rejected by the API server or, where it is still accepted, enforces nothing",
        refs: &["C-04", "S-PSS-01", "S-PSS-02", "S-PSS-05"],
    },
    Deviation {
        seed: "`Default_Namespace_Security: Network_Policy: default-allow`",
        generated: "`deny-all-default` (every pod, Ingress and Egress, no rules) in every tier namespace; each agent's flows are allowed by its own policy",
        why: "allow-by-default contradicts zero trust and segmentation by classification",
        refs: &["C-17", "S-PSS-03", "S-PSS-07", "G-NET-01"],
    },
    Deviation {
        seed: "one `critical-agents-network-policy` selecting `classification: critical`, with the same rules for every critical agent",
        generated: "one `allow-<agent>` policy per agent, in every tier, selecting the agent's pods by `app.kubernetes.io/name` (and `classification`) and allowing exactly the flows the inventory declares: its load balancer and its callers in, DNS, the database, HTTPS to the internet and the agents it calls out",
        why: "a shared policy gives every agent the union of all agents' flows (any critical agent could reach the database and the internet); the high and standard tiers had no policy at all",
        refs: &["S-NP-01", "S-NP-04", "C-28", "P-II-ZT"],
    },
    Deviation {
        seed: "ingress only from namespace `name: ingress-controller` on TCP 8080",
        generated: "ingress on the agent's own TLS port from the subnets of its tier's load balancer, as `ipBlock`s; no ingress controller",
        why: "the ALB forwards to pod IPs directly (target type `ip`), so traffic arrives from the load balancer's subnets, never from a namespace, and the seed's policy would drop it; the 8080 hop was plaintext",
        refs: &["C-13", "S-NP-02", "G-NET-04"],
    },
    Deviation {
        seed: "egress to namespace `name: database` on TCP 5432",
        generated: "egress to the database subnets as `ipBlock`s on the inventory's database port, only for agents that reach the database",
        why: "the database is RDS, not a pod: a namespace selector never matches it and would block all database traffic",
        refs: &["C-14", "S-NP-03"],
    },
    Deviation {
        seed: "egress restricted without any DNS rule",
        generated: "egress to the cluster DNS pods (`kube-system`, `k8s-app: kube-dns`) on UDP and TCP 53 for every agent",
        why: "without it pods cannot resolve any name once egress is restricted",
        refs: &["C-15", "S-NP-05"],
    },
    Deviation {
        seed: "namespace selectors on a custom `name` label",
        generated: "namespace selectors on `kubernetes.io/metadata.name`",
        why: "Kubernetes does not set a `name` label, and anyone who may edit a namespace can set it; `kubernetes.io/metadata.name` is set by the API server and always equals the namespace's name",
        refs: &["C-16"],
    },
    Deviation {
        seed: "egress to any destination on TCP 443 (`to: []`)",
        generated: "TCP 443 to `0.0.0.0/0` except the VPC CIDR, only for agents that reach the internet",
        why: "`to: []` also opens 443 to every pod and node of the cluster, across tiers",
        refs: &["S-NP-04", "P-II-ZT"],
    },
    Deviation {
        seed: "high-value agents: \"similar configuration\" (no namespace, Pod Security level, NetworkPolicy or quota); only `critical-agents-quota` is named",
        generated: "every tier gets the same set: namespace with Pod Security admission, default deny, per-agent policies, a ResourceQuota `<namespace>-quota` sized from its agent count, and a LimitRange that gives every container default requests and limits",
        why: "the policy requires segmentation and resource limits for every tier; the seed specifies them for the critical tier only",
        refs: &["C-28", "S-PSS-04", "G-RES-01", "G-RES-04"],
    },
];

/// Pods one agent may run at once, the unit the quotas are sized in: up to four
/// replicas at full scale (two per zone, S-VPC-02) plus a rolling update's surge of
/// two.
const PODS_PER_AGENT: u32 = 6;

/// CPU, memory and ephemeral storage, in millicores and mebibytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Resources {
    cpu_millis: u32,
    memory_mib: u32,
    ephemeral_storage_mib: u32,
}

impl Resources {
    fn times(self, n: u32) -> Self {
        Self {
            cpu_millis: self.cpu_millis * n,
            memory_mib: self.memory_mib * n,
            ephemeral_storage_mib: self.ephemeral_storage_mib * n,
        }
    }
}

/// The LimitRange's default request of a container that sets none (G-RES-04).
const CONTAINER_REQUEST: Resources = Resources {
    cpu_millis: 250,
    memory_mib: 512,
    ephemeral_storage_mib: 1024,
};

/// The LimitRange's default limit of a container that sets none.
const CONTAINER_LIMIT: Resources = Resources {
    cpu_millis: 1000,
    memory_mib: 1024,
    ephemeral_storage_mib: 2048,
};

/// The most one container may ask for, whatever it sets.
const CONTAINER_MAX: Resources = Resources {
    cpu_millis: 2000,
    memory_mib: 4096,
    ephemeral_storage_mib: 8192,
};

/// A CPU quantity: whole cores when exact (`2`), millicores otherwise (`250m`).
fn cpu_quantity(millis: u32) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// A byte quantity: `Gi` when exact, `Mi` otherwise.
fn bytes_quantity(mib: u32) -> String {
    if mib.is_multiple_of(1024) {
        format!("{}Gi", mib / 1024)
    } else {
        format!("{mib}Mi")
    }
}

fn resource_map(resources: Resources) -> Yaml {
    Yaml::map([
        ("cpu", Yaml::str(cpu_quantity(resources.cpu_millis))),
        ("memory", Yaml::str(bytes_quantity(resources.memory_mib))),
        (
            "ephemeral-storage",
            Yaml::str(bytes_quantity(resources.ephemeral_storage_mib)),
        ),
    ])
}

pub(crate) fn render(context: &Context<'_>) -> Vec<GeneratedFile> {
    let mut files = vec![
        file(context, "namespaces.yaml", &namespaces(context)),
        file(context, "quotas.yaml", &quotas(context)),
        file(context, "service-accounts.yaml", &service_accounts(context)),
    ];
    for tier in Tier::ALL {
        files.push(file(
            context,
            &format!("network-policies-{}.yaml", namespace(tier)),
            &network_policies(context, tier),
        ));
    }
    files
}

fn file(context: &Context<'_>, name: &str, documents: &[Yaml]) -> GeneratedFile {
    GeneratedFile {
        path: format!("kubernetes/{name}"),
        contents: format!("{}{}", context.header("#"), Yaml::to_stream(documents)),
    }
}

/// `metadata` with a name, an optional namespace and labels, in that order.
fn metadata(name: &str, namespace: Option<&str>, labels: Vec<(String, Yaml)>) -> Yaml {
    let mut entries = vec![("name".to_owned(), Yaml::str(name))];
    if let Some(namespace) = namespace {
        entries.push(("namespace".to_owned(), Yaml::str(namespace)));
    }
    if !labels.is_empty() {
        entries.push(("labels".to_owned(), Yaml::Map(labels)));
    }
    Yaml::Map(entries)
}

fn tier_label(tier: Tier) -> (String, Yaml) {
    (TIER_LABEL.to_owned(), Yaml::str(tier.as_str()))
}

fn agent_label(agent: &Agent) -> (String, Yaml) {
    (AGENT_LABEL.to_owned(), Yaml::str(&agent.id))
}

fn object(api_version: &str, kind: &str, metadata: Yaml, rest: Vec<(&str, Yaml)>) -> Yaml {
    let mut entries = vec![
        ("apiVersion".to_owned(), Yaml::str(api_version)),
        ("kind".to_owned(), Yaml::str(kind)),
        ("metadata".to_owned(), metadata),
    ];
    entries.extend(rest.into_iter().map(|(k, v)| (k.to_owned(), v)));
    Yaml::Map(entries)
}

/// The Pod Security admission version every namespace pins: the cluster's own minor
/// version, so an upgrade does not silently change what is enforced (S-PSS-01).
pub(crate) fn pod_security_version(context: &Context<'_>) -> String {
    format!("v{}", context.inventory.platform.eks_version)
}

/// One Namespace per tier, even a tier without agents: its default deny and quota
/// are in place before the first agent arrives.
fn namespaces(context: &Context<'_>) -> Vec<Yaml> {
    let version = pod_security_version(context);
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let level = context.config.tiers.profile(tier).pod_security.as_str();
            let mut labels = vec![tier_label(tier)];
            // enforce rejects violating pods; audit and warn report them in the audit
            // log and in kubectl's output too (S-PSS-01, S-PSS-05).
            for mode in ["enforce", "audit", "warn"] {
                labels.push((
                    format!("pod-security.kubernetes.io/{mode}"),
                    Yaml::str(level),
                ));
                labels.push((
                    format!("pod-security.kubernetes.io/{mode}-version"),
                    Yaml::str(&version),
                ));
            }
            object(
                "v1",
                "Namespace",
                metadata(namespace(tier), None, labels),
                Vec::new(),
            )
        })
        .collect()
}

fn tcp_port(port: u16) -> Yaml {
    Yaml::map([("protocol", Yaml::str("TCP")), ("port", Yaml::from(port))])
}

fn ip_block(cidr: Ipv4Net) -> Yaml {
    Yaml::map([(
        "ipBlock",
        Yaml::map([("cidr", Yaml::str(cidr.to_string()))]),
    )])
}

/// A peer selecting pods by labels in one namespace, found by the label the API
/// server sets on every namespace (C-16).
fn pod_peer(namespace: &str, pod_labels: Vec<(String, Yaml)>) -> Yaml {
    Yaml::map([
        (
            "namespaceSelector",
            Yaml::map([(
                "matchLabels",
                Yaml::map([("kubernetes.io/metadata.name", Yaml::str(namespace))]),
            )]),
        ),
        (
            "podSelector",
            Yaml::map([("matchLabels", Yaml::Map(pod_labels))]),
        ),
    ])
}

fn rule(direction: &str, peers: Vec<Yaml>, ports: Vec<Yaml>) -> Yaml {
    Yaml::map([(direction, Yaml::Seq(peers)), ("ports", Yaml::Seq(ports))])
}

fn network_policy(name: &str, tier: Tier, labels: Vec<(String, Yaml)>, spec: Yaml) -> Yaml {
    object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        metadata(name, Some(namespace(tier)), labels),
        vec![("spec", spec)],
    )
}

/// The tier's default deny, then one policy per agent of the tier.
fn network_policies(context: &Context<'_>, tier: Tier) -> Vec<Yaml> {
    // S-PSS-03: every pod, both directions, no rules.
    let deny_all = network_policy(
        "deny-all-default",
        tier,
        vec![tier_label(tier)],
        Yaml::map([
            ("podSelector", Yaml::Map(Vec::new())),
            ("policyTypes", Yaml::strs(["Ingress", "Egress"])),
        ]),
    );
    let mut documents = vec![deny_all];
    documents.extend(
        context
            .inventory
            .agents_of(tier)
            .map(|agent| agent_policy(context, agent)),
    );
    documents
}

/// `allow-<agent>`: exactly the flows the inventory declares for the agent.
fn agent_policy(context: &Context<'_>, agent: &Agent) -> Yaml {
    let inventory = context.inventory;
    let layout = &context.layout;
    let tier = agent.classification;

    // Ingress from the tier's load balancer: the ALB sends to pod IPs (target type
    // `ip`), so the sources are its subnets, not a namespace (C-13).
    let load_balancer = layout
        .cidrs(layout.entry_role(tier))
        .into_iter()
        .map(ip_block)
        .collect();
    let mut ingress = vec![rule("from", load_balancer, vec![tcp_port(agent.port)])];
    let callers: Vec<Yaml> = inventory
        .callers_of(&agent.id)
        .map(|caller| pod_peer(namespace(caller.classification), vec![agent_label(caller)]))
        .collect();
    if !callers.is_empty() {
        ingress.push(rule("from", callers, vec![tcp_port(agent.port)]));
    }

    // DNS to the cluster DNS pods only (C-15).
    let dns = rule(
        "to",
        vec![pod_peer(
            "kube-system",
            vec![("k8s-app".to_owned(), Yaml::str("kube-dns"))],
        )],
        vec![
            Yaml::map([("protocol", Yaml::str("UDP")), ("port", Yaml::from(53u16))]),
            tcp_port(53),
        ],
    );
    let mut egress = vec![dns];
    if agent.reaches.database {
        // RDS is not a pod: its subnets, on the database port (C-14).
        let database = layout
            .cidrs(SubnetRole::Database)
            .into_iter()
            .map(ip_block)
            .collect();
        egress.push(rule(
            "to",
            database,
            vec![tcp_port(inventory.platform.database_port)],
        ));
    }
    if agent.reaches.external_https {
        // HTTPS to the internet, but not into the VPC: other tiers and the cluster
        // stay behind their own rules (S-NP-04).
        let internet = Yaml::map([(
            "ipBlock",
            Yaml::map([
                ("cidr", Yaml::str("0.0.0.0/0")),
                ("except", Yaml::strs([layout.vpc_cidr.to_string()])),
            ]),
        )]);
        egress.push(rule("to", vec![internet], vec![tcp_port(443)]));
    }
    for callee in agent
        .reaches
        .agents
        .iter()
        .filter_map(|id| inventory.agent(id))
    {
        egress.push(rule(
            "to",
            vec![pod_peer(
                namespace(callee.classification),
                vec![agent_label(callee)],
            )],
            vec![tcp_port(callee.port)],
        ));
    }

    network_policy(
        &format!("allow-{}", agent.id),
        tier,
        vec![agent_label(agent), tier_label(tier)],
        Yaml::map([
            (
                "podSelector",
                Yaml::map([(
                    "matchLabels",
                    Yaml::Map(vec![agent_label(agent), tier_label(tier)]),
                )]),
            ),
            ("policyTypes", Yaml::strs(["Ingress", "Egress"])),
            ("ingress", Yaml::Seq(ingress)),
            ("egress", Yaml::Seq(egress)),
        ]),
    )
}

/// What a tier's quota allows: its agents' pods at the LimitRange defaults.
///
/// `requests` = agents × [`PODS_PER_AGENT`] × [`CONTAINER_REQUEST`], `limits` the same
/// with [`CONTAINER_LIMIT`]: every agent can run at full scale with one default-sized
/// container per pod, and a tier cannot starve the others of a shared cluster (G-RES-01).
fn tier_quota(agents: u32) -> (u32, Resources, Resources) {
    let pods = agents * PODS_PER_AGENT;
    (
        pods,
        CONTAINER_REQUEST.times(pods),
        CONTAINER_LIMIT.times(pods),
    )
}

/// A ResourceQuota and a LimitRange per tier.
fn quotas(context: &Context<'_>) -> Vec<Yaml> {
    let counts = context.inventory.counts();
    let mut documents = Vec::new();
    for tier in Tier::ALL {
        let ns = namespace(tier);
        let agents = counts
            .get(&tier)
            .copied()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0);
        let (pods, requests, limits) = tier_quota(agents);
        // S-PSS-04: `<namespace>-quota`, as the seed names the critical one.
        documents.push(object(
            "v1",
            "ResourceQuota",
            metadata(&format!("{ns}-quota"), Some(ns), vec![tier_label(tier)]),
            vec![(
                "spec",
                Yaml::map([(
                    "hard",
                    Yaml::map([
                        ("requests.cpu", Yaml::str(cpu_quantity(requests.cpu_millis))),
                        (
                            "requests.memory",
                            Yaml::str(bytes_quantity(requests.memory_mib)),
                        ),
                        (
                            "requests.ephemeral-storage",
                            Yaml::str(bytes_quantity(requests.ephemeral_storage_mib)),
                        ),
                        ("limits.cpu", Yaml::str(cpu_quantity(limits.cpu_millis))),
                        (
                            "limits.memory",
                            Yaml::str(bytes_quantity(limits.memory_mib)),
                        ),
                        (
                            "limits.ephemeral-storage",
                            Yaml::str(bytes_quantity(limits.ephemeral_storage_mib)),
                        ),
                        ("pods", Yaml::str(pods.to_string())),
                        // Agents are reached through the Terraform load balancers only:
                        // no Service may open a cloud load balancer or a node port
                        // (NET-001, NET-002).
                        ("services.loadbalancers", Yaml::str("0")),
                        ("services.nodeports", Yaml::str("0")),
                    ]),
                )]),
            )],
        ));
        // G-RES-04: every container gets requests and limits for CPU, memory and
        // ephemeral storage, whether its manifest sets them or not.
        documents.push(object(
            "v1",
            "LimitRange",
            metadata(&format!("{ns}-limits"), Some(ns), vec![tier_label(tier)]),
            vec![(
                "spec",
                Yaml::map([(
                    "limits",
                    Yaml::seq([Yaml::map([
                        ("type", Yaml::str("Container")),
                        ("defaultRequest", resource_map(CONTAINER_REQUEST)),
                        ("default", resource_map(CONTAINER_LIMIT)),
                        ("max", resource_map(CONTAINER_MAX)),
                    ])]),
                )]),
            )],
        ));
    }
    documents
}

/// One ServiceAccount per agent, in inventory order grouped by tier: each agent has
/// its own identity, for RBAC and for an IAM role bound to it (P-IIA-1). No agent
/// calls the Kubernetes API, so none mounts a token (G-SEC-02).
fn service_accounts(context: &Context<'_>) -> Vec<Yaml> {
    Tier::ALL
        .into_iter()
        .flat_map(|tier| context.inventory.agents_of(tier))
        .map(|agent| {
            let tier = agent.classification;
            object(
                "v1",
                "ServiceAccount",
                metadata(
                    service_account(agent),
                    Some(namespace(tier)),
                    vec![agent_label(agent), tier_label(tier)],
                ),
                vec![("automountServiceAccountToken", Yaml::Bool(false))],
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rampart_config::Config;

    use super::*;
    use crate::inventory::Inventory;
    use crate::{InventorySource, Layout};

    fn render_starter() -> Vec<GeneratedFile> {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let config = Config::default();
        let source = InventorySource::of("agents.yaml", crate::STARTER_INVENTORY.as_bytes());
        let context = Context {
            inventory: &inventory,
            config: &config,
            layout: Layout::of(&inventory),
            source: &source,
        };
        render(&context)
    }

    fn contents<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
        &files.iter().find(|f| f.path == path).unwrap().contents
    }

    /// The document of `text` whose `name:` line is `name`.
    fn document<'a>(text: &'a str, name: &str) -> &'a str {
        text.split("---\n")
            .find(|d| d.contains(&format!("\n  name: {name}\n")))
            .unwrap()
    }

    #[test]
    fn quantities_are_written_in_their_natural_unit() {
        assert_eq!(cpu_quantity(250), "250m");
        assert_eq!(cpu_quantity(16500), "16500m");
        assert_eq!(cpu_quantity(66000), "66");
        assert_eq!(bytes_quantity(512), "512Mi");
        assert_eq!(bytes_quantity(33792), "33Gi");
        assert_eq!(bytes_quantity(1536), "1536Mi");
    }

    #[test]
    fn quotas_are_sized_from_the_agent_count() {
        // 11 critical agents, 6 pods each, at the LimitRange defaults.
        let (pods, requests, limits) = tier_quota(11);
        assert_eq!(pods, 66);
        assert_eq!(cpu_quantity(requests.cpu_millis), "16500m");
        assert_eq!(bytes_quantity(requests.memory_mib), "33Gi");
        assert_eq!(cpu_quantity(limits.cpu_millis), "66");
        assert_eq!(bytes_quantity(limits.memory_mib), "66Gi");
        let quotas = contents(&render_starter(), "kubernetes/quotas.yaml").to_owned();
        let critical = document(&quotas, "critical-agents-quota");
        assert!(
            critical.contains("    requests.cpu: 16500m\n"),
            "{critical}"
        );
        assert!(critical.contains("    pods: \"66\"\n"), "{critical}");
        let standard = document(&quotas, "standard-agents-quota");
        assert!(standard.contains("    pods: \"150\"\n"), "{standard}");
    }

    #[test]
    fn namespaces_enforce_the_tier_level_at_the_cluster_version() {
        let files = render_starter();
        let text = contents(&files, "kubernetes/namespaces.yaml");
        let critical = document(text, "critical-agents");
        assert!(critical.contains("    classification: critical\n"));
        assert!(critical.contains("    pod-security.kubernetes.io/enforce: restricted\n"));
        assert!(critical.contains("    pod-security.kubernetes.io/enforce-version: v1.35\n"));
        let high = document(text, "high-value-agents");
        assert!(high.contains("    pod-security.kubernetes.io/enforce: restricted\n"));
        let standard = document(text, "standard-agents");
        assert!(standard.contains("    pod-security.kubernetes.io/warn: baseline\n"));
    }

    #[test]
    fn an_agent_policy_allows_exactly_its_flows() {
        let files = render_starter();
        let text = contents(&files, "kubernetes/network-policies-critical-agents.yaml");
        assert!(text.starts_with("# Generated by rampart"));
        assert!(document(text, "deny-all-default").contains("  podSelector: {}\n"));

        // fraud-scoring: called by three critical agents, reaches only the database.
        let fraud = document(text, "allow-fraud-scoring");
        for caller in [
            "payments-orchestrator",
            "credit-decision",
            "claims-adjudicator",
        ] {
            assert!(
                fraud.contains(&format!("app.kubernetes.io/name: {caller}\n")),
                "{caller}"
            );
        }
        // The critical entry point is the internal load balancer (private allowlist).
        assert!(fraud.contains("        cidr: 10.0.31.0/24\n"));
        assert!(fraud.contains("        cidr: 10.0.32.0/24\n"));
        assert!(!fraud.contains("10.0.101.0/24"));
        assert!(fraud.contains("        cidr: 10.0.201.0/24\n"));
        assert!(fraud.contains("      port: 5432\n"));
        assert!(!fraud.contains("0.0.0.0/0"));
        assert!(fraud.contains("          k8s-app: kube-dns\n"));

        // payments-orchestrator: internet over 443 except the VPC, and two callees.
        let payments = document(text, "allow-payments-orchestrator");
        assert!(
            payments.contains("        cidr: 0.0.0.0/0\n        except:\n        - 10.0.0.0/16\n")
        );
        assert!(payments.contains("app.kubernetes.io/name: ledger-reconciler\n"));
    }

    #[test]
    fn service_accounts_mount_no_token() {
        let files = render_starter();
        let text = contents(&files, "kubernetes/service-accounts.yaml");
        assert_eq!(text.matches("kind: ServiceAccount\n").count(), 51);
        assert_eq!(
            text.matches("automountServiceAccountToken: false\n")
                .count(),
            51
        );
        let sa = document(text, "fraud-scoring");
        assert!(sa.contains("  namespace: critical-agents\n"));
    }
}
