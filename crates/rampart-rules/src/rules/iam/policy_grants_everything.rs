use rampart_config::Severity;

use super::{POLICY_TYPES, identity_policies, is_star, on_every_resource};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IAM-001",
        name: "policy-grants-everything",
        severity: Severity::Critical,
        summary: "IAM policy allows every action on every resource",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports an IAM policy statement with `Effect: Allow`, `Action: \"*\"` (or `\"*:*\"`) and `Resource: \"*\"` — administrator access — wherever the policy is written: Terraform `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`, `aws_iam_group_policy`, a role's `inline_policy`, an `aws_iam_policy_document` data source (its `statement` blocks); CloudFormation `AWS::IAM::Policy`, `ManagedPolicy`, `RolePolicy`/`UserPolicy`/`GroupPolicy` and the `Policies` of roles, users and groups. JSON strings, `jsonencode(...)` and heredocs are read; a policy read from a file or known only after apply is not. Statements with a `Principal` belong to resource policies (KMS key policies, bucket policies), where `Resource: \"*\"` means the resource itself: they are not identity grants and are not reported.",
            why: "A principal with this policy can do anything in the account: read every secret, delete every backup, switch off CloudTrail, create new users. The policy requires least privilege for every user, system and process (G-SEC-02, P-IIA-1); an agent or pipeline with administrator access turns any compromise of it into a compromise of the account.",
            fail: Example::terraform(
                r#"resource "aws_iam_role_policy" "agent" {
  name = "agent"
  role = "payments-agent"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_iam_role_policy" "agent" {
  name = "agent"
  role = "payments-agent"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = "arn:aws:s3:::acme-payments-models/*"
    }]
  })
}
"#,
            ),
            fix: "List the actions the principal needs and the resources it needs them on; IAM Access Analyzer can generate such a policy from the principal's CloudTrail activity.",
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
                || statement.not_action
                || !on_every_resource(&statement)
            {
                continue;
            }
            if let Some(action) = statement.actions.iter().find(|a| is_star(a)) {
                sink.report_resource(
                    resource,
                    Some(action),
                    format!(
                        "`{}` allows every action on every resource: administrator access",
                        resource.address
                    ),
                );
            }
        }
    }
}
