use rampart_config::{Severity, Tier};
use rampart_model::Subject;
use rampart_model::aws::data::{self, Answer, StoreKind};

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "BAK-002",
        name: "critical-store-not-backed-up",
        severity: Severity::High,
        summary: "Critical data store is in no AWS Backup plan",
        requirements: &["G-BAK-01"],
        docs: RuleDocs {
            what: "Reports a critical-tier data store (RDS instance or cluster, DynamoDB table, EFS file system, S3 bucket, EBS volume; Terraform and CloudFormation) that no AWS Backup selection (`aws_backup_selection`, `AWS::Backup::BackupSelection`) in the scan assigns to a backup plan, when either\n\n- the scan declares AWS Backup selections at all: backups are managed with AWS Backup, and this critical store was left out (its own RDS automated backups or DynamoDB point-in-time recovery do not make up for it: they live in the same account and region and expire within 35 days); or\n- the store has no backup of its own either: an EBS volume no Data Lifecycle Manager snapshot policy targets, an EFS file system without an enabled backup policy (One Zone file systems have one by default), an S3 bucket without versioning. (RDS and DynamoDB stores without their own backups are BAK-001's.)\n\nA selection covers a store when its `resources` refer to the store (`aws_dynamodb_table.memory.arn`, `!GetAtt Memory.Arn`) or hold an ARN or wildcard that names it (`arn:aws:rds:*:*:db:agents`, `*`), or one of its `selection_tag`s / `ListOfTags` matches the store's tags (with the provider's `default_tags`), or it names neither (AWS Backup then selects every supported resource); and the store matches every `condition` and is not in `not_resources`. Tag-based selections are matched across root modules and templates. When any selection could cover the store but cannot be evaluated (an ARN built from variables, a reference to something outside the scan, tags known only at deployment, CloudFormation stack tags), nothing is reported.",
            why: "The critical tier's data is what the agents cannot be rebuilt without: conversation memory, vector stores, ledgers. The policy requires every critical data store to be backed up by an automated, centrally managed plan (G-BAK-01), which AWS Backup is: retention beyond 35 days, vault lock, cross-region and cross-account copies, restore testing. A store outside every plan is found missing on the day it is needed.",
            fail: Example::terraform(
                r#"resource "aws_dynamodb_table" "memory" {
  name         = "agent-memory"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery { enabled = true }
  tags = { classification = "critical" }
}

resource "aws_backup_plan" "daily" {
  name = "daily"
  rule {
    rule_name         = "daily"
    target_vault_name = "agents"
    schedule          = "cron(0 3 * * ? *)"
  }
}

resource "aws_backup_selection" "databases" {
  name         = "databases"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  resources    = ["arn:aws:rds:*:*:db:*"]
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_dynamodb_table" "memory" {
  name         = "agent-memory"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery { enabled = true }
  tags = { classification = "critical" }
}

resource "aws_backup_plan" "daily" {
  name = "daily"
  rule {
    rule_name         = "daily"
    target_vault_name = "agents"
    schedule          = "cron(0 3 * * ? *)"
  }
}

resource "aws_backup_selection" "critical" {
  name         = "critical"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  selection_tag {
    type  = "STRINGEQUALS"
    key   = "classification"
    value = "critical"
  }
}
"#,
            ),
            fix: "Assign the store to a backup plan: most simply with one selection per plan that selects by tag (`selection_tag { type = \"STRINGEQUALS\", key = \"classification\", value = \"critical\" }`, or a `condition` on `aws:ResourceTag/classification`), so that every critical store is covered the moment it is tagged; or list its ARN in `resources`. Check that AWS Backup is opted in for the resource type in the region (`aws_backup_region_settings`).",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let has_selections = !data::selections(project).is_empty();
    for store in data::stores(project) {
        let resource = ctx.resource(store);
        if resource.tier != Some(Tier::Critical) {
            continue;
        }
        let Some(kind) = data::store_kind(&resource) else {
            continue;
        };
        if data::backup_coverage(project, store) != Answer::No {
            continue;
        }
        let own = data::own_backup(project, store);
        let message = if has_selections {
            let own = match (kind, own) {
                (StoreKind::DbInstance | StoreKind::DbCluster, Answer::Yes) => {
                    "; its only backups are RDS automated backups in its own account and region"
                }
                (StoreKind::DynamoDbTable, Answer::Yes) => {
                    "; its only backup is point-in-time recovery in its own account and region"
                }
                (_, Answer::No) => "; it has no backup of its own either",
                _ => "",
            };
            format!(
                "critical {} `{}` is selected by no AWS Backup selection{own}",
                kind.noun(),
                resource.address
            )
        } else {
            let matches = matches!(
                kind,
                StoreKind::EbsVolume | StoreKind::EfsFileSystem | StoreKind::S3Bucket
            );
            if !matches || own != Answer::No {
                continue;
            }
            let none = match kind {
                StoreKind::EbsVolume => {
                    "no AWS Backup plan and no Data Lifecycle Manager snapshot policy"
                }
                StoreKind::EfsFileSystem => "no AWS Backup plan and no enabled EFS backup policy",
                _ => "no AWS Backup plan, and versioning is off",
            };
            format!(
                "critical {} `{}` is not backed up: {none}",
                kind.noun(),
                resource.address
            )
        };
        findings
            .on(Subject::Resource(store))
            .report_resource(&resource, None, message);
    }
}
