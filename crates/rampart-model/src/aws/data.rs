//! Data stores, their backups and the secrets written beside them, the same for
//! Terraform, plans and CloudFormation.
//!
//! * **Stores**: which resources hold data of their own ([`store_kind`]; a read
//!   replica or a cluster member belongs to its source), their names and tags.
//! * **AWS Backup**: which stores a backup selection assigns to its plan
//!   ([`selection_covers`]: `resources` ARNs, references and wildcards,
//!   `selection_tag` / `ListOfTags`, `condition` / `Conditions`,
//!   `not_resources`), the plans a selection belongs to, and whether a plan
//!   copies its backups to a vault in another region ([`copy_actions`]).
//! * **Native backups and copies**: RDS automated backups, DynamoDB
//!   point-in-time recovery, EFS backup policies, S3 versioning, EBS snapshot
//!   policies of Data Lifecycle Manager ([`own_backup`]), and the cross-region
//!   copies a store makes itself ([`own_cross_region_copy`]).
//! * **Aurora members**: the instances of a cluster ([`cluster_members`]).
//! * **Secrets**: whether a value was written in the code rather than read at
//!   apply ([`written_in_code`]), and the environment variables of Lambda
//!   functions and ECS containers ([`environment_variables`]).
//!
//! Every answer that depends on something the code does not say is
//! [`Answer::Unknown`]; rules report only on `Yes` and `No`.

use rampart_discover::FileKind;
use rampart_iac::{BlockKind, Language, Node, Origin, Resource, Unknown, Value};
use rampart_source::Span;

use crate::project::Project;

/// A three-valued answer: what the code says, or that it cannot say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

impl Answer {
    pub fn from_bool(value: bool) -> Self {
        if value { Self::Yes } else { Self::No }
    }

    pub fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::No, _) | (_, Self::No) => Self::No,
            (Self::Yes, Self::Yes) => Self::Yes,
            _ => Self::Unknown,
        }
    }

    pub fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::Yes, _) | (_, Self::Yes) => Self::Yes,
            (Self::No, Self::No) => Self::No,
            _ => Self::Unknown,
        }
    }

    pub fn negate(self) -> Self {
        match self {
            Self::Yes => Self::No,
            Self::No => Self::Yes,
            Self::Unknown => Self::Unknown,
        }
    }

    /// `Yes` when any is, `No` when all are (and for none).
    pub fn any(answers: impl IntoIterator<Item = Self>) -> Self {
        answers.into_iter().fold(Self::No, Self::or)
    }

    /// `No` when any is, `Yes` when all are (and for none).
    pub fn all(answers: impl IntoIterator<Item = Self>) -> Self {
        answers.into_iter().fold(Self::Yes, Self::and)
    }
}

/// What kind of data store a resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// `aws_db_instance`, `AWS::RDS::DBInstance` (not Aurora members, not replicas).
    DbInstance,
    /// `aws_rds_cluster`, `AWS::RDS::DBCluster` (Aurora and Multi-AZ DB clusters).
    DbCluster,
    DynamoDbTable,
    EfsFileSystem,
    S3Bucket,
    EbsVolume,
}

impl StoreKind {
    /// `RDS instance`, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::DbInstance => "RDS instance",
            Self::DbCluster => "RDS cluster",
            Self::DynamoDbTable => "DynamoDB table",
            Self::EfsFileSystem => "EFS file system",
            Self::S3Bucket => "S3 bucket",
            Self::EbsVolume => "EBS volume",
        }
    }

    /// The service and the resource part of the store's ARN before its name
    /// (`arn:aws:rds:…:db:<identifier>`).
    fn arn_parts(self) -> (&'static str, &'static str) {
        match self {
            Self::DbInstance => ("rds", "db:"),
            Self::DbCluster => ("rds", "cluster:"),
            Self::DynamoDbTable => ("dynamodb", "table/"),
            Self::EfsFileSystem => ("elasticfilesystem", "file-system/"),
            Self::S3Bucket => ("s3", ""),
            Self::EbsVolume => ("ec2", "volume/"),
        }
    }
}

/// The resource types that can be data stores.
pub const STORE_TYPES: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_dynamodb_table",
    "aws_efs_file_system",
    "aws_s3_bucket",
    "aws_ebs_volume",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::DynamoDB::Table",
    "AWS::EFS::FileSystem",
    "AWS::S3::Bucket",
    "AWS::EC2::Volume",
];

/// AWS Backup selections.
pub const SELECTION_TYPES: &[&str] = &["aws_backup_selection", "AWS::Backup::BackupSelection"];
/// AWS Backup plans.
pub const PLAN_TYPES: &[&str] = &["aws_backup_plan", "AWS::Backup::BackupPlan"];
/// AWS Backup vaults.
pub const VAULT_TYPES: &[&str] = &[
    "aws_backup_vault",
    "aws_backup_logically_air_gapped_vault",
    "AWS::Backup::BackupVault",
    "AWS::Backup::LogicallyAirGappedBackupVault",
];

/// Whether an attribute is set: present and not `null`.
fn is_set(node: Option<&Node>) -> bool {
    node.is_some_and(|n| !n.is_null())
}

/// The kind of data store a resource is; `None` for anything else, and for
/// resources whose data belongs to another store: a read replica (its source
/// is backed up), an Aurora or Multi-AZ DB cluster member declared as a
/// CloudFormation `DBInstance` (the cluster holds the data).
pub fn store_kind(resource: &Resource) -> Option<StoreKind> {
    if resource.kind != BlockKind::Resource {
        return None;
    }
    let kind = match resource.resource_type.as_str() {
        "aws_db_instance" | "AWS::RDS::DBInstance" => StoreKind::DbInstance,
        "aws_rds_cluster" | "AWS::RDS::DBCluster" => StoreKind::DbCluster,
        "aws_dynamodb_table" | "AWS::DynamoDB::Table" => StoreKind::DynamoDbTable,
        "aws_efs_file_system" | "AWS::EFS::FileSystem" => StoreKind::EfsFileSystem,
        "aws_s3_bucket" | "AWS::S3::Bucket" => StoreKind::S3Bucket,
        "aws_ebs_volume" | "AWS::EC2::Volume" => StoreKind::EbsVolume,
        _ => return None,
    };
    let derived = match kind {
        StoreKind::DbInstance => {
            is_db_replica(resource) || is_set(resource.attr("", "DBClusterIdentifier"))
        }
        StoreKind::DbCluster => is_set(resource.attr(
            "replication_source_identifier",
            "ReplicationSourceIdentifier",
        )),
        _ => false,
    };
    (!derived).then_some(kind)
}

/// Whether an RDS instance is a read replica (`replicate_source_db`,
/// `SourceDBInstanceIdentifier`, `SourceDBClusterIdentifier`).
pub fn is_db_replica(resource: &Resource) -> bool {
    is_set(resource.attr("replicate_source_db", "SourceDBInstanceIdentifier"))
        || is_set(resource.attr("", "SourceDBClusterIdentifier"))
}

/// Whether an RDS instance is a member of a cluster whose settings it inherits:
/// a CloudFormation `DBInstance` with `DBClusterIdentifier` (or an Aurora engine).
pub fn is_cluster_member(resource: &Resource) -> bool {
    resource.resource_type == "aws_rds_cluster_instance"
        || resource.is_cloudformation()
            && (is_set(resource.get("DBClusterIdentifier"))
                || resource
                    .get("Engine")
                    .and_then(Node::as_str)
                    .is_some_and(|e| e.to_ascii_lowercase().starts_with("aurora")))
}

/// The indices of every data store of the project.
pub fn stores(project: &Project) -> Vec<usize> {
    project
        .resources_of_types(STORE_TYPES)
        .into_iter()
        .filter(|&i| store_kind(&project.resources[i]).is_some())
        .collect()
}

/// The store's name as written, when known: the part of its ARN after the
/// resource type (an RDS identifier, a table or bucket name).
fn store_name(resource: &Resource, kind: StoreKind) -> Option<&str> {
    let node = match kind {
        StoreKind::DbInstance => resource.attr("identifier", "DBInstanceIdentifier"),
        StoreKind::DbCluster => resource.attr("cluster_identifier", "DBClusterIdentifier"),
        StoreKind::DynamoDbTable => resource.attr("name", "TableName"),
        StoreKind::S3Bucket => resource.attr("bucket", "BucketName"),
        StoreKind::EfsFileSystem | StoreKind::EbsVolume => None,
    };
    node.and_then(Node::as_str)
}

/// The value of a tag of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagValue<'a> {
    Value(&'a str),
    /// The resource certainly does not carry the tag.
    Absent,
    /// The tags, or this one, cannot be known.
    Unknown,
}

/// A tag among tags written as a map or as CloudFormation's list of `{Key, Value}`.
fn tag_in<'a>(tags: &'a Node, key: &str) -> TagValue<'a> {
    let value = match &tags.value {
        Value::Map(_) => tags.get(key),
        Value::List(items) => {
            let mut unknown = false;
            let mut found = None;
            for item in items {
                match item.get("Key") {
                    Some(k) if k.as_str() == Some(key) => found = item.get("Value"),
                    Some(k) if k.as_str().is_some() => {}
                    _ => unknown = true,
                }
            }
            if found.is_none() && unknown {
                return TagValue::Unknown;
            }
            found
        }
        Value::Null => None,
        _ => return TagValue::Unknown,
    };
    match value {
        None => TagValue::Absent,
        Some(n) => n.as_str().map_or(TagValue::Unknown, TagValue::Value),
    }
}

/// The `aws` provider configurations of a scope.
fn aws_providers<'p>(project: &'p Project, scope: &'p str) -> impl Iterator<Item = &'p Resource> {
    project
        .resources_in_of_types(scope, &["aws"])
        .into_iter()
        .map(|i| &*project.resources[i])
        .filter(|r| r.kind == BlockKind::Provider)
}

/// The value of tag `key` on resource `index`: its own tags (`tags`, in a plan
/// `tags_all`, CloudFormation `Tags` or `FileSystemTags`), else the
/// `default_tags` of the scope's `aws` providers. CloudFormation stacks pass
/// their own tags to their resources at deployment, so a tag a template does
/// not give a resource is unknown, not absent.
pub fn tag_value<'p>(project: &'p Project, index: usize, key: &str) -> TagValue<'p> {
    let Some(resource) = project.resources.get(index) else {
        return TagValue::Unknown;
    };
    let own = match resource.language {
        Language::CloudFormation => resource
            .get("Tags")
            .or_else(|| resource.get("FileSystemTags")),
        Language::TerraformPlan => resource.get("tags_all").or_else(|| resource.get("tags")),
        Language::Terraform => resource.get("tags"),
    };
    if let Some(tags) = own {
        match tag_in(tags, key) {
            TagValue::Absent => {}
            found => return found,
        }
    }
    match resource.language {
        Language::CloudFormation => TagValue::Unknown,
        Language::TerraformPlan if resource.get("tags_all").is_some() => TagValue::Absent,
        Language::Terraform | Language::TerraformPlan => {
            let scope = project.scope_of(index);
            // A resource may use any of the scope's providers: the tag is known
            // only when they all agree.
            let mut values = aws_providers(project, scope).map(|p| {
                match p
                    .get("default_tags")
                    .and_then(|d| d.blocks().next())
                    .map(|d| d.get("tags"))
                {
                    None | Some(None) => TagValue::Absent,
                    Some(Some(tags)) => tag_in(tags, key),
                }
            });
            let first = values.next().unwrap_or(TagValue::Absent);
            if values.all(|v| v == first) {
                first
            } else {
                TagValue::Unknown
            }
        }
    }
}

/// `*` and `?` wildcards, as AWS Backup and IAM conditions match them.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether an ARN (or pattern) written in a selection names the store.
fn arn_names_store(pattern: &str, resource: &Resource, kind: StoreKind) -> Answer {
    if pattern == "*" {
        return Answer::Yes;
    }
    // arn:partition:service:region:account:resource (the resource may hold `:`).
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let [arn, _partition, service, _region, _account, rest] = parts.as_slice() else {
        return Answer::No;
    };
    let (store_service, prefix) = kind.arn_parts();
    if *arn != "arn" || !glob_match(service, store_service) {
        return Answer::No;
    }
    // The region and account of a store are rarely known: a pattern that
    // names it otherwise is taken to mean it.
    match store_name(resource, kind) {
        Some(name) => {
            // RDS identifiers are lower case whatever was written.
            let name = if kind == StoreKind::DbInstance || kind == StoreKind::DbCluster {
                name.to_ascii_lowercase()
            } else {
                name.to_owned()
            };
            Answer::from_bool(glob_match(rest, &format!("{prefix}{name}")))
        }
        None => {
            // Only the type is known (a generated name, an EFS or EBS id): a
            // pattern for every name of the type names it, one for another
            // type cannot, one for a particular name may.
            let all_stars = |t: &str| !t.is_empty() && t.chars().all(|c| c == '*');
            if all_stars(rest) || rest.strip_prefix(prefix).is_some_and(all_stars) {
                return Answer::Yes;
            }
            let type_matches = rest.starts_with(prefix)
                || prefix.starts_with(rest.trim_end_matches('*'))
                || rest.starts_with('*');
            if type_matches {
                Answer::Unknown
            } else {
                Answer::No
            }
        }
    }
}

/// Whether a value (one item of `resources` / `not_resources`) names store
/// `store`, for a selection in `scope`.
fn item_names_store(project: &Project, scope: &str, item: &Node, store: usize) -> Answer {
    let Some(resource) = project.resources.get(store) else {
        return Answer::Unknown;
    };
    let Some(kind) = store_kind(resource) else {
        return Answer::No;
    };
    match &item.value {
        Value::String(text) => arn_names_store(text, resource, kind),
        Value::Unknown(unknown) if matches!(**unknown, Unknown::Reference { .. }) => {
            let targets = project.link_targets(scope, item);
            if targets.iter().any(|(t, _)| *t == store) {
                Answer::Yes
            } else if !targets.is_empty()
                && targets
                    .iter()
                    .all(|(t, _)| project.resources[*t].kind == BlockKind::Resource)
            {
                Answer::No
            } else {
                // Outside the scan, or a data source that may be this store.
                Answer::Unknown
            }
        }
        Value::Unknown(_) => Answer::Unknown,
        Value::List(items) => Answer::any(
            items
                .iter()
                .map(|i| item_names_store(project, scope, i, store)),
        ),
        _ => Answer::No,
    }
}

/// Strips `aws:ResourceTag/` from a condition key; `None` for other keys.
fn condition_tag_key(key: &str) -> Option<&str> {
    key.strip_prefix("aws:ResourceTag/")
}

/// One tag condition against the store: `operator` is `string_equals`,
/// `string_not_equals`, `string_like` or `string_not_like`.
fn tag_condition(
    project: &Project,
    store: usize,
    operator: &str,
    key: &Node,
    value: &Node,
) -> Answer {
    let (Some(key), Some(expected)) = (key.as_str(), value.as_str()) else {
        return Answer::Unknown;
    };
    let key = condition_tag_key(key).unwrap_or(key);
    let actual = match tag_value(project, store, key) {
        TagValue::Unknown => return Answer::Unknown,
        TagValue::Absent => None,
        TagValue::Value(v) => Some(v),
    };
    match operator {
        "string_equals" => Answer::from_bool(actual == Some(expected)),
        "string_not_equals" => Answer::from_bool(actual != Some(expected)),
        "string_like" => Answer::from_bool(actual.is_some_and(|a| glob_match(expected, a))),
        "string_not_like" => Answer::from_bool(!actual.is_some_and(|a| glob_match(expected, a))),
        _ => Answer::Unknown,
    }
}

/// The parts of a selection, by language.
struct SelectionParts<'a> {
    resources: Option<&'a Node>,
    not_resources: Option<&'a Node>,
    /// `selection_tag` blocks / `ListOfTags` items: (key, value).
    tags: Vec<(&'a Node, &'a Node)>,
    /// (operator, key, value).
    conditions: Vec<(&'static str, &'a Node, &'a Node)>,
    /// Something in the selection could not be read.
    unknown: bool,
}

const OPERATORS: &[(&str, &str)] = &[
    ("string_equals", "StringEquals"),
    ("string_not_equals", "StringNotEquals"),
    ("string_like", "StringLike"),
    ("string_not_like", "StringNotLike"),
];

fn selection_parts(resource: &Resource) -> SelectionParts<'_> {
    let mut parts = SelectionParts {
        resources: None,
        not_resources: None,
        tags: Vec::new(),
        conditions: Vec::new(),
        unknown: false,
    };
    if resource.is_cloudformation() {
        let Some(body) = resource.get("BackupSelection") else {
            parts.unknown = true;
            return parts;
        };
        if body.is_unknown() {
            parts.unknown = true;
            return parts;
        }
        parts.resources = body.get("Resources");
        parts.not_resources = body.get("NotResources");
        if let Some(list) = body.get("ListOfTags") {
            parts.unknown |= list.is_unknown();
            for item in list.items() {
                match (item.get("ConditionKey"), item.get("ConditionValue")) {
                    (Some(k), Some(v)) => parts.tags.push((k, v)),
                    _ => parts.unknown = true,
                }
            }
        }
        if let Some(conditions) = body.get("Conditions") {
            parts.unknown |= conditions.is_unknown();
            for (operator, cfn) in OPERATORS {
                if let Some(list) = conditions.get(cfn) {
                    parts.unknown |= list.is_unknown();
                    for item in list.items() {
                        match (item.get("ConditionKey"), item.get("ConditionValue")) {
                            (Some(k), Some(v)) => parts.conditions.push((operator, k, v)),
                            _ => parts.unknown = true,
                        }
                    }
                }
            }
        }
    } else {
        parts.resources = resource.get("resources");
        parts.not_resources = resource.get("not_resources");
        if let Some(tags) = resource.get("selection_tag") {
            parts.unknown |= tags.contains_unknown() && tags.blocks().next().is_none();
            for tag in tags.blocks() {
                match (tag.get("key"), tag.get("value")) {
                    (Some(k), Some(v)) => parts.tags.push((k, v)),
                    _ => parts.unknown = true,
                }
            }
        }
        if let Some(conditions) = resource.get("condition") {
            parts.unknown |= conditions.is_unknown();
            for condition in conditions.blocks() {
                for (operator, _) in OPERATORS {
                    if let Some(blocks) = condition.get(operator) {
                        parts.unknown |= blocks.is_unknown();
                        for block in blocks.blocks() {
                            match (block.get("key"), block.get("value")) {
                                (Some(k), Some(v)) => parts.conditions.push((operator, k, v)),
                                _ => parts.unknown = true,
                            }
                        }
                    }
                }
            }
        }
    }
    parts
}

/// Whether a list attribute is absent, `null` or empty.
fn is_empty_list(node: Option<&Node>) -> bool {
    match node {
        None => true,
        Some(n) => n.is_null() || matches!(&n.value, Value::List(items) if items.is_empty()),
    }
}

/// Whether backup selection `selection` assigns data store `store` to its plan.
///
/// AWS Backup assigns the resources named in `resources` (ARNs, `*`
/// wildcards) or carrying one of the `selection_tag`s, or every supported
/// resource when neither is given; then keeps those matching every
/// `condition`, and drops those in `not_resources`.
pub fn selection_covers(project: &Project, selection: usize, store: usize) -> Answer {
    let (Some(resource), Some(_)) = (
        project.resources.get(selection),
        project.resources.get(store),
    ) else {
        return Answer::Unknown;
    };
    let scope = project.scope_of(selection);
    let parts = selection_parts(resource);
    if parts.unknown {
        return Answer::Unknown;
    }
    let by_resources = match parts.resources {
        Some(list) if !is_empty_list(Some(list)) => item_names_store(project, scope, list, store),
        _ => Answer::No,
    };
    let by_tags = Answer::any(
        parts
            .tags
            .iter()
            .map(|(k, v)| tag_condition(project, store, "string_equals", k, v)),
    );
    let included = if is_empty_list(parts.resources) && parts.tags.is_empty() {
        Answer::Yes
    } else {
        by_resources.or(by_tags)
    };
    let conditions = Answer::all(
        parts
            .conditions
            .iter()
            .map(|(op, k, v)| tag_condition(project, store, op, k, v)),
    );
    let excluded = match parts.not_resources {
        Some(list) if !is_empty_list(Some(list)) => item_names_store(project, scope, list, store),
        _ => Answer::No,
    };
    included.and(conditions).and(excluded.negate())
}

/// Every AWS Backup selection of the project (managed resources).
pub fn selections(project: &Project) -> Vec<usize> {
    project
        .resources_of_types(SELECTION_TYPES)
        .into_iter()
        .filter(|&i| project.resources[i].kind == BlockKind::Resource)
        .collect()
}

/// Whether any backup selection of the project assigns `store` to a plan.
pub fn backup_coverage(project: &Project, store: usize) -> Answer {
    Answer::any(
        selections(project)
            .into_iter()
            .map(|s| selection_covers(project, s, store)),
    )
}

/// The backup plans a selection belongs to (`plan_id`, `BackupPlanId`).
pub fn selection_plans(project: &Project, selection: usize) -> Vec<usize> {
    let Some(resource) = project.resources.get(selection) else {
        return Vec::new();
    };
    let scope = project.scope_of(selection);
    resource
        .attr("plan_id", "BackupPlanId")
        .map(|node| {
            project
                .link_targets(scope, node)
                .into_iter()
                .map(|(t, _)| t)
                .filter(|&t| PLAN_TYPES.contains(&project.resources[t].resource_type.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// Resources of `types` in `scope` whose attribute `attribute` refers to
/// resource `target` (or names it by `name`): `Yes` with the first such
/// resource, `Unknown` when one refers to something that cannot be followed.
fn referrers<'p>(
    project: &'p Project,
    types: &[&str],
    attribute: &str,
    target: usize,
    name: Option<&str>,
) -> (Answer, Vec<&'p Resource>) {
    let scope = project.scope_of(target);
    let mut found = Vec::new();
    let mut unknown = false;
    for i in project.resources_in_of_types(scope, types) {
        let resource = &project.resources[i];
        if resource.kind != BlockKind::Resource {
            continue;
        }
        let Some(node) = resource.get(attribute) else {
            continue;
        };
        match &node.value {
            Value::String(text) if name.is_some_and(|n| n == text) => found.push(&**resource),
            Value::Unknown(reference) if matches!(**reference, Unknown::Reference { .. }) => {
                let targets = project.link_targets(scope, node);
                if targets.iter().any(|(t, _)| *t == target) {
                    found.push(resource);
                } else if targets.is_empty()
                    || targets
                        .iter()
                        .any(|(t, _)| project.resources[*t].kind != BlockKind::Resource)
                {
                    unknown = true;
                }
            }
            Value::Unknown(_) => unknown = true,
            _ => {}
        }
    }
    let answer = if !found.is_empty() {
        Answer::Yes
    } else if unknown {
        Answer::Unknown
    } else {
        Answer::No
    };
    (answer, found)
}

/// A status string such as `ENABLED` / `Enabled`.
fn status_is(node: Option<&Node>, expected: &str) -> Answer {
    match node {
        None => Answer::No,
        Some(n) => match n.as_str() {
            Some(s) => Answer::from_bool(s.eq_ignore_ascii_case(expected)),
            None if n.is_null() => Answer::No,
            None => Answer::Unknown,
        },
    }
}

/// Whether the store keeps backups of its own, without AWS Backup: RDS
/// automated backups (`backup_retention_period` > 0; the API's default is one
/// day, Aurora's minimum one day), DynamoDB point-in-time recovery, an EFS
/// backup policy (on by default for One Zone file systems), S3 versioning, or
/// an EBS snapshot policy of Data Lifecycle Manager targeting the volume's tags.
pub fn own_backup(project: &Project, store: usize) -> Answer {
    let Some(resource) = project.resources.get(store) else {
        return Answer::Unknown;
    };
    let Some(kind) = store_kind(resource) else {
        return Answer::No;
    };
    match kind {
        StoreKind::DbInstance => {
            match resource.attr("backup_retention_period", "BackupRetentionPeriod") {
                None => Answer::Yes,
                Some(n) if n.is_null() => Answer::Yes,
                Some(n) => n
                    .as_i64()
                    .map_or(Answer::Unknown, |days| Answer::from_bool(days > 0)),
            }
        }
        StoreKind::DbCluster => Answer::Yes,
        StoreKind::DynamoDbTable => point_in_time_recovery(resource).0,
        StoreKind::EfsFileSystem => efs_backup(project, store, resource),
        StoreKind::S3Bucket => s3_versioning(project, store, resource),
        StoreKind::EbsVolume => ebs_snapshot_policy(project, store),
    }
}

/// Whether a DynamoDB table has point-in-time recovery, with the node that
/// says so (`point_in_time_recovery.enabled`, `PointInTimeRecoveryEnabled`).
pub fn point_in_time_recovery(resource: &Resource) -> (Answer, Option<&Node>) {
    let block = if resource.is_cloudformation() {
        resource.get("PointInTimeRecoverySpecification")
    } else {
        resource.get("point_in_time_recovery")
    };
    let Some(block) = block else {
        return (Answer::No, None);
    };
    if block.is_unknown() {
        return (Answer::Unknown, Some(block));
    }
    let Some(block) = block.blocks().next() else {
        return (Answer::No, None);
    };
    let enabled = if resource.is_cloudformation() {
        block.get("PointInTimeRecoveryEnabled")
    } else {
        block.get("enabled")
    };
    match enabled {
        None => (Answer::No, None),
        Some(n) => match n.as_bool() {
            Some(b) => (Answer::from_bool(b), Some(n)),
            None if n.is_null() => (Answer::No, Some(n)),
            None => (Answer::Unknown, Some(n)),
        },
    }
}

fn efs_backup(project: &Project, store: usize, resource: &Resource) -> Answer {
    let one_zone = is_set(resource.attr("availability_zone_name", "AvailabilityZoneName"));
    if resource.is_cloudformation() {
        return match resource.get("BackupPolicy") {
            Some(policy) if policy.is_unknown() => Answer::Unknown,
            Some(policy) => match policy.get("Status") {
                Some(status) => status_is(Some(status), "ENABLED"),
                None => Answer::from_bool(one_zone),
            },
            None => Answer::from_bool(one_zone),
        };
    }
    let (answer, policies) = referrers(
        project,
        &["aws_efs_backup_policy"],
        "file_system_id",
        store,
        None,
    );
    match answer {
        Answer::Yes => Answer::any(policies.iter().map(|p| {
            match p.get("backup_policy").and_then(|b| b.blocks().next()) {
                Some(block) => status_is(block.get("status"), "ENABLED"),
                None => Answer::Unknown,
            }
        })),
        Answer::Unknown => Answer::Unknown,
        Answer::No => Answer::from_bool(one_zone),
    }
}

fn s3_versioning(project: &Project, store: usize, resource: &Resource) -> Answer {
    if resource.is_cloudformation() {
        return match resource.get("VersioningConfiguration") {
            Some(v) if v.is_unknown() => Answer::Unknown,
            Some(v) => status_is(v.get("Status"), "Enabled"),
            None => Answer::No,
        };
    }
    // The inline block of provider versions before 4.
    let inline = match resource.get("versioning") {
        Some(v) if v.is_unknown() => Answer::Unknown,
        Some(v) => match v.blocks().next().and_then(|b| b.get("enabled")) {
            Some(n) => n.as_bool().map_or(Answer::Unknown, Answer::from_bool),
            None => Answer::No,
        },
        None => Answer::No,
    };
    let name = resource.get("bucket").and_then(Node::as_str);
    let (answer, configurations) = referrers(
        project,
        &["aws_s3_bucket_versioning"],
        "bucket",
        store,
        name,
    );
    let separate = match answer {
        Answer::Yes => Answer::any(configurations.iter().map(|c| {
            match c
                .get("versioning_configuration")
                .and_then(|b| b.blocks().next())
            {
                Some(block) => status_is(block.get("status"), "Enabled"),
                None => Answer::Unknown,
            }
        })),
        other => other,
    };
    inline.or(separate)
}

fn ebs_snapshot_policy(project: &Project, store: usize) -> Answer {
    let mut answer = Answer::No;
    for i in project.resources_of_types(&["aws_dlm_lifecycle_policy", "AWS::DLM::LifecyclePolicy"])
    {
        let resource = &project.resources[i];
        let cfn = match resource.resource_type.as_str() {
            "aws_dlm_lifecycle_policy" => false,
            "AWS::DLM::LifecyclePolicy" => true,
            _ => continue,
        };
        if resource.kind != BlockKind::Resource {
            continue;
        }
        let state = resource.attr("state", "State");
        if state
            .and_then(Node::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"))
        {
            continue;
        }
        // A default policy covers every volume (or every instance's volumes).
        match resource
            .attr("default_policy", "DefaultPolicy")
            .filter(|n| !n.is_null())
            .map(Node::as_str)
        {
            Some(Some(p)) if p.eq_ignore_ascii_case("VOLUME") => return Answer::Yes,
            Some(Some(_)) | Some(None) => {
                answer = answer.or(Answer::Unknown);
                continue;
            }
            None => {}
        }
        let details = if cfn {
            resource.get("PolicyDetails")
        } else {
            resource
                .get("policy_details")
                .and_then(|d| d.blocks().next())
        };
        let Some(details) = details.filter(|d| !d.is_unknown()) else {
            answer = answer.or(Answer::Unknown);
            continue;
        };
        let types = details.get(if cfn {
            "ResourceTypes"
        } else {
            "resource_types"
        });
        let types: Vec<&str> = types.map(Node::strings).unwrap_or_default();
        let types_unknown = details
            .get(if cfn {
                "ResourceTypes"
            } else {
                "resource_types"
            })
            .is_some_and(Node::contains_unknown);
        if types_unknown || types.iter().any(|t| t.eq_ignore_ascii_case("INSTANCE")) {
            // Instances' volumes: which volume is attached where is not modelled.
            answer = answer.or(Answer::Unknown);
            continue;
        }
        if !types.iter().any(|t| t.eq_ignore_ascii_case("VOLUME")) {
            continue;
        }
        let Some(tags) = details.get(if cfn { "TargetTags" } else { "target_tags" }) else {
            continue;
        };
        let matches = match &tags.value {
            Value::Map(entries) => Answer::any(entries.iter().map(|(k, v)| match v.as_str() {
                Some(v) => tag_equals(project, store, k, v),
                None => Answer::Unknown,
            })),
            Value::List(items) => Answer::any(items.iter().map(|item| {
                match (
                    item.get("Key").and_then(Node::as_str),
                    item.get("Value").and_then(Node::as_str),
                ) {
                    (Some(k), Some(v)) => tag_equals(project, store, k, v),
                    _ => Answer::Unknown,
                }
            })),
            _ => Answer::Unknown,
        };
        answer = answer.or(matches);
    }
    answer
}

fn tag_equals(project: &Project, store: usize, key: &str, value: &str) -> Answer {
    match tag_value(project, store, key) {
        TagValue::Value(v) => Answer::from_bool(v == value),
        TagValue::Absent => Answer::No,
        TagValue::Unknown => Answer::Unknown,
    }
}

/// Whether the store copies its data to another region by itself: RDS
/// automated backups replication, an Aurora global database, DynamoDB global
/// table replicas, S3 replication, EFS replication.
pub fn own_cross_region_copy(project: &Project, store: usize) -> Answer {
    let Some(resource) = project.resources.get(store) else {
        return Answer::Unknown;
    };
    let Some(kind) = store_kind(resource) else {
        return Answer::No;
    };
    match kind {
        StoreKind::DbInstance => {
            if resource.is_cloudformation() {
                return Answer::No;
            }
            referrers(
                project,
                &["aws_db_instance_automated_backups_replication"],
                "source_db_instance_arn",
                store,
                None,
            )
            .0
        }
        StoreKind::DbCluster => Answer::from_bool(is_set(
            resource.attr("global_cluster_identifier", "GlobalClusterIdentifier"),
        )),
        StoreKind::DynamoDbTable => match resource.get("replica") {
            Some(r) if r.is_unknown() => Answer::Unknown,
            Some(r) => Answer::from_bool(r.blocks().next().is_some()),
            None => Answer::No,
        },
        StoreKind::S3Bucket => {
            if resource.is_cloudformation() {
                return Answer::from_bool(is_set(resource.get("ReplicationConfiguration")));
            }
            if is_set(resource.get("replication_configuration")) {
                return Answer::Yes;
            }
            let name = resource.get("bucket").and_then(Node::as_str);
            referrers(
                project,
                &["aws_s3_bucket_replication_configuration"],
                "bucket",
                store,
                name,
            )
            .0
        }
        StoreKind::EfsFileSystem => {
            if resource.is_cloudformation() {
                return Answer::from_bool(is_set(resource.get("ReplicationConfiguration")));
            }
            referrers(
                project,
                &["aws_efs_replication_configuration"],
                "source_file_system_id",
                store,
                None,
            )
            .0
        }
        StoreKind::EbsVolume => Answer::No,
    }
}

/// The region a resource is created in, as far as the code says.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Region {
    Known(String),
    /// The one region every resource of the scope shares (a CloudFormation
    /// stack; a Terraform root with a single `aws` provider), whatever it is.
    ScopeDefault(String),
    Unknown,
}

/// The region of resource `index`: its own `region` argument (AWS provider 6),
/// else the region of its scope's `aws` provider when the scope has one (or
/// they all agree); CloudFormation resources share their stack's region.
fn region_of(project: &Project, index: usize) -> Region {
    let Some(resource) = project.resources.get(index) else {
        return Region::Unknown;
    };
    let scope = project.scope_of(index);
    if resource.is_cloudformation() {
        return Region::ScopeDefault(scope.to_owned());
    }
    if let Some(region) = resource.get("region").filter(|n| !n.is_null()) {
        return region
            .as_str()
            .map_or(Region::Unknown, |r| Region::Known(r.to_owned()));
    }
    let providers: Vec<&Resource> = aws_providers(project, scope).collect();
    let regions: Vec<Option<&str>> = providers
        .iter()
        .map(|p| p.get("region").and_then(Node::as_str))
        .collect();
    match regions.as_slice() {
        [] => Region::ScopeDefault(scope.to_owned()),
        [Some(only)] => Region::Known((*only).to_owned()),
        [None] => Region::ScopeDefault(scope.to_owned()),
        [Some(first), rest @ ..] if rest.iter().all(|r| *r == Some(*first)) => {
            Region::Known((*first).to_owned())
        }
        _ => Region::Unknown,
    }
}

fn same_region(a: &Region, b: &Region) -> Answer {
    match (a, b) {
        (Region::Known(x), Region::Known(y)) => Answer::from_bool(x == y),
        (Region::ScopeDefault(x), Region::ScopeDefault(y)) if x == y => Answer::Yes,
        _ => Answer::Unknown,
    }
}

/// A `copy_action` of a backup plan rule.
#[derive(Clone, Copy, Debug)]
pub struct CopyAction<'p> {
    /// `destination_vault_arn`, `DestinationBackupVaultArn`.
    pub destination: &'p Node,
    /// Whether the destination vault is in another region than the plan.
    pub cross_region: Answer,
}

/// The copy actions of every rule of backup plan `plan`, or `None` when the
/// rules cannot be read (unknown).
pub fn copy_actions(project: &Project, plan: usize) -> Option<Vec<CopyAction<'_>>> {
    let resource = project.resources.get(plan)?;
    let scope = project.scope_of(plan);
    let (rules, copy_key, destination_key) = if resource.is_cloudformation() {
        let body = resource.get("BackupPlan")?;
        (
            body.get("BackupPlanRule")?,
            "CopyActions",
            "DestinationBackupVaultArn",
        )
    } else {
        (
            resource.get("rule")?,
            "copy_action",
            "destination_vault_arn",
        )
    };
    if rules.contains_unknown() && rules.blocks().next().is_none() {
        return None;
    }
    let plan_region = region_of(project, plan);
    let mut out = Vec::new();
    for rule in rules.blocks() {
        let Some(copies) = rule.get(copy_key) else {
            continue;
        };
        if copies.is_unknown() {
            return None;
        }
        for copy in copies.blocks() {
            let destination = copy.get(destination_key)?;
            let cross_region =
                match &destination.value {
                    Value::String(arn) => match arn.split(':').nth(3) {
                        Some(region) if !region.is_empty() => {
                            same_region(&plan_region, &Region::Known(region.to_owned())).negate()
                        }
                        _ => Answer::Unknown,
                    },
                    Value::Unknown(unknown) if matches!(**unknown, Unknown::Reference { .. }) => {
                        let vaults: Vec<usize> = project
                            .link_targets(scope, destination)
                            .into_iter()
                            .map(|(t, _)| t)
                            .collect();
                        let all_vaults = !vaults.is_empty()
                            && vaults.iter().all(|&v| {
                                let r = &project.resources[v];
                                r.kind == BlockKind::Resource
                                    && VAULT_TYPES.contains(&r.resource_type.as_str())
                            });
                        if all_vaults {
                            Answer::all(vaults.iter().map(|&v| {
                                same_region(&plan_region, &region_of(project, v)).negate()
                            }))
                        } else {
                            Answer::Unknown
                        }
                    }
                    _ => Answer::Unknown,
                };
            out.push(CopyAction {
                destination,
                cross_region,
            });
        }
    }
    Some(out)
}

/// The instances of an Aurora (or Multi-AZ DB) cluster found in its scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterMembers {
    /// Instances whose cluster identifier names this cluster.
    pub count: usize,
    /// Some instance's cluster cannot be told (it may be this one).
    pub unknown: bool,
}

/// The members of cluster `cluster`: `aws_rds_cluster_instance` (or
/// CloudFormation `DBInstance`) whose `cluster_identifier` /
/// `DBClusterIdentifier` refers to it or names its identifier.
pub fn cluster_members(project: &Project, cluster: usize) -> ClusterMembers {
    let mut members = ClusterMembers {
        count: 0,
        unknown: false,
    };
    let Some(resource) = project.resources.get(cluster) else {
        members.unknown = true;
        return members;
    };
    let scope = project.scope_of(cluster);
    let name = resource
        .attr("cluster_identifier", "DBClusterIdentifier")
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase);
    for i in
        project.resources_in_of_types(scope, &["aws_rds_cluster_instance", "AWS::RDS::DBInstance"])
    {
        let member = &project.resources[i];
        if member.kind != BlockKind::Resource {
            continue;
        }
        let node = match member.resource_type.as_str() {
            "aws_rds_cluster_instance" => member.get("cluster_identifier"),
            "AWS::RDS::DBInstance" => member.get("DBClusterIdentifier"),
            _ => continue,
        };
        let Some(node) = node.filter(|n| !n.is_null()) else {
            continue;
        };
        match &node.value {
            Value::String(text) => {
                if name.as_deref() == Some(text.to_ascii_lowercase().as_str()) {
                    members.count += 1;
                }
            }
            Value::Unknown(unknown) if matches!(**unknown, Unknown::Reference { .. }) => {
                let targets = project.link_targets(scope, node);
                if targets.iter().any(|(t, _)| *t == cluster) {
                    members.count += 1;
                } else if targets.is_empty()
                    || targets
                        .iter()
                        .any(|(t, _)| project.resources[*t].kind != BlockKind::Resource)
                {
                    members.unknown = true;
                }
            }
            _ => members.unknown = true,
        }
    }
    members
}

/// Where a known value was written in the code, when it was: `None` for a
/// value given on the command line (`--var`), and for a plan's value unless
/// the configuration beside the plan shows it written as a quoted literal
/// (a plan has already read data sources and variables: there, a literal
/// cannot be told from a secret fetched at plan time).
///
/// `text` is the value; when the place it was written holds more than the
/// value (a `jsonencode(…)` call, a JSON document), the place is narrowed to
/// where `text` itself is written, if it is.
pub fn written_in_code(
    project: &Project,
    resource: &Resource,
    node: &Node,
    text: &str,
) -> Option<Origin> {
    let origin = node.origin?;
    let quoted = narrow(project, origin, &format!("\"{text}\""), 1);
    match resource.language {
        Language::TerraformPlan => {
            let kind = project.file_kinds.get(origin.file.index())?;
            if !matches!(kind, FileKind::Terraform | FileKind::TerraformVars) {
                return None;
            }
            quoted
        }
        Language::Terraform | Language::CloudFormation => Some(quoted.unwrap_or(origin)),
    }
}

/// The place of `needle` within the text written at `origin` (skipping `skip`
/// characters of it, such as an opening quote).
fn narrow(project: &Project, origin: Origin, needle: &str, skip: usize) -> Option<Origin> {
    if needle.is_empty() {
        return None;
    }
    let file = project.files.get(origin.file.index())?;
    let start = file.byte_offset(origin.span.start)?;
    let end = file.byte_offset(origin.span.end)?.max(start);
    let within = file.text.get(start..end)?;
    let at = start + within.find(needle)?;
    let inner = needle.get(skip..needle.len().checked_sub(skip)?)?;
    let from = at + skip;
    Some(Origin {
        file: origin.file,
        span: Span::new(file.position_of(from), file.position_of(from + inner.len())),
    })
}

/// An environment variable of a Lambda function or an ECS container.
#[derive(Clone, Debug)]
pub struct EnvVar<'p> {
    /// The ECS container the variable belongs to (`None` for a Lambda function).
    pub container: Option<String>,
    pub name: String,
    /// The value; `None` when it is unknown or not a string.
    pub value: Option<String>,
    /// The node the value was written at (for an ECS definition written as
    /// one JSON string, the whole `container_definitions`).
    pub node: &'p Node,
}

/// The literal environment of a Lambda function (`environment.variables`,
/// `Environment.Variables`) or of the containers of an ECS task definition
/// (`container_definitions`, a JSON document in Terraform, parsed here;
/// `ContainerDefinitions[].Environment` in CloudFormation). `None` when the
/// environment cannot be read (unknown, or JSON that does not parse).
pub fn environment_variables(resource: &Resource) -> Option<Vec<EnvVar<'_>>> {
    match resource.resource_type.as_str() {
        "aws_lambda_function" | "AWS::Lambda::Function" => lambda_environment(resource),
        "aws_ecs_task_definition" | "AWS::ECS::TaskDefinition" => ecs_environment(resource),
        _ => Some(Vec::new()),
    }
}

fn lambda_environment(resource: &Resource) -> Option<Vec<EnvVar<'_>>> {
    let variables = if resource.is_cloudformation() {
        resource.path(&["Environment", "Variables"])
    } else {
        match resource.get("environment") {
            None => None,
            Some(env) if env.is_unknown() => return None,
            Some(env) => env.blocks().next().and_then(|b| b.get("variables")),
        }
    };
    let Some(variables) = variables else {
        return Some(Vec::new());
    };
    if variables.is_unknown() {
        return None;
    }
    Some(
        variables
            .entries()
            .iter()
            .map(|(name, node)| EnvVar {
                container: None,
                name: name.to_string(),
                value: node.as_str().map(str::to_owned),
                node,
            })
            .collect(),
    )
}

fn ecs_environment(resource: &Resource) -> Option<Vec<EnvVar<'_>>> {
    let mut out = Vec::new();
    if resource.is_cloudformation() {
        let Some(containers) = resource.get("ContainerDefinitions") else {
            return Some(out);
        };
        if containers.is_unknown() {
            return None;
        }
        for container in containers.items() {
            let owner = container
                .get("Name")
                .and_then(Node::as_str)
                .unwrap_or("<unnamed>")
                .to_owned();
            for entry in container
                .get("Environment")
                .map(Node::items)
                .unwrap_or_default()
            {
                let (Some(name), Some(value)) =
                    (entry.get("Name").and_then(Node::as_str), entry.get("Value"))
                else {
                    continue;
                };
                out.push(EnvVar {
                    container: Some(owner.clone()),
                    name: name.to_owned(),
                    value: value.as_str().map(str::to_owned),
                    node: value,
                });
            }
        }
        return Some(out);
    }
    let Some(node) = resource.get("container_definitions") else {
        return Some(out);
    };
    // A string, or the structure `jsonencode` keeps when some fields (an
    // image URL from a repository) are known only after apply.
    let text = crate::aws::policy::json_text(node)?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    for container in json.as_array()? {
        let owner = container
            .get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("<unnamed>")
            .to_owned();
        let Some(environment) = container
            .get("environment")
            .and_then(serde_json::Value::as_array)
        else {
            continue;
        };
        for entry in environment {
            let Some(name) = entry.get("name").and_then(serde_json::Value::as_str) else {
                continue;
            };
            out.push(EnvVar {
                container: Some(owner.clone()),
                name: name.to_owned(),
                value: entry
                    .get("value")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
                node,
            });
        }
    }
    Some(out)
}

/// The string values of a JSON object, at any depth, each with the key it is
/// under (an array's items with the array's key): how a secret holding
/// `{"username": …, "password": …}` is read. `None` when `text` is not a JSON
/// object.
pub fn json_string_fields(text: &str) -> Option<Vec<(String, String)>> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    if !json.is_object() {
        return None;
    }
    let mut out = Vec::new();
    let mut stack: Vec<(String, &serde_json::Value)> = vec![(String::new(), &json)];
    while let Some((key, value)) = stack.pop() {
        match value {
            serde_json::Value::String(s) => out.push((key, s.clone())),
            serde_json::Value::Array(items) => {
                stack.extend(items.iter().rev().map(|i| (key.clone(), i)));
            }
            serde_json::Value::Object(map) => {
                stack.extend(map.iter().rev().map(|(k, v)| (k.clone(), v)));
            }
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testing::{index, project};

    fn terraform(text: &str) -> Project {
        project(&[("infra/main.tf", FileKind::Terraform, text)])
    }

    #[test]
    fn three_valued_logic() {
        use Answer::*;
        assert_eq!(Yes.and(Unknown), Unknown);
        assert_eq!(No.and(Unknown), No);
        assert_eq!(Yes.or(Unknown), Yes);
        assert_eq!(No.or(Unknown), Unknown);
        assert_eq!(Answer::any([]), No);
        assert_eq!(Answer::all([]), Yes);
        assert_eq!(Unknown.negate(), Unknown);
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "arn:aws:rds:*:*:db:*",
            "arn:aws:rds:eu-west-1:1:db:x"
        ));
        assert!(glob_match("db:agents-?", "db:agents-1"));
        assert!(!glob_match("db:agents", "db:agents-1"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXbY"));
    }

    #[test]
    fn stores_leave_out_replicas_and_members() {
        let p = terraform(
            r#"
resource "aws_db_instance" "main" { identifier = "main" }
resource "aws_db_instance" "replica" { replicate_source_db = aws_db_instance.main.identifier }
resource "aws_rds_cluster_instance" "member" { cluster_identifier = "x" }
resource "aws_s3_bucket" "b" { bucket = "b" }
"#,
        );
        let kinds: Vec<_> = stores(&p)
            .into_iter()
            .map(|i| (p.resources[i].address.as_str(), store_kind(&p.resources[i])))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("aws_db_instance.main", Some(StoreKind::DbInstance)),
                ("aws_s3_bucket.b", Some(StoreKind::S3Bucket)),
            ]
        );
    }

    #[test]
    fn selections_by_reference_tag_wildcard_and_exclusion() {
        let p = terraform(
            r#"
provider "aws" {
  region = "eu-west-1"
  default_tags { tags = { backup = "daily" } }
}
resource "aws_dynamodb_table" "memory" { name = "memory" }
resource "aws_dynamodb_table" "cache" {
  name = "cache"
  tags = { backup = "none" }
}
resource "aws_db_instance" "db" { identifier = "Agents" }
resource "aws_backup_plan" "p" { name = "p" }
resource "aws_backup_selection" "by_ref" {
  plan_id   = aws_backup_plan.p.id
  resources = [aws_dynamodb_table.memory.arn]
}
resource "aws_backup_selection" "by_tag" {
  plan_id = aws_backup_plan.p.id
  selection_tag {
    type  = "STRINGEQUALS"
    key   = "backup"
    value = "daily"
  }
}
resource "aws_backup_selection" "by_arn" {
  plan_id       = aws_backup_plan.p.id
  resources     = ["arn:aws:rds:*:*:db:agents"]
  not_resources = [aws_dynamodb_table.cache.arn]
}
resource "aws_backup_selection" "all_but" {
  plan_id       = aws_backup_plan.p.id
  not_resources = [aws_dynamodb_table.cache.arn]
  condition {
    string_equals {
      key   = "aws:ResourceTag/backup"
      value = "daily"
    }
  }
}
resource "aws_backup_selection" "unknown" {
  plan_id   = aws_backup_plan.p.id
  resources = [var.arn]
}
variable "arn" {}
resource "aws_ebs_volume" "v" { availability_zone = "eu-west-1a" }
"#,
        );
        let memory = index(&p, "aws_dynamodb_table.memory");
        let cache = index(&p, "aws_dynamodb_table.cache");
        let db = index(&p, "aws_db_instance.db");
        let sel = |name: &str| index(&p, &format!("aws_backup_selection.{name}"));
        assert_eq!(selection_covers(&p, sel("by_ref"), memory), Answer::Yes);
        assert_eq!(selection_covers(&p, sel("by_ref"), cache), Answer::No);
        // Default tags reach the memory table and the database, not the cache.
        assert_eq!(selection_covers(&p, sel("by_tag"), memory), Answer::Yes);
        assert_eq!(selection_covers(&p, sel("by_tag"), cache), Answer::No);
        assert_eq!(selection_covers(&p, sel("by_arn"), db), Answer::Yes);
        assert_eq!(selection_covers(&p, sel("by_arn"), memory), Answer::No);
        assert_eq!(selection_covers(&p, sel("all_but"), cache), Answer::No);
        assert_eq!(selection_covers(&p, sel("all_but"), db), Answer::Yes);
        assert_eq!(selection_covers(&p, sel("unknown"), cache), Answer::Unknown);
        let volume = &p.resources[index(&p, "aws_ebs_volume.v")];
        let kind = StoreKind::EbsVolume;
        assert_eq!(
            arn_names_store("arn:aws:ec2:*:*:volume/*", volume, kind),
            Answer::Yes
        );
        assert_eq!(
            arn_names_store("arn:aws:ec2:*:*:volume/vol-1", volume, kind),
            Answer::Unknown
        );
        assert_eq!(
            arn_names_store("arn:aws:ec2:*:*:instance/*", volume, kind),
            Answer::No
        );
        assert_eq!(
            arn_names_store("arn:aws:rds:*:*:db:*", volume, kind),
            Answer::No
        );
        assert_eq!(backup_coverage(&p, cache), Answer::Unknown);
        assert_eq!(
            selection_plans(&p, sel("by_tag")),
            vec![index(&p, "aws_backup_plan.p")]
        );
    }

    #[test]
    fn cloudformation_tags_may_come_from_the_stack() {
        let p = project(&[(
            "t.yaml",
            FileKind::CloudFormation,
            "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      Tags: [{Key: team, Value: a}]\n  Sel:\n    Type: AWS::Backup::BackupSelection\n    Properties:\n      BackupPlanId: x\n      BackupSelection:\n        SelectionName: s\n        IamRoleArn: r\n        ListOfTags: [{ConditionType: STRINGEQUALS, ConditionKey: backup, ConditionValue: daily}]\n  Sel2:\n    Type: AWS::Backup::BackupSelection\n    Properties:\n      BackupPlanId: x\n      BackupSelection:\n        SelectionName: s\n        IamRoleArn: r\n        Resources: [!GetAtt Other.Arn]\n  Other:\n    Type: AWS::DynamoDB::Table\n",
        )]);
        let table = index(&p, "Table");
        assert_eq!(
            selection_covers(&p, index(&p, "Sel"), table),
            Answer::Unknown
        );
        assert_eq!(selection_covers(&p, index(&p, "Sel2"), table), Answer::No);
        assert_eq!(
            selection_covers(&p, index(&p, "Sel2"), index(&p, "Other")),
            Answer::Yes
        );
    }

    #[test]
    fn own_backups() {
        let p = terraform(
            r#"
resource "aws_db_instance" "off" { backup_retention_period = 0 }
resource "aws_db_instance" "default" {}
resource "aws_dynamodb_table" "pitr" {
  point_in_time_recovery { enabled = true }
}
resource "aws_dynamodb_table" "none" {}
resource "aws_s3_bucket" "versioned" { bucket = "v" }
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.versioned.id
  versioning_configuration { status = "Enabled" }
}
resource "aws_s3_bucket" "plain" { bucket = "p" }
resource "aws_efs_file_system" "one_zone" { availability_zone_name = "eu-west-1a" }
resource "aws_efs_file_system" "regional" {}
resource "aws_ebs_volume" "tagged" { tags = { snap = "yes" } }
resource "aws_ebs_volume" "untagged" {}
resource "aws_dlm_lifecycle_policy" "snap" {
  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { snap = "yes" }
  }
}
"#,
        );
        let own = |a: &str| own_backup(&p, index(&p, a));
        assert_eq!(own("aws_db_instance.off"), Answer::No);
        assert_eq!(own("aws_db_instance.default"), Answer::Yes);
        assert_eq!(own("aws_dynamodb_table.pitr"), Answer::Yes);
        assert_eq!(own("aws_dynamodb_table.none"), Answer::No);
        assert_eq!(own("aws_s3_bucket.versioned"), Answer::Yes);
        assert_eq!(own("aws_s3_bucket.plain"), Answer::No);
        assert_eq!(own("aws_efs_file_system.one_zone"), Answer::Yes);
        assert_eq!(own("aws_efs_file_system.regional"), Answer::No);
        assert_eq!(own("aws_ebs_volume.tagged"), Answer::Yes);
        assert_eq!(own("aws_ebs_volume.untagged"), Answer::No);
    }

    #[test]
    fn copies_to_other_regions() {
        let p = terraform(
            r#"
provider "aws" { region = "eu-west-1" }
resource "aws_backup_vault" "local" { name = "local" }
resource "aws_backup_plan" "same" {
  name = "same"
  rule {
    rule_name         = "daily"
    target_vault_name = "local"
    copy_action { destination_vault_arn = aws_backup_vault.local.arn }
  }
}
resource "aws_backup_plan" "literal" {
  name = "literal"
  rule {
    rule_name         = "daily"
    target_vault_name = "local"
    copy_action { destination_vault_arn = "arn:aws:backup:eu-central-1:123456789012:backup-vault:dr" }
  }
}
resource "aws_backup_plan" "none" {
  name = "none"
  rule {
    rule_name         = "daily"
    target_vault_name = "local"
  }
}
"#,
        );
        let copies = |a: &str| copy_actions(&p, index(&p, a)).unwrap();
        assert_eq!(copies("aws_backup_plan.same")[0].cross_region, Answer::No);
        assert_eq!(
            copies("aws_backup_plan.literal")[0].cross_region,
            Answer::Yes
        );
        assert!(copies("aws_backup_plan.none").is_empty());
    }

    #[test]
    fn aliased_providers_leave_regions_unknown() {
        let p = terraform(
            r#"
provider "aws" { region = "eu-west-1" }
provider "aws" {
  alias  = "dr"
  region = "eu-central-1"
}
resource "aws_backup_vault" "dr" {
  provider = aws.dr
  name     = "dr"
}
resource "aws_backup_plan" "p" {
  name = "p"
  rule {
    rule_name         = "daily"
    target_vault_name = "x"
    copy_action { destination_vault_arn = aws_backup_vault.dr.arn }
  }
}
"#,
        );
        let copies = copy_actions(&p, index(&p, "aws_backup_plan.p")).unwrap();
        assert_eq!(copies[0].cross_region, Answer::Unknown);
    }

    #[test]
    fn aurora_members() {
        let p = terraform(
            r#"
resource "aws_rds_cluster" "a" { cluster_identifier = "Memory" }
resource "aws_rds_cluster_instance" "one" { cluster_identifier = aws_rds_cluster.a.id }
resource "aws_rds_cluster_instance" "two" { cluster_identifier = "memory" }
resource "aws_rds_cluster" "b" { cluster_identifier = "other" }
"#,
        );
        assert_eq!(
            cluster_members(&p, index(&p, "aws_rds_cluster.a")),
            ClusterMembers {
                count: 2,
                unknown: false
            }
        );
        assert_eq!(cluster_members(&p, index(&p, "aws_rds_cluster.b")).count, 0);
    }

    #[test]
    fn values_written_in_code() {
        let p = project(&[(
            "infra/main.tf",
            FileKind::Terraform,
            "variable \"pw\" {\n  default = \"s3cr3t-value\"\n}\nresource \"aws_db_instance\" \"a\" {\n  password = var.pw\n}\nresource \"aws_ecs_task_definition\" \"t\" {\n  family = \"t\"\n  container_definitions = jsonencode([{\n    name = \"app\"\n    environment = [{ name = \"API_TOKEN\", value = \"tok-123456789\" }]\n  }])\n}\n",
        )]);
        let a = &p.resources[index(&p, "aws_db_instance.a")];
        let node = a.get("password").unwrap();
        let origin = written_in_code(&p, a, node, "s3cr3t-value").unwrap();
        assert_eq!(origin.span.start.line, 2);
        assert_eq!(origin.span.start.column, 14);
        let t = &p.resources[index(&p, "aws_ecs_task_definition.t")];
        let env = environment_variables(t).unwrap();
        assert_eq!(env.len(), 1);
        assert_eq!(env[0].container.as_deref(), Some("app"));
        let value = env[0].value.as_deref().unwrap();
        let origin = written_in_code(&p, t, env[0].node, value).unwrap();
        assert_eq!(origin.span.start.line, 11);
    }

    #[test]
    fn json_fields() {
        let mut fields =
            json_string_fields(r#"{"user":"a","db":{"password":"b","hosts":["h1"]},"port":5}"#)
                .unwrap();
        fields.sort();
        assert_eq!(
            fields,
            vec![
                ("hosts".to_owned(), "h1".to_owned()),
                ("password".to_owned(), "b".to_owned()),
                ("user".to_owned(), "a".to_owned()),
            ]
        );
        assert!(json_string_fields("hunter2").is_none());
        assert!(json_string_fields("[1]").is_none());
    }
}
