use rampart_config::{Severity, Tier};
use rampart_model::aws::data::{self, Answer};

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "BAK-001",
        name: "database-backups-disabled",
        severity: Severity::High,
        summary: "Database keeps no automated backups or point-in-time recovery",
        requirements: &["G-BAK-01", "G-BAK-06"],
        docs: RuleDocs {
            what: "Reports an RDS instance (Terraform `aws_db_instance`, CloudFormation `AWS::RDS::DBInstance`) whose `backup_retention_period` / `BackupRetentionPeriod` is `0`, which turns automated backups and point-in-time recovery off, wherever the value was written (the resource, a variable default, a `tfvars` file, a module input). Unset is not reported: the RDS API's default is one day. Read replicas (`replicate_source_db`, `SourceDBInstanceIdentifier`) and instances of an Aurora or Multi-AZ DB cluster (`DBClusterIdentifier`) are not reported: their source or cluster keeps the backups, and Aurora clusters cannot go below one day. Also reports a DynamoDB table (`aws_dynamodb_table`, `AWS::DynamoDB::Table`) of the critical or high tier without point-in-time recovery (`point_in_time_recovery { enabled = true }`, `PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled`), which is off unless enabled; standard-tier tables are left alone. A value known only after apply is not reported (`--show-unknown` lists it).",
            why: "An agent's database without automated backups cannot be restored to the minute before a bad migration, a runaway agent's writes or a ransomware encryption: the newest copy is whatever manual snapshot someone remembered to take. The policy requires backups of all critical data to be automated (G-BAK-01) and point-in-time recovery (G-BAK-06). Setting the retention to 0 is usually a cost or test shortcut that reached production.",
            fail: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier                  = "agents"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
  backup_retention_period     = 0
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier                  = "agents"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
  backup_retention_period     = 14
}
"#,
            ),
            fix: "Set `backup_retention_period` to at least 7 days (35 at most; 14 or more for critical agents), and for DynamoDB add `point_in_time_recovery { enabled = true }` (CloudFormation `PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}`). Changing an RDS instance's retention between 0 and a positive value restarts it: plan the change for a maintenance window.",
        },
    },
    check: Check::Resource(
        &[
            "aws_db_instance",
            "AWS::RDS::DBInstance",
            "aws_dynamodb_table",
            "AWS::DynamoDB::Table",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    match data::store_kind(resource) {
        Some(data::StoreKind::DbInstance) => {
            if data::is_cluster_member(resource) {
                return;
            }
            let Some(node) = resource.attr("backup_retention_period", "BackupRetentionPeriod")
            else {
                return;
            };
            if node.as_i64() == Some(0) {
                sink.report_resource(
                    resource,
                    Some(node),
                    format!(
                        "`{}` keeps no automated backups (backup retention 0 days): point-in-time recovery is off",
                        resource.address
                    ),
                );
            }
        }
        Some(data::StoreKind::DynamoDbTable) => {
            let Some(tier @ (Tier::Critical | Tier::High)) = resource.tier else {
                return;
            };
            let (answer, node) = data::point_in_time_recovery(resource);
            if answer == Answer::No {
                let how = if node.is_some() {
                    "is disabled"
                } else {
                    "is not enabled (it is off by default)"
                };
                sink.report_resource(
                    resource,
                    node,
                    format!(
                        "point-in-time recovery of {tier}-tier DynamoDB table `{}` {how}",
                        resource.address
                    ),
                );
            }
        }
        _ => {}
    }
}
