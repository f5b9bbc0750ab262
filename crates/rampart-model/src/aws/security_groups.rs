//! Security groups and their rules, in one normalised view whatever the
//! spelling (S-SG, G-NET-02, G-NET-03):
//!
//! - inline `ingress` / `egress` blocks of `aws_security_group` and
//!   `aws_default_security_group`;
//! - `aws_security_group_rule` (`type`, `security_group_id`, `cidr_blocks`,
//!   `ipv6_cidr_blocks`, `source_security_group_id`, `self`,
//!   `prefix_list_ids`);
//! - `aws_vpc_security_group_ingress_rule` / `_egress_rule` (`ip_protocol`,
//!   `cidr_ipv4`, `cidr_ipv6`, `referenced_security_group_id`,
//!   `prefix_list_id`);
//! - CloudFormation `AWS::EC2::SecurityGroup` (`SecurityGroupIngress`,
//!   `SecurityGroupEgress`) and the standalone `AWS::EC2::SecurityGroupIngress`
//!   / `AWS::EC2::SecurityGroupEgress`.
//!
//! Defaults follow AWS and the Terraform provider: Terraform's
//! `aws_security_group` and `aws_default_security_group` remove AWS's
//! allow-all egress rule (only declared egress exists), while a CloudFormation
//! security group without `SecurityGroupEgress` keeps it — that rule is
//! modelled as an implicit rule with no node.
//!
//! A managed prefix list declared in the scan (`aws_ec2_managed_prefix_list`
//! with its `entry` blocks and any `aws_ec2_managed_prefix_list_entry`
//! resources, CloudFormation `AWS::EC2::PrefixList` with `Entries`) is
//! expanded into its CIDRs, so a rule that names it is judged like one that
//! writes them; each such peer points at the rule's reference to the list and
//! names the entry ([`Peer::via`]). A list not declared here (an AWS-managed
//! `pl-…` id, a data source) stays [`PeerKind::PrefixList`].
//!
//! Which resources a group is attached to is read from every attribute that
//! takes security groups (`vpc_security_group_ids`, `security_groups`,
//! `vpc_config.security_group_ids`, launch templates' network interfaces,
//! `SecurityGroupIds`, …).

use std::collections::{HashMap, HashSet};

use ipnet::IpNet;
use rampart_config::Tier;
use rampart_iac::{BlockKind, Language, Node, Resource, Value};
use rayon::prelude::*;

use super::network::{VPC_TYPES, is_managed, items_or_self, linked, parse_cidr, type_of, walk};
use crate::Project;

/// Resource types that are security groups.
pub const GROUP_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_default_security_group",
    "AWS::EC2::SecurityGroup",
];

/// Resource types that hold security-group rules, inline or standalone.
pub const RULE_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

/// An IP protocol of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `-1` / `all`: every protocol and port.
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Any other protocol number (ESP, GRE, …), which has no ports.
    Number(u8),
}

impl Protocol {
    /// A protocol as written: a name (`tcp`, `all`, `-1`) or a number
    /// (`6`, `-1`). `None` for an unknown or invalid value.
    pub fn parse(node: &Node) -> Option<Self> {
        if let Some(n) = node.as_i64() {
            return Self::from_number(n);
        }
        let text = node.as_str()?.trim().to_ascii_lowercase();
        match text.as_str() {
            "all" => Some(Self::All),
            "tcp" => Some(Self::Tcp),
            "udp" => Some(Self::Udp),
            "icmp" => Some(Self::Icmp),
            "icmpv6" => Some(Self::Icmpv6),
            _ => None,
        }
    }

    fn from_number(n: i64) -> Option<Self> {
        Some(match n {
            -1 => Self::All,
            6 => Self::Tcp,
            17 => Self::Udp,
            1 => Self::Icmp,
            58 => Self::Icmpv6,
            0..=255 => Self::Number(u8::try_from(n).ok()?),
            _ => return None,
        })
    }

    /// Whether the rule's ports mean anything for this protocol.
    pub fn has_ports(self) -> bool {
        matches!(self, Self::All | Self::Tcp | Self::Udp)
    }

    pub fn describe(self) -> String {
        match self {
            Self::All => "all protocols".to_owned(),
            Self::Tcp => "TCP".to_owned(),
            Self::Udp => "UDP".to_owned(),
            Self::Icmp => "ICMP".to_owned(),
            Self::Icmpv6 => "ICMPv6".to_owned(),
            Self::Number(n) => format!("protocol {n}"),
        }
    }
}

/// An inclusive port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: Self = Self { from: 0, to: 65535 };

    pub fn contains(self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    /// Whether the range shares a port with `from..=to`.
    pub fn overlaps(self, from: u16, to: u16) -> bool {
        self.from <= to && from <= self.to
    }

    pub fn is_all(self) -> bool {
        self.from == 0 && self.to == 65535
    }

    pub fn describe(self) -> String {
        if self.from == self.to {
            format!("port {}", self.from)
        } else if self.is_all() {
            "on every port".to_owned()
        } else {
            format!("ports {}-{}", self.from, self.to)
        }
    }
}

/// The ports a rule admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ports {
    Range(PortRange),
    /// The protocol has no ports (ICMP, ESP, …).
    NotApplicable,
    Unknown,
}

/// The group a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A declared security group, by resource index.
    Group(usize),
    /// The default security group of a declared VPC
    /// (`aws_vpc.main.default_security_group_id`, `!GetAtt Vpc.DefaultSecurityGroup`).
    DefaultGroupOf(usize),
    /// A group not declared here.
    Unknown,
}

/// The other side of a rule: a source for ingress, a destination for egress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerKind {
    Cidr(IpNet),
    /// Another security group (`None`: not declared here).
    Group(Option<usize>),
    /// The rule's own group (`self = true`).
    SelfGroup,
    PrefixList,
    Unknown,
}

#[derive(Clone, Copy, Debug)]
pub struct Peer<'p> {
    pub kind: PeerKind,
    /// Where the peer was written (`None` for CloudFormation's implicit
    /// egress); for an entry of a prefix list, where the rule names the list.
    pub node: Option<&'p Node>,
    /// The rule's attribute that holds it (`cidr_blocks`, `CidrIp`, …): where
    /// the rule wrote it, when the peer's own value came from elsewhere (a
    /// VPC's `cidr_block` the rule refers to).
    pub field: Option<&'p Node>,
    /// The prefix-list entry the peer comes from, when the rule names a
    /// managed prefix list declared here.
    pub via: Option<ListEntry<'p>>,
}

/// An entry of a managed prefix list declared in the scan.
#[derive(Clone, Copy, Debug)]
pub struct ListEntry<'p> {
    /// The prefix list (`aws_ec2_managed_prefix_list`, `AWS::EC2::PrefixList`).
    pub list: usize,
    /// The resource the entry is written in: the list itself, or an
    /// `aws_ec2_managed_prefix_list_entry`.
    pub declared_in: usize,
    /// The entry's `cidr` / `Cidr`.
    pub cidr: &'p Node,
}

/// Resource types of managed prefix lists.
pub const PREFIX_LIST_TYPES: &[&str] = &["aws_ec2_managed_prefix_list", "AWS::EC2::PrefixList"];

/// The entries of the managed prefix lists declared in a project.
#[derive(Debug, Default)]
pub struct PrefixLists<'p> {
    entries: HashMap<usize, Vec<ListEntry<'p>>>,
    /// Lists some of whose entries cannot be read (an unknown `entry` block,
    /// an entry resource whose list or body is unknown in the same scope).
    incomplete: HashSet<usize>,
}

impl<'p> PrefixLists<'p> {
    pub fn build(project: &'p Project) -> Self {
        let mut lists = Self::default();
        for index in project.resources_of_types(PREFIX_LIST_TYPES) {
            let resource = &project.resources[index];
            if resource.kind != BlockKind::Resource {
                continue;
            }
            let entries = lists.entries.entry(index).or_default();
            if resource.attributes.is_unknown() {
                lists.incomplete.insert(index);
                continue;
            }
            let Some(declared) = resource.attr("entry", "Entries") else {
                continue;
            };
            if declared.is_unknown() || declared.items().iter().any(|e| e.is_unknown()) {
                lists.incomplete.insert(index);
            }
            for entry in declared.blocks() {
                match entry.get("cidr").or_else(|| entry.get("Cidr")) {
                    Some(cidr) => entries.push(ListEntry {
                        list: index,
                        declared_in: index,
                        cidr,
                    }),
                    None => {
                        lists.incomplete.insert(index);
                    }
                }
            }
        }
        // Entries declared on their own.
        let mut uncertain_scopes = HashSet::new();
        for index in project.resources_of_types(&["aws_ec2_managed_prefix_list_entry"]) {
            let resource = &project.resources[index];
            if resource.kind != BlockKind::Resource {
                continue;
            }
            let list = resource.get("prefix_list_id").map(|node| {
                linked(project, index, node)
                    .into_iter()
                    .filter(|(i, attribute)| {
                        lists.entries.contains_key(i) && matches!(*attribute, "id" | "")
                    })
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>()
            });
            let cidr = resource.get("cidr");
            match (resource.attributes.is_unknown(), list.as_deref(), cidr) {
                (false, Some([list]), Some(cidr)) => {
                    if let Some(entries) = lists.entries.get_mut(list) {
                        entries.push(ListEntry {
                            list: *list,
                            declared_in: index,
                            cidr,
                        });
                    }
                }
                (false, Some([]), _) => {
                    // A list not declared here (`pl-…`, a data source).
                }
                _ => {
                    uncertain_scopes.insert(project.scope_of(index));
                }
            }
        }
        for &list in lists.entries.keys() {
            if uncertain_scopes.contains(project.scope_of(list)) {
                lists.incomplete.insert(list);
            }
        }
        lists
    }

    /// The known entries of prefix list `list` and whether they are all of
    /// them; `None` when it is not a prefix list declared here.
    pub fn entries(&self, list: usize) -> Option<(&[ListEntry<'p>], bool)> {
        self.entries
            .get(&list)
            .map(|entries| (entries.as_slice(), !self.incomplete.contains(&list)))
    }
}

impl Peer<'_> {
    /// `0.0.0.0/0` or `::/0`: anyone.
    pub fn is_internet(&self) -> bool {
        matches!(self.kind, PeerKind::Cidr(net) if net.prefix_len() == 0)
    }
}

/// One security-group rule.
#[derive(Clone, Debug)]
pub struct SgRule<'p> {
    /// The resource the rule is written in (the group itself for inline rules).
    pub declared_in: usize,
    /// The rule's block or the standalone resource's attributes; `None` for
    /// CloudFormation's implicit allow-all egress.
    pub node: Option<&'p Node>,
    pub owner: Owner,
    pub direction: Direction,
    /// `None` when the protocol is known only after apply.
    pub protocol: Option<Protocol>,
    pub protocol_node: Option<&'p Node>,
    pub ports: Ports,
    pub peers: Vec<Peer<'p>>,
}

impl SgRule<'_> {
    /// The rule is CloudFormation's implicit allow-all egress.
    pub fn is_implicit(&self) -> bool {
        self.node.is_none()
    }

    /// The TCP ports the rule admits (all protocols count), when known.
    pub fn tcp_ports(&self) -> Option<PortRange> {
        match (self.protocol?, self.ports) {
            (Protocol::All | Protocol::Tcp, Ports::Range(range)) => Some(range),
            _ => None,
        }
    }

    /// Every protocol, or every port of TCP or UDP.
    pub fn is_all_traffic(&self) -> bool {
        match (self.protocol, self.ports) {
            (Some(Protocol::All), _) => true,
            (Some(Protocol::Tcp | Protocol::Udp), Ports::Range(range)) => range.is_all(),
            _ => false,
        }
    }

    /// `all traffic`, `TCP port 22`, `UDP ports 1000-2000`, `every TCP port`, `ICMP`.
    pub fn describe_traffic(&self) -> String {
        match (self.protocol, self.ports) {
            (Some(Protocol::All), _) => "all traffic".to_owned(),
            (Some(p), Ports::Range(range)) if range.is_all() => {
                format!("every {} port", p.describe())
            }
            (Some(p), Ports::Range(range)) => format!("{} {}", p.describe(), range.describe()),
            (Some(p), _) => p.describe(),
            (None, _) => "traffic".to_owned(),
        }
    }
}

/// A security group attached to a resource.
#[derive(Clone, Copy, Debug)]
pub struct Attachment<'p> {
    pub group: usize,
    pub resource: usize,
    /// Where the reference to the group was written.
    pub node: &'p Node,
}

/// How one spelling names the fields of a rule.
struct Spelling {
    protocol: &'static str,
    from: &'static str,
    to: &'static str,
    cidr_v4: &'static str,
    cidr_v6: &'static str,
    groups: &'static [&'static str],
    prefix_lists: &'static str,
    self_key: Option<&'static str>,
}

const INLINE: Spelling = Spelling {
    protocol: "protocol",
    from: "from_port",
    to: "to_port",
    cidr_v4: "cidr_blocks",
    cidr_v6: "ipv6_cidr_blocks",
    groups: &["security_groups"],
    prefix_lists: "prefix_list_ids",
    self_key: Some("self"),
};

const SG_RULE: Spelling = Spelling {
    protocol: "protocol",
    from: "from_port",
    to: "to_port",
    cidr_v4: "cidr_blocks",
    cidr_v6: "ipv6_cidr_blocks",
    groups: &["source_security_group_id"],
    prefix_lists: "prefix_list_ids",
    self_key: Some("self"),
};

const VPC_RULE: Spelling = Spelling {
    protocol: "ip_protocol",
    from: "from_port",
    to: "to_port",
    cidr_v4: "cidr_ipv4",
    cidr_v6: "cidr_ipv6",
    groups: &["referenced_security_group_id"],
    prefix_lists: "prefix_list_id",
    self_key: None,
};

const CFN_INGRESS: Spelling = Spelling {
    protocol: "IpProtocol",
    from: "FromPort",
    to: "ToPort",
    cidr_v4: "CidrIp",
    cidr_v6: "CidrIpv6",
    groups: &["SourceSecurityGroupId", "SourceSecurityGroupName"],
    prefix_lists: "SourcePrefixListId",
    self_key: None,
};

const CFN_EGRESS: Spelling = Spelling {
    protocol: "IpProtocol",
    from: "FromPort",
    to: "ToPort",
    cidr_v4: "CidrIp",
    cidr_v6: "CidrIpv6",
    groups: &["DestinationSecurityGroupId"],
    prefix_lists: "DestinationPrefixListId",
    self_key: None,
};

/// Attributes that attach security groups, by resource type.
const ATTACHMENTS: &[(&str, &[&[&str]])] = &[
    (
        "aws_instance",
        &[&["vpc_security_group_ids"], &["security_groups"]],
    ),
    (
        "aws_launch_template",
        &[
            &["vpc_security_group_ids"],
            &["security_group_names"],
            &["network_interfaces", "security_groups"],
        ],
    ),
    ("aws_launch_configuration", &[&["security_groups"]]),
    ("aws_lb", &[&["security_groups"]]),
    ("aws_alb", &[&["security_groups"]]),
    ("aws_elb", &[&["security_groups"]]),
    ("aws_db_instance", &[&["vpc_security_group_ids"]]),
    ("aws_rds_cluster", &[&["vpc_security_group_ids"]]),
    ("aws_redshift_cluster", &[&["vpc_security_group_ids"]]),
    ("aws_elasticache_cluster", &[&["security_group_ids"]]),
    (
        "aws_elasticache_replication_group",
        &[&["security_group_ids"]],
    ),
    ("aws_memorydb_cluster", &[&["security_group_ids"]]),
    ("aws_vpc_endpoint", &[&["security_group_ids"]]),
    ("aws_eks_cluster", &[&["vpc_config", "security_group_ids"]]),
    (
        "aws_lambda_function",
        &[&["vpc_config", "security_group_ids"]],
    ),
    (
        "aws_ecs_service",
        &[&["network_configuration", "security_groups"]],
    ),
    ("aws_network_interface", &[&["security_groups"]]),
    ("aws_efs_mount_target", &[&["security_groups"]]),
    (
        "aws_opensearch_domain",
        &[&["vpc_options", "security_group_ids"]],
    ),
    (
        "aws_elasticsearch_domain",
        &[&["vpc_options", "security_group_ids"]],
    ),
    (
        "aws_msk_cluster",
        &[&["broker_node_group_info", "security_groups"]],
    ),
    (
        "AWS::EC2::Instance",
        &[
            &["SecurityGroupIds"],
            &["SecurityGroups"],
            &["NetworkInterfaces", "GroupSet"],
        ],
    ),
    (
        "AWS::EC2::LaunchTemplate",
        &[
            &["LaunchTemplateData", "SecurityGroupIds"],
            &["LaunchTemplateData", "SecurityGroups"],
            &["LaunchTemplateData", "NetworkInterfaces", "Groups"],
        ],
    ),
    (
        "AWS::AutoScaling::LaunchConfiguration",
        &[&["SecurityGroups"]],
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        &[&["SecurityGroups"]],
    ),
    (
        "AWS::ElasticLoadBalancing::LoadBalancer",
        &[&["SecurityGroups"]],
    ),
    ("AWS::RDS::DBInstance", &[&["VPCSecurityGroups"]]),
    ("AWS::RDS::DBCluster", &[&["VpcSecurityGroupIds"]]),
    (
        "AWS::EKS::Cluster",
        &[&["ResourcesVpcConfig", "SecurityGroupIds"]],
    ),
    (
        "AWS::Lambda::Function",
        &[&["VpcConfig", "SecurityGroupIds"]],
    ),
    (
        "AWS::ECS::Service",
        &[&[
            "NetworkConfiguration",
            "AwsvpcConfiguration",
            "SecurityGroups",
        ]],
    ),
    ("AWS::EC2::VPCEndpoint", &[&["SecurityGroupIds"]]),
    ("AWS::EC2::NetworkInterface", &[&["GroupSet"]]),
    (
        "AWS::ElastiCache::ReplicationGroup",
        &[&["SecurityGroupIds"]],
    ),
    (
        "AWS::ElastiCache::CacheCluster",
        &[&["VpcSecurityGroupIds"]],
    ),
    ("AWS::EFS::MountTarget", &[&["SecurityGroups"]]),
    (
        "AWS::OpenSearchService::Domain",
        &[&["VPCOptions", "SecurityGroupIds"]],
    ),
];

/// Resources that launch instances from a launch template, and where they
/// name it.
const LAUNCH_TEMPLATE_USERS: &[(&str, &[&[&str]])] = &[
    (
        "aws_eks_node_group",
        &[&["launch_template", "id"], &["launch_template", "name"]],
    ),
    (
        "aws_autoscaling_group",
        &[
            &["launch_template", "id"],
            &["launch_template", "name"],
            &[
                "mixed_instances_policy",
                "launch_template",
                "launch_template_specification",
                "launch_template_id",
            ],
            &[
                "mixed_instances_policy",
                "launch_template",
                "launch_template_specification",
                "launch_template_name",
            ],
        ],
    ),
    (
        "aws_instance",
        &[&["launch_template", "id"], &["launch_template", "name"]],
    ),
    (
        "AWS::EKS::Nodegroup",
        &[&["LaunchTemplate", "Id"], &["LaunchTemplate", "Name"]],
    ),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        &[
            &["LaunchTemplate", "LaunchTemplateId"],
            &["LaunchTemplate", "LaunchTemplateName"],
            &[
                "MixedInstancesPolicy",
                "LaunchTemplate",
                "LaunchTemplateSpecification",
                "LaunchTemplateId",
            ],
        ],
    ),
    (
        "AWS::EC2::Instance",
        &[
            &["LaunchTemplate", "LaunchTemplateId"],
            &["LaunchTemplate", "LaunchTemplateName"],
        ],
    ),
];

/// The resources (node groups, auto scaling groups, instances) that launch
/// instances from launch template `index`.
pub fn launch_template_users(project: &Project, index: usize) -> Vec<usize> {
    let mut users = Vec::new();
    // References resolve within a scope: only the template's own can use it.
    let scope = project.scope_of(index);
    for &i in project.resources_in(scope) {
        let resource = &project.resources[i];
        if !is_managed(resource) {
            continue;
        }
        let Some((_, paths)) = LAUNCH_TEMPLATE_USERS
            .iter()
            .find(|(t, _)| *t == resource.resource_type)
        else {
            continue;
        };
        let mut nodes = Vec::new();
        for path in *paths {
            walk(&resource.attributes, path, &mut nodes);
        }
        if nodes
            .iter()
            .any(|node| linked(project, i, node).iter().any(|(t, _)| *t == index))
        {
            users.push(i);
        }
    }
    users
}

/// Security groups, their rules and their attachments.
#[derive(Debug)]
pub struct SecurityGroups<'p> {
    project: &'p Project,
    pub rules: Vec<SgRule<'p>>,
    pub attachments: Vec<Attachment<'p>>,
    /// The tier of each attached resource that has one (launch templates
    /// inherit the tier of the node groups and auto scaling groups using them).
    attached_tiers: HashMap<usize, Option<Tier>>,
}

impl<'p> SecurityGroups<'p> {
    pub fn build(project: &'p Project) -> Self {
        let lists = PrefixLists::build(project);
        // Each resource's rules and attachments are read on every core, and
        // kept in index order.
        let (rules, attachments) = rayon::join(
            || {
                (project.resources_of_types(RULE_TYPES).into_par_iter())
                    .flat_map_iter(|index| {
                        let mut rules = Vec::new();
                        let resource = &project.resources[index];
                        if is_managed(resource) {
                            read_rules(project, &lists, index, resource, &mut rules);
                        }
                        rules
                    })
                    .collect()
            },
            || read_attachments(project),
        );
        let mut attached_tiers = HashMap::new();
        for attachment in &attachments {
            attached_tiers
                .entry(attachment.resource)
                .or_insert_with(|| attached_tier(project, attachment.resource));
        }
        Self {
            project,
            rules,
            attachments,
            attached_tiers,
        }
    }

    /// The rules of security group `group`.
    pub fn rules_of(&self, group: usize) -> impl Iterator<Item = &SgRule<'p>> {
        self.rules
            .iter()
            .filter(move |r| r.owner == Owner::Group(group))
    }

    /// The attachments of security group `group`.
    pub fn attached_to(&self, group: usize) -> impl Iterator<Item = &Attachment<'p>> {
        self.attachments.iter().filter(move |a| a.group == group)
    }

    /// The tier of a resource a group is attached to: its own, or for a
    /// launch template without one, the single tier of the node groups and
    /// auto scaling groups that use it.
    pub fn attached_tier(&self, resource: usize) -> Option<Tier> {
        match self.attached_tiers.get(&resource) {
            Some(tier) => *tier,
            None => attached_tier(self.project, resource),
        }
    }

    /// Whether the rule's owner is a VPC's default security group.
    pub fn is_default_group(&self, owner: Owner) -> bool {
        match owner {
            Owner::Group(i) => type_of(self.project, i) == "aws_default_security_group",
            Owner::DefaultGroupOf(_) => true,
            Owner::Unknown => false,
        }
    }

    /// The VPC of a rule's group, when it is declared.
    pub fn vpc_of(&self, owner: Owner) -> Option<usize> {
        match owner {
            Owner::Group(group) => {
                let resource = &self.project.resources[group];
                let node = resource.attr("vpc_id", "VpcId")?;
                let vpcs: Vec<usize> = linked(self.project, group, node)
                    .into_iter()
                    .filter(|(i, a)| {
                        VPC_TYPES.contains(&type_of(self.project, *i)) && matches!(*a, "id" | "")
                    })
                    .map(|(i, _)| i)
                    .collect();
                match vpcs.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            }
            Owner::DefaultGroupOf(vpc) => Some(vpc),
            Owner::Unknown => None,
        }
    }

    /// The known IPv4 CIDRs of a VPC: its primary block and associated
    /// secondary blocks.
    pub fn vpc_cidrs(&self, vpc: usize) -> Vec<IpNet> {
        let project = self.project;
        let mut cidrs: Vec<IpNet> = project
            .resources
            .get(vpc)
            .and_then(|r| r.attr("cidr_block", "CidrBlock"))
            .and_then(parse_cidr)
            .into_iter()
            .collect();
        for i in project.resources_of_types(&[
            "aws_vpc_ipv4_cidr_block_association",
            "AWS::EC2::VPCCidrBlock",
        ]) {
            let resource = &project.resources[i];
            if !is_managed(resource) {
                continue;
            }
            let names_vpc = resource
                .attr("vpc_id", "VpcId")
                .is_some_and(|node| linked(project, i, node).iter().any(|(t, _)| *t == vpc));
            if names_vpc {
                cidrs.extend(
                    resource
                        .attr("cidr_block", "CidrBlock")
                        .and_then(parse_cidr),
                );
            }
        }
        cidrs
    }
}

fn attached_tier(project: &Project, resource: usize) -> Option<Tier> {
    let own = project.resource_tiers.get(resource).copied().flatten();
    if own.is_some() {
        return own;
    }
    if !matches!(
        type_of(project, resource),
        "aws_launch_template" | "AWS::EC2::LaunchTemplate"
    ) {
        return None;
    }
    let mut tiers: Vec<Tier> = launch_template_users(project, resource)
        .into_iter()
        .filter_map(|u| project.resource_tiers.get(u).copied().flatten())
        .collect();
    tiers.dedup();
    match tiers.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The attachments of every resource that may have some, in index order.
fn read_attachments(project: &Project) -> Vec<Attachment<'_>> {
    let types: Vec<&str> = ATTACHMENTS.iter().map(|(t, _)| *t).collect();
    (project.resources_of_types(&types).into_par_iter())
        .flat_map_iter(|index| attachments_of(project, index))
        .collect()
}

/// The security groups resource `index` is attached to, through the
/// attributes [`ATTACHMENTS`] names for its type.
fn attachments_of(project: &Project, index: usize) -> Vec<Attachment<'_>> {
    let mut out = Vec::new();
    let resource = &project.resources[index];
    if !is_managed(resource) {
        return out;
    }
    let Some((_, paths)) = ATTACHMENTS
        .iter()
        .find(|(t, _)| *t == resource.resource_type)
    else {
        return out;
    };
    let mut nodes = Vec::new();
    for path in *paths {
        walk(&resource.attributes, path, &mut nodes);
    }
    for node in nodes {
        for item in items_or_self(node) {
            for (group, attribute) in linked(project, index, item) {
                if GROUP_TYPES.contains(&type_of(project, group))
                    && matches!(attribute, "id" | "name" | "" | "GroupId")
                {
                    out.push(Attachment {
                        group,
                        resource: index,
                        node: item,
                    });
                }
            }
        }
    }
    out
}

fn read_rules<'p>(
    project: &'p Project,
    lists: &PrefixLists<'p>,
    index: usize,
    resource: &'p Resource,
    out: &mut Vec<SgRule<'p>>,
) {
    match resource.resource_type.as_str() {
        "aws_security_group" | "aws_default_security_group" => {
            for (key, direction) in [
                ("ingress", Direction::Ingress),
                ("egress", Direction::Egress),
            ] {
                if let Some(blocks) = resource.get(key) {
                    for block in blocks.blocks() {
                        out.push(read_rule(
                            project,
                            lists,
                            index,
                            block,
                            Owner::Group(index),
                            direction,
                            &INLINE,
                        ));
                    }
                }
            }
        }
        "aws_security_group_rule" => {
            let direction = match resource.get("type").and_then(Node::as_str) {
                Some("ingress") => Direction::Ingress,
                Some("egress") => Direction::Egress,
                _ => return,
            };
            let owner = owner_of(project, index, resource.get("security_group_id"));
            out.push(read_rule(
                project,
                lists,
                index,
                &resource.attributes,
                owner,
                direction,
                &SG_RULE,
            ));
        }
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            let direction = if resource.resource_type.ends_with("ingress_rule") {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            let owner = owner_of(project, index, resource.get("security_group_id"));
            out.push(read_rule(
                project,
                lists,
                index,
                &resource.attributes,
                owner,
                direction,
                &VPC_RULE,
            ));
        }
        "AWS::EC2::SecurityGroup" => {
            if let Some(ingress) = resource.get("SecurityGroupIngress") {
                for block in ingress.blocks() {
                    out.push(read_rule(
                        project,
                        lists,
                        index,
                        block,
                        Owner::Group(index),
                        Direction::Ingress,
                        &CFN_INGRESS,
                    ));
                }
            }
            let egress = resource.get("SecurityGroupEgress");
            let declared = egress.is_some_and(|e| !e.is_null() && !e.items().is_empty());
            if declared {
                for block in egress.into_iter().flat_map(Node::blocks) {
                    out.push(read_rule(
                        project,
                        lists,
                        index,
                        block,
                        Owner::Group(index),
                        Direction::Egress,
                        &CFN_EGRESS,
                    ));
                }
            } else if egress.is_none_or(|e| !e.is_unknown()) {
                // AWS adds an allow-all egress rule when none is declared.
                out.push(SgRule {
                    declared_in: index,
                    node: None,
                    owner: Owner::Group(index),
                    direction: Direction::Egress,
                    protocol: Some(Protocol::All),
                    protocol_node: None,
                    ports: Ports::Range(PortRange::ALL),
                    peers: vec![Peer {
                        kind: PeerKind::Cidr(IpNet::V4(ipnet::Ipv4Net::default())),
                        node: None,
                        field: None,
                        via: None,
                    }],
                });
            }
        }
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            let (direction, spelling) = if resource.resource_type.ends_with("Ingress") {
                (Direction::Ingress, &CFN_INGRESS)
            } else {
                (Direction::Egress, &CFN_EGRESS)
            };
            let owner = owner_of(
                project,
                index,
                resource
                    .get("GroupId")
                    .or_else(|| resource.get("GroupName")),
            );
            out.push(read_rule(
                project,
                lists,
                index,
                &resource.attributes,
                owner,
                direction,
                spelling,
            ));
        }
        _ => {}
    }
}

/// The group a standalone rule names.
fn owner_of(project: &Project, index: usize, node: Option<&Node>) -> Owner {
    let Some(node) = node else {
        return Owner::Unknown;
    };
    let owners: Vec<Owner> = linked(project, index, node)
        .into_iter()
        .filter_map(|(i, attribute)| {
            let resource_type = type_of(project, i);
            if GROUP_TYPES.contains(&resource_type)
                && matches!(attribute, "id" | "" | "GroupId" | "name")
            {
                Some(Owner::Group(i))
            } else if VPC_TYPES.contains(&resource_type)
                && matches!(
                    attribute,
                    "default_security_group_id" | "DefaultSecurityGroup"
                )
            {
                Some(Owner::DefaultGroupOf(i))
            } else {
                None
            }
        })
        .collect();
    match owners.as_slice() {
        [one] => *one,
        _ => Owner::Unknown,
    }
}

/// Whether an optional attribute is set: plans write unset values as `""`,
/// `[]`, `false` or `null`.
fn is_set(node: &Node) -> bool {
    match &node.value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::List(items) => !items.is_empty(),
        _ => true,
    }
}

fn read_rule<'p>(
    project: &'p Project,
    lists: &PrefixLists<'p>,
    index: usize,
    node: &'p Node,
    owner: Owner,
    direction: Direction,
    spelling: &Spelling,
) -> SgRule<'p> {
    let protocol_node = node.get(spelling.protocol);
    let protocol = protocol_node.and_then(Protocol::parse);
    let ports = match protocol {
        None => Ports::Unknown,
        Some(Protocol::All) => Ports::Range(PortRange::ALL),
        Some(p) if !p.has_ports() => Ports::NotApplicable,
        Some(_) => port_range(node.get(spelling.from), node.get(spelling.to)),
    };
    let mut peers = Vec::new();
    for key in [spelling.cidr_v4, spelling.cidr_v6] {
        if let Some(value) = node.get(key).filter(|v| is_set(v)) {
            for item in items_or_self(value) {
                for kind in cidr_peer(project, index, item) {
                    peers.push(Peer {
                        kind,
                        node: Some(item),
                        field: Some(value),
                        via: None,
                    });
                }
            }
        }
    }
    for key in spelling.groups {
        if let Some(value) = node.get(key).filter(|v| is_set(v)) {
            for item in items_or_self(value) {
                let groups: Vec<usize> = linked(project, index, item)
                    .into_iter()
                    .filter(|(i, _)| GROUP_TYPES.contains(&type_of(project, *i)))
                    .map(|(i, _)| i)
                    .collect();
                if groups.is_empty() {
                    // A group not declared here (an id, a data source).
                    peers.push(Peer {
                        kind: PeerKind::Group(None),
                        node: Some(item),
                        field: Some(value),
                        via: None,
                    });
                }
                for group in groups {
                    peers.push(Peer {
                        kind: PeerKind::Group(Some(group)),
                        node: Some(item),
                        field: Some(value),
                        via: None,
                    });
                }
            }
        }
    }
    if let Some(value) = node.get(spelling.prefix_lists).filter(|v| is_set(v)) {
        for item in items_or_self(value) {
            prefix_list_peers(project, lists, index, item, value, &mut peers);
        }
    }
    if let Some(value) = spelling.self_key.and_then(|k| node.get(k)) {
        match value.as_bool() {
            Some(true) => peers.push(Peer {
                kind: PeerKind::SelfGroup,
                node: Some(value),
                field: Some(value),
                via: None,
            }),
            Some(false) => {}
            None if value.is_null() => {}
            None => peers.push(Peer {
                kind: PeerKind::Unknown,
                node: Some(value),
                field: Some(value),
                via: None,
            }),
        }
    }
    SgRule {
        declared_in: index,
        node: Some(node),
        owner,
        direction,
        protocol,
        protocol_node,
        ports,
        peers,
    }
}

/// The peers a rule's reference to a prefix list stands for: the CIDRs of
/// a list declared here (an unknown one for each entry, or missing entries,
/// that cannot be read), or an opaque prefix list.
fn prefix_list_peers<'p>(
    project: &Project,
    lists: &PrefixLists<'p>,
    index: usize,
    item: &'p Node,
    value: &'p Node,
    peers: &mut Vec<Peer<'p>>,
) {
    let declared: Vec<usize> = linked(project, index, item)
        .into_iter()
        .filter(|(i, attribute)| {
            PREFIX_LIST_TYPES.contains(&type_of(project, *i))
                && matches!(*attribute, "id" | "" | "PrefixListId")
        })
        .map(|(i, _)| i)
        .collect();
    let mut expanded = false;
    for list in declared {
        let Some((entries, complete)) = lists.entries(list) else {
            continue;
        };
        expanded = true;
        for entry in entries {
            peers.push(Peer {
                kind: parse_cidr(entry.cidr).map_or(PeerKind::Unknown, PeerKind::Cidr),
                node: Some(item),
                field: Some(value),
                via: Some(*entry),
            });
        }
        if !complete {
            peers.push(Peer {
                kind: PeerKind::Unknown,
                node: Some(item),
                field: Some(value),
                via: None,
            });
        }
    }
    if !expanded {
        peers.push(Peer {
            kind: PeerKind::PrefixList,
            node: Some(item),
            field: Some(value),
            via: None,
        });
    }
}

/// `from..=to` for TCP and UDP; `-1` (CloudFormation) means every port.
fn port_range(from: Option<&Node>, to: Option<&Node>) -> Ports {
    let (Some(from), Some(to)) = (from.and_then(Node::as_i64), to.and_then(Node::as_i64)) else {
        return Ports::Unknown;
    };
    if from == -1 && to == -1 {
        return Ports::Range(PortRange::ALL);
    }
    match (u16::try_from(from), u16::try_from(to)) {
        (Ok(from), Ok(to)) if from <= to => Ports::Range(PortRange { from, to }),
        _ => Ports::Unknown,
    }
}

/// A CIDR peer: a literal, or a reference to the CIDR of a declared VPC or
/// subnet (`!GetAtt Vpc.CidrBlock`; Terraform has already resolved
/// `aws_vpc.main.cidr_block` when it was written).
fn cidr_peer(project: &Project, index: usize, item: &Node) -> Vec<PeerKind> {
    if let Some(net) = parse_cidr(item) {
        return vec![PeerKind::Cidr(net)];
    }
    if !item.is_unknown() {
        return vec![PeerKind::Unknown];
    }
    let resolved: Vec<PeerKind> = linked(project, index, item)
        .into_iter()
        .filter_map(|(i, attribute)| {
            let resource = &project.resources[i];
            let key = match (resource.language, attribute) {
                (Language::CloudFormation, "CidrBlock") => "CidrBlock",
                (Language::Terraform | Language::TerraformPlan, "cidr_block") => "cidr_block",
                _ => return None,
            };
            let known = matches!(
                resource.resource_type.as_str(),
                "aws_vpc" | "aws_subnet" | "AWS::EC2::VPC" | "AWS::EC2::Subnet"
            );
            known.then(|| {
                resource
                    .get(key)
                    .and_then(parse_cidr)
                    .map_or(PeerKind::Unknown, PeerKind::Cidr)
            })
        })
        .collect();
    if resolved.is_empty() {
        vec![PeerKind::Unknown]
    } else {
        resolved
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use rampart_config::Config;
    use rampart_discover::{FileKind, InputFile};

    fn project(name: &str, kind: FileKind, text: &str) -> Project {
        Project::build(vec![InputFile::new(kind, name, text)], &Config::default())
    }

    fn index(project: &Project, address: &str) -> usize {
        project
            .resources
            .iter()
            .position(|r| r.address == address)
            .unwrap_or_else(|| panic!("no {address}"))
    }

    #[test]
    fn terraform_spellings_are_one_view() {
        let project = project(
            "main.tf",
            FileKind::Terraform,
            r#"
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0", aws_vpc.main.cidr_block]
  }
  egress {
    protocol        = "-1"
    from_port       = 0
    to_port         = 0
    security_groups = [aws_security_group.db.id]
  }
}
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
}
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  protocol          = "6"
  from_port         = 20
  to_port           = 25
  self              = true
}
resource "aws_vpc_security_group_ingress_rule" "pg" {
  security_group_id = aws_vpc.main.default_security_group_id
  ip_protocol       = "icmp"
  from_port         = 8
  to_port           = 0
  cidr_ipv6         = "::/0"
}
resource "aws_instance" "web" {
  vpc_security_group_ids = [aws_security_group.web.id]
}
"#,
        );
        let groups = SecurityGroups::build(&project);
        let web = index(&project, "aws_security_group.web");
        let db = index(&project, "aws_security_group.db");
        let web_rules: Vec<&SgRule> = groups.rules_of(web).collect();
        assert_eq!(web_rules.len(), 2);
        assert_eq!(
            web_rules[0].tcp_ports(),
            Some(PortRange { from: 443, to: 443 })
        );
        assert!(web_rules[0].peers[0].is_internet());
        assert_eq!(
            web_rules[0].peers[1].kind,
            PeerKind::Cidr("10.0.0.0/16".parse().unwrap())
        );
        assert!(web_rules[1].is_all_traffic());
        assert_eq!(web_rules[1].peers[0].kind, PeerKind::Group(Some(db)));
        let ssh: Vec<&SgRule> = groups.rules_of(db).collect();
        assert_eq!(ssh[0].tcp_ports(), Some(PortRange { from: 20, to: 25 }));
        assert_eq!(ssh[0].peers[0].kind, PeerKind::SelfGroup);
        let icmp = groups
            .rules
            .iter()
            .find(|r| matches!(r.owner, Owner::DefaultGroupOf(_)))
            .unwrap();
        assert!(groups.is_default_group(icmp.owner));
        assert_eq!(icmp.ports, Ports::NotApplicable);
        assert_eq!(
            groups.vpc_of(Owner::Group(web)),
            Some(index(&project, "aws_vpc.main"))
        );
        let attached: Vec<usize> = groups.attached_to(web).map(|a| a.resource).collect();
        assert_eq!(attached, vec![index(&project, "aws_instance.web")]);
        // Terraform groups have no implicit egress.
        assert!(groups.rules.iter().all(|r| !r.is_implicit()));
    }

    #[test]
    fn plans_write_unset_fields_as_empty_values() {
        let project = project(
            "plan.json",
            FileKind::TerraformPlan,
            r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
   "values": {"name": "web", "egress": [], "ingress": [
     {"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 22, "ipv6_cidr_blocks": [],
      "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": 22}]}},
  {"address": "aws_route_table.public", "mode": "managed", "type": "aws_route_table", "name": "public",
   "values": {"route": [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-0123456789abcdef0",
     "ipv6_cidr_block": "", "nat_gateway_id": "", "vpc_endpoint_id": "", "transit_gateway_id": ""}]}}
]}}}"#,
        );
        let groups = SecurityGroups::build(&project);
        let web = index(&project, "aws_security_group.web");
        let rules: Vec<&SgRule> = groups.rules_of(web).collect();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].peers.len(), 1);
        assert!(rules[0].peers[0].is_internet());
        assert_eq!(rules[0].tcp_ports(), Some(PortRange { from: 22, to: 22 }));
        let network = crate::aws::network::Network::build(&project);
        let table =
            crate::aws::network::TableId::Declared(index(&project, "aws_route_table.public"));
        let (routes, complete) = network.table_routes(table);
        assert!(complete);
        assert!(routes[0].is_default());
        assert_eq!(
            routes[0].target,
            crate::aws::network::RouteTarget::InternetGateway
        );
    }

    #[test]
    fn cloudformation_keeps_the_default_egress() {
        let project = project(
            "template.yaml",
            FileKind::CloudFormation,
            r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Open:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: open
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
  Closed:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: closed
      VpcId: !Ref Vpc
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationSecurityGroupId: !Ref Open}
  FromVpc:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Closed
      IpProtocol: "-1"
      CidrIp: !GetAtt Vpc.CidrBlock
  Server:
    Type: AWS::EC2::Instance
    Properties:
      SecurityGroupIds: [!GetAtt Closed.GroupId]
"#,
        );
        let groups = SecurityGroups::build(&project);
        let open = index(&project, "Open");
        let closed = index(&project, "Closed");
        let open_rules: Vec<&SgRule> = groups.rules_of(open).collect();
        assert_eq!(open_rules.len(), 2);
        assert!(open_rules[1].is_implicit() && open_rules[1].is_all_traffic());
        let closed_rules: Vec<&SgRule> = groups.rules_of(closed).collect();
        assert_eq!(closed_rules.len(), 2);
        assert_eq!(closed_rules[0].peers[0].kind, PeerKind::Group(Some(open)));
        assert_eq!(
            closed_rules[1].peers[0].kind,
            PeerKind::Cidr("10.0.0.0/16".parse().unwrap())
        );
        assert_eq!(groups.attached_to(closed).count(), 1);
        assert_eq!(groups.vpc_cidrs(index(&project, "Vpc")).len(), 1);
    }

    fn kinds(rule: &SgRule<'_>) -> Vec<PeerKind> {
        rule.peers.iter().map(|p| p.kind).collect()
    }

    fn cidr(text: &str) -> PeerKind {
        PeerKind::Cidr(text.parse().unwrap())
    }

    #[test]
    fn declared_prefix_lists_are_expanded() {
        let project = project(
            "main.tf",
            FileKind::Terraform,
            r#"
resource "aws_ec2_managed_prefix_list" "clients" {
  name           = "clients"
  address_family = "IPv4"
  max_entries    = 5
  entry {
    cidr = "172.16.0.0/12"
  }
  entry {
    cidr = var.office
  }
}
variable "office" { default = "0.0.0.0/0" }
resource "aws_ec2_managed_prefix_list_entry" "extra" {
  prefix_list_id = aws_ec2_managed_prefix_list.clients.id
  cidr           = "192.168.0.0/16"
}
resource "aws_ec2_managed_prefix_list_entry" "aws" {
  prefix_list_id = "pl-0123456789abcdef0"
  cidr           = "10.9.0.0/16"
}
resource "aws_ec2_managed_prefix_list" "dynamic" {
  name           = "dynamic"
  address_family = "IPv4"
  max_entries    = 5
  dynamic "entry" {
    for_each = var.unknown_cidrs
    content {
      cidr = entry.value
    }
  }
}
variable "unknown_cidrs" { type = list(string) }
data "aws_ec2_managed_prefix_list" "s3" { name = "com.amazonaws.eu-west-1.s3" }
resource "aws_security_group" "web" {
  ingress {
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    prefix_list_ids = [aws_ec2_managed_prefix_list.clients.id]
  }
  egress {
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    prefix_list_ids = [data.aws_ec2_managed_prefix_list.s3.id, "pl-0123456789abcdef0"]
  }
}
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  prefix_list_ids   = [aws_ec2_managed_prefix_list.dynamic.id]
}
resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.web.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_ec2_managed_prefix_list.clients.id
}
"#,
        );
        let groups = SecurityGroups::build(&project);
        let clients = index(&project, "aws_ec2_managed_prefix_list.clients");
        let extra = index(&project, "aws_ec2_managed_prefix_list_entry.extra");
        let web = index(&project, "aws_security_group.web");
        let rules: Vec<&SgRule> = groups.rules_of(web).collect();
        assert_eq!(rules.len(), 4);
        let expanded = vec![
            cidr("172.16.0.0/12"),
            cidr("0.0.0.0/0"),
            cidr("192.168.0.0/16"),
        ];
        assert_eq!(kinds(rules[0]), expanded);
        assert_eq!(kinds(rules[3]), expanded);
        let peer = rules[0].peers[2];
        let entry = peer.via.unwrap();
        assert_eq!((entry.list, entry.declared_in), (clients, extra));
        // Reported where the rule names the list.
        let reference = rules[0].node.unwrap().get("prefix_list_ids").unwrap();
        assert_eq!(peer.field.map(|f| f.origin), Some(reference.origin));
        // A list not declared here stays opaque.
        assert_eq!(
            kinds(rules[1]),
            vec![PeerKind::PrefixList, PeerKind::PrefixList]
        );
        // Entries known only after apply.
        assert!(kinds(rules[2]).contains(&PeerKind::Unknown));
        assert!(
            !kinds(rules[2])
                .iter()
                .any(|k| matches!(k, PeerKind::Cidr(_)))
        );
    }

    #[test]
    fn cloudformation_prefix_lists_are_expanded() {
        let project = project(
            "template.yaml",
            FileKind::CloudFormation,
            r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Clients:
    Type: AWS::EC2::PrefixList
    Properties:
      PrefixListName: clients
      AddressFamily: IPv4
      MaxEntries: 2
      Entries:
        - {Cidr: 0.0.0.0/0, Description: anyone}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: !Ref Clients}
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationPrefixListId: !GetAtt Clients.PrefixListId}
  Ssh:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Web
      IpProtocol: tcp
      FromPort: 22
      ToPort: 22
      SourcePrefixListId: pl-0123456789abcdef0
"#,
        );
        let groups = SecurityGroups::build(&project);
        let web = index(&project, "Web");
        let rules: Vec<&SgRule> = groups.rules_of(web).collect();
        assert_eq!(rules.len(), 3);
        assert_eq!(kinds(rules[0]), vec![cidr("0.0.0.0/0")]);
        assert_eq!(kinds(rules[1]), vec![cidr("0.0.0.0/0")]);
        assert_eq!(kinds(rules[2]), vec![PeerKind::PrefixList]);
    }
}
