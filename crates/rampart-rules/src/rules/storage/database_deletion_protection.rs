use rampart_config::{Severity, Tier};

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "BAK-006",
        name: "database-deletion-protection-disabled",
        severity: Severity::Medium,
        summary: "Critical- or high-tier database can be deleted without first removing its protection",
        requirements: &["G-BAK-01", "P-I", "G-DR-03"],
        docs: RuleDocs {
            what: "Reports an RDS instance or cluster, or a DynamoDB table, of the critical or high tier without deletion protection: Terraform `aws_db_instance` / `aws_rds_cluster` `deletion_protection` and `aws_dynamodb_table` `deletion_protection_enabled` unset (all default to `false`) or `false`; CloudFormation `DeletionProtection` / `DeletionProtectionEnabled`. Aurora cluster members (`aws_rds_cluster_instance`, or an `AWS::RDS::DBInstance` with a `DBClusterIdentifier`) take the cluster's setting and are not reported. Standard-tier stores are not judged.",
            why: "Without deletion protection one `terraform destroy`, a rename that forces replacement, or a console click deletes the database of a critical agent; restoring from backup then costs the whole recovery time and every write since the last snapshot. The policy requires critical data to be protected against destruction (P-I) and recoverable (G-BAK-01, G-DR-03); deletion protection makes deleting it a deliberate, two-step act.",
            fail: Example::terraform(
                r#"resource "aws_db_instance" "payments" {
  identifier     = "payments"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  tags           = { classification = "critical" }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_db_instance" "payments" {
  identifier          = "payments"
  engine              = "postgres"
  instance_class      = "db.r6g.large"
  deletion_protection = true
  tags                = { classification = "critical" }
}
"#,
            ),
            fix: "Set `deletion_protection = true` (DynamoDB: `deletion_protection_enabled = true`; CloudFormation `DeletionProtection: true` / `DeletionProtectionEnabled: true`), and in CloudFormation also `DeletionPolicy: Snapshot`.",
        },
    },
    check: Check::Resource(
        &[
            "aws_db_instance",
            "aws_rds_cluster",
            "aws_dynamodb_table",
            "AWS::RDS::DBInstance",
            "AWS::RDS::DBCluster",
            "AWS::DynamoDB::Table",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !matches!(resource.tier, Some(Tier::Critical | Tier::High)) {
        return;
    }
    // An Aurora member follows its cluster.
    if resource.resource_type == "AWS::RDS::DBInstance"
        && resource.get("DBClusterIdentifier").is_some()
    {
        return;
    }
    let (terraform, cloudformation) = if resource.resource_type.contains("ynamo") {
        ("deletion_protection_enabled", "DeletionProtectionEnabled")
    } else {
        ("deletion_protection", "DeletionProtection")
    };
    let name = if resource.is_cloudformation() {
        cloudformation
    } else {
        terraform
    };
    let tier = resource.tier.map(|t| t.to_string()).unwrap_or_default();
    match resource.attr(terraform, cloudformation) {
        Some(value) if value.as_bool() == Some(false) => sink.report_resource(
            resource,
            Some(value),
            format!(
                "{tier}-tier `{}` turns deletion protection off",
                resource.address
            ),
        ),
        Some(_) => {}
        None => sink.report_resource(
            resource,
            None,
            format!(
                "{tier}-tier `{}` has no deletion protection (`{name}` defaults to false)",
                resource.address
            ),
        ),
    }
}
