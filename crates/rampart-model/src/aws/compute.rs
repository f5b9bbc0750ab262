//! EKS clusters, managed node groups, launch templates and instances, related:
//! which cluster a node group or add-on belongs to, which launch template a
//! node group or instance launches from, and what a node ends up with once the
//! launch template, the AMI type, EKS's and EC2's defaults and the
//! account-level defaults are put together.
//!
//! Every view reads Terraform (configuration and plans) and CloudFormation
//! alike, and answers `Unknown` rather than guess when something is known only
//! after apply. Rules decide what is a violation; this module only says what a
//! setting is and where it was written.

use std::fmt;

use rampart_iac::{BlockKind, Language, Node, Resource, Value};

use crate::Project;

pub const CLUSTER_TYPES: &[&str] = &["aws_eks_cluster", "AWS::EKS::Cluster"];
pub const NODE_GROUP_TYPES: &[&str] = &["aws_eks_node_group", "AWS::EKS::Nodegroup"];
pub const LAUNCH_TEMPLATE_TYPES: &[&str] = &["aws_launch_template", "AWS::EC2::LaunchTemplate"];
pub const INSTANCE_TYPES: &[&str] = &["aws_instance", "AWS::EC2::Instance"];
pub const ADDON_TYPES: &[&str] = &["aws_eks_addon", "AWS::EKS::Addon"];

/// The instance type EKS uses when neither the node group nor its launch
/// template names one.
pub const DEFAULT_NODE_INSTANCE_TYPE: &str = "t3.medium";

// ----- Reading settings -----

/// An attribute as written: not at all (the default applies), with a known
/// value, or with a value known only after apply.
#[derive(Clone, Copy, Debug)]
pub enum Setting<'a> {
    Unset,
    Known(&'a Node),
    Unknown(&'a Node),
}

impl<'a> Setting<'a> {
    /// A Terraform `null` is not written.
    pub fn of(node: Option<&'a Node>) -> Self {
        match node {
            None => Self::Unset,
            Some(node) if node.is_null() => Self::Unset,
            Some(node) if node.is_unknown() => Self::Unknown(node),
            Some(node) => Self::Known(node),
        }
    }

    pub fn is_unset(self) -> bool {
        matches!(self, Self::Unset)
    }

    /// The node, known or not.
    pub fn node(self) -> Option<&'a Node> {
        match self {
            Self::Unset => None,
            Self::Known(node) | Self::Unknown(node) => Some(node),
        }
    }

    pub fn known(self) -> Option<&'a Node> {
        match self {
            Self::Known(node) => Some(node),
            _ => None,
        }
    }
}

/// `node[terraform]` or `node[cloudformation]`, by the language of the resource.
pub fn field<'a>(
    node: &'a Node,
    language: Language,
    terraform: &str,
    cloudformation: &str,
) -> Option<&'a Node> {
    match language {
        Language::CloudFormation => node.get(cloudformation),
        Language::Terraform | Language::TerraformPlan => node.get(terraform),
    }
}

/// A nested block written at most once.
#[derive(Clone, Copy, Debug)]
pub enum Block<'a> {
    Absent,
    /// The block's map (in Terraform its origin is the block's header).
    Present(&'a Node),
    /// A `dynamic` block over an unknown collection, or an unknown value.
    Unknown,
}

/// A block written at most once (`vpc_config { … }`, `ResourcesVpcConfig:`):
/// Terraform's list of one map, or CloudFormation's map.
pub fn single_block(node: Option<&Node>) -> Block<'_> {
    let Some(node) = node else {
        return Block::Absent;
    };
    match &node.value {
        Value::Unknown(_) => Block::Unknown,
        Value::Map(_) => Block::Present(node),
        Value::List(items) => match items.first() {
            Some(first) if first.is_unknown() => Block::Unknown,
            Some(first) if matches!(first.value, Value::Map(_)) => Block::Present(first),
            _ => Block::Absent,
        },
        _ => Block::Absent,
    }
}

/// The maps of a block that may repeat (`taint { … }` written n times, a
/// CloudFormation list of objects); `None` when one of them, or the whole
/// list, is unknown.
pub fn repeated_blocks(node: Option<&Node>) -> Option<Vec<&Node>> {
    let Some(node) = node else {
        return Some(Vec::new());
    };
    match &node.value {
        Value::Unknown(_) => None,
        Value::Map(_) => Some(vec![node]),
        Value::List(items) if items.iter().any(Node::is_unknown) => None,
        Value::List(items) => Some(
            items
                .iter()
                .filter(|n| matches!(n.value, Value::Map(_)))
                .collect(),
        ),
        _ => Some(Vec::new()),
    }
}

fn is_managed(resource: &Resource, types: &[&str]) -> bool {
    resource.kind == BlockKind::Resource && types.contains(&resource.resource_type.as_str())
}

/// The managed resources (not data sources) of `types`, by index.
pub fn managed<'p>(project: &'p Project, types: &'p [&'p str]) -> impl Iterator<Item = usize> + 'p {
    project
        .resources_of_types(types)
        .into_iter()
        .filter(move |&i| is_managed(&project.resources[i], types))
}

fn scope(project: &Project, index: usize) -> &str {
    project.scope_of(index)
}

/// The managed resources of `types` a value names: through a reference
/// (`aws_eks_cluster.main.name`, `!Ref Cluster`), or by a literal name equal
/// to the `name_fields` attribute of a resource in the same scope. `None` when
/// the value names nothing in the project (a data source, another stack, an
/// id assigned by AWS) or is unknown in another way.
fn resolve(
    project: &Project,
    from: usize,
    node: &Node,
    types: &[&str],
    name_fields: (&str, &str),
) -> Option<Vec<usize>> {
    let here = scope(project, from);
    if node.contains_unknown() {
        let found: Vec<usize> = project
            .link_targets(here, node)
            .into_iter()
            .map(|(i, _)| i)
            .filter(|&i| {
                project
                    .resources
                    .get(i)
                    .is_some_and(|r| is_managed(r, types))
            })
            .collect();
        return (!found.is_empty()).then_some(found);
    }
    let name = node.as_str()?;
    let found: Vec<usize> = project
        .resources_in(here)
        .iter()
        .copied()
        .filter(|&i| {
            let r = &project.resources[i];
            is_managed(r, types)
                && r.attr(name_fields.0, name_fields.1).and_then(Node::as_str) == Some(name)
        })
        .collect();
    (!found.is_empty()).then_some(found)
}

// ----- Clusters, node groups, add-ons -----

/// The cluster a node group or add-on belongs to (`cluster_name`,
/// `ClusterName`), when it is in the project.
pub fn cluster_of(project: &Project, index: usize) -> Option<usize> {
    let resource = project.resources.get(index)?;
    let node = resource.attr("cluster_name", "ClusterName")?;
    resolve(project, index, node, CLUSTER_TYPES, ("name", "Name"))?
        .first()
        .copied()
}

/// The managed node groups of a cluster.
pub fn node_groups_of(project: &Project, cluster: usize) -> Vec<usize> {
    members_of(project, cluster, NODE_GROUP_TYPES)
}

/// The add-ons of a cluster.
pub fn addons_of(project: &Project, cluster: usize) -> Vec<usize> {
    members_of(project, cluster, ADDON_TYPES)
}

/// The managed resources of `types` whose cluster is `cluster`: only its
/// scope's, since [`resolve`] finds nothing outside the scope it starts from.
fn members_of(project: &Project, cluster: usize, types: &[&str]) -> Vec<usize> {
    project
        .resources_in(scope(project, cluster))
        .iter()
        .copied()
        .filter(|&i| is_managed(&project.resources[i], types))
        .filter(|&i| cluster_of(project, i) == Some(cluster))
        .collect()
}

/// Whether a cluster runs in EKS Auto Mode (`compute_config { enabled = true }`,
/// `ComputeConfig.Enabled`); `None` when unknown.
pub fn is_auto_mode(resource: &Resource) -> Option<bool> {
    match single_block(resource.attr("compute_config", "ComputeConfig")) {
        Block::Absent => Some(false),
        Block::Unknown => None,
        Block::Present(block) => {
            match Setting::of(field(block, resource.language, "enabled", "Enabled")) {
                Setting::Unset => Some(false),
                Setting::Known(node) => node.as_bool(),
                Setting::Unknown(_) => None,
            }
        }
    }
}

// ----- Kubernetes versions and the EKS lifecycle -----

/// A Kubernetes minor version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
}

impl KubeVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// `1.30`, `"1.30"`, `v1.30.2`; the patch level is ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Self { major, minor })
    }

    /// A version written as a string or, carelessly, as a number. A number
    /// loses trailing zeros (`version = 1.30` is sent as `"1.3"`, which EKS
    /// rejects): numbers whose minor version EKS never had are not versions.
    pub fn of(node: &Node) -> Option<Self> {
        match &node.value {
            Value::String(text) => Self::parse(text),
            Value::Number(_) => Self::parse(&node.describe()).filter(|v| v.minor >= 10),
            _ => None,
        }
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The Kubernetes version of a cluster or node group as written.
pub fn version_setting(resource: &Resource) -> Setting<'_> {
    Setting::of(resource.attr("version", "Version"))
}

/// The Kubernetes version a node group runs: its own `version`, else its
/// cluster's. `None` when not known (unset on both: EKS picks the latest at
/// creation, which says nothing about today).
pub fn node_group_version(project: &Project, index: usize) -> Option<KubeVersion> {
    let resource = project.resources.get(index)?;
    match version_setting(resource) {
        Setting::Known(node) => KubeVersion::of(node),
        Setting::Unknown(_) => None,
        Setting::Unset => {
            let cluster = project.resources.get(cluster_of(project, index)?)?;
            version_setting(cluster).known().and_then(KubeVersion::of)
        }
    }
}

/// A calendar date (UTC), for the lifecycle table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub const fn new(year: u16, month: u8, day: u8) -> Self {
        Self { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One Kubernetes version's support on EKS. Support ends at the start of the
/// day given (UTC): AWS bills extended support from the start of the day
/// standard support ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EksRelease {
    pub version: KubeVersion,
    pub end_of_standard: Date,
    pub end_of_extended: Date,
}

const fn release(minor: u32, standard: Date, extended: Date) -> EksRelease {
    EksRelease {
        version: KubeVersion::new(1, minor),
        end_of_standard: standard,
        end_of_extended: extended,
    }
}

/// The Amazon EKS Kubernetes release calendar (docs.aws.amazon.com/eks, "Understand
/// the Kubernetes version lifecycle on EKS", and its extended-support FAQ for
/// 1.23), oldest first. 1.24 to 1.26 are left out: their extended support ended
/// before 1.27's (2025-07-24), which is all a scan can need of them.
pub const EKS_RELEASES: &[EksRelease] = &[
    release(23, Date::new(2023, 10, 11), Date::new(2024, 10, 11)),
    release(27, Date::new(2024, 7, 24), Date::new(2025, 7, 24)),
    release(28, Date::new(2024, 11, 26), Date::new(2025, 11, 26)),
    release(29, Date::new(2025, 3, 23), Date::new(2026, 3, 23)),
    release(30, Date::new(2025, 7, 23), Date::new(2026, 7, 23)),
    release(31, Date::new(2025, 11, 26), Date::new(2026, 11, 26)),
    release(32, Date::new(2026, 3, 23), Date::new(2027, 3, 23)),
    release(33, Date::new(2026, 7, 29), Date::new(2027, 7, 29)),
    release(34, Date::new(2026, 12, 2), Date::new(2027, 12, 2)),
    release(35, Date::new(2027, 3, 27), Date::new(2028, 3, 27)),
];

/// The date [`EKS_RELEASES`] was last checked against the AWS calendar. Rules
/// compare against it: they never read the clock, so a scan's result does not
/// change from one day to the next without a new rampart.
pub const EKS_RELEASES_CHECKED: Date = Date::new(2026, 11, 22);

/// Where a Kubernetes version stands on EKS on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    Standard {
        ends: Date,
    },
    Extended {
        standard_ended: Date,
        ends: Date,
    },
    /// Past extended support. `exact` is false for versions older than the
    /// table, whose support ended no later than `ended`.
    Ended {
        ended: Date,
        exact: bool,
    },
    /// Not in the table (newer than it, or not a 1.x version).
    NotInTable,
}

/// The support status of `version` on `on`.
pub fn eks_support(version: KubeVersion, on: Date) -> Support {
    if let Some(found) = EKS_RELEASES.iter().find(|r| r.version == version) {
        return if on >= found.end_of_extended {
            Support::Ended {
                ended: found.end_of_extended,
                exact: true,
            }
        } else if on >= found.end_of_standard {
            Support::Extended {
                standard_ended: found.end_of_standard,
                ends: found.end_of_extended,
            }
        } else {
            Support::Standard {
                ends: found.end_of_standard,
            }
        };
    }
    // An older version's support ended no later than the next listed one's.
    match EKS_RELEASES.iter().find(|r| r.version > version) {
        Some(newer) if version.major == newer.version.major && on >= newer.end_of_extended => {
            Support::Ended {
                ended: newer.end_of_extended,
                exact: false,
            }
        }
        _ => Support::NotInTable,
    }
}

// ----- Launch templates -----

/// What a node group or instance launches from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateLink {
    /// No launch template: EKS's own (node groups) or the instance's attributes.
    None,
    /// A launch template in the project, by index.
    Resolved(usize),
    /// A launch template rampart cannot see (a data source, an id, an unknown value).
    Unresolved,
}

fn template_from(project: &Project, from: usize, candidates: [Option<&Node>; 2]) -> TemplateLink {
    for node in candidates.into_iter().flatten() {
        if node.is_null() {
            continue;
        }
        if let Some(found) = resolve(
            project,
            from,
            node,
            LAUNCH_TEMPLATE_TYPES,
            ("name", "LaunchTemplateName"),
        ) && let Some(first) = found.first()
        {
            return TemplateLink::Resolved(*first);
        }
    }
    TemplateLink::Unresolved
}

/// The launch template a managed node group names (`launch_template { id | name }`,
/// `LaunchTemplate: {Id | Name}`).
pub fn node_group_template(project: &Project, index: usize) -> TemplateLink {
    let Some(resource) = project.resources.get(index) else {
        return TemplateLink::Unresolved;
    };
    match single_block(resource.attr("launch_template", "LaunchTemplate")) {
        Block::Absent => TemplateLink::None,
        Block::Unknown => TemplateLink::Unresolved,
        Block::Present(block) => template_from(
            project,
            index,
            [
                field(block, resource.language, "id", "Id"),
                field(block, resource.language, "name", "Name"),
            ],
        ),
    }
}

/// The launch template an instance names (`launch_template { id | name }`,
/// `LaunchTemplate: {LaunchTemplateId | LaunchTemplateName}`).
pub fn instance_template(project: &Project, index: usize) -> TemplateLink {
    let Some(resource) = project.resources.get(index) else {
        return TemplateLink::Unresolved;
    };
    match single_block(resource.attr("launch_template", "LaunchTemplate")) {
        Block::Absent => TemplateLink::None,
        Block::Unknown => TemplateLink::Unresolved,
        Block::Present(block) => template_from(
            project,
            index,
            [
                field(block, resource.language, "id", "LaunchTemplateId"),
                field(block, resource.language, "name", "LaunchTemplateName"),
            ],
        ),
    }
}

/// The managed node groups that launch from a launch template.
pub fn template_users(project: &Project, template: usize) -> Vec<usize> {
    managed(project, NODE_GROUP_TYPES)
        .filter(|&i| node_group_template(project, i) == TemplateLink::Resolved(template))
        .collect()
}

/// What a launch template gives the instances it launches: the resource's
/// attributes (Terraform) or its `LaunchTemplateData` (CloudFormation).
pub fn template_data(resource: &Resource) -> Block<'_> {
    match resource.language {
        Language::CloudFormation => single_block(resource.get("LaunchTemplateData")),
        Language::Terraform | Language::TerraformPlan => Block::Present(&resource.attributes),
    }
}

/// The settings an instance gets from its own attributes or, for a launch
/// template, from its launch template data; `None` when unknown.
pub fn launch_settings(resource: &Resource) -> Option<&Node> {
    if LAUNCH_TEMPLATE_TYPES.contains(&resource.resource_type.as_str()) {
        match template_data(resource) {
            Block::Present(data) => Some(data),
            Block::Absent | Block::Unknown => None,
        }
    } else {
        Some(&resource.attributes)
    }
}

/// The AMI a launch template or instance names (`image_id`, `ami`, `ImageId`).
pub fn image_setting<'a>(resource: &Resource, settings: &'a Node) -> Setting<'a> {
    let terraform = if resource.resource_type == "aws_instance" {
        "ami"
    } else {
        "image_id"
    };
    Setting::of(field(settings, resource.language, terraform, "ImageId"))
}

/// The SSH key pair of a launch template or instance (`key_name`, `KeyName`).
pub fn key_name<'a>(resource: &Resource, settings: &'a Node) -> Setting<'a> {
    Setting::of(field(settings, resource.language, "key_name", "KeyName"))
}

/// The user data of a launch template or instance as written (Terraform's
/// `user_data` / `user_data_base64`, CloudFormation's `UserData`): base64 or
/// plain text, decoding is the reader's business.
pub fn user_data<'a>(resource: &Resource, settings: &'a Node) -> Setting<'a> {
    match resource.language {
        Language::CloudFormation => Setting::of(settings.get("UserData")),
        Language::Terraform | Language::TerraformPlan => {
            match Setting::of(settings.get("user_data")) {
                Setting::Unset => Setting::of(settings.get("user_data_base64")),
                written => written,
            }
        }
    }
}

// ----- Instance metadata (IMDS) -----

/// The `metadata_options` / `MetadataOptions` of a launch template's data or an instance.
#[derive(Clone, Copy, Debug)]
pub struct Metadata<'a> {
    pub block: Block<'a>,
    pub endpoint: Setting<'a>,
    pub tokens: Setting<'a>,
    pub hop_limit: Setting<'a>,
}

pub fn metadata(settings: &Node, language: Language) -> Metadata<'_> {
    let block = single_block(field(
        settings,
        language,
        "metadata_options",
        "MetadataOptions",
    ));
    let get = |terraform: &str, cloudformation: &str| match block {
        Block::Present(options) => Setting::of(field(options, language, terraform, cloudformation)),
        Block::Absent | Block::Unknown => Setting::Unset,
    };
    Metadata {
        block,
        endpoint: get("http_endpoint", "HttpEndpoint"),
        tokens: get("http_tokens", "HttpTokens"),
        hop_limit: get("http_put_response_hop_limit", "HttpPutResponseHopLimit"),
    }
}

/// `http_tokens`: whether IMDSv1 is off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tokens {
    Required,
    Optional,
}

/// What a node gets for one IMDS setting.
#[derive(Clone, Copy, Debug)]
pub enum Effective<'a, T> {
    /// Written (with a known value) on the resource or its launch template data.
    Written(&'a Node),
    /// Not written: `T` applies, for the reason given.
    Default(T, &'static str),
    /// The metadata endpoint is switched off: there is no IMDS at all.
    Disabled,
    /// Decided by the instance's launch template, which is judged on its own.
    Elsewhere,
    Unknown,
}

/// Where `Metadata` already decides: written values, a disabled endpoint,
/// an unknown block.
fn written<'a, T>(metadata: &Metadata<'a>, setting: Setting<'a>) -> Option<Effective<'a, T>> {
    if matches!(metadata.block, Block::Unknown) {
        return Some(Effective::Unknown);
    }
    match metadata.endpoint {
        Setting::Known(node) if node.as_str() == Some("disabled") => {
            return Some(Effective::Disabled);
        }
        Setting::Unknown(_) => return Some(Effective::Unknown),
        _ => {}
    }
    match setting {
        Setting::Known(node) => Some(Effective::Written(node)),
        Setting::Unknown(_) => Some(Effective::Unknown),
        Setting::Unset => None,
    }
}

/// An account-level default (`aws_ebs_encryption_by_default`,
/// `aws_ec2_instance_metadata_defaults`) anywhere in the project: rampart does
/// not know which account and region each root module deploys to, so one
/// declared anywhere counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountDefault {
    On,
    /// Declared off, or not declared at all.
    Off,
    Unknown,
}

fn account_default(
    project: &Project,
    resource_type: &'static str,
    on: impl Fn(&Resource) -> Option<bool>,
) -> AccountDefault {
    let mut result = AccountDefault::Off;
    for i in managed(project, std::slice::from_ref(&resource_type)) {
        match on(&project.resources[i]) {
            Some(true) => return AccountDefault::On,
            Some(false) => {}
            None => result = AccountDefault::Unknown,
        }
    }
    result
}

/// `aws_ebs_encryption_by_default` (whose `enabled` defaults to true).
pub fn ebs_encryption_by_default(project: &Project) -> AccountDefault {
    account_default(
        project,
        "aws_ebs_encryption_by_default",
        |r| match Setting::of(r.get("enabled")) {
            Setting::Unset => Some(true),
            Setting::Known(node) => node.as_bool(),
            Setting::Unknown(_) => None,
        },
    )
}

/// `aws_ec2_instance_metadata_defaults` with `http_tokens = "required"`.
pub fn imdsv2_required_by_default(project: &Project) -> AccountDefault {
    account_default(
        project,
        "aws_ec2_instance_metadata_defaults",
        |r| match Setting::of(r.get("http_tokens")) {
            Setting::Unset => Some(false),
            Setting::Known(node) => node.as_str().map(|t| t == "required"),
            Setting::Unknown(_) => None,
        },
    )
}

/// The account-level default hop limit, when one is declared (`-1` means no
/// preference); `Err` when unknown.
fn account_hop_limit(project: &Project) -> Option<Result<i64, ()>> {
    let mut found = None;
    for i in managed(project, &["aws_ec2_instance_metadata_defaults"]) {
        match Setting::of(project.resources[i].get("http_put_response_hop_limit")) {
            Setting::Unset => {}
            Setting::Known(node) => match node.as_i64() {
                Some(limit) if limit > 0 => found = Some(Ok(limit)),
                Some(_) => {}
                None => return Some(Err(())),
            },
            Setting::Unknown(_) => return Some(Err(())),
        }
    }
    found
}

const EC2_TOKENS_DEFAULT: &str =
    "EC2's default for an AMI not registered as IMDSv2-only, which leaves IMDSv1 on";
const EC2_HOP_DEFAULT: &str = "EC2's default";

/// `http_tokens` of the instances a launch template launches.
pub fn template_tokens(project: &Project, template: usize) -> Effective<'_, Tokens> {
    let Some(resource) = project.resources.get(template) else {
        return Effective::Unknown;
    };
    let Block::Present(data) = template_data(resource) else {
        return Effective::Unknown;
    };
    let options = metadata(data, resource.language);
    if let Some(decided) = written(&options, options.tokens) {
        return decided;
    }
    match imdsv2_required_by_default(project) {
        AccountDefault::On => {
            return Effective::Default(Tokens::Required, "the account-level IMDS default");
        }
        AccountDefault::Unknown => return Effective::Unknown,
        AccountDefault::Off => {}
    }
    // Without a value written, the AMI decides: an AMI registered as
    // IMDSv2-only (the EKS AL2023 AMIs) requires tokens, others do not.
    if !image_setting(resource, data).is_unset() {
        return Effective::Default(Tokens::Optional, EC2_TOKENS_DEFAULT);
    }
    // An instance launched from the template brings an AMI rampart cannot see.
    let instance_users = managed(project, INSTANCE_TYPES)
        .any(|i| instance_template(project, i) == TemplateLink::Resolved(template));
    if instance_users {
        return Effective::Default(Tokens::Optional, EC2_TOKENS_DEFAULT);
    }
    let families: Vec<Option<AmiFamily>> = template_users(project, template)
        .into_iter()
        .map(|ng| node_group_ami(project, ng).family())
        .collect();
    if families.is_empty() {
        Effective::Default(Tokens::Optional, EC2_TOKENS_DEFAULT)
    } else if families.contains(&Some(AmiFamily::Al2)) {
        Effective::Default(
            Tokens::Optional,
            "the default of the EKS AL2 AMI the node group runs, which leaves IMDSv1 on",
        )
    } else if families.iter().all(|f| *f == Some(AmiFamily::Al2023)) {
        Effective::Default(Tokens::Required, "AL2023 AMIs require IMDSv2")
    } else {
        Effective::Unknown
    }
}

/// `http_put_response_hop_limit` of the instances a launch template launches.
/// Unset, EC2 applies 1 (2 for AMIs registered as IMDSv2-only, such as AL2023,
/// where the EKS guide says 1 for managed node groups: not reported either way).
pub fn template_hop_limit(project: &Project, template: usize) -> Effective<'_, i64> {
    let Some(resource) = project.resources.get(template) else {
        return Effective::Unknown;
    };
    let Block::Present(data) = template_data(resource) else {
        return Effective::Unknown;
    };
    let options = metadata(data, resource.language);
    if let Some(decided) = written(&options, options.hop_limit) {
        return decided;
    }
    match account_hop_limit(project) {
        Some(Ok(limit)) => Effective::Default(limit, "the account-level IMDS default"),
        Some(Err(())) => Effective::Unknown,
        None => Effective::Default(1, EC2_HOP_DEFAULT),
    }
}

/// `http_tokens` of the launch template EKS creates for a node group that
/// names none: IMDSv1 stays on with the AL2 AMIs; AL2023 AMIs require IMDSv2;
/// other AMI families are not documented.
pub fn eks_template_tokens(project: &Project, node_group: usize) -> Effective<'_, Tokens> {
    match imdsv2_required_by_default(project) {
        AccountDefault::On => {
            return Effective::Default(Tokens::Required, "the account-level IMDS default");
        }
        AccountDefault::Unknown => return Effective::Unknown,
        AccountDefault::Off => {}
    }
    match node_group_ami(project, node_group).family() {
        Some(AmiFamily::Al2) => Effective::Default(
            Tokens::Optional,
            "the launch template EKS creates for AL2 nodes leaves IMDSv1 on",
        ),
        Some(AmiFamily::Al2023) => {
            Effective::Default(Tokens::Required, "AL2023 AMIs require IMDSv2")
        }
        _ => Effective::Unknown,
    }
}

/// `http_put_response_hop_limit` of the launch template EKS creates for a node
/// group that names none: EKS documents 2 for it (AL2); for AL2023 its guide
/// says 1; other families are not documented.
pub fn eks_template_hop_limit(project: &Project, node_group: usize) -> Effective<'_, i64> {
    match node_group_ami(project, node_group).family() {
        Some(AmiFamily::Al2) => Effective::Default(
            2,
            "EKS sets a hop limit of 2 in the launch template it creates",
        ),
        Some(AmiFamily::Al2023) => Effective::Default(1, "the EKS default for AL2023 nodes"),
        _ => Effective::Unknown,
    }
}

/// `http_tokens` of an instance: its own `metadata_options`, else its launch
/// template's (judged on its own), else the account or EC2 default.
pub fn instance_tokens(project: &Project, index: usize) -> Effective<'_, Tokens> {
    let Some(resource) = project.resources.get(index) else {
        return Effective::Unknown;
    };
    let options = metadata(&resource.attributes, resource.language);
    if let Some(decided) = written(&options, options.tokens) {
        return decided;
    }
    match instance_template(project, index) {
        TemplateLink::Resolved(_) => return Effective::Elsewhere,
        TemplateLink::Unresolved => return Effective::Unknown,
        TemplateLink::None => {}
    }
    match imdsv2_required_by_default(project) {
        AccountDefault::On => {
            Effective::Default(Tokens::Required, "the account-level IMDS default")
        }
        AccountDefault::Unknown => Effective::Unknown,
        AccountDefault::Off => Effective::Default(Tokens::Optional, EC2_TOKENS_DEFAULT),
    }
}

/// `http_put_response_hop_limit` of an instance, as [`instance_tokens`].
pub fn instance_hop_limit(project: &Project, index: usize) -> Effective<'_, i64> {
    let Some(resource) = project.resources.get(index) else {
        return Effective::Unknown;
    };
    let options = metadata(&resource.attributes, resource.language);
    if let Some(decided) = written(&options, options.hop_limit) {
        return decided;
    }
    match instance_template(project, index) {
        TemplateLink::Resolved(_) => return Effective::Elsewhere,
        TemplateLink::Unresolved => return Effective::Unknown,
        TemplateLink::None => {}
    }
    match account_hop_limit(project) {
        Some(Ok(limit)) => Effective::Default(limit, "the account-level IMDS default"),
        Some(Err(())) => Effective::Unknown,
        None => Effective::Default(1, EC2_HOP_DEFAULT),
    }
}

// ----- AMIs and instance types -----

/// The family of an EKS AMI type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmiFamily {
    Al2,
    Al2023,
    Bottlerocket,
    Windows,
    /// `CUSTOM`: the AMI comes from the launch template.
    Custom,
    Other,
}

impl AmiFamily {
    pub fn of(ami_type: &str) -> Self {
        if ami_type.starts_with("AL2023_") {
            Self::Al2023
        } else if ami_type.starts_with("AL2_") {
            Self::Al2
        } else if ami_type.starts_with("BOTTLEROCKET_") {
            Self::Bottlerocket
        } else if ami_type.starts_with("WINDOWS_") {
            Self::Windows
        } else if ami_type == "CUSTOM" {
            Self::Custom
        } else {
            Self::Other
        }
    }
}

/// An AMI type with NVIDIA drivers (`AL2_x86_64_GPU`, `AL2023_x86_64_NVIDIA`, …).
pub fn is_gpu_ami(ami_type: &str) -> bool {
    ami_type.contains("_GPU") || ami_type.contains("NVIDIA")
}

/// An AMI type with the AWS Neuron stack (Inferentia, Trainium).
pub fn is_neuron_ami(ami_type: &str) -> bool {
    ami_type.contains("NEURON")
}

/// The AMI of a managed node group.
#[derive(Clone, Copy, Debug)]
pub enum NodeAmi<'a> {
    /// `ami_type` written on the node group.
    Written {
        node: &'a Node,
        ami_type: &'a str,
        family: AmiFamily,
    },
    /// Not written: EKS picks AL2023 from Kubernetes 1.30, AL2 before.
    Defaulted {
        family: AmiFamily,
        version: KubeVersion,
    },
    /// A custom AMI from the launch template (`image_id`).
    Custom,
    Unknown,
}

impl NodeAmi<'_> {
    pub fn family(&self) -> Option<AmiFamily> {
        match self {
            Self::Written { family, .. } | Self::Defaulted { family, .. } => Some(*family),
            Self::Custom => Some(AmiFamily::Custom),
            Self::Unknown => None,
        }
    }
}

/// The AMI a managed node group's nodes run.
pub fn node_group_ami(project: &Project, index: usize) -> NodeAmi<'_> {
    let Some(resource) = project.resources.get(index) else {
        return NodeAmi::Unknown;
    };
    let template = node_group_template(project, index);
    if let TemplateLink::Resolved(t) = template
        && let Some(lt) = project.resources.get(t)
        && let Block::Present(data) = template_data(lt)
        && !image_setting(lt, data).is_unset()
    {
        return NodeAmi::Custom;
    }
    match Setting::of(resource.attr("ami_type", "AmiType")) {
        Setting::Known(node) => match node.as_str() {
            Some(ami_type) => NodeAmi::Written {
                node,
                ami_type,
                family: AmiFamily::of(ami_type),
            },
            None => NodeAmi::Unknown,
        },
        Setting::Unknown(_) => NodeAmi::Unknown,
        Setting::Unset => {
            if template == TemplateLink::Unresolved {
                return NodeAmi::Unknown;
            }
            match node_group_version(project, index) {
                Some(version) => NodeAmi::Defaulted {
                    family: if version >= KubeVersion::new(1, 30) {
                        AmiFamily::Al2023
                    } else {
                        AmiFamily::Al2
                    },
                    version,
                },
                None => NodeAmi::Unknown,
            }
        }
    }
}

/// The instance types of a managed node group.
#[derive(Clone, Debug)]
pub enum InstanceTypes<'a> {
    /// The types, and where they were written (`None`: EKS's default).
    Known {
        types: Vec<&'a str>,
        node: Option<&'a Node>,
    },
    Unknown,
}

/// The node group's `instance_types`, else its launch template's
/// `instance_type`, else EKS's default (`t3.medium`).
pub fn node_group_instance_types(project: &Project, index: usize) -> InstanceTypes<'_> {
    let Some(resource) = project.resources.get(index) else {
        return InstanceTypes::Unknown;
    };
    match Setting::of(resource.attr("instance_types", "InstanceTypes")) {
        Setting::Known(node) if node.contains_unknown() => return InstanceTypes::Unknown,
        Setting::Known(node) => {
            return InstanceTypes::Known {
                types: node.strings(),
                node: Some(node),
            };
        }
        Setting::Unknown(_) => return InstanceTypes::Unknown,
        Setting::Unset => {}
    }
    match node_group_template(project, index) {
        TemplateLink::Unresolved => InstanceTypes::Unknown,
        TemplateLink::None => InstanceTypes::Known {
            types: vec![DEFAULT_NODE_INSTANCE_TYPE],
            node: None,
        },
        TemplateLink::Resolved(t) => {
            let Some(lt) = project.resources.get(t) else {
                return InstanceTypes::Unknown;
            };
            let Block::Present(data) = template_data(lt) else {
                return InstanceTypes::Unknown;
            };
            match Setting::of(field(data, lt.language, "instance_type", "InstanceType")) {
                Setting::Known(node) => match node.as_str() {
                    Some(text) => InstanceTypes::Known {
                        types: vec![text],
                        node: Some(node),
                    },
                    None => InstanceTypes::Unknown,
                },
                Setting::Unknown(_) => InstanceTypes::Unknown,
                Setting::Unset => InstanceTypes::Known {
                    types: vec![DEFAULT_NODE_INSTANCE_TYPE],
                    node: None,
                },
            }
        }
    }
}

/// The family of an instance type: `g5` of `g5.2xlarge`.
pub fn instance_family(instance_type: &str) -> &str {
    instance_type.split('.').next().unwrap_or(instance_type)
}

/// Instance families with NVIDIA GPUs (`p*`, `g*`; `g4ad` has AMD GPUs, which
/// the NVIDIA AMIs do not serve either).
pub fn has_nvidia_gpu(instance_type: &str) -> bool {
    let family = instance_family(instance_type);
    (family.starts_with('p') || family.starts_with('g')) && !family.starts_with("g4ad")
}

/// Instance families with AWS Inferentia or Trainium chips.
pub fn has_neuron(instance_type: &str) -> bool {
    let family = instance_family(instance_type);
    family.starts_with("inf") || family.starts_with("trn")
}

// ----- Block devices -----

/// An EBS volume a launch template or instance maps.
#[derive(Clone, Copy, Debug)]
pub struct EbsVolume<'a> {
    /// The mapping (`block_device_mappings { … }`, an item of `BlockDeviceMappings`).
    pub mapping: &'a Node,
    /// The `ebs` block / `Ebs` map.
    pub ebs: &'a Node,
    /// `device_name` / `DeviceName` as written.
    pub device: Option<&'a Node>,
    pub encrypted: Setting<'a>,
    /// Restored from a snapshot: unset `encrypted` follows the snapshot.
    pub from_snapshot: bool,
}

/// The EBS volumes a launch template maps (`block_device_mappings { ebs { … } }`,
/// `BlockDeviceMappings[].Ebs`); `None` when unknown. Mappings without EBS
/// (instance store, `no_device`) are left out.
pub fn template_volumes<'a>(resource: &Resource, data: &'a Node) -> Option<Vec<EbsVolume<'a>>> {
    let language = resource.language;
    let mappings = repeated_blocks(field(
        data,
        language,
        "block_device_mappings",
        "BlockDeviceMappings",
    ))?;
    let mut volumes = Vec::new();
    for mapping in mappings {
        let ebs = match single_block(field(mapping, language, "ebs", "Ebs")) {
            Block::Absent => continue,
            Block::Unknown => return None,
            Block::Present(ebs) => ebs,
        };
        volumes.push(EbsVolume {
            mapping,
            ebs,
            device: field(mapping, language, "device_name", "DeviceName"),
            encrypted: Setting::of(field(ebs, language, "encrypted", "Encrypted")),
            from_snapshot: !Setting::of(field(ebs, language, "snapshot_id", "SnapshotId"))
                .is_unset(),
        });
    }
    Some(volumes)
}

// ----- Add-ons and network policy -----

/// Whether an add-on is the VPC CNI (`addon_name = "vpc-cni"`); `None` when unknown.
pub fn is_vpc_cni(resource: &Resource) -> Option<bool> {
    match Setting::of(resource.attr("addon_name", "AddonName")) {
        Setting::Known(node) => node.as_str().map(|name| name == "vpc-cni"),
        Setting::Unset => Some(false),
        Setting::Unknown(_) => None,
    }
}

/// Whether a VPC CNI add-on enforces NetworkPolicies.
#[derive(Clone, Copy, Debug)]
pub enum NetworkPolicy<'a> {
    Enabled,
    /// Off: the `configuration_values` that leave it off, or `None` when not written.
    Off(Option<&'a Node>),
    /// The configuration is unknown or not valid JSON.
    Unknown,
}

fn json_flag(value: &serde_json::Value) -> Option<bool> {
    match value {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(text) => match text.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Network policy in a VPC CNI configuration: `enableNetworkPolicy` (off by
/// default) with the node agent (`nodeAgent.enabled`, on by default).
pub fn network_policy_in_configuration(text: &str) -> Option<bool> {
    if text.trim().is_empty() {
        return Some(false);
    }
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = json.as_object()?;
    let enabled = match object.get("enableNetworkPolicy") {
        None | Some(serde_json::Value::Null) => false,
        Some(value) => json_flag(value)?,
    };
    let agent = match object
        .get("nodeAgent")
        .and_then(|agent| agent.get("enabled"))
    {
        None | Some(serde_json::Value::Null) => true,
        Some(value) => json_flag(value)?,
    };
    Some(enabled && agent)
}

/// Whether a VPC CNI add-on's `configuration_values` / `ConfigurationValues`
/// enable network policy.
pub fn vpc_cni_network_policy(resource: &Resource) -> NetworkPolicy<'_> {
    match Setting::of(resource.attr("configuration_values", "ConfigurationValues")) {
        Setting::Unset => NetworkPolicy::Off(None),
        Setting::Unknown(_) => NetworkPolicy::Unknown,
        Setting::Known(node) => match node.as_str().map(network_policy_in_configuration) {
            Some(Some(true)) => NetworkPolicy::Enabled,
            Some(Some(false)) => NetworkPolicy::Off(Some(node)),
            _ => NetworkPolicy::Unknown,
        },
    }
}

/// A NetworkPolicy engine rampart can see in the project besides the VPC CNI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyEngine {
    /// What was seen (`DaemonSet \`cilium\``, `helm_release.calico`).
    Seen(String),
    /// A Helm release whose chart is unknown might be one.
    Unknown,
    None,
}

fn is_engine_chart(chart: &str) -> bool {
    let chart = chart.to_ascii_lowercase();
    ["cilium", "calico", "tigera-operator"]
        .iter()
        .any(|name| chart.contains(name))
}

/// Calico or Cilium, installed by manifests (their DaemonSets, the Tigera
/// operator's `Installation`) or by Terraform Helm releases. They cannot be
/// tied to one cluster, so any counts for every cluster.
pub fn network_policy_engine(project: &Project) -> PolicyEngine {
    // Gathered while the objects were read (a scan releases them before the
    // rules about the infrastructure run): the first in file order, a
    // DaemonSet before an `Installation`.
    let facts = &project.manifest_facts;
    let engine =
        (facts.policy_engine_daemon_set.as_ref()).or(facts.policy_engine_installation.as_ref());
    if let Some(object) = engine {
        return PolicyEngine::Seen(object.description.clone());
    }
    let mut result = PolicyEngine::None;
    for i in managed(project, &["helm_release"]) {
        let release = &project.resources[i];
        match Setting::of(release.get("chart")) {
            Setting::Known(node) => {
                if node.as_str().is_some_and(is_engine_chart) {
                    return PolicyEngine::Seen(format!("`{}`", release.address));
                }
            }
            Setting::Unknown(_) => result = PolicyEngine::Unknown,
            Setting::Unset => {}
        }
    }
    result
}

/// The ConfigMap `kube-system/amazon-vpc-cni` with
/// `enable-network-policy-controller: "true"`, which turns network policy on
/// in EKS Auto Mode: a manifest, or a Terraform `kubernetes_config_map(_v1)`.
pub fn auto_mode_network_policy(project: &Project) -> Option<bool> {
    // Read from the manifests' facts: the objects' trees may be released.
    if project.manifest_facts.vpc_cni_network_policy_controller {
        return Some(true);
    }
    let mut unknown = false;
    for i in managed(
        project,
        &["kubernetes_config_map", "kubernetes_config_map_v1"],
    ) {
        let map = &project.resources[i];
        let Block::Present(meta) = single_block(map.get("metadata")) else {
            unknown = true;
            continue;
        };
        let name = meta.get("name").and_then(Node::as_str);
        let namespace = meta.get("namespace").and_then(Node::as_str);
        if name != Some("amazon-vpc-cni") || namespace != Some("kube-system") {
            continue;
        }
        match Setting::of(map.path(&["data", "enable-network-policy-controller"])) {
            Setting::Known(node) if node.as_bool() == Some(true) => return Some(true),
            Setting::Unknown(_) => unknown = true,
            _ => {}
        }
    }
    (!unknown).then_some(false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::testing::{index, project};
    use rampart_discover::FileKind;

    fn terraform(text: &str) -> Project {
        project(&[("main.tf", FileKind::Terraform, text)])
    }

    #[test]
    fn versions_parse_and_compare() {
        assert_eq!(KubeVersion::parse("1.30"), Some(KubeVersion::new(1, 30)));
        assert_eq!(KubeVersion::parse("v1.29.3"), Some(KubeVersion::new(1, 29)));
        assert_eq!(KubeVersion::parse("latest"), None);
        let number = |n: f64| Node::new(Value::Number(n), None);
        assert_eq!(
            KubeVersion::of(&number(1.29)),
            Some(KubeVersion::new(1, 29))
        );
        assert_eq!(KubeVersion::of(&number(1.30)), None);
        assert!(KubeVersion::new(1, 9) < KubeVersion::new(1, 10));
    }

    #[test]
    fn lifecycle_is_dated() {
        let on = Date::new(2026, 11, 22);
        assert_eq!(
            eks_support(KubeVersion::new(1, 27), on),
            Support::Ended {
                ended: Date::new(2025, 7, 24),
                exact: true
            }
        );
        assert!(matches!(
            eks_support(KubeVersion::new(1, 31), on),
            Support::Extended { .. }
        ));
        assert!(matches!(
            eks_support(KubeVersion::new(1, 34), on),
            Support::Standard { .. }
        ));
        // Support ends at the start of the day.
        assert!(matches!(
            eks_support(KubeVersion::new(1, 31), Date::new(2026, 11, 26)),
            Support::Ended { .. }
        ));
        // Older than the table: ended no later than the next listed version.
        assert_eq!(
            eks_support(KubeVersion::new(1, 25), on),
            Support::Ended {
                ended: Date::new(2025, 7, 24),
                exact: false
            }
        );
        assert_eq!(
            eks_support(KubeVersion::new(1, 36), on),
            Support::NotInTable
        );
        assert!(EKS_RELEASES.windows(2).all(|w| w[0].version < w[1].version));
    }

    #[test]
    fn node_groups_find_their_cluster_and_template() {
        let p = terraform(
            r#"
resource "aws_eks_cluster" "main" {
  name    = "agents"
  version = "1.29"
}
resource "aws_launch_template" "nodes" {
  name = "nodes"
}
resource "aws_eks_node_group" "by_reference" {
  cluster_name = aws_eks_cluster.main.name
  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }
}
resource "aws_eks_node_group" "by_name" {
  cluster_name = "agents"
  launch_template {
    name    = "nodes"
    version = "$Latest"
  }
}
resource "aws_eks_node_group" "elsewhere" {
  cluster_name = "other"
  launch_template {
    id      = "lt-0123456789abcdef0"
    version = "1"
  }
}
resource "aws_eks_node_group" "default_template" {
  cluster_name = aws_eks_cluster.main.name
}
"#,
        );
        let cluster = index(&p, "aws_eks_cluster.main");
        let lt = index(&p, "aws_launch_template.nodes");
        let a = index(&p, "aws_eks_node_group.by_reference");
        let b = index(&p, "aws_eks_node_group.by_name");
        let c = index(&p, "aws_eks_node_group.elsewhere");
        let d = index(&p, "aws_eks_node_group.default_template");
        assert_eq!(cluster_of(&p, a), Some(cluster));
        assert_eq!(cluster_of(&p, b), Some(cluster));
        assert_eq!(cluster_of(&p, c), None);
        assert_eq!(node_group_template(&p, a), TemplateLink::Resolved(lt));
        assert_eq!(node_group_template(&p, b), TemplateLink::Resolved(lt));
        assert_eq!(node_group_template(&p, c), TemplateLink::Unresolved);
        assert_eq!(node_group_template(&p, d), TemplateLink::None);
        assert_eq!(template_users(&p, lt), vec![a, b]);
        assert_eq!(node_groups_of(&p, cluster), vec![a, b, d]);
        // The cluster's 1.29 makes EKS pick AL2 for node groups without ami_type.
        assert_eq!(node_group_ami(&p, d).family(), Some(AmiFamily::Al2));
        assert!(matches!(
            eks_template_tokens(&p, d),
            Effective::Default(Tokens::Optional, _)
        ));
        assert!(matches!(
            eks_template_hop_limit(&p, d),
            Effective::Default(2, _)
        ));
        // The template writes nothing: its AL2 users leave IMDSv1 on.
        assert!(matches!(
            template_tokens(&p, lt),
            Effective::Default(Tokens::Optional, _)
        ));
        assert!(matches!(
            node_group_instance_types(&p, d),
            InstanceTypes::Known { ref types, node: None } if types == &["t3.medium"]
        ));
        // Unknown elsewhere: nothing is guessed.
        assert_eq!(node_group_ami(&p, c).family(), None);
    }

    #[test]
    fn imds_defaults_follow_the_ami_and_the_account() {
        let p = terraform(
            r#"
resource "aws_launch_template" "al2023" {
  name = "al2023"
}
resource "aws_eks_node_group" "a" {
  cluster_name = "x"
  ami_type     = "AL2023_x86_64_STANDARD"
  launch_template {
    id      = aws_launch_template.al2023.id
    version = "$Latest"
  }
}
resource "aws_launch_template" "written" {
  metadata_options {
    http_tokens                 = "optional"
    http_put_response_hop_limit = 2
  }
}
resource "aws_launch_template" "off" {
  metadata_options {
    http_endpoint = "disabled"
  }
}
resource "aws_instance" "plain" {
  ami = "ami-0123456789abcdef0"
}
"#,
        );
        let al2023 = index(&p, "aws_launch_template.al2023");
        assert!(matches!(
            template_tokens(&p, al2023),
            Effective::Default(Tokens::Required, _)
        ));
        let written = index(&p, "aws_launch_template.written");
        assert!(
            matches!(template_tokens(&p, written), Effective::Written(n) if n.as_str() == Some("optional"))
        );
        assert!(
            matches!(template_hop_limit(&p, written), Effective::Written(n) if n.as_i64() == Some(2))
        );
        let off = index(&p, "aws_launch_template.off");
        assert!(matches!(template_tokens(&p, off), Effective::Disabled));
        let plain = index(&p, "aws_instance.plain");
        assert!(matches!(
            instance_tokens(&p, plain),
            Effective::Default(Tokens::Optional, _)
        ));
        assert!(matches!(
            instance_hop_limit(&p, plain),
            Effective::Default(1, _)
        ));

        let with_default = terraform(
            r#"
resource "aws_ec2_instance_metadata_defaults" "imdsv2" {
  http_tokens = "required"
}
resource "aws_instance" "plain" {
  ami = "ami-0123456789abcdef0"
}
"#,
        );
        let plain = index(&with_default, "aws_instance.plain");
        assert!(matches!(
            instance_tokens(&with_default, plain),
            Effective::Default(Tokens::Required, _)
        ));
    }

    #[test]
    fn cloudformation_reads_the_same() {
        let p = project(&[(
            "template.yaml",
            FileKind::CloudFormation,
            r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: agents
      Version: "1.33"
      RoleArn: arn:aws:iam::111122223333:role/eks
      ResourcesVpcConfig:
        SubnetIds: [subnet-1, subnet-2]
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        MetadataOptions:
          HttpTokens: required
          HttpPutResponseHopLimit: 1
        BlockDeviceMappings:
          - DeviceName: /dev/xvda
            Ebs:
              VolumeSize: 100
              Encrypted: true
  Nodes:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: !Ref Cluster
      NodeRole: arn:aws:iam::111122223333:role/node
      Subnets: [subnet-1]
      LaunchTemplate:
        Id: !Ref Template
  CniAddon:
    Type: AWS::EKS::Addon
    Properties:
      ClusterName: !Ref Cluster
      AddonName: vpc-cni
      ConfigurationValues: '{"enableNetworkPolicy": "true"}'
"#,
        )]);
        let cluster = index(&p, "Cluster");
        let template = index(&p, "Template");
        let nodes = index(&p, "Nodes");
        let addon = index(&p, "CniAddon");
        assert_eq!(cluster_of(&p, nodes), Some(cluster));
        assert_eq!(
            node_group_template(&p, nodes),
            TemplateLink::Resolved(template)
        );
        assert_eq!(addons_of(&p, cluster), vec![addon]);
        assert_eq!(is_vpc_cni(&p.resources[addon]), Some(true));
        assert!(matches!(
            vpc_cni_network_policy(&p.resources[addon]),
            NetworkPolicy::Enabled
        ));
        assert!(
            matches!(template_tokens(&p, template), Effective::Written(n) if n.as_str() == Some("required"))
        );
        let lt = &p.resources[template];
        let Block::Present(data) = template_data(lt) else {
            panic!("launch template data")
        };
        let volumes = template_volumes(lt, data).unwrap();
        assert_eq!(volumes.len(), 1);
        assert_eq!(
            volumes[0].encrypted.known().and_then(Node::as_bool),
            Some(true)
        );
        assert_eq!(node_group_version(&p, nodes), Some(KubeVersion::new(1, 33)));
    }

    #[test]
    fn vpc_cni_configuration() {
        assert_eq!(
            network_policy_in_configuration(r#"{"enableNetworkPolicy":"true"}"#),
            Some(true)
        );
        assert_eq!(
            network_policy_in_configuration(
                r#"{"enableNetworkPolicy":true,"nodeAgent":{"enabled":"false"}}"#
            ),
            Some(false)
        );
        assert_eq!(
            network_policy_in_configuration(r#"{"env":{}}"#),
            Some(false)
        );
        assert_eq!(network_policy_in_configuration(""), Some(false));
        assert_eq!(network_policy_in_configuration("{not json"), None);
        assert_eq!(
            network_policy_in_configuration(r#"{"enableNetworkPolicy":"maybe"}"#),
            None
        );
    }

    #[test]
    fn account_defaults() {
        let p = terraform("resource \"aws_ebs_encryption_by_default\" \"on\" {}\n");
        assert_eq!(ebs_encryption_by_default(&p), AccountDefault::On);
        let p = terraform(
            "resource \"aws_ebs_encryption_by_default\" \"off\" {\n  enabled = false\n}\n",
        );
        assert_eq!(ebs_encryption_by_default(&p), AccountDefault::Off);
        let p = terraform(
            "variable \"on\" {}\nresource \"aws_ebs_encryption_by_default\" \"x\" {\n  enabled = var.on\n}\n",
        );
        assert_eq!(ebs_encryption_by_default(&p), AccountDefault::Unknown);
    }

    #[test]
    fn policy_engines_and_auto_mode_config_are_seen() {
        let none = terraform("resource \"aws_eks_cluster\" \"x\" {\n  name = \"x\"\n}\n");
        assert_eq!(network_policy_engine(&none), PolicyEngine::None);
        assert_eq!(auto_mode_network_policy(&none), Some(false));
        let calico = project(&[(
            "calico.yaml",
            FileKind::Kubernetes,
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: kube-system}\nspec: {}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: amazon-vpc-cni, namespace: kube-system}\ndata:\n  enable-network-policy-controller: \"true\"\n",
        )]);
        assert!(matches!(
            network_policy_engine(&calico),
            PolicyEngine::Seen(_)
        ));
        assert_eq!(auto_mode_network_policy(&calico), Some(true));
        let helm = terraform(
            "resource \"helm_release\" \"cilium\" {\n  name  = \"cilium\"\n  chart = \"cilium\"\n}\n",
        );
        assert!(matches!(
            network_policy_engine(&helm),
            PolicyEngine::Seen(_)
        ));
    }

    #[test]
    fn instance_families() {
        assert!(has_nvidia_gpu("g5.2xlarge"));
        assert!(has_nvidia_gpu("p4d.24xlarge"));
        assert!(!has_nvidia_gpu("c6i.2xlarge"));
        assert!(!has_nvidia_gpu("g4ad.xlarge"));
        assert!(has_neuron("inf2.xlarge"));
        assert!(is_gpu_ami("AL2_x86_64_GPU"));
        assert!(is_gpu_ami("BOTTLEROCKET_x86_64_NVIDIA"));
        assert!(!is_gpu_ami("AL2023_x86_64_STANDARD"));
        assert_eq!(AmiFamily::of("AL2_ARM_64"), AmiFamily::Al2);
        assert_eq!(AmiFamily::of("AL2023_ARM_64_STANDARD"), AmiFamily::Al2023);
    }
}
