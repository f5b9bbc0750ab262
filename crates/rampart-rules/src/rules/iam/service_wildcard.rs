use rampart_config::Severity;

use super::{POLICY_TYPES, identity_policies, is_star, on_every_resource};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IAM-002",
        name: "policy-wildcard-on-every-resource",
        severity: Severity::High,
        summary: "IAM policy allows a whole service, `iam:PassRole` or `NotAction` on every resource",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports an `Allow` statement on `Resource: \"*\"` that grants every action of a service (`s3:*`, `iam:*`, `ec2:*`), `iam:PassRole` (or `iam:Pass*`), or uses `NotAction` (every action but the listed ones), in the same policies IAM-001 reads. Statements IAM-001 reports (`Action: \"*\"`) are not reported again. Service wildcards on named resources (`s3:*` on one bucket) are not reported, nor statements with a `Principal`: those belong to resource policies such as AWS's default key policy (`kms:*` on `*` for the account), where `*` is the resource itself.",
            why: "`s3:*` on `*` reads and deletes every bucket in the account; `iam:*` or `iam:PassRole` on `*` lets the principal hand itself any role, including an administrator's — a privilege escalation one step away from IAM-001. `NotAction` with `Allow` grants everything AWS adds later. The policy requires least privilege (G-SEC-02, P-IIA-1).",
            fail: Example::terraform(
                r#"resource "aws_iam_policy" "deployer" {
  name = "deployer"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ecs:*", "iam:PassRole"]
      Resource = "*"
    }]
  })
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_iam_policy" "deployer" {
  name = "deployer"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["ecs:UpdateService", "ecs:DescribeServices"]
        Resource = "arn:aws:ecs:eu-west-1:123456789012:service/agents/*"
      },
      {
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "arn:aws:iam::123456789012:role/agents-task-*"
      }
    ]
  })
}
"#,
            ),
            fix: "Name the actions and the resources (ARN patterns) the principal needs; restrict `iam:PassRole` to the roles it must pass and add an `iam:PassedToService` condition.",
        },
    },
    check: Check::Resource(POLICY_TYPES, check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    for document in identity_policies(resource) {
        for statement in document.statements() {
            // A statement with a principal belongs to a resource policy (a key
            // or bucket policy, where `Resource: "*"` means that one resource),
            // not to an identity policy.
            if !statement.principals.is_empty()
                || !statement.allow
                || !on_every_resource(&statement)
            {
                continue;
            }
            if statement.not_action {
                let node = statement.actions.first().copied();
                sink.report_resource(
                    resource,
                    node,
                    format!(
                        "`{}` allows every action except those in `NotAction` on every resource, including any action AWS adds later",
                        resource.address
                    ),
                );
                continue;
            }
            if statement.actions.iter().any(|a| is_star(a)) {
                // IAM-001's finding.
                continue;
            }
            for action in &statement.actions {
                let Some(text) = action.as_str() else {
                    continue;
                };
                let lower = text.to_ascii_lowercase();
                let message = if lower.ends_with(":*") {
                    format!(
                        "`{}` allows every `{}` action on every resource",
                        resource.address,
                        &text[..text.len() - 2]
                    )
                } else if lower == "iam:passrole" || lower == "iam:pass*" || lower == "iam:p*" {
                    format!(
                        "`{}` allows `iam:PassRole` on every role: it can hand any role, an administrator's included, to a service it controls",
                        resource.address
                    )
                } else {
                    continue;
                };
                sink.report_resource(resource, Some(action), message);
            }
        }
    }
}
