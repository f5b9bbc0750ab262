use rampart_config::Severity;
use rampart_model::aws::compute::{self, AccountDefault};
use rampart_model::aws::data::{self, Answer, StoreKind};
use rampart_model::rampart_iac::Node;

use super::is_set;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ENC-005",
        name: "storage-not-encrypted",
        severity: Severity::High,
        summary: "Data store is not encrypted at rest",
        requirements: &["G-BAK-04", "G-SEC-04"],
        docs: RuleDocs {
            what: "Reports storage created unencrypted, at the value that turns encryption off or, when it is not set, at the resource:\n\n- RDS instances (`aws_db_instance`, `AWS::RDS::DBInstance`) without `storage_encrypted = true` / `StorageEncrypted: true` (the API's default is unencrypted), and RDS clusters (`aws_rds_cluster`, `AWS::RDS::DBCluster`; Aurora and Multi-AZ DB clusters) likewise, except Aurora Serverless v1 (`engine_mode = \"serverless\"`), which is always encrypted;\n- EFS file systems (`aws_efs_file_system`, `AWS::EFS::FileSystem`) without `encrypted = true` / `Encrypted: true`;\n- EBS volumes (`aws_ebs_volume`, `AWS::EC2::Volume`) without `encrypted = true` / `Encrypted: true`, unless the scan turns on EBS encryption by default for the account (`aws_ebs_encryption_by_default`, enabled unless `enabled = false`), which encrypts every new volume whatever it says.\n\nNot reported: storage whose encryption is inherited (read replicas, cluster members, clusters of a global database, restores from a snapshot or a point in time, volumes from a snapshot) unless it is explicitly turned off where that is honoured, storage given a KMS key (`kms_key_id` / `KmsKeyId`: AWS requires encryption with it), and values known only after apply. DynamoDB tables and S3 buckets are always encrypted at rest and are not checked here.",
            why: "Encryption at rest is what keeps a copied snapshot, a shared backup or a decommissioned disk unreadable, and every backup and snapshot of the store inherits it: an unencrypted database makes unencrypted backups, which the policy forbids for sensitive data (G-BAK-04); account-level EBS encryption belongs to the secure baseline (G-SEC-04). Encryption cannot be switched on for an existing RDS instance, cluster or EFS file system: it needs a migration, so the earlier it is caught the cheaper.",
            fail: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier                  = "agents"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier                  = "agents"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
  storage_encrypted           = true
  kms_key_id                  = aws_kms_key.data.arn
}

resource "aws_kms_key" "data" {
  description         = "agents data"
  enable_key_rotation = true
}
"#,
            ),
            fix: "Set `storage_encrypted = true` (RDS) or `encrypted = true` (EFS, EBS), preferably with a customer managed key (`kms_key_id`), and turn on `aws_ebs_encryption_by_default` in every region the account uses. An existing RDS instance or cluster is encrypted by restoring an encrypted copy of a snapshot; an EFS file system by copying its data to a new encrypted one (AWS DataSync).",
        },
    },
    check: Check::Resource(
        &[
            "aws_db_instance",
            "AWS::RDS::DBInstance",
            "aws_rds_cluster",
            "AWS::RDS::DBCluster",
            "aws_efs_file_system",
            "AWS::EFS::FileSystem",
            "aws_ebs_volume",
            "AWS::EC2::Volume",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(kind) = data::store_kind(resource) else {
        return;
    };
    let (attribute, inherited) = match kind {
        StoreKind::DbInstance => {
            if data::is_cluster_member(resource) {
                return;
            }
            let restored = [
                resource.attr("snapshot_identifier", "DBSnapshotIdentifier"),
                resource.attr(
                    "restore_to_point_in_time",
                    "SourceDBInstanceAutomatedBackupsArn",
                ),
                resource.attr("", "SourceDbiResourceId"),
            ]
            .into_iter()
            .any(is_set);
            (
                resource.attr("storage_encrypted", "StorageEncrypted"),
                restored,
            )
        }
        StoreKind::DbCluster => {
            let serverless_v1 = resource
                .attr("engine_mode", "EngineMode")
                .and_then(Node::as_str)
                .is_some_and(|m| m.eq_ignore_ascii_case("serverless"));
            if serverless_v1 {
                return;
            }
            // A secondary cluster of a global database follows the global one.
            let restored = [
                resource.attr("snapshot_identifier", "SnapshotIdentifier"),
                resource.attr("restore_to_point_in_time", "SourceDBClusterIdentifier"),
                resource.attr("global_cluster_identifier", "GlobalClusterIdentifier"),
            ]
            .into_iter()
            .any(is_set);
            (
                resource.attr("storage_encrypted", "StorageEncrypted"),
                restored,
            )
        }
        StoreKind::EfsFileSystem => (resource.attr("encrypted", "Encrypted"), false),
        StoreKind::EbsVolume => {
            // EBS encryption by default overrides `encrypted = false` too.
            if ebs_encryption_by_default(ctx) != Answer::No {
                return;
            }
            (
                resource.attr("encrypted", "Encrypted"),
                is_set(resource.attr("snapshot_id", "SnapshotId")),
            )
        }
        StoreKind::DynamoDbTable | StoreKind::S3Bucket => return,
    };
    let setting = match (kind, resource.is_cloudformation()) {
        (StoreKind::DbInstance | StoreKind::DbCluster, false) => "storage_encrypted",
        (StoreKind::DbInstance | StoreKind::DbCluster, true) => "StorageEncrypted",
        (_, false) => "encrypted",
        (_, true) => "Encrypted",
    };
    let has_key = is_set(resource.attr("kms_key_id", "KmsKeyId"));
    match attribute.filter(|n| !n.is_null()) {
        None => {
            if inherited || has_key {
                return;
            }
            sink.report_resource(
                resource,
                None,
                format!(
                    "{} `{}` is not encrypted at rest: `{setting}` is not set, and it defaults to false",
                    kind.noun(),
                    resource.address
                ),
            );
        }
        Some(node) => {
            // A restored copy keeps its source's encryption whatever is written.
            if node.as_bool() != Some(false) || inherited {
                return;
            }
            sink.report_resource(
                resource,
                Some(node),
                format!(
                    "{} `{}` is not encrypted at rest (`{setting}` is false)",
                    kind.noun(),
                    resource.address
                ),
            );
        }
    }
}

/// Whether the scan turns on EBS encryption by default for the account (the
/// model's account-level default, which the compute rules read too).
fn ebs_encryption_by_default(ctx: &Context<'_>) -> Answer {
    match compute::ebs_encryption_by_default(ctx.project) {
        AccountDefault::On => Answer::Yes,
        AccountDefault::Off => Answer::No,
        AccountDefault::Unknown => Answer::Unknown,
    }
}
