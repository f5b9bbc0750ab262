//! The agent inventory (`agents.yaml`): the platform's environment-specific settings
//! and the agents with their classification and allowed flows.
//!
//! The schema is documented in `docs/inventory.md`. Reading is strict: an unknown key
//! is a typo until proven otherwise, and every problem is reported with the file and
//! line it was written on, all at once, so a user fixes the inventory in one pass.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use ipnet::Ipv4Net;
use rampart_config::{CountryCode, Tier};
use rampart_source::Diagnostic;
use rampart_yaml::{Limits, Node, parse_stream};

/// The only schema version there is so far.
pub const SCHEMA_VERSION: i64 = 1;

/// The most availability zones a baseline spans. No AWS region has more than six, and
/// the database subnets' network ACL needs a rule per zone and tier within the
/// default quota of 20 rules per direction.
pub const MAX_AVAILABILITY_ZONES: usize = 6;

/// Ports an agent may not serve: its pods share their node's security groups, so an
/// agent port opens the same port on the node to the load balancer and the callers.
const RESERVED_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (53, "cluster DNS"),
    (10249, "kube-proxy metrics"),
    (10250, "the kubelet API"),
    (10256, "kube-proxy health"),
    (61678, "the VPC CNI's metrics"),
];

/// The longest `<name>-<environment>` prefix: AWS load balancer names hold 32
/// characters and the baseline appends at most 9 (`-standard`).
pub const MAX_NAME_PREFIX: usize = 23;

/// An inventory, validated: every value below is known to be well-formed and
/// consistent (unique ids, flows to agents that exist, zones in the region).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inventory {
    pub platform: Platform,
    /// In the order written.
    pub agents: Vec<Agent>,
}

/// Settings that differ between environments and organisations (G-CFG-07, C-21):
/// none of them is hard-coded in rampart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// Prefix of every generated name, e.g. `agents`.
    pub name: String,
    /// e.g. `production`.
    pub environment: String,
    pub region: String,
    /// At least two distinct zones of `region`, in order: the first is zone "a" of the seed's plan.
    pub availability_zones: Vec<String>,
    /// An IPv4 /16; the subnet plan numbers /24s inside it the way seed 003 does.
    pub vpc_cidr: Ipv4Net,
    /// e.g. `1.33`.
    pub eks_version: String,
    pub node_instance_types: TierMap<String>,
    /// Countries critical agents may be reached from (WAF geo allowlist).
    pub allowed_countries: Vec<CountryCode>,
    /// Source ranges critical agents may be reached from (WAF IP allowlist).
    pub ip_allowlist: Vec<Ipv4Net>,
    /// Where Falco and the GuardDuty route send alerts; always `https://`.
    pub alert_webhook: String,
    /// The PostgreSQL port of the agents' database.
    pub database_port: u16,
}

/// One value per tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierMap<T> {
    pub critical: T,
    pub high: T,
    pub standard: T,
}

impl<T> TierMap<T> {
    pub fn get(&self, tier: Tier) -> &T {
        match tier {
            Tier::Critical => &self.critical,
            Tier::High => &self.high,
            Tier::Standard => &self.standard,
        }
    }
}

/// The wire protocol an agent serves, always over TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Https,
    Grpc,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Grpc => "grpc",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// A DNS label, unique in the inventory.
    pub id: String,
    pub classification: Tier,
    /// The port the agent's pods listen on (TLS).
    pub port: u16,
    pub protocol: Protocol,
    pub reaches: Reaches,
    /// The login endpoint, when the agent has one (enables WAF account-takeover prevention, C-09).
    pub login_path: Option<String>,
    /// Recovery time objective as written (`4h`, `30m`, `1d`).
    pub rto: Option<String>,
    /// Recovery point objective as written.
    pub rpo: Option<String>,
    /// The process names the agent's containers run (Falco allowlist, S-FALCO-05).
    pub processes: Vec<String>,
}

/// What an agent may open connections to; everything else is denied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reaches {
    pub database: bool,
    pub external_https: bool,
    /// Ids of other agents, sorted and unique.
    pub agents: Vec<String>,
}

impl Inventory {
    /// The agents of one tier, in inventory order.
    pub fn agents_of(&self, tier: Tier) -> impl Iterator<Item = &Agent> {
        self.agents.iter().filter(move |a| a.classification == tier)
    }

    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The agents that may connect to `id`, in inventory order.
    pub fn callers_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Agent> + 'a {
        self.agents
            .iter()
            .filter(move |a| a.reaches.agents.iter().any(|target| target == id))
    }

    /// Agents per tier, for summaries.
    pub fn counts(&self) -> BTreeMap<Tier, usize> {
        let mut counts = BTreeMap::new();
        for agent in &self.agents {
            *counts.entry(agent.classification).or_insert(0) += 1;
        }
        counts
    }

    /// Parses and validates `text`; `display_path` names the file in errors.
    pub fn parse(text: &str, display_path: &str) -> Result<Self, Vec<Diagnostic>> {
        let stream = parse_stream(text, display_path, &Limits::default());
        let mut reader = Reader {
            file: display_path,
            errors: stream.diagnostics,
        };
        let root = match stream.documents.as_slice() {
            [document] => Some(&document.root),
            [] => {
                if reader.errors.is_empty() {
                    reader.errors.push(Diagnostic::error(
                        "inventory",
                        display_path,
                        "the inventory is empty; `rampart init` writes a starter inventory",
                    ));
                }
                None
            }
            [_, second, ..] => {
                reader.error(
                    &second.root,
                    "an inventory is one YAML document, not a stream",
                );
                None
            }
        };
        let inventory = root.and_then(|root| reader.inventory(root));
        match inventory {
            Some(inventory) if reader.errors.is_empty() => Ok(inventory),
            _ => Err(reader.errors),
        }
    }
}

/// Collects every problem instead of stopping at the first.
struct Reader<'a> {
    file: &'a str,
    errors: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn error(&mut self, node: &Node, message: impl Into<String>) {
        self.errors.push(
            Diagnostic::error("inventory", self.file, message)
                .at(node.span.start.line, node.span.start.column),
        );
    }

    /// A mapping whose keys are all in `known`; unknown keys are reported with the
    /// keys that are allowed.
    fn mapping<'n>(&mut self, node: &'n Node, what: &str, known: &[&str]) -> Option<&'n Node> {
        if !node.is_map() {
            self.error(node, format!("{what} must be a mapping"));
            return None;
        }
        for entry in node.entries() {
            let key = entry.key.as_str().unwrap_or_default();
            if !known.contains(&key) {
                self.error(
                    &entry.key,
                    format!(
                        "unknown key `{key}` in {what}; expected one of: {}",
                        known.join(", ")
                    ),
                );
            }
        }
        Some(node)
    }

    fn required<'n>(&mut self, map: &'n Node, key: &str, what: &str) -> Option<&'n Node> {
        match map.get(key) {
            Some(node) if !node.is_null() => Some(node),
            _ => {
                self.error(map, format!("{what} needs `{key}`"));
                None
            }
        }
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_str() {
            Some(text) if !node.is_map() && !node.is_seq() => Some(text.to_owned()),
            _ => {
                self.error(node, format!("{what} must be a string"));
                None
            }
        }
    }

    /// A string matching `valid`, explained by `expected` when it does not.
    fn word(
        &mut self,
        node: &Node,
        what: &str,
        valid: impl Fn(&str) -> bool,
        expected: &str,
    ) -> Option<String> {
        let text = self.string(node, what)?;
        if valid(&text) {
            Some(text)
        } else {
            self.error(node, format!("{what} `{text}` is not valid: {expected}"));
            None
        }
    }

    fn port(&mut self, node: &Node, what: &str) -> Option<u16> {
        match node.as_i64() {
            Some(port @ 1..=65535) => u16::try_from(port).ok(),
            _ => {
                self.error(
                    node,
                    format!("{what} must be a port number from 1 to 65535"),
                );
                None
            }
        }
    }

    fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        let value = node.as_bool();
        if value.is_none() {
            self.error(node, format!("{what} must be true or false"));
        }
        value
    }

    fn list<'n>(&mut self, node: &'n Node, what: &str) -> &'n [Node] {
        if !node.is_seq() {
            self.error(node, format!("{what} must be a list"));
        }
        node.items()
    }

    fn inventory(&mut self, root: &Node) -> Option<Inventory> {
        let root = self.mapping(root, "the inventory", &["version", "platform", "agents"])?;
        if let Some(version) = self.required(root, "version", "the inventory")
            && version.as_i64() != Some(SCHEMA_VERSION)
        {
            self.error(
                version,
                format!("this rampart reads inventory version {SCHEMA_VERSION}"),
            );
        }
        let platform = self
            .required(root, "platform", "the inventory")
            .and_then(|node| self.platform(node));
        let agents = self
            .required(root, "agents", "the inventory")
            .map(|node| self.agents(node))
            .unwrap_or_default();
        Some(Inventory {
            platform: platform?,
            agents,
        })
    }

    fn platform(&mut self, node: &Node) -> Option<Platform> {
        const KEYS: &[&str] = &[
            "name",
            "environment",
            "region",
            "availability-zones",
            "vpc-cidr",
            "eks-version",
            "node-instance-types",
            "allowed-countries",
            "ip-allowlist",
            "alert-webhook",
            "database-port",
        ];
        let map = self.mapping(node, "`platform`", KEYS)?;
        let what = "`platform`";
        let name = self.required(map, "name", what).and_then(|n| {
            self.word(
                n,
                "platform name",
                |s| is_dns_label(s, 20),
                "use 1 to 20 lowercase letters, digits and hyphens, starting with a letter",
            )
        });
        let environment = self.required(map, "environment", what).and_then(|n| {
            self.word(
                n,
                "environment",
                |s| is_dns_label(s, 16),
                "use 1 to 16 lowercase letters, digits and hyphens, starting with a letter",
            )
        });
        if let (Some(name), Some(environment)) = (&name, &environment) {
            let prefix = name.len() + 1 + environment.len();
            if prefix > MAX_NAME_PREFIX
                && let Some(node) = map.get("environment")
            {
                self.error(
                    node,
                    format!(
                        "`{name}-{environment}` is {prefix} characters; resource names start with it and AWS load balancer names allow 32, which leaves {MAX_NAME_PREFIX} for name and environment together"
                    ),
                );
            }
        }
        let region = self.required(map, "region", what).and_then(|n| {
            self.word(
                n,
                "region",
                is_region,
                "use an AWS region name such as `us-east-1`",
            )
        });
        let availability_zones = self
            .required(map, "availability-zones", what)
            .and_then(|n| self.availability_zones(n, region.as_deref()));
        let vpc_cidr = self
            .required(map, "vpc-cidr", what)
            .and_then(|n| self.vpc_cidr(n));
        let eks_version = self.required(map, "eks-version", what).and_then(|n| {
            self.word(
                n,
                "EKS version",
                is_kubernetes_minor,
                "write the Kubernetes minor version in quotes, such as \"1.33\"",
            )
        });
        let node_instance_types = self
            .required(map, "node-instance-types", what)
            .and_then(|n| self.instance_types(n));
        let allowed_countries = self
            .required(map, "allowed-countries", what)
            .and_then(|n| self.countries(n));
        let ip_allowlist = self
            .required(map, "ip-allowlist", what)
            .and_then(|n| self.ip_allowlist(n));
        let alert_webhook = self.required(map, "alert-webhook", what).and_then(|n| {
            self.word(
                n,
                "alert webhook",
                is_https_url,
                "alerts leave the cluster over TLS: use an `https://` URL with a host",
            )
        });
        let database_port = match map.get("database-port") {
            Some(n) => self.port(n, "`database-port`"),
            None => Some(5432),
        };
        Some(Platform {
            name: name?,
            environment: environment?,
            region: region?,
            availability_zones: availability_zones?,
            vpc_cidr: vpc_cidr?,
            eks_version: eks_version?,
            node_instance_types: node_instance_types?,
            allowed_countries: allowed_countries?,
            ip_allowlist: ip_allowlist?,
            alert_webhook: alert_webhook?,
            database_port: database_port?,
        })
    }

    fn availability_zones(&mut self, node: &Node, region: Option<&str>) -> Option<Vec<String>> {
        let mut zones: Vec<String> = Vec::new();
        let mut ok = true;
        for item in self.list(node, "`availability-zones`") {
            let Some(zone) = self.string(item, "an availability zone") else {
                ok = false;
                continue;
            };
            let in_region = region.is_none_or(|region| {
                zone.strip_prefix(region).is_some_and(|suffix| {
                    suffix.len() == 1 && suffix.chars().all(|c| c.is_ascii_lowercase())
                })
            });
            if !in_region {
                self.error(
                    item,
                    format!(
                        "availability zone `{zone}` is not a zone of region `{}` (such as `{}a`)",
                        region.unwrap_or_default(),
                        region.unwrap_or_default()
                    ),
                );
                ok = false;
            } else if zones.contains(&zone) {
                self.error(item, format!("availability zone `{zone}` is listed twice"));
                ok = false;
            } else {
                zones.push(zone);
            }
        }
        if ok && node.is_seq() && !(2..=MAX_AVAILABILITY_ZONES).contains(&zones.len()) {
            self.error(
                node,
                format!(
                    "list 2 to {MAX_AVAILABILITY_ZONES} availability zones: the load balancer, the database and every tier span at least two (S-VPC-02, C-03)"
                ),
            );
            ok = false;
        }
        ok.then_some(zones)
    }

    fn vpc_cidr(&mut self, node: &Node) -> Option<Ipv4Net> {
        let text = self.string(node, "`vpc-cidr`")?;
        match text.parse::<Ipv4Net>() {
            Ok(net) if net.trunc() != net => {
                self.error(
                    node,
                    format!(
                        "`vpc-cidr` `{text}` has host bits set; did you mean `{}`?",
                        net.trunc()
                    ),
                );
                None
            }
            Ok(net) if net.prefix_len() != 16 => {
                self.error(
                    node,
                    format!(
                        "`vpc-cidr` must be a /16 (the subnet plan numbers /24s inside it as seed 003 does); `{text}` is a /{}",
                        net.prefix_len()
                    ),
                );
                None
            }
            Ok(net) => Some(net),
            Err(_) => {
                self.error(
                    node,
                    format!("`vpc-cidr` `{text}` is not an IPv4 CIDR block such as `10.0.0.0/16`"),
                );
                None
            }
        }
    }

    fn instance_types(&mut self, node: &Node) -> Option<TierMap<String>> {
        let map = self.mapping(
            node,
            "`node-instance-types`",
            &["critical", "high", "standard"],
        )?;
        let mut read = |tier: &str| {
            let node = self.required(map, tier, "`node-instance-types`")?;
            self.word(
                node,
                "instance type",
                is_instance_type,
                "use an EC2 instance type such as `c6i.2xlarge`",
            )
        };
        let critical = read("critical");
        let high = read("high");
        let standard = read("standard");
        Some(TierMap {
            critical: critical?,
            high: high?,
            standard: standard?,
        })
    }

    fn countries(&mut self, node: &Node) -> Option<Vec<CountryCode>> {
        let mut countries = BTreeSet::new();
        let mut ok = true;
        for item in self.list(node, "`allowed-countries`") {
            let Some(text) = self.string(item, "a country code") else {
                ok = false;
                continue;
            };
            match CountryCode::parse(&text) {
                Ok(code) => {
                    countries.insert(code);
                }
                Err(message) => {
                    self.error(item, message);
                    ok = false;
                }
            }
        }
        if ok && countries.is_empty() {
            self.error(
                node,
                "list at least one country: critical agents are reachable only from allowed countries (S-PROF-GEO-CRIT)",
            );
            ok = false;
        }
        ok.then(|| countries.into_iter().collect())
    }

    fn ip_allowlist(&mut self, node: &Node) -> Option<Vec<Ipv4Net>> {
        let mut ranges = BTreeSet::new();
        let mut ok = true;
        for item in self.list(node, "`ip-allowlist`") {
            let Some(text) = self.string(item, "an IP range") else {
                ok = false;
                continue;
            };
            match text.parse::<Ipv4Net>() {
                Ok(net) if net.trunc() == net => {
                    ranges.insert(net);
                }
                Ok(net) => {
                    self.error(
                        item,
                        format!(
                            "`{text}` has host bits set; did you mean `{}`?",
                            net.trunc()
                        ),
                    );
                    ok = false;
                }
                Err(_) => {
                    self.error(
                        item,
                        format!("`{text}` is not an IPv4 CIDR block such as `10.0.0.0/8`"),
                    );
                    ok = false;
                }
            }
        }
        if ok && ranges.is_empty() {
            self.error(
                node,
                "list at least one range: critical agents are reachable only from allowed ranges (S-PROF-IP-CRIT)",
            );
            ok = false;
        }
        ok.then(|| ranges.into_iter().collect())
    }

    fn agents(&mut self, node: &Node) -> Vec<Agent> {
        let mut agents: Vec<(Agent, &Node)> = Vec::new();
        for item in self.list(node, "`agents`") {
            if let Some(agent) = self.agent(item) {
                if agents.iter().any(|(seen, _)| seen.id == agent.id) {
                    self.error(item, format!("agent id `{}` is used twice", agent.id));
                    continue;
                }
                agents.push((agent, item));
            }
        }
        if node.is_seq() && agents.is_empty() && node.items().is_empty() {
            self.error(node, "list at least one agent");
        }
        let ids: BTreeSet<&str> = agents.iter().map(|(a, _)| a.id.as_str()).collect();
        let mut unknown = Vec::new();
        for (agent, item) in &agents {
            for target in &agent.reaches.agents {
                if target == &agent.id {
                    unknown.push((
                        *item,
                        format!("agent `{}` lists itself in `reaches.agents`", agent.id),
                    ));
                } else if !ids.contains(target.as_str()) {
                    unknown.push((
                        *item,
                        format!(
                            "agent `{}` reaches `{target}`, which is not in the inventory",
                            agent.id
                        ),
                    ));
                }
            }
        }
        for (item, message) in unknown {
            let at = item
                .path(&["reaches", "agents"])
                .and_then(|list| {
                    list.items().iter().find(|n| {
                        message.contains(&format!("`{}`", n.as_str().unwrap_or_default()))
                    })
                })
                .unwrap_or(item);
            self.error(at, message);
        }
        agents.into_iter().map(|(agent, _)| agent).collect()
    }

    fn agent(&mut self, node: &Node) -> Option<Agent> {
        const KEYS: &[&str] = &[
            "id",
            "classification",
            "port",
            "protocol",
            "reaches",
            "login-path",
            "rto",
            "rpo",
            "processes",
        ];
        let map = self.mapping(node, "an agent", KEYS)?;
        let id = self.required(map, "id", "an agent").and_then(|n| {
            self.word(
                n,
                "agent id",
                |s| is_dns_label(s, 40),
                "use 1 to 40 lowercase letters, digits and hyphens, starting with a letter",
            )
        });
        let what = match &id {
            Some(id) => format!("agent `{id}`"),
            None => "an agent".to_owned(),
        };
        let classification = self.required(map, "classification", &what).and_then(|n| {
            let text = self.string(n, "classification")?;
            let tier = Tier::parse(&text);
            if tier.is_none() {
                self.error(
                    n,
                    format!(
                        "classification `{text}` is not one of critical, high, standard (S-INV-01)"
                    ),
                );
            }
            tier
        });
        let port = self.required(map, "port", &what).and_then(|n| {
            let port = self.port(n, "`port`")?;
            if let Some((_, what)) = RESERVED_PORTS.iter().find(|(p, _)| *p == port) {
                self.error(
                    n,
                    format!("port {port} is {what} on every node; agents share their node's security groups, so choose another port"),
                );
                return None;
            }
            Some(port)
        });
        let protocol = match map.get("protocol") {
            None => Some(Protocol::Https),
            Some(n) => {
                let text = self.string(n, "`protocol`");
                match text.as_deref() {
                    Some("https") => Some(Protocol::Https),
                    Some("grpc") => Some(Protocol::Grpc),
                    Some(other) => {
                        self.error(
                            n,
                            format!("protocol `{other}` is not one of https, grpc (both over TLS; plaintext is not offered, G-NET-04)"),
                        );
                        None
                    }
                    None => None,
                }
            }
        };
        let reaches = match map.get("reaches") {
            None => Some(Reaches::default()),
            Some(n) => self.reaches(n),
        };
        let login_path = match map.get("login-path") {
            None => Some(None),
            Some(n) => self
                .word(
                    n,
                    "`login-path`",
                    |s| s.starts_with('/') && !s.contains(char::is_whitespace),
                    "write the path of the login endpoint, such as `/login`",
                )
                .map(Some),
        };
        let rto = self.optional_duration(map, "rto");
        let rpo = self.optional_duration(map, "rpo");
        let processes = match map.get("processes") {
            None => Some(Vec::new()),
            Some(n) => self.processes(n),
        };
        let agent = Agent {
            id: id?,
            classification: classification?,
            port: port?,
            protocol: protocol?,
            reaches: reaches?,
            login_path: login_path?,
            rto: rto?,
            rpo: rpo?,
            processes: processes?,
        };
        if agent.classification == Tier::Critical && agent.processes.is_empty() {
            self.error(
                map,
                format!(
                    "critical agent `{}` needs `processes`: the names its containers run, which Falco allows and alerts on everything else (S-FALCO-05)",
                    agent.id
                ),
            );
            return None;
        }
        Some(agent)
    }

    fn reaches(&mut self, node: &Node) -> Option<Reaches> {
        let map = self.mapping(node, "`reaches`", &["database", "external-https", "agents"])?;
        let database = match map.get("database") {
            None => Some(false),
            Some(n) => self.bool(n, "`reaches.database`"),
        };
        let external_https = match map.get("external-https") {
            None => Some(false),
            Some(n) => self.bool(n, "`reaches.external-https`"),
        };
        let mut agents = BTreeSet::new();
        let mut ok = true;
        if let Some(list) = map.get("agents") {
            for item in self.list(list, "`reaches.agents`") {
                match self.string(item, "an agent id") {
                    Some(id) => {
                        agents.insert(id);
                    }
                    None => ok = false,
                }
            }
        }
        Some(Reaches {
            database: database?,
            external_https: external_https?,
            agents: ok.then(|| agents.into_iter().collect())?,
        })
    }

    fn optional_duration(&mut self, map: &Node, key: &str) -> Option<Option<String>> {
        match map.get(key) {
            None => Some(None),
            Some(n) => self
                .word(
                    n,
                    &format!("`{key}`"),
                    is_duration,
                    "write a number and a unit: `30m`, `4h` or `1d`",
                )
                .map(Some),
        }
    }

    fn processes(&mut self, node: &Node) -> Option<Vec<String>> {
        let mut names = BTreeSet::new();
        let mut ok = true;
        for item in self.list(node, "`processes`") {
            match self.word(
                item,
                "process name",
                |s| !s.is_empty() && s.len() <= 15 && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c)),
                "use the executable's name as the kernel shows it (at most 15 characters of letters, digits, `.`, `_`, `-`, `+`)",
            ) {
                Some(name) => {
                    names.insert(name);
                }
                None => ok = false,
            }
        }
        ok.then(|| names.into_iter().collect())
    }
}

fn is_dns_label(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !text.ends_with('-')
        && !text.contains("--")
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn is_kubernetes_minor(text: &str) -> bool {
    match text.split_once('.') {
        Some((major, minor)) => {
            major == "1"
                && !minor.is_empty()
                && minor.len() <= 3
                && minor.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// `c6i.2xlarge`, `m7g.large`, `g5.xlarge`.
fn is_instance_type(text: &str) -> bool {
    match text.split_once('.') {
        Some((family, size)) => {
            !family.is_empty()
                && family.as_bytes()[0].is_ascii_lowercase()
                && family
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !size.is_empty()
                && size
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        }
        None => false,
    }
}

fn is_https_url(text: &str) -> bool {
    text.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty()
            && !host.contains('@')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
            && !rest.contains(char::is_whitespace)
    })
}

fn is_duration(text: &str) -> bool {
    let Some(unit) = text.chars().last() else {
        return false;
    };
    let number = &text[..text.len() - unit.len_utf8()];
    matches!(unit, 's' | 'm' | 'h' | 'd')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "\
version: 1
platform:
  name: agents
  environment: production
  region: us-east-1
  availability-zones: [us-east-1a, us-east-1b]
  vpc-cidr: 10.0.0.0/16
  eks-version: \"1.33\"
  node-instance-types: {critical: c6i.2xlarge, high: c6i.xlarge, standard: c6i.large}
  allowed-countries: [US, CA]
  ip-allowlist: [10.0.0.0/8]
  alert-webhook: https://alerts.example.com/falco
agents:
  - id: ledger
    classification: critical
    port: 8443
    processes: [ledger]
    reaches: {database: true, agents: [search]}
  - id: search
    classification: standard
    port: 8443
    protocol: grpc
";

    #[test]
    fn a_minimal_inventory_reads_with_its_defaults() {
        let inventory = Inventory::parse(MINIMAL, "agents.yaml").unwrap();
        assert_eq!(inventory.platform.database_port, 5432);
        assert_eq!(inventory.agents.len(), 2);
        assert_eq!(inventory.agents[1].protocol, Protocol::Grpc);
        assert!(!inventory.agents[1].reaches.database);
        assert_eq!(
            inventory
                .callers_of("search")
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>(),
            ["ledger"]
        );
    }

    fn errors(text: &str) -> Vec<String> {
        Inventory::parse(text, "agents.yaml")
            .unwrap_err()
            .into_iter()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect()
    }

    #[test]
    fn every_problem_is_reported_at_its_line() {
        let text = MINIMAL
            .replace("us-east-1b]", "eu-west-1b]")
            .replace("10.0.0.0/16", "10.0.0.0/20")
            .replace("port: 8443\n    protocol", "port: 22\n    protocol")
            .replace("agents: [search]", "agents: [serch]")
            .replace("  name: agents", "  name: agents\n  colour: blue");
        let errors = errors(&text);
        assert_eq!(
            errors,
            [
                "agents.yaml:4:3: unknown key `colour` in `platform`; expected one of: name, environment, region, availability-zones, vpc-cidr, eks-version, node-instance-types, allowed-countries, ip-allowlist, alert-webhook, database-port",
                "agents.yaml:7:36: availability zone `eu-west-1b` is not a zone of region `us-east-1` (such as `us-east-1a`)",
                "agents.yaml:8:13: `vpc-cidr` must be a /16 (the subnet plan numbers /24s inside it as seed 003 does); `10.0.0.0/20` is a /20",
                "agents.yaml:22:11: port 22 is SSH on every node; agents share their node's security groups, so choose another port",
                "agents.yaml:19:40: agent `ledger` reaches `serch`, which is not in the inventory",
            ]
        );
    }

    #[test]
    fn duplicate_ids_and_critical_agents_without_processes_are_rejected() {
        let duplicate = errors(&MINIMAL.replace("id: search", "id: ledger"));
        assert_eq!(
            duplicate,
            [
                "agents.yaml:19:5: agent id `ledger` is used twice",
                "agents.yaml:18:40: agent `ledger` reaches `search`, which is not in the inventory",
            ]
        );
        let itself = errors(&MINIMAL.replace("agents: [search]", "agents: [ledger]"));
        assert_eq!(
            itself,
            ["agents.yaml:18:40: agent `ledger` lists itself in `reaches.agents`"]
        );
        let unlisted = errors(&MINIMAL.replace("    processes: [ledger]\n", ""));
        assert_eq!(unlisted.len(), 1);
        assert!(
            unlisted[0].starts_with("agents.yaml:14:5: critical agent `ledger` needs `processes`"),
            "{unlisted:?}"
        );
    }

    #[test]
    fn values_are_checked() {
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("us-east"));
        assert!(is_kubernetes_minor("1.33"));
        assert!(!is_kubernetes_minor("1.33.1"));
        assert!(is_https_url("https://alerts.example.com/falco"));
        assert!(!is_https_url("http://alerts.example.com"));
        assert!(!is_https_url("https://user@evil.example.com"));
        assert!(is_duration("15m"));
        assert!(!is_duration("15"));
        assert!(is_instance_type("c6i.2xlarge"));
        assert!(!is_instance_type("c6i"));
        assert!(!is_dns_label("Agent", 40));
    }

    #[test]
    fn the_name_prefix_fits_load_balancer_names() {
        let long = MINIMAL.replace("name: agents", "name: agent-platform");
        assert_eq!(
            errors(&long),
            [
                "agents.yaml:4:16: `agent-platform-production` is 25 characters; resource names start with it and AWS load balancer names allow 32, which leaves 23 for name and environment together"
            ]
        );
    }
}
