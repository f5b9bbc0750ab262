use rampart_config::Severity;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "BAK-003",
        name: "backup-vault-without-cmk",
        severity: Severity::Medium,
        summary: "Backup vault is not encrypted with a customer managed KMS key",
        requirements: &["G-BAK-04"],
        docs: RuleDocs {
            what: "Reports an AWS Backup vault (Terraform `aws_backup_vault`, CloudFormation `AWS::Backup::BackupVault`) without `kms_key_arn` / `EncryptionKeyArn`, or whose key is the AWS managed key `alias/aws/backup`: its backups are then encrypted with the key AWS Backup manages for the account, whose key policy the account cannot change and which cannot be shared with another account. A key known only after apply (`aws_kms_key.backup.arn`) is taken to be a customer managed key and not reported.",
            why: "The policy requires backups of sensitive data to be encrypted under keys the organisation controls (G-BAK-04). With a customer managed key, who may decrypt a backup is written in the key policy, every use is in CloudTrail, the key can be disabled in an incident, and backups can be copied to a vault in another account (an AWS managed key cannot be shared with one). The managed key still encrypts, so the finding is Medium.",
            fail: Example::terraform(
                r#"resource "aws_backup_vault" "agents" {
  name = "agents"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_kms_key" "backup" {
  description         = "AWS Backup vault key"
  enable_key_rotation = true
}

resource "aws_backup_vault" "agents" {
  name        = "agents"
  kms_key_arn = aws_kms_key.backup.arn
}
"#,
            ),
            fix: "Create a customer managed key (`aws_kms_key` with `enable_key_rotation = true` and a key policy that grants AWS Backup and the restore roles only) and set `kms_key_arn` (CloudFormation `EncryptionKeyArn`). A vault's key cannot be changed: create a new vault, point the plan's rules at it and let the old vault's recovery points expire.",
        },
    },
    check: Check::Resource(&["aws_backup_vault", "AWS::Backup::BackupVault"], check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    match resource.attr("kms_key_arn", "EncryptionKeyArn") {
        Some(node) if !node.is_null() => {
            if node
                .as_str()
                .is_some_and(|key| key.ends_with("alias/aws/backup"))
            {
                sink.report_resource(
                    resource,
                    Some(node),
                    format!(
                        "backup vault `{}` is encrypted with the AWS managed key `aws/backup`, not a customer managed key",
                        resource.address
                    ),
                );
            }
        }
        _ => sink.report_resource(
            resource,
            None,
            format!(
                "backup vault `{}` sets no KMS key: its backups are encrypted with the AWS managed key `aws/backup`",
                resource.address
            ),
        ),
    }
}
