use rampart_config::Severity;
use rampart_model::aws::data;

use super::report_secret_at;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-005",
        name: "database-password-in-code",
        severity: Severity::High,
        summary: "Database master password is written in the code",
        requirements: &["G-CFG-02", "P-IIB2-a", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports the master password of a database (Terraform `aws_db_instance.password` and `password_wo`, `aws_rds_cluster.master_password` and `master_password_wo`, and the same on `aws_docdb_cluster` and `aws_redshift_cluster`; CloudFormation `MasterUserPassword` of `AWS::RDS::DBInstance`, `AWS::RDS::DBCluster`, `AWS::DocDB::DBCluster`, `AWS::Redshift::Cluster`) when its value is written in the code: a literal, a variable default, a `tfvars` file, a local, a module input, a template parameter's `Default`. It is reported where the value is written, and the value is never printed. Whatever the value looks like (`changeme` included), it is the password the database is created with. Not reported: `manage_master_user_password = true` / `ManageMasterUserPassword: true`, values known only at apply (`random_password.db.result`, a data source, a variable given with `--var` or `TF_VAR_…`, a parameter without a default, a `{{resolve:secretsmanager:…}}` dynamic reference). In a plan, a value is reported only when the configuration scanned with it shows it written as a literal: a plan has already read its data sources.",
            why: "A password in the code is in every clone, fork, CI log and state file, and cannot be rotated without a commit; whoever reads the repository can log in as the database's administrator. The policy requires secrets to live in an approved vault and reach systems at runtime (G-CFG-02, P-IIB2-a) and never to be committed (P-IIB2-b). RDS can create and rotate the master password in Secrets Manager itself.",
            fail: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier     = "agents"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  username       = "agents_admin"
  password       = "Tr0ub4dor-and-3"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_db_instance" "agents" {
  identifier                  = "agents"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  username                    = "agents_admin"
  manage_master_user_password = true
}
"#,
            ),
            fix: "Remove the password and rotate it: it is in the repository's history. Set `manage_master_user_password = true` (CloudFormation `ManageMasterUserPassword: true`) so that RDS keeps the password in Secrets Manager and rotates it (Redshift: `manage_master_password = true`), or pass a secret at deployment (`{{resolve:secretsmanager:…}}`, an ephemeral `aws_secretsmanager_secret_version` with `password_wo`).",
        },
    },
    check: Check::Resource(
        &[
            "aws_db_instance",
            "aws_rds_cluster",
            "aws_docdb_cluster",
            "aws_redshift_cluster",
            "AWS::RDS::DBInstance",
            "AWS::RDS::DBCluster",
            "AWS::DocDB::DBCluster",
            "AWS::Redshift::Cluster",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let names: &[&str] = if resource.is_cloudformation() {
        &["MasterUserPassword"]
    } else if resource.resource_type == "aws_db_instance" {
        &["password", "password_wo"]
    } else {
        &["master_password", "master_password_wo"]
    };
    for name in names {
        let Some(node) = resource.get(name) else {
            continue;
        };
        let Some(password) = node.as_str().filter(|p| !p.is_empty()) else {
            continue;
        };
        let Some(origin) = data::written_in_code(ctx.project, resource, node, password) else {
            continue;
        };
        report_secret_at(
            sink,
            resource,
            origin,
            format!(
                "the master password of `{}` is written in the code (`{name}`); let the service keep it in Secrets Manager, or read it from a vault at deployment",
                resource.address
            ),
            password,
        );
    }
}
