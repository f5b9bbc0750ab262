use rampart_config::Severity;
use rampart_model::rampart_iac::Value;

use super::attribute_name;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-008",
        name: "rds-logs-not-exported",
        severity: Severity::Medium,
        summary: "Database does not export its logs to CloudWatch Logs",
        requirements: &["P-IVB-1", "P-IVB-3", "G-MON-04"],
        docs: RuleDocs {
            what: "Reports an RDS instance or cluster (Terraform `aws_db_instance`, `aws_rds_cluster`; CloudFormation `AWS::RDS::DBInstance`, `AWS::RDS::DBCluster`) without `enabled_cloudwatch_logs_exports` / `EnableCloudwatchLogsExports`, or with an empty list. Instances of an Aurora cluster (`aws_rds_cluster_instance`, a `DBInstance` with `DBClusterIdentifier`) export through their cluster and are not concerned; nor are RDS Custom engines (`custom-*`) and Aurora Serverless v1 clusters (`engine_mode = \"serverless\"`), which cannot export logs this way. Which log types to export depends on the engine (`postgresql`, `audit`/`error`/`general`/`slowquery`, …) and is not judged. Values known only after apply are not judged (`--show-unknown` lists them).",
            why: "Database logs record connections, failed logins and errors of the stores that hold the agents' data. Kept only on the instance, they rotate away within days and disappear with the instance, out of reach of the central log analysis and of the 90-day retention the policy requires. The policy asks for all activity and all access attempts to be logged (P-IVB-1, P-IVB-3) and aggregated (G-MON-04); the requirements catalogue names `enabled_cloudwatch_logs_exports`.",
            fail: Example::terraform(
                r#"resource "aws_db_instance" "memory" {
  identifier     = "agent-memory"
  engine         = "postgres"
  instance_class = "db.r6g.large"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_db_instance" "memory" {
  identifier                      = "agent-memory"
  engine                          = "postgres"
  instance_class                  = "db.r6g.large"
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
}
"#,
            ),
            fix: "Set `enabled_cloudwatch_logs_exports` to the engine's log types (PostgreSQL `[\"postgresql\", \"upgrade\"]`; MySQL and MariaDB `[\"audit\", \"error\", \"general\", \"slowquery\"]`, with the audit plugin in the option group; Aurora on the cluster), and set the retention and KMS key of the `/aws/rds/…` log groups by declaring them.",
        },
    },
    check: Check::Resource(
        &[
            "aws_db_instance",
            "aws_rds_cluster",
            "AWS::RDS::DBInstance",
            "AWS::RDS::DBCluster",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !super::is_managed(resource) {
        return;
    }
    let set = |terraform: &str, cloudformation: &str| {
        resource
            .attr(terraform, cloudformation)
            .filter(|n| !n.is_null())
    };
    if resource.resource_type == "AWS::RDS::DBInstance" && set("", "DBClusterIdentifier").is_some()
    {
        return;
    }
    match set("engine", "Engine").map(|n| n.as_str()) {
        Some(None) => return,
        Some(Some(engine)) if engine.starts_with("custom-") => return,
        _ => {}
    }
    if let Some(None | Some("serverless")) = set("engine_mode", "EngineMode").map(|n| n.as_str()) {
        return;
    }
    let what = if resource.resource_type.contains("luster") {
        "cluster"
    } else {
        "instance"
    };
    let address = &resource.address;
    match set(
        "enabled_cloudwatch_logs_exports",
        "EnableCloudwatchLogsExports",
    ) {
        None => sink.report_resource(
            resource,
            None,
            format!(
                "database {what} `{address}` exports no logs to CloudWatch Logs (`{}`)",
                attribute_name(
                    resource,
                    "enabled_cloudwatch_logs_exports",
                    "EnableCloudwatchLogsExports"
                )
            ),
        ),
        Some(node) if matches!(&node.value, Value::List(items) if items.is_empty()) => sink
            .report_resource(
                resource,
                Some(node),
                format!("database {what} `{address}` exports no logs to CloudWatch Logs"),
            ),
        Some(_) => {}
    }
}
