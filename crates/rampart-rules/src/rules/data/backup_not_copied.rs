use rampart_config::{Severity, Tier};
use rampart_model::Subject;
use rampart_model::aws::data::{self, Answer};

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "BAK-004",
        name: "backup-not-copied-to-another-region",
        severity: Severity::High,
        summary: "Backups of critical data stay in one region",
        requirements: &["G-BAK-03"],
        docs: RuleDocs {
            what: "Reports an AWS Backup plan (Terraform `aws_backup_plan`, CloudFormation `AWS::Backup::BackupPlan`) that backs up a critical-tier data store (one of its selections, linked by `plan_id` / `BackupPlanId`, certainly covers the store; see BAK-002) when none of its rules has a `copy_action` / `CopyActions` entry whose destination vault is in another region than the plan. The destination's region is read from a literal vault ARN (`arn:aws:backup:eu-central-1:…`) or from the vault resource it refers to; the plan's region from its `region` argument or the root module's `aws` provider. It is reported at the plan when there is no copy action, else at the first destination, which is then in the plan's own region (a vault of the same template, or of a root module with a single `aws` provider). Stores that copy themselves to another region are not counted: RDS automated backups replication (`aws_db_instance_automated_backups_replication`), Aurora global databases, DynamoDB global table replicas, S3 and EFS replication. When a region cannot be known (a root module with several `aws` providers, an ARN built with `${AWS::Region}` or variables), nothing is reported.",
            why: "Backups in the same region as the data share its fate: a regional outage, a compromised account's deletion spree or a mistaken vault policy takes both. The policy requires backups to be stored in geographically separate locations (G-BAK-03); for critical agents that means a copy in a second region (ideally in a separate backup account) that the primary region's failures cannot reach.",
            fail: Example::terraform(
                r#"provider "aws" {
  region = "eu-west-1"
}

resource "aws_db_instance" "ledger" {
  identifier                  = "ledger"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
  tags                        = { classification = "critical" }
}

resource "aws_backup_plan" "critical" {
  name = "critical"
  rule {
    rule_name         = "daily"
    target_vault_name = "agents"
    schedule          = "cron(0 3 * * ? *)"
  }
}

resource "aws_backup_selection" "ledger" {
  name         = "ledger"
  plan_id      = aws_backup_plan.critical.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  resources    = [aws_db_instance.ledger.arn]
}
"#,
            ),
            pass: Example::terraform(
                r#"provider "aws" {
  region = "eu-west-1"
}

resource "aws_db_instance" "ledger" {
  identifier                  = "ledger"
  engine                      = "postgres"
  instance_class              = "db.r6g.large"
  manage_master_user_password = true
  tags                        = { classification = "critical" }
}

resource "aws_backup_plan" "critical" {
  name = "critical"
  rule {
    rule_name         = "daily"
    target_vault_name = "agents"
    schedule          = "cron(0 3 * * ? *)"
    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-central-1:210987654321:backup-vault:agents-dr"
    }
  }
}

resource "aws_backup_selection" "ledger" {
  name         = "ledger"
  plan_id      = aws_backup_plan.critical.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  resources    = [aws_db_instance.ledger.arn]
}
"#,
            ),
            fix: "Add a `copy_action` to the plan's rule with `destination_vault_arn` of a vault in another region (created with an aliased provider, ideally in a separate backup account, encrypted with a customer managed key of that region), with a `lifecycle` at least as long as the source's. For RDS, `aws_db_instance_automated_backups_replication` also copies point-in-time backups to another region.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let selections = data::selections(project);
    let critical: Vec<usize> = data::stores(project)
        .into_iter()
        .filter(|&s| ctx.resource(s).tier == Some(Tier::Critical))
        .filter(|&s| data::own_cross_region_copy(project, s) == Answer::No)
        .collect();
    if critical.is_empty() {
        return;
    }
    for plan in 0..project.resources.len() {
        let resource = ctx.resource(plan);
        if resource.kind != rampart_model::rampart_iac::BlockKind::Resource
            || !data::PLAN_TYPES.contains(&resource.resource_type.as_str())
        {
            continue;
        }
        let own: Vec<usize> = selections
            .iter()
            .copied()
            .filter(|&s| data::selection_plans(project, s).contains(&plan))
            .collect();
        let covered: Vec<&str> = critical
            .iter()
            .filter(|&&store| {
                own.iter()
                    .any(|&s| data::selection_covers(project, s, store) == Answer::Yes)
            })
            .map(|&store| project.resources[store].address.as_str())
            .collect();
        let Some(first) = covered.first() else {
            continue;
        };
        let Some(copies) = data::copy_actions(project, plan) else {
            continue;
        };
        if copies.iter().any(|c| c.cross_region != Answer::No) {
            continue;
        }
        let stores = if covered.len() == 1 {
            format!("critical store `{first}`")
        } else {
            format!("{} critical stores (`{first}`, …)", covered.len())
        };
        let (node, what) = match copies.first() {
            None => (None, "copies none of its backups to another region"),
            Some(copy) => (
                Some(copy.destination),
                "copies its backups only to a vault in its own region",
            ),
        };
        findings.on(Subject::Resource(plan)).report_resource(
            &resource,
            node,
            format!(
                "backup plan `{}` backs up {stores} but {what}",
                resource.address
            ),
        );
    }
}
