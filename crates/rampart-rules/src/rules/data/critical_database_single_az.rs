use rampart_config::{Severity, Tier};
use rampart_model::aws::data::{self, StoreKind};

use super::is_set;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "BAK-005",
        name: "critical-database-single-az",
        severity: Severity::High,
        summary: "Critical database runs in a single Availability Zone",
        requirements: &["G-DR-03"],
        docs: RuleDocs {
            what: "Reports a critical-tier RDS instance (Terraform `aws_db_instance`, CloudFormation `AWS::RDS::DBInstance`) without `multi_az = true` / `MultiAZ: true` (the default is a single-AZ instance), at the value or, when unset, at the resource; and a critical-tier Aurora cluster (`aws_rds_cluster`, `AWS::RDS::DBCluster`) with exactly one instance (`aws_rds_cluster_instance` or `AWS::RDS::DBInstance` whose cluster identifier refers to or names it, `count` and `for_each` expanded). Not reported: read replicas and cluster members (their source or cluster decides), Multi-AZ DB clusters (`db_cluster_instance_class`: always three instances in three zones), Aurora Serverless v1 (`engine_mode = \"serverless\"`) and clusters in a global database (`global_cluster_identifier`), a cluster whose instances are not found in its root module or template (none, or one whose cluster identifier is unknown), and values known only after apply.",
            why: "A single-AZ database goes down with its Availability Zone and stays down for the length of a restore; a Multi-AZ instance or an Aurora cluster with a replica in another zone fails over in a minute or two. The policy requires failover for critical services (G-DR-03), and a critical agent is only as available as its database.",
            fail: Example::terraform(
                r#"resource "aws_db_instance" "ledger" {
  identifier                  = "ledger"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
  tags                        = { classification = "critical" }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_db_instance" "ledger" {
  identifier                  = "ledger"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
  multi_az                    = true
  tags                        = { classification = "critical" }
}
"#,
            ),
            fix: "Set `multi_az = true` on the instance (a standby in another zone, with automatic failover), with a DB subnet group covering at least two zones; for Aurora, add a second `aws_rds_cluster_instance` (a reader, which becomes the writer on failover) placed in another zone, or use `count = 2`.",
        },
    },
    check: Check::Resource(
        &[
            "aws_db_instance",
            "AWS::RDS::DBInstance",
            "aws_rds_cluster",
            "AWS::RDS::DBCluster",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if resource.tier != Some(Tier::Critical) {
        return;
    }
    match data::store_kind(resource) {
        Some(StoreKind::DbInstance) => {
            if data::is_cluster_member(resource) {
                return;
            }
            let setting = if resource.is_cloudformation() {
                "MultiAZ"
            } else {
                "multi_az"
            };
            match resource.attr("multi_az", "MultiAZ").filter(|n| !n.is_null()) {
                None => sink.report_resource(
                    resource,
                    None,
                    format!(
                        "critical database `{}` runs in a single Availability Zone: `{setting}` is not set (it defaults to false)",
                        resource.address
                    ),
                ),
                Some(node) if node.as_bool() == Some(false) => sink.report_resource(
                    resource,
                    Some(node),
                    format!(
                        "critical database `{}` runs in a single Availability Zone (`{setting}` is false)",
                        resource.address
                    ),
                ),
                Some(_) => {}
            }
        }
        Some(StoreKind::DbCluster) => {
            let engine_mode = resource
                .attr("engine_mode", "EngineMode")
                .and_then(|n| n.as_str());
            if engine_mode.is_some_and(|m| m.eq_ignore_ascii_case("serverless"))
                || is_set(resource.attr("db_cluster_instance_class", "DBClusterInstanceClass"))
                || is_set(resource.attr("global_cluster_identifier", "GlobalClusterIdentifier"))
            {
                return;
            }
            let members = data::cluster_members(ctx.project, resource.index);
            if members.count == 1 && !members.unknown {
                sink.report_resource(
                    resource,
                    None,
                    format!(
                        "critical Aurora cluster `{}` has a single instance: it has no replica in another Availability Zone to fail over to",
                        resource.address
                    ),
                );
            }
        }
        _ => {}
    }
}
