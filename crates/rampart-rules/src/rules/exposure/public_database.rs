use rampart_config::Severity;
use rampart_model::rampart_iac::Node;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-005",
        name: "publicly-accessible-database",
        severity: Severity::Critical,
        summary: "Database instance is publicly accessible",
        requirements: &["G-NET-07", "G-NET-03", "P-IVA-2"],
        docs: RuleDocs {
            what: "Reports an RDS instance or Aurora cluster instance (Terraform `aws_db_instance`, `aws_rds_cluster_instance`; CloudFormation `AWS::RDS::DBInstance`) with `publicly_accessible` / `PubliclyAccessible` set to `true`, wherever the value was written: the resource, a variable default, a `tfvars` file or a module input. A value known only after apply is not reported (`--show-unknown` lists it).",
            why: "A publicly accessible instance gets a public DNS name and address; only its security groups stand between the internet and the database of the agents' data. The policy forbids exposing internal services directly (G-NET-07) and keeps data stores in isolated networks (P-IVA-2). AWS's default is `false`: setting it is a decision someone made, usually for a quick test, and it stays.",
            fail: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier          = "agents"
  engine              = "postgres"
  instance_class      = "db.r6g.large"
  publicly_accessible = true
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier          = "agents"
  engine              = "postgres"
  instance_class      = "db.r6g.large"
  publicly_accessible = false
}
"#,
            ),
            fix: "Set `publicly_accessible = false` (or remove it), place the instance in database subnets without a route to an internet gateway, and reach it from the agents through a security group rule that names the agents' security group.",
        },
    },
    check: Check::Resource(
        &[
            "aws_db_instance",
            "aws_rds_cluster_instance",
            "AWS::RDS::DBInstance",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let value = resource
        .get("publicly_accessible")
        .or_else(|| resource.get("PubliclyAccessible"));
    if let Some(node) = value.filter(|n| Node::as_bool(n) == Some(true)) {
        sink.report_resource(
            resource,
            Some(node),
            format!(
                "`{}` is publicly accessible: it gets a public address reachable from the internet",
                resource.address
            ),
        );
    }
}
