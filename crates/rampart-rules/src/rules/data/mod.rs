//! Data stores and secrets in infrastructure code: encryption, backups, credentials (G-BAK, G-DR, P-IIB2).
//!
//! What relates resources (which backup selection covers which store, where a
//! cluster's instances are, whether a value was written in the code) is in
//! `rampart_model::aws::data`; the rules here only decide and explain.

use rampart_model::rampart_iac::{Node, Origin, Resource, Value};

use crate::engine::{Rule, Sink};

mod backup_not_copied;
mod backup_vault_without_cmk;
mod critical_database_single_az;
mod critical_store_not_backed_up;
mod database_backups_disabled;
mod database_password_in_code;
mod plaintext_ssm_secret;
mod secret_in_function_environment;
mod secret_string_in_code;
mod storage_not_encrypted;

pub(crate) static RULES: &[&Rule] = &[
    &database_backups_disabled::RULE,
    &critical_store_not_backed_up::RULE,
    &backup_vault_without_cmk::RULE,
    &backup_not_copied::RULE,
    &critical_database_single_az::RULE,
    &storage_not_encrypted::RULE,
    &database_password_in_code::RULE,
    &secret_string_in_code::RULE,
    &plaintext_ssm_secret::RULE,
    &secret_in_function_environment::RULE,
];

/// Whether an attribute is set: present and not `null`.
pub(crate) fn is_set(node: Option<&Node>) -> bool {
    node.is_some_and(|n| !n.is_null())
}

/// Reports a finding about `secret` at `origin`, which may be narrower than
/// any node (a value inside a `jsonencode(…)` call). The secret is redacted
/// wherever the file's text is printed.
pub(crate) fn report_secret_at(
    sink: &mut Sink<'_>,
    resource: &Resource,
    origin: Origin,
    message: String,
    secret: &str,
) {
    let at = Node::new(Value::Null, Some(origin));
    sink.report_resource_secret(resource, Some(&at), message, secret);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rampart_config::Config;
    use rampart_discover::{FileKind, InputFile};
    use rampart_model::Project;
    use rampart_model::rampart_iac::Language;

    use crate::engine::{EvalOptions, Rule, evaluate};

    fn findings(rule: &'static Rule, files: &[(&str, FileKind, &str)]) -> Vec<(String, u32)> {
        let project = Project::build(
            files
                .iter()
                .map(|(path, kind, text)| InputFile::new(*kind, path, text))
                .collect(),
            &Config::default(),
        );
        assert!(project.diagnostics.is_empty(), "{:?}", project.diagnostics);
        // A plan's resources replace the configuration's.
        let from_plan = files
            .iter()
            .any(|(_, kind, _)| *kind == FileKind::TerraformPlan);
        assert!(
            !from_plan
                || project
                    .resources
                    .iter()
                    .any(|r| r.language == Language::TerraformPlan && r.get("password").is_some())
        );
        evaluate(
            &project,
            &Config::default(),
            &[rule],
            &EvalOptions::default(),
        )
        .iter()
        .map(|f| (project.file(f.file).display_path.clone(), f.span.start.line))
        .collect()
    }

    #[test]
    fn without_backup_selections_only_stores_without_own_backups_are_reported() {
        let found = findings(
            &super::critical_store_not_backed_up::RULE,
            &[(
                "main.tf",
                FileKind::Terraform,
                r#"
resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 10
  tags              = { classification = "critical" }
}
resource "aws_ebs_volume" "snapshotted" {
  availability_zone = "eu-west-1a"
  size              = 10
  tags              = { classification = "critical", snapshots = "daily" }
}
resource "aws_dlm_lifecycle_policy" "daily" {
  description        = "daily"
  execution_role_arn = "arn:aws:iam::123456789012:role/dlm"
  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { snapshots = "daily" }
  }
}
resource "aws_efs_file_system" "one_zone" {
  availability_zone_name = "eu-west-1a"
  tags                   = { classification = "critical" }
}
resource "aws_db_instance" "ledger" {
  identifier = "ledger"
  tags       = { classification = "critical" }
}
"#,
            )],
        );
        assert_eq!(found, vec![("main.tf".to_owned(), 2)]);
    }

    #[test]
    fn account_level_ebs_encryption_covers_every_volume() {
        let found = findings(
            &super::storage_not_encrypted::RULE,
            &[(
                "main.tf",
                FileKind::Terraform,
                r#"
resource "aws_ebs_encryption_by_default" "on" {}
resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}
"#,
            )],
        );
        assert!(found.is_empty(), "{found:?}");
    }

    const PLAN: &str = r#"{"format_version": "1.2",
 "planned_values": {"root_module": {"resources": [
  {"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a",
   "values": {"identifier": "a", "password": "Tr0ub4dor-and-3"}}]}}}
"#;

    #[test]
    fn a_plan_alone_cannot_tell_a_literal_from_a_value_read_at_plan_time() {
        let found = findings(
            &super::database_password_in_code::RULE,
            &[("plan.json", FileKind::TerraformPlan, PLAN)],
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_plan_with_its_configuration_reports_literals_only() {
        let literal = "resource \"aws_db_instance\" \"a\" {\n  identifier = \"a\"\n  password   = \"Tr0ub4dor-and-3\"\n}\n";
        let found = findings(
            &super::database_password_in_code::RULE,
            &[
                ("main.tf", FileKind::Terraform, literal),
                ("plan.json", FileKind::TerraformPlan, PLAN),
            ],
        );
        assert_eq!(found, vec![("main.tf".to_owned(), 3)]);
        let read = "data \"aws_ssm_parameter\" \"pw\" {\n  name = \"/db/pw\"\n}\nresource \"aws_db_instance\" \"a\" {\n  identifier = \"a\"\n  password   = data.aws_ssm_parameter.pw.value\n}\n";
        let found = findings(
            &super::database_password_in_code::RULE,
            &[
                ("main.tf", FileKind::Terraform, read),
                ("plan.json", FileKind::TerraformPlan, PLAN),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
