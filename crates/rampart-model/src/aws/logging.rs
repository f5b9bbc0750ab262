//! Logging and monitoring, related to what they log: VPC flow logs and the
//! networks they cover, where logs are delivered and how long they are kept
//! there, CloudTrail trails, GuardDuty detectors and their features, and the
//! EventBridge rules that route GuardDuty findings. Terraform, plans and
//! CloudFormation alike.
//!
//! Every answer that depends on a value known only after apply says so
//! ([`Named::Unknown`], [`Retention::Unknown`], [`Route::Unknown`], `None`):
//! rules report nothing on those.

use std::collections::{BTreeSet, HashMap};

use rampart_config::Tier;
use rampart_iac::{BlockKind, Node, Resource, Unknown, Value};

use crate::project::Project;

pub const VPC_TYPES: &[&str] = &["aws_vpc", "aws_default_vpc", "AWS::EC2::VPC"];
pub const SUBNET_TYPES: &[&str] = &["aws_subnet", "AWS::EC2::Subnet"];
pub const FLOW_LOG_TYPES: &[&str] = &["aws_flow_log", "AWS::EC2::FlowLog"];
pub const LOG_GROUP_TYPES: &[&str] = &["aws_cloudwatch_log_group", "AWS::Logs::LogGroup"];
pub const BUCKET_TYPES: &[&str] = &["aws_s3_bucket", "AWS::S3::Bucket"];
pub const LIFECYCLE_TYPES: &[&str] = &["aws_s3_bucket_lifecycle_configuration"];
pub const TRAIL_TYPES: &[&str] = &["aws_cloudtrail", "AWS::CloudTrail::Trail"];
pub const DETECTOR_TYPES: &[&str] = &["aws_guardduty_detector", "AWS::GuardDuty::Detector"];
pub const DETECTOR_FEATURE_TYPES: &[&str] = &["aws_guardduty_detector_feature"];
pub const EVENT_RULE_TYPES: &[&str] = &["aws_cloudwatch_event_rule", "AWS::Events::Rule"];
pub const EVENT_TARGET_TYPES: &[&str] = &["aws_cloudwatch_event_target"];
pub const LOAD_BALANCER_TYPES: &[&str] = &[
    "aws_lb",
    "aws_alb",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
];
pub const CLASSIC_LOAD_BALANCER_TYPES: &[&str] =
    &["aws_elb", "AWS::ElasticLoadBalancing::LoadBalancer"];
pub const LISTENER_TYPES: &[&str] = &[
    "aws_lb_listener",
    "aws_alb_listener",
    "AWS::ElasticLoadBalancingV2::Listener",
];
pub const EKS_CLUSTER_TYPES: &[&str] = &["aws_eks_cluster", "AWS::EKS::Cluster"];

/// The GuardDuty features that monitor EKS workloads at run time.
pub const RUNTIME_MONITORING_FEATURES: &[&str] = &["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"];

/// The retention policy P-IVB-6 sets for every log (requirements C-11).
pub const POLICY_RETENTION_DAYS: u32 = 90;

/// Whether resource `index` is a managed resource of one of `types` that rules
/// judge: not a data source, and not a resource whose whole body is unknown.
pub fn is_managed(project: &Project, index: usize, types: &[&str]) -> bool {
    project.resources.get(index).is_some_and(|r| {
        r.kind == BlockKind::Resource
            && types.contains(&r.resource_type.as_str())
            && !r.attributes.is_unknown()
    })
}

/// The managed resources of `types` (see [`is_managed`]).
pub fn managed(project: &Project, types: &[&str]) -> Vec<usize> {
    project
        .resources_of_types(types)
        .into_iter()
        .filter(|&i| is_managed(project, i, types))
        .collect()
}

fn scope_of(project: &Project, index: usize) -> &str {
    project.scope_of(index)
}

/// A value that is set: present, not `null` and not an empty string (plans
/// write unset optional strings either way).
fn set(node: Option<&Node>) -> Option<&Node> {
    node.filter(|n| !n.is_null() && n.as_str() != Some(""))
}

/// A string attribute by its Terraform or CloudFormation name.
fn text<'r>(resource: &'r Resource, terraform: &str, cloudformation: &str) -> Option<&'r str> {
    resource
        .attr(terraform, cloudformation)
        .and_then(Node::as_str)
}

/// What a value naming other resources (an id, a name, an ARN) stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    /// Managed resources of the project.
    Resources(Vec<usize>),
    /// Something the project does not declare (an id or ARN written as text).
    Elsewhere,
    /// Known only after apply, or a resource rampart does not judge (a data
    /// source).
    Unknown,
}

/// Resolves `node`, written in `scope`, to managed resources of `types`:
/// through a reference, or by a known name (`identity` says whether a
/// resource goes by that text).
fn resolve(
    project: &Project,
    scope: &str,
    node: &Node,
    types: &[&str],
    identity: impl Fn(&Resource, &str) -> bool,
) -> Named {
    match &node.value {
        Value::Unknown(unknown) if matches!(**unknown, Unknown::Reference { .. }) => {
            let targets: Vec<usize> = project
                .link_targets(scope, node)
                .into_iter()
                .map(|(i, _)| i)
                .collect();
            if !targets.is_empty() && targets.iter().all(|&i| is_managed(project, i, types)) {
                Named::Resources(targets)
            } else {
                Named::Unknown
            }
        }
        Value::String(text) => {
            let found: Vec<usize> = project
                .resources_in_of_types(scope, types)
                .into_iter()
                .filter(|&i| is_managed(project, i, types) && identity(&project.resources[i], text))
                .collect();
            if found.is_empty() {
                Named::Elsewhere
            } else {
                Named::Resources(found)
            }
        }
        _ => Named::Unknown,
    }
}

/// A VPC or subnet known by its id (plans know the ids of existing resources).
fn by_id(resource: &Resource, text: &str) -> bool {
    resource.get("id").and_then(Node::as_str) == Some(text)
}

/// A log group by its name or ARN (`arn:aws:logs:…:log-group:NAME[:*]`).
fn log_group_named(resource: &Resource, text: &str) -> bool {
    let name = log_group_name_of(text);
    text_is(resource, "name", "LogGroupName", name)
}

fn log_group_name_of(text: &str) -> &str {
    if text.starts_with("arn:") {
        text.splitn(7, ':')
            .nth(6)
            .map_or(text, |rest| rest.strip_suffix(":*").unwrap_or(rest))
    } else {
        text
    }
}

/// A bucket by its name or ARN.
fn bucket_named(resource: &Resource, text: &str) -> bool {
    let (name, _) = bucket_and_folder(text);
    text_is(resource, "bucket", "BucketName", name)
}

fn text_is(resource: &Resource, terraform: &str, cloudformation: &str, wanted: &str) -> bool {
    !wanted.is_empty() && text(resource, terraform, cloudformation) == Some(wanted)
}

/// `arn:aws:s3:::bucket/folder/` → (`bucket`, `folder`); a bare name has no folder.
fn bucket_and_folder(text: &str) -> (&str, &str) {
    let path = text
        .strip_prefix("arn:")
        .and_then(|rest| rest.splitn(5, ':').nth(4))
        .unwrap_or(text);
    match path.split_once('/') {
        Some((bucket, folder)) => (bucket, folder.trim_matches('/')),
        None => (path, ""),
    }
}

/// Where AWS writes log files under a folder of a bucket: flow logs, load
/// balancer access logs and CloudTrail all write under `folder/AWSLogs/`.
pub fn aws_logs_prefix(folder: &str) -> String {
    let folder = folder.trim_matches('/');
    if folder.is_empty() {
        "AWSLogs/".to_owned()
    } else {
        format!("{folder}/AWSLogs/")
    }
}

// ---------------------------------------------------------------------------
// Flow logs and the networks they cover

/// What a flow log is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attached {
    Vpcs(Vec<usize>),
    Subnets(Vec<usize>),
    /// A network interface, a transit gateway, or a VPC or subnet the project
    /// does not declare.
    Elsewhere,
    /// Known only after apply: it may be any VPC.
    Unknown,
}

/// Where a flow log (or another log) is delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    LogGroup(usize),
    /// A bucket, with the key prefix the log files are written under.
    Bucket {
        index: usize,
        key_prefix: String,
    },
    /// Firehose, or a log group or bucket the project does not declare.
    Elsewhere,
    Unknown,
}

/// A VPC flow log (`aws_flow_log`, `AWS::EC2::FlowLog`).
#[derive(Clone, Debug)]
pub struct FlowLog<'p> {
    pub index: usize,
    pub resource: &'p Resource,
    pub attached: Attached,
    pub destination: Destination,
}

impl<'p> FlowLog<'p> {
    fn new(project: &'p Project, index: usize) -> Self {
        let resource = &project.resources[index];
        Self {
            index,
            resource,
            attached: attachment(project, index),
            destination: flow_log_destination(project, index),
        }
    }

    /// `traffic_type` / `TrafficType`, when set.
    pub fn traffic_type(&self) -> Option<&'p Node> {
        set(self.resource.attr("traffic_type", "TrafficType"))
    }

    /// `max_aggregation_interval` / `MaxAggregationInterval` when set (AWS's
    /// default is 600 seconds).
    pub fn aggregation_interval(&self) -> Option<&'p Node> {
        set(self
            .resource
            .attr("max_aggregation_interval", "MaxAggregationInterval"))
    }

    /// The aggregation interval in seconds (600 when not set); `None` when unknown.
    pub fn aggregation_seconds(&self) -> Option<i64> {
        match self.aggregation_interval() {
            None => Some(600),
            Some(node) => node.as_i64(),
        }
    }
}

fn attachment(project: &Project, index: usize) -> Attached {
    let resource = &project.resources[index];
    let scope = scope_of(project, index);
    let network = |node: &Node, types: &[&str], wrap: fn(Vec<usize>) -> Attached| match resolve(
        project, scope, node, types, by_id,
    ) {
        Named::Resources(found) => wrap(found),
        Named::Elsewhere => Attached::Elsewhere,
        Named::Unknown => Attached::Unknown,
    };
    if resource.is_cloudformation() {
        let Some(id) = set(resource.get("ResourceId")) else {
            return Attached::Elsewhere;
        };
        return match resource.get("ResourceType").map(|n| (n, n.as_str())) {
            Some((_, Some("VPC"))) => network(id, VPC_TYPES, Attached::Vpcs),
            Some((_, Some("Subnet"))) => network(id, SUBNET_TYPES, Attached::Subnets),
            Some((_, Some(_))) | None => Attached::Elsewhere,
            Some((_, None)) => Attached::Unknown,
        };
    }
    if let Some(vpc) = set(resource.get("vpc_id")) {
        return network(vpc, VPC_TYPES, Attached::Vpcs);
    }
    if let Some(subnet) = set(resource.get("subnet_id")) {
        return network(subnet, SUBNET_TYPES, Attached::Subnets);
    }
    Attached::Elsewhere
}

fn flow_log_destination(project: &Project, index: usize) -> Destination {
    let resource = &project.resources[index];
    let kind = match set(resource.attr("log_destination_type", "LogDestinationType")) {
        None => "cloud-watch-logs",
        Some(node) => match node.as_str() {
            Some(kind) => kind,
            None => return Destination::Unknown,
        },
    };
    let destination = set(resource.attr("log_destination", "LogDestination"));
    match kind {
        "cloud-watch-logs" => {
            match destination.or_else(|| set(resource.attr("log_group_name", "LogGroupName"))) {
                Some(node) => log_group_destination(project, scope_of(project, index), node),
                None => Destination::Unknown,
            }
        }
        "s3" => match destination {
            Some(node) => bucket_destination(project, scope_of(project, index), node, None),
            None => Destination::Unknown,
        },
        _ => Destination::Elsewhere,
    }
}

/// A log group named by a reference, a name or an ARN.
pub fn log_group_destination(project: &Project, scope: &str, node: &Node) -> Destination {
    match resolve(project, scope, node, LOG_GROUP_TYPES, log_group_named) {
        Named::Resources(found) if found.len() == 1 => Destination::LogGroup(found[0]),
        Named::Resources(_) | Named::Unknown => Destination::Unknown,
        Named::Elsewhere => Destination::Elsewhere,
    }
}

/// A bucket named by a reference, a name or an ARN (whose path is the folder
/// logs go to, unless `folder` gives it separately).
pub fn bucket_destination(
    project: &Project,
    scope: &str,
    node: &Node,
    folder: Option<&Node>,
) -> Destination {
    let folder = match set(folder) {
        None => node.as_str().map_or("", |text| bucket_and_folder(text).1),
        Some(folder) => match folder.as_str() {
            Some(folder) => folder,
            None => return Destination::Unknown,
        },
    };
    match resolve(project, scope, node, BUCKET_TYPES, bucket_named) {
        Named::Resources(found) if found.len() == 1 => Destination::Bucket {
            index: found[0],
            key_prefix: aws_logs_prefix(folder),
        },
        Named::Resources(_) | Named::Unknown => Destination::Unknown,
        Named::Elsewhere => Destination::Elsewhere,
    }
}

/// The flow logs of a project and the VPCs and subnets they cover.
#[derive(Debug)]
pub struct FlowLogs<'p> {
    pub logs: Vec<FlowLog<'p>>,
    /// Managed VPCs.
    pub vpcs: Vec<usize>,
    /// Managed subnets.
    pub subnets: Vec<usize>,
    /// Each subnet's VPC, when the subnet names a VPC of the project.
    subnet_vpc: HashMap<usize, usize>,
}

impl<'p> FlowLogs<'p> {
    pub fn build(project: &'p Project) -> Self {
        let logs = managed(project, FLOW_LOG_TYPES)
            .into_iter()
            .map(|i| FlowLog::new(project, i))
            .collect();
        let subnets = managed(project, SUBNET_TYPES);
        let subnet_vpc = subnets
            .iter()
            .filter_map(|&subnet| {
                let node = set(project.resources[subnet].attr("vpc_id", "VpcId"))?;
                match resolve(project, scope_of(project, subnet), node, VPC_TYPES, by_id) {
                    Named::Resources(found) if found.len() == 1 => Some((subnet, found[0])),
                    _ => None,
                }
            })
            .collect();
        Self {
            logs,
            vpcs: managed(project, VPC_TYPES),
            subnets,
            subnet_vpc,
        }
    }

    /// Whether a network may be covered by a flow log attached to something
    /// known only after apply. An unset `var.vpc_id`, a data source, another
    /// root's output or `!ImportValue` names a network that exists before the
    /// flow log's own root or template is applied, so it may be any VPC of
    /// another scope of the same language family (Terraform roots and plans
    /// read each other's outputs; templates import each other's exports). A
    /// Terraform value rampart could not evaluate at all may also be one of
    /// its own.
    pub fn maybe_covered_elsewhere(&self, project: &Project, network: usize) -> bool {
        let Some(resource) = project.resources.get(network) else {
            return false;
        };
        let here = scope_of(project, network);
        self.logs.iter().any(|l| {
            l.attached == Attached::Unknown
                && l.resource.is_cloudformation() == resource.is_cloudformation()
                // An unset variable, a data source or an import names a network
                // that exists before this scope is applied: not one it creates.
                // A Terraform value rampart could not evaluate (a `try()` over
                // the root's own VPCs) may be anything.
                && (scope_of(project, l.index) != here
                    || (!l.resource.is_cloudformation() && attachment_unevaluated(l.resource)))
        })
    }

    /// The VPC of a subnet, when the project declares it.
    pub fn vpc_of(&self, subnet: usize) -> Option<usize> {
        self.subnet_vpc.get(&subnet).copied()
    }

    /// The subnets of the project in a VPC.
    pub fn subnets_of(&self, vpc: usize) -> Vec<usize> {
        self.subnets
            .iter()
            .copied()
            .filter(|&s| self.vpc_of(s) == Some(vpc))
            .collect()
    }

    /// Flow logs attached to the VPC itself.
    pub fn on_vpc(&self, vpc: usize) -> Vec<&FlowLog<'p>> {
        self.logs
            .iter()
            .filter(|l| matches!(&l.attached, Attached::Vpcs(v) if v.contains(&vpc)))
            .collect()
    }

    /// Flow logs attached to the subnet itself.
    pub fn on_subnet(&self, subnet: usize) -> Vec<&FlowLog<'p>> {
        self.logs
            .iter()
            .filter(|l| matches!(&l.attached, Attached::Subnets(s) if s.contains(&subnet)))
            .collect()
    }

    /// The flow logs that record a network's traffic: a VPC's own; a subnet's
    /// own and its VPC's.
    pub fn covering(&self, network: usize) -> Vec<&FlowLog<'p>> {
        if self.vpcs.contains(&network) {
            return self.on_vpc(network);
        }
        let mut logs = self.on_subnet(network);
        if let Some(vpc) = self.vpc_of(network) {
            logs.extend(self.on_vpc(vpc));
        }
        logs
    }

    /// VPCs and subnets with a tier, VPCs first.
    pub fn tiered(&self, project: &Project) -> Vec<(usize, Tier)> {
        self.vpcs
            .iter()
            .chain(&self.subnets)
            .filter_map(|&i| {
                project
                    .resource_tiers
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|t| (i, t))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Retention

/// How long a destination keeps logs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Retention<'p> {
    /// Until someone deletes them (CloudWatch Logs `0` or unset, S3 without
    /// an expiration that applies).
    Forever,
    /// `days`, set by `node` of resource `index` (a log group, a bucket or a
    /// lifecycle configuration).
    Days {
        days: u32,
        index: usize,
        node: &'p Node,
    },
    Unknown,
}

impl Retention<'_> {
    /// Whether logs are kept at least `required` days (`0`: never deleted);
    /// `None` when unknown.
    pub fn satisfies(&self, required: u32) -> Option<bool> {
        match self {
            Self::Forever => Some(true),
            Self::Days { days, .. } => Some(required != 0 && *days >= required),
            Self::Unknown => None,
        }
    }
}

/// The retention of a CloudWatch log group. A `DELIVERY` class group keeps
/// events a day whatever it says (it only passes them on): unknown here.
pub fn log_group_retention(project: &Project, index: usize) -> Retention<'_> {
    let resource = &project.resources[index];
    match set(resource.attr("log_group_class", "LogGroupClass")).map(Node::as_str) {
        None | Some(Some("STANDARD" | "INFREQUENT_ACCESS")) => {}
        Some(_) => return Retention::Unknown,
    }
    let Some(node) = set(resource.attr("retention_in_days", "RetentionInDays")) else {
        return Retention::Forever;
    };
    match node.as_i64() {
        Some(0) => Retention::Forever,
        Some(days) if days > 0 => Retention::Days {
            days: u32::try_from(days).unwrap_or(u32::MAX),
            index,
            node,
        },
        _ => Retention::Unknown,
    }
}

/// An enabled S3 lifecycle rule that expires current objects.
#[derive(Clone, Copy, Debug)]
pub struct Expiration<'p> {
    /// The key prefix the rule applies to (`""`: the whole bucket).
    pub prefix: &'p str,
    pub days: u32,
    /// The resource that writes the rule (the bucket or a lifecycle configuration).
    pub index: usize,
    pub node: &'p Node,
}

/// The enabled expiration rules of a bucket that apply to untagged objects
/// of any size (log files are neither tagged nor chosen by size): its inline
/// `lifecycle_rule`s (Terraform) or `LifecycleConfiguration` (CloudFormation),
/// and the `aws_s3_bucket_lifecycle_configuration`s that name it. Rules whose
/// status, filter or days are unknown are left out.
pub fn expirations(project: &Project, bucket: usize) -> Vec<Expiration<'_>> {
    let resource = &project.resources[bucket];
    let mut out = Vec::new();
    if resource.is_cloudformation() {
        let rules = resource
            .path(&["LifecycleConfiguration", "Rules"])
            .map(Node::items)
            .unwrap_or_default();
        for rule in rules {
            if rule.get("Status").and_then(Node::as_str) != Some("Enabled")
                || set(rule.get("TagFilters"))
                    .is_some_and(|t| !t.items().is_empty() || t.is_unknown())
                || set(rule.get("ObjectSizeGreaterThan")).is_some()
                || set(rule.get("ObjectSizeLessThan")).is_some()
            {
                continue;
            }
            let Some(prefix) = optional_text(rule.get("Prefix")) else {
                continue;
            };
            if let Some((days, node)) = positive_days(rule.get("ExpirationInDays")) {
                out.push(Expiration {
                    prefix,
                    days,
                    index: bucket,
                    node,
                });
            }
        }
        return out;
    }
    for rule in resource
        .get("lifecycle_rule")
        .map(|n| n.blocks().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if rule.get("enabled").and_then(Node::as_bool) != Some(true) || has_tags(rule.get("tags")) {
            continue;
        }
        let Some(prefix) = optional_text(rule.get("prefix")) else {
            continue;
        };
        for expiration in rule.get("expiration").into_iter().flat_map(Node::blocks) {
            if let Some((days, node)) = positive_days(expiration.get("days")) {
                out.push(Expiration {
                    prefix,
                    days,
                    index: bucket,
                    node,
                });
            }
        }
    }
    let scope = scope_of(project, bucket);
    for configuration in project.resources_in_of_types(scope, LIFECYCLE_TYPES) {
        if !is_managed(project, configuration, LIFECYCLE_TYPES) {
            continue;
        }
        let config = &project.resources[configuration];
        let Some(target) = set(config.get("bucket")) else {
            continue;
        };
        match resolve(project, scope, target, BUCKET_TYPES, bucket_named) {
            Named::Resources(found) if found.contains(&bucket) => {}
            _ => continue,
        }
        for rule in config.get("rule").into_iter().flat_map(Node::blocks) {
            if rule.get("status").and_then(Node::as_str) != Some("Enabled") {
                continue;
            }
            let Some(prefix) = rule_prefix(rule) else {
                continue;
            };
            for expiration in rule.get("expiration").into_iter().flat_map(Node::blocks) {
                if let Some((days, node)) = positive_days(expiration.get("days")) {
                    out.push(Expiration {
                        prefix,
                        days,
                        index: configuration,
                        node,
                    });
                }
            }
        }
    }
    out
}

/// A text that may be absent (`""`); `None` when unknown.
fn optional_text(node: Option<&Node>) -> Option<&str> {
    match set(node) {
        None => Some(""),
        Some(node) => node.as_str(),
    }
}

fn has_tags(node: Option<&Node>) -> bool {
    set(node).is_some_and(|t| !t.entries().is_empty() || t.contains_unknown())
}

fn positive_days(node: Option<&Node>) -> Option<(u32, &Node)> {
    let node = set(node)?;
    let days = node.as_i64().filter(|&d| d > 0)?;
    Some((u32::try_from(days).unwrap_or(u32::MAX), node))
}

/// The prefix a `aws_s3_bucket_lifecycle_configuration` rule applies to;
/// `None` when it selects by tag or size, or cannot be known.
fn rule_prefix(rule: &Node) -> Option<&str> {
    let filters: Vec<&Node> = rule
        .get("filter")
        .into_iter()
        .flat_map(Node::blocks)
        .collect();
    if set(rule.get("filter")).is_some_and(Node::contains_unknown) {
        return None;
    }
    let Some(&filter) = filters.first() else {
        // The deprecated rule-level `prefix`, or the whole bucket.
        return optional_text(rule.get("prefix"));
    };
    let selective = |n: &Node| {
        has_tags(n.get("tags"))
            || set(n.get("tag")).is_some_and(|t| t.blocks().next().is_some())
            || positive_days(n.get("object_size_greater_than")).is_some()
            || positive_days(n.get("object_size_less_than")).is_some()
    };
    if selective(filter) {
        return None;
    }
    if let Some(and) = filter.get("and").and_then(|n| n.blocks().next()) {
        if selective(and) {
            return None;
        }
        return optional_text(and.get("prefix"));
    }
    optional_text(filter.get("prefix"))
}

/// Whether a rule for `prefix` expires objects written under `key_prefix`.
fn applies(prefix: &str, key_prefix: &str) -> bool {
    key_prefix.starts_with(prefix) || prefix.starts_with(key_prefix)
}

/// How long a bucket keeps the log files written under `key_prefix`: the
/// shortest expiration that applies to them.
pub fn bucket_retention<'p>(
    project: &'p Project,
    bucket: usize,
    key_prefix: &str,
) -> Retention<'p> {
    expirations(project, bucket)
        .into_iter()
        .filter(|e| applies(e.prefix, key_prefix))
        .min_by_key(|e| e.days)
        .map_or(Retention::Forever, |e| Retention::Days {
            days: e.days,
            index: e.index,
            node: e.node,
        })
}

/// How long a destination keeps what it receives.
pub fn destination_retention<'p>(project: &'p Project, destination: &Destination) -> Retention<'p> {
    match destination {
        Destination::LogGroup(index) => log_group_retention(project, *index),
        Destination::Bucket { index, key_prefix } => bucket_retention(project, *index, key_prefix),
        Destination::Elsewhere | Destination::Unknown => Retention::Unknown,
    }
}

/// A bucket that receives AWS logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogBucket {
    pub bucket: usize,
    pub key_prefix: String,
    /// The resource whose logs go there.
    pub source: usize,
    /// What the logs are: `flow logs`, `access logs`, `CloudTrail logs`.
    pub logs: &'static str,
}

/// The buckets of the project that receive flow logs, load balancer access
/// logs (when enabled) and CloudTrail logs.
pub fn log_buckets(project: &Project) -> Vec<LogBucket> {
    let mut out = Vec::new();
    let mut push = |destination: Destination, source: usize, logs: &'static str| {
        if let Destination::Bucket { index, key_prefix } = destination {
            out.push(LogBucket {
                bucket: index,
                key_prefix,
                source,
                logs,
            });
        }
    };
    for index in managed(project, FLOW_LOG_TYPES) {
        push(flow_log_destination(project, index), index, "flow logs");
    }
    for index in managed(project, LOAD_BALANCER_TYPES) {
        if let Some((bucket, folder)) = load_balancer_log_bucket(&project.resources[index]) {
            let scope = scope_of(project, index);
            push(
                bucket_destination(project, scope, bucket, folder),
                index,
                "access logs",
            );
        }
    }
    for index in managed(project, TRAIL_TYPES) {
        let trail = &project.resources[index];
        if let Some(bucket) = set(trail.attr("s3_bucket_name", "S3BucketName")) {
            let folder = trail.attr("s3_key_prefix", "S3KeyPrefix");
            push(
                bucket_destination(project, scope_of(project, index), bucket, folder),
                index,
                "CloudTrail logs",
            );
        }
    }
    out
}

/// The bucket and folder of a load balancer's access logs, when they are
/// enabled.
fn load_balancer_log_bucket(resource: &Resource) -> Option<(&Node, Option<&Node>)> {
    if resource.is_cloudformation() {
        if lb_attribute(resource, "access_logs.s3.enabled").and_then(Node::as_bool) != Some(true) {
            return None;
        }
        return Some((
            set(lb_attribute(resource, "access_logs.s3.bucket"))?,
            lb_attribute(resource, "access_logs.s3.prefix"),
        ));
    }
    let block = resource.get("access_logs")?.blocks().next()?;
    if block.get("enabled").and_then(Node::as_bool) != Some(true) {
        return None;
    }
    Some((set(block.get("bucket"))?, block.get("prefix")))
}

/// A CloudFormation load balancer attribute (`LoadBalancerAttributes` entry) by key.
fn lb_attribute<'r>(resource: &'r Resource, key: &str) -> Option<&'r Node> {
    resource
        .get("LoadBalancerAttributes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .find(|a| a.get("Key").and_then(Node::as_str) == Some(key))
        .and_then(|a| a.get("Value"))
}

// ---------------------------------------------------------------------------
// Load balancers

/// Whether a load balancer (`aws_lb`, `AWS::ElasticLoadBalancingV2::LoadBalancer`)
/// writes access logs: `Some(true)` enabled, `Some(false)` not, with the node
/// that says so (`None`: not written, AWS's default is off); `None` when unknown.
pub fn access_logs_enabled(resource: &Resource) -> Option<(bool, Option<&Node>)> {
    if resource.is_cloudformation() {
        let attributes = set(resource.get("LoadBalancerAttributes"));
        if attributes.is_some_and(Node::is_unknown) {
            return None;
        }
        let mut found = None;
        for attribute in attributes.map(Node::items).unwrap_or_default() {
            match attribute.get("Key").map(|k| (k, k.as_str())) {
                Some((_, Some("access_logs.s3.enabled"))) => found = attribute.get("Value"),
                Some((_, None)) => return None,
                _ => {}
            }
        }
        return match found {
            None => Some((false, None)),
            Some(node) => node.as_bool().map(|b| (b, Some(node))),
        };
    }
    let Some(logs) = set(resource.get("access_logs")) else {
        return Some((false, None));
    };
    if logs.is_unknown() {
        return None;
    }
    let Some(block) = logs.blocks().next() else {
        return Some((false, None));
    };
    match set(block.get("enabled")) {
        // The provider's default is off, even with a bucket.
        None => Some((
            false,
            Some(if block.origin.is_some() { block } else { logs }),
        )),
        Some(node) => node.as_bool().map(|b| (b, Some(node))),
    }
}

/// The type of a load balancer (`application` when not written); `None` when unknown.
pub fn load_balancer_type(resource: &Resource) -> Option<&str> {
    match set(resource.attr("load_balancer_type", "Type")) {
        None => Some("application"),
        Some(node) => node.as_str(),
    }
}

/// Whether a listener of the project with `protocol` (`TLS`) serves a load
/// balancer: `None` when some listener's load balancer or protocol is unknown.
pub fn has_listener(project: &Project, load_balancer: usize, protocol: &str) -> Option<bool> {
    let scope = scope_of(project, load_balancer);
    let mut unknown = false;
    for listener in project.resources_in_of_types(scope, LISTENER_TYPES) {
        if !is_managed(project, listener, LISTENER_TYPES) {
            continue;
        }
        let resource = &project.resources[listener];
        let Some(target) = set(resource.attr("load_balancer_arn", "LoadBalancerArn")) else {
            continue;
        };
        let serves = match resolve(project, scope, target, LOAD_BALANCER_TYPES, |_, _| false) {
            Named::Resources(found) => found.contains(&load_balancer),
            Named::Elsewhere => false,
            Named::Unknown => {
                unknown = true;
                continue;
            }
        };
        if !serves {
            continue;
        }
        match set(resource.attr("protocol", "Protocol")).map(Node::as_str) {
            Some(Some(p)) if p.eq_ignore_ascii_case(protocol) => return Some(true),
            Some(None) => unknown = true,
            _ => {}
        }
    }
    (!unknown).then_some(false)
}

// ---------------------------------------------------------------------------
// CloudTrail

/// Whether a trail records management events of every region, including
/// global services, and is logging: `None` when unknown.
pub fn trail_records_account(resource: &Resource) -> Option<bool> {
    let flag = |terraform: &str, cloudformation: &str, default: bool| match set(
        resource.attr(terraform, cloudformation)
    ) {
        None => Some(default),
        Some(node) => node.as_bool(),
    };
    let checks = [
        flag("is_multi_region_trail", "IsMultiRegionTrail", false),
        flag(
            "include_global_service_events",
            "IncludeGlobalServiceEvents",
            true,
        ),
        flag("enable_logging", "IsLogging", true),
        records_management_events(resource),
    ];
    if checks.contains(&Some(false)) {
        Some(false)
    } else if checks.contains(&None) {
        None
    } else {
        Some(true)
    }
}

/// Whether a trail's event selectors let management events through: basic
/// selectors unless all of them exclude them; advanced selectors only when one
/// selects the `Management` event category.
pub fn records_management_events(resource: &Resource) -> Option<bool> {
    let advanced = set(resource.attr("advanced_event_selector", "AdvancedEventSelectors"));
    if let Some(advanced) = advanced {
        if advanced.contains_unknown() {
            return None;
        }
        let selectors: Vec<&Node> = advanced.blocks().collect();
        if !selectors.is_empty() {
            let management = selectors.iter().any(|s| {
                s.get("field_selector")
                    .or_else(|| s.get("FieldSelectors"))
                    .into_iter()
                    .flat_map(Node::blocks)
                    .any(|f| {
                        f.get("field")
                            .or_else(|| f.get("Field"))
                            .and_then(Node::as_str)
                            == Some("eventCategory")
                            && f.get("equals")
                                .or_else(|| f.get("Equals"))
                                .is_some_and(|e| e.strings().contains(&"Management"))
                    })
            });
            return Some(management);
        }
    }
    let basic = set(resource.attr("event_selector", "EventSelectors"));
    let Some(basic) = basic else {
        return Some(true);
    };
    if basic.is_unknown() {
        return None;
    }
    let selectors: Vec<&Node> = basic.blocks().collect();
    if selectors.is_empty() {
        return Some(true);
    }
    let mut unknown = false;
    for selector in selectors {
        match set(selector
            .get("include_management_events")
            .or_else(|| selector.get("IncludeManagementEvents")))
        {
            None => return Some(true),
            Some(node) => match node.as_bool() {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            },
        }
    }
    (!unknown).then_some(false)
}

// ---------------------------------------------------------------------------
// GuardDuty and EventBridge

/// Whether something delivers what GuardDuty finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Routed,
    NotRouted,
    Unknown,
}

/// An EventBridge rule (`aws_cloudwatch_event_rule`, `AWS::Events::Rule`).
#[derive(Clone, Copy, Debug)]
pub struct EventRule<'p> {
    pub index: usize,
    pub resource: &'p Resource,
}

impl EventRule<'_> {
    /// Whether the rule is enabled (`state`, the deprecated `is_enabled`, `State`).
    pub fn enabled(&self) -> Option<bool> {
        let r = self.resource;
        if let Some(state) = set(r.attr("state", "State")) {
            return state.as_str().map(|s| !s.eq_ignore_ascii_case("DISABLED"));
        }
        match set(r.attr("is_enabled", "")) {
            None => Some(true),
            Some(node) => node.as_bool(),
        }
    }

    /// Whether the event pattern matches GuardDuty findings: its `source`
    /// (when given) lists `aws.guardduty` and its `detail-type` (when given)
    /// lists `GuardDuty Finding`. `None` when the pattern is unknown.
    pub fn matches_guardduty(&self) -> Option<bool> {
        let Some(pattern) = set(self.resource.attr("event_pattern", "EventPattern")) else {
            return Some(false);
        };
        match &pattern.value {
            Value::String(json) => {
                let parsed: serde_json::Value = serde_json::from_str(json).ok()?;
                let list = |key: &str| -> Option<Option<Vec<String>>> {
                    match parsed.get(key) {
                        None => Some(None),
                        Some(serde_json::Value::String(s)) => Some(Some(vec![s.clone()])),
                        // Content filters (`{"prefix": …}`) are not read: unknown.
                        Some(serde_json::Value::Array(items)) => items
                            .iter()
                            .map(|i| i.as_str().map(str::to_owned))
                            .collect::<Option<Vec<String>>>()
                            .map(Some),
                        Some(_) => None,
                    }
                };
                Some(pattern_matches(list("source")?, list("detail-type")?))
            }
            Value::Map(_) => {
                if pattern.contains_unknown() {
                    return None;
                }
                let list = |key: &str| -> Option<Option<Vec<String>>> {
                    match pattern.get(key) {
                        None => Some(None),
                        Some(node) => {
                            let strings = node.strings();
                            let count = match &node.value {
                                Value::List(items) => items.len(),
                                _ => 1,
                            };
                            (strings.len() == count)
                                .then(|| Some(strings.into_iter().map(str::to_owned).collect()))
                        }
                    }
                };
                Some(pattern_matches(list("source")?, list("detail-type")?))
            }
            _ => None,
        }
    }

    /// The schedule in minutes (`rate(1 hour)` → 60); `None` when there is no
    /// schedule or it cannot be read (a `cron(…)` expression, an unknown).
    pub fn schedule_minutes(&self) -> Option<u64> {
        let expression = set(self
            .resource
            .attr("schedule_expression", "ScheduleExpression"))?
        .as_str()?;
        let inner = expression.trim().strip_prefix("rate(")?.strip_suffix(')')?;
        let (amount, unit) = inner.trim().split_once(' ')?;
        let amount: u64 = amount.trim().parse().ok()?;
        let minutes = match unit.trim() {
            "minute" | "minutes" => 1,
            "hour" | "hours" => 60,
            "day" | "days" => 1440,
            _ => return None,
        };
        Some(amount * minutes)
    }

    /// Whether the rule has a schedule at all (`None`: unknown).
    pub fn scheduled(&self) -> Option<bool> {
        match set(self
            .resource
            .attr("schedule_expression", "ScheduleExpression"))
        {
            None => Some(false),
            Some(node) => node.as_str().map(|_| true),
        }
    }
}

/// Whether a pattern's `source` and `detail-type` (each absent or a list of
/// exact values) let GuardDuty findings through.
fn pattern_matches(source: Option<Vec<String>>, detail_type: Option<Vec<String>>) -> bool {
    let lets = |list: &Option<Vec<String>>, wanted: &str| {
        list.as_ref()
            .is_none_or(|values| values.iter().any(|v| v == wanted))
    };
    lets(&source, "aws.guardduty") && lets(&detail_type, "GuardDuty Finding")
}

/// The EventBridge rules of the project.
pub fn event_rules(project: &Project) -> Vec<EventRule<'_>> {
    managed(project, EVENT_RULE_TYPES)
        .into_iter()
        .map(|index| EventRule {
            index,
            resource: &project.resources[index],
        })
        .collect()
}

/// Whether a rule has a target: CloudFormation's `Targets`, or an
/// `aws_cloudwatch_event_target` naming the rule. `None` when unknown.
pub fn has_target(project: &Project, rule: &EventRule<'_>) -> Option<bool> {
    if rule.resource.is_cloudformation() {
        return match set(rule.resource.get("Targets")) {
            None => Some(false),
            Some(t) if t.is_unknown() => None,
            Some(t) => Some(!t.items().is_empty()),
        };
    }
    let scope = scope_of(project, rule.index);
    let mut unknown = false;
    for target in project.resources_in_of_types(scope, EVENT_TARGET_TYPES) {
        if !is_managed(project, target, EVENT_TARGET_TYPES) {
            continue;
        }
        let Some(name) = set(project.resources[target].get("rule")) else {
            continue;
        };
        match resolve(project, scope, name, EVENT_RULE_TYPES, |r, text| {
            text_is(r, "name", "Name", text)
        }) {
            Named::Resources(found) if found.contains(&rule.index) => return Some(true),
            Named::Unknown => unknown = true,
            _ => {}
        }
    }
    (!unknown).then_some(false)
}

/// Whether an enabled EventBridge rule with a target, anywhere in the
/// project, receives GuardDuty findings.
pub fn guardduty_findings_routed(project: &Project) -> Route {
    combine(event_rules(project).iter().map(|rule| {
        all_of([
            rule.matches_guardduty(),
            rule.enabled(),
            has_target(project, rule),
        ])
    }))
}

/// Whether an enabled EventBridge rule with a target, anywhere in the
/// project, runs at least every `minutes` (a scheduled review job). A `cron`
/// schedule is not read: unknown.
pub fn scheduled_review(project: &Project, minutes: u64) -> Route {
    combine(event_rules(project).iter().map(|rule| {
        let often = match rule.scheduled() {
            Some(false) => Some(false),
            None => None,
            Some(true) => rule.schedule_minutes().map(|m| m <= minutes),
        };
        all_of([often, rule.enabled(), has_target(project, rule)])
    }))
}

fn all_of<const N: usize>(checks: [Option<bool>; N]) -> Option<bool> {
    if checks.contains(&Some(false)) {
        Some(false)
    } else if checks.contains(&None) {
        None
    } else {
        Some(true)
    }
}

fn combine(results: impl Iterator<Item = Option<bool>>) -> Route {
    let mut unknown = false;
    for result in results {
        match result {
            Some(true) => return Route::Routed,
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        Route::Unknown
    } else {
        Route::NotRouted
    }
}

/// Whether a GuardDuty detector has one of `features` enabled: CloudFormation's
/// `Features`, or an `aws_guardduty_detector_feature` naming the detector.
/// `None` when unknown.
pub fn detector_feature_enabled(
    project: &Project,
    detector: usize,
    features: &[&str],
) -> Option<bool> {
    let resource = &project.resources[detector];
    let enabled = |status: Option<&Node>| match set(status) {
        None => Some(false),
        Some(node) => node.as_str().map(|s| s == "ENABLED"),
    };
    if resource.is_cloudformation() {
        let Some(list) = set(resource.get("Features")) else {
            return Some(false);
        };
        if list.is_unknown() {
            return None;
        }
        let mut unknown = false;
        for feature in list.items() {
            match feature.get("Name").and_then(Node::as_str) {
                Some(name) if features.contains(&name) => match enabled(feature.get("Status")) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => unknown = true,
                },
                Some(_) => {}
                None => unknown = true,
            }
        }
        return (!unknown).then_some(false);
    }
    let scope = scope_of(project, detector);
    let mut unknown = false;
    for feature in project.resources_in_of_types(scope, DETECTOR_FEATURE_TYPES) {
        if !is_managed(project, feature, DETECTOR_FEATURE_TYPES) {
            continue;
        }
        let f = &project.resources[feature];
        let Some(target) = set(f.get("detector_id")) else {
            continue;
        };
        match resolve(project, scope, target, DETECTOR_TYPES, by_id) {
            Named::Resources(found) if found.contains(&detector) => {}
            Named::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        match f.get("name").and_then(Node::as_str) {
            Some(name) if features.contains(&name) => match enabled(f.get("status")) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            },
            Some(_) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(false)
}

/// The tiers of the resources of a scope (a Terraform root, a template, a plan).
pub fn scope_tiers(project: &Project, scope: &str) -> BTreeSet<Tier> {
    project
        .resources_in(scope)
        .iter()
        .filter_map(|&i| project.resource_tiers.get(i).copied().flatten())
        .collect()
}

/// Whether a scope declares a resource of `types`.
pub fn scope_declares(project: &Project, scope: &str, types: &[&str]) -> bool {
    project
        .resources_in_of_types(scope, types)
        .into_iter()
        .any(|i| is_managed(project, i, types))
}

/// The scope of a resource (for rules that relate a resource to its root).
pub fn scope(project: &Project, index: usize) -> &str {
    scope_of(project, index)
}

/// Whether a flow log's attachment could not be evaluated at all (as opposed to
/// naming something that exists outside its scope).
fn attachment_unevaluated(resource: &Resource) -> bool {
    ["vpc_id", "subnet_id", "eni_id", "transit_gateway_id"]
        .iter()
        .filter_map(|key| resource.get(key))
        .any(|node| matches!(node.unknown_value(), Some(Unknown::Unevaluated { .. })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{index, project};
    use rampart_discover::FileKind;

    fn terraform(text: &str) -> Project {
        project(&[("main.tf", FileKind::Terraform, text)])
    }

    #[test]
    fn arns_name_log_groups_and_buckets() {
        assert_eq!(
            log_group_name_of("arn:aws:logs:us-east-1:123456789012:log-group:/vpc/flow:*"),
            "/vpc/flow"
        );
        assert_eq!(log_group_name_of("/vpc/flow"), "/vpc/flow");
        assert_eq!(
            bucket_and_folder("arn:aws:s3:::logs/flow/"),
            ("logs", "flow")
        );
        assert_eq!(bucket_and_folder("logs"), ("logs", ""));
        assert_eq!(aws_logs_prefix("/flow/"), "flow/AWSLogs/");
        assert_eq!(aws_logs_prefix(""), "AWSLogs/");
        assert!(applies("", "AWSLogs/"));
        assert!(applies("AWSLogs/123/", "AWSLogs/"));
        assert!(!applies("alb/", "flow/AWSLogs/"));
    }

    #[test]
    fn flow_logs_cover_vpcs_and_subnets() {
        let p = terraform(
            r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "other" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_subnet" "critical" {
  vpc_id = aws_vpc.other.id
  tags   = { classification = "critical" }
}
resource "aws_subnet" "plain" {
  vpc_id = aws_vpc.other.id
}
resource "aws_cloudwatch_log_group" "flow" {
  name              = "/vpc/flow"
  retention_in_days = 30
}
resource "aws_flow_log" "main" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow.arn
}
resource "aws_flow_log" "critical" {
  subnet_id                = aws_subnet.critical.id
  traffic_type             = "ALL"
  log_group_name           = aws_cloudwatch_log_group.flow.name
  max_aggregation_interval = 60
}
"#,
        );
        let logs = FlowLogs::build(&p);
        let main = index(&p, "aws_vpc.main");
        let other = index(&p, "aws_vpc.other");
        let critical = index(&p, "aws_subnet.critical");
        let plain = index(&p, "aws_subnet.plain");
        let group = index(&p, "aws_cloudwatch_log_group.flow");
        assert!(!logs.maybe_covered_elsewhere(&p, main));
        assert_eq!(logs.on_vpc(main).len(), 1);
        assert!(logs.on_vpc(other).is_empty());
        assert_eq!(logs.vpc_of(critical), Some(other));
        assert_eq!(logs.subnets_of(other), vec![critical, plain]);
        assert_eq!(logs.covering(critical).len(), 1);
        assert!(logs.covering(plain).is_empty());
        assert_eq!(logs.tiered(&p), vec![(critical, Tier::Critical)]);
        // Both spellings of the destination reach the log group.
        for log in &logs.logs {
            assert_eq!(log.destination, Destination::LogGroup(group));
        }
        assert_eq!(logs.covering(critical)[0].aggregation_seconds(), Some(60));
        assert_eq!(logs.on_vpc(main)[0].aggregation_seconds(), Some(600));
        let retention = log_group_retention(&p, group);
        assert!(matches!(retention, Retention::Days { days: 30, .. }));
        assert_eq!(retention.satisfies(90), Some(false));
        assert_eq!(Retention::Forever.satisfies(365), Some(true));
        assert_eq!(Retention::Forever.satisfies(0), Some(true));
    }

    #[test]
    fn unknown_attachments_and_destinations_stay_unknown() {
        let p = terraform(
            r#"
variable "vpc_id" {}
data "aws_vpc" "shared" {
  default = true
}
resource "aws_flow_log" "var" {
  vpc_id       = var.vpc_id
  traffic_type = "ALL"
}
resource "aws_flow_log" "data" {
  vpc_id               = data.aws_vpc.shared.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::central-logs/flow"
}
"#,
        );
        let logs = FlowLogs::build(&p);
        assert!(logs.logs.iter().all(|l| l.attached == Attached::Unknown));
        assert_eq!(logs.logs[0].destination, Destination::Unknown);
        assert_eq!(logs.logs[1].destination, Destination::Elsewhere);
    }

    #[test]
    fn unknown_attachments_may_cover_other_roots() {
        let p = project(&[
            (
                "network/main.tf",
                FileKind::Terraform,
                "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
            ),
            (
                "logging/main.tf",
                FileKind::Terraform,
                "variable \"vpc_id\" {}\nresource \"aws_vpc\" \"own\" {\n  cidr_block = \"10.1.0.0/16\"\n}\nresource \"aws_flow_log\" \"network\" {\n  vpc_id       = var.vpc_id\n  traffic_type = \"ALL\"\n}\n",
            ),
            (
                "template.yaml",
                FileKind::CloudFormation,
                "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.2.0.0/16\n",
            ),
        ]);
        let logs = FlowLogs::build(&p);
        assert!(logs.maybe_covered_elsewhere(&p, index(&p, "aws_vpc.main")));
        assert!(!logs.maybe_covered_elsewhere(&p, index(&p, "aws_vpc.own")));
        assert!(!logs.maybe_covered_elsewhere(&p, index(&p, "Vpc")));
    }

    #[test]
    fn an_unevaluated_attachment_may_cover_its_own_root() {
        let p = project(&[(
            "network/main.tf",
            FileKind::Terraform,
            "resource \"aws_vpc\" \"maybe\" {\n  cidr_block = \"10.9.0.0/16\"\n}\nresource \"aws_flow_log\" \"somewhere\" {\n  vpc_id       = trimspace(file(\"vpc-id.txt\"))\n  traffic_type = \"ALL\"\n}\n",
        )]);
        let logs = FlowLogs::build(&p);
        assert!(logs.maybe_covered_elsewhere(&p, index(&p, "aws_vpc.maybe")));
    }

    #[test]
    fn bucket_lifecycles_expire_log_prefixes() {
        let p = terraform(
            r#"
resource "aws_s3_bucket" "logs" {
  bucket = "agent-logs"
}
resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    id     = "flow"
    status = "Enabled"
    filter {
      prefix = "flow/"
    }
    expiration {
      days = 30
    }
  }
  rule {
    id     = "tagged"
    status = "Enabled"
    filter {
      tag {
        key   = "temp"
        value = "yes"
      }
    }
    expiration {
      days = 1
    }
  }
  rule {
    id     = "alb"
    status = "Enabled"
    filter {
      prefix = "alb/"
    }
    expiration {
      days = 7
    }
  }
}
resource "aws_flow_log" "vpc" {
  vpc_id               = "vpc-0123456789abcdef0"
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::agent-logs/flow/"
}
"#,
        );
        let bucket = index(&p, "aws_s3_bucket.logs");
        let logs = FlowLogs::build(&p);
        assert_eq!(logs.logs[0].attached, Attached::Elsewhere);
        assert_eq!(
            logs.logs[0].destination,
            Destination::Bucket {
                index: bucket,
                key_prefix: "flow/AWSLogs/".into()
            }
        );
        let retention = destination_retention(&p, &logs.logs[0].destination);
        assert!(matches!(retention, Retention::Days { days: 30, .. }));
        assert!(matches!(
            bucket_retention(&p, bucket, "other/AWSLogs/"),
            Retention::Forever
        ));
        assert_eq!(log_buckets(&p).len(), 1);
    }

    #[test]
    fn cloudformation_flow_logs_and_buckets() {
        let p = project(&[(
            "template.yaml",
            FileKind::CloudFormation,
            r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
      Tags:
        - Key: classification
          Value: high
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      LifecycleConfiguration:
        Rules:
          - Status: Enabled
            ExpirationInDays: 60
  Group:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 365
  ToGroup:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceType: VPC
      ResourceId: !Ref Vpc
      TrafficType: ALL
      LogGroupName: !Ref Group
  ToBucket:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceType: Subnet
      ResourceId: !Ref Subnet
      TrafficType: REJECT
      LogDestinationType: s3
      LogDestination: !GetAtt Logs.Arn
"#,
        )]);
        let logs = FlowLogs::build(&p);
        let vpc = index(&p, "Vpc");
        let subnet = index(&p, "Subnet");
        assert_eq!(logs.vpc_of(subnet), Some(vpc));
        assert_eq!(logs.covering(subnet).len(), 2);
        let retentions: Vec<Option<bool>> = logs
            .covering(subnet)
            .iter()
            .map(|l| destination_retention(&p, &l.destination).satisfies(90))
            .collect();
        assert!(retentions.contains(&Some(true)) && retentions.contains(&Some(false)));
        assert_eq!(
            logs.on_subnet(subnet)[0]
                .traffic_type()
                .and_then(Node::as_str),
            Some("REJECT")
        );
    }

    #[test]
    fn trails_record_the_account_only_when_complete() {
        let p = terraform(
            r#"
resource "aws_cloudtrail" "complete" {
  name                  = "org"
  s3_bucket_name        = "trail-logs"
  is_multi_region_trail = true
}
resource "aws_cloudtrail" "regional" {
  name           = "regional"
  s3_bucket_name = "trail-logs"
}
resource "aws_cloudtrail" "data_only" {
  name                  = "data"
  s3_bucket_name        = "trail-logs"
  is_multi_region_trail = true
  event_selector {
    include_management_events = false
  }
}
resource "aws_cloudtrail" "advanced" {
  name                  = "advanced"
  s3_bucket_name        = "trail-logs"
  is_multi_region_trail = true
  advanced_event_selector {
    field_selector {
      field  = "eventCategory"
      equals = ["Management"]
    }
  }
}
"#,
        );
        let record = |a: &str| trail_records_account(&p.resources[index(&p, a)]);
        assert_eq!(record("aws_cloudtrail.complete"), Some(true));
        assert_eq!(record("aws_cloudtrail.regional"), Some(false));
        assert_eq!(record("aws_cloudtrail.data_only"), Some(false));
        assert_eq!(record("aws_cloudtrail.advanced"), Some(true));
    }

    #[test]
    fn guardduty_routes_and_features() {
        let p = terraform(
            r#"
resource "aws_guardduty_detector" "main" {
  enable = true
}
resource "aws_guardduty_detector_feature" "runtime" {
  detector_id = aws_guardduty_detector.main.id
  name        = "RUNTIME_MONITORING"
  status      = "ENABLED"
}
resource "aws_cloudwatch_event_rule" "findings" {
  name          = "guardduty-findings"
  event_pattern = jsonencode({ source = ["aws.guardduty"], "detail-type" = ["GuardDuty Finding"] })
}
resource "aws_cloudwatch_event_rule" "other" {
  name          = "ec2"
  event_pattern = jsonencode({ source = ["aws.ec2"] })
}
resource "aws_cloudwatch_event_rule" "review" {
  name                = "review"
  schedule_expression = "rate(1 hour)"
}
resource "aws_cloudwatch_event_target" "pager" {
  rule = aws_cloudwatch_event_rule.findings.name
  arn  = "arn:aws:sns:us-east-1:123456789012:pager"
}
"#,
        );
        let detector = index(&p, "aws_guardduty_detector.main");
        assert_eq!(guardduty_findings_routed(&p), Route::Routed);
        assert_eq!(scheduled_review(&p, 60), Route::NotRouted);
        assert_eq!(
            detector_feature_enabled(&p, detector, RUNTIME_MONITORING_FEATURES),
            Some(true)
        );
        let rule = |a: &str| EventRule {
            index: index(&p, a),
            resource: &p.resources[index(&p, a)],
        };
        assert_eq!(
            rule("aws_cloudwatch_event_rule.findings").matches_guardduty(),
            Some(true)
        );
        assert_eq!(
            rule("aws_cloudwatch_event_rule.other").matches_guardduty(),
            Some(false)
        );
        let review = rule("aws_cloudwatch_event_rule.review");
        assert_eq!(review.schedule_minutes(), Some(60));
        assert_eq!(has_target(&p, &review), Some(false));
        assert_eq!(event_rules(&p).len(), 3);
    }

    #[test]
    fn load_balancer_access_logs_default_to_off() {
        let p = terraform(
            r#"
resource "aws_lb" "bucket_only" {
  name = "a"
  access_logs {
    bucket = "lb-logs"
  }
}
resource "aws_lb" "none" {
  name = "b"
}
resource "aws_lb" "on" {
  name               = "c"
  load_balancer_type = "network"
  access_logs {
    bucket  = "lb-logs"
    enabled = true
  }
}
resource "aws_lb_listener" "tls" {
  load_balancer_arn = aws_lb.on.arn
  protocol          = "TLS"
  port              = 443
}
"#,
        );
        let lb = |a: &str| &p.resources[index(&p, a)];
        assert_eq!(
            access_logs_enabled(lb("aws_lb.bucket_only")).map(|e| e.0),
            Some(false)
        );
        assert_eq!(access_logs_enabled(lb("aws_lb.none")), Some((false, None)));
        assert_eq!(
            access_logs_enabled(lb("aws_lb.on")).map(|e| e.0),
            Some(true)
        );
        assert_eq!(load_balancer_type(lb("aws_lb.on")), Some("network"));
        assert_eq!(has_listener(&p, index(&p, "aws_lb.on"), "TLS"), Some(true));
        assert_eq!(
            has_listener(&p, index(&p, "aws_lb.none"), "TLS"),
            Some(false)
        );
    }
}
