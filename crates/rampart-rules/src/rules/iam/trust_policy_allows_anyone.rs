use rampart_config::Severity;

use super::referenced_document;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IAM-003",
        name: "role-assumable-by-anyone",
        severity: Severity::Critical,
        summary: "IAM role trust policy lets any AWS principal assume it",
        requirements: &["G-SEC-02", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports a role's trust policy (Terraform `aws_iam_role.assume_role_policy` — JSON, `jsonencode(...)` or an `aws_iam_policy_document` data source's `json`; CloudFormation `AssumeRolePolicyDocument` of `AWS::IAM::Role`) with an `Allow` statement whose principal is `\"*\"` or `{\"AWS\": \"*\"}` and that has no `Condition`. A wildcard principal narrowed by a condition (`aws:PrincipalOrgID`, `sts:ExternalId`, `aws:SourceAccount`) is not reported.",
            why: "With a wildcard principal and no condition, any principal in any AWS account — anyone on the internet with an AWS account — can call `sts:AssumeRole` and receive the role's permissions. The policy requires least privilege (G-SEC-02, P-IIA-1); trust must name who may assume the role.",
            fail: Example::terraform(
                r#"resource "aws_iam_role" "agent" {
  name = "payments-agent"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  })
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_iam_role" "agent" {
  name = "payments-agent"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub" = "system:serviceaccount:critical-agents:payments-agent"
        }
      }
    }]
  })
}
"#,
            ),
            fix: "Name the principals that may assume the role (a service, an account, an OIDC provider with a `sub` condition for IRSA), or keep `\"*\"` only with a condition such as `aws:PrincipalOrgID`.",
        },
    },
    check: Check::Resource(&["aws_iam_role", "AWS::IAM::Role"], check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(node) = resource.attr("assume_role_policy", "AssumeRolePolicyDocument") else {
        return;
    };
    let Some(document) = referenced_document(ctx, resource, node) else {
        return;
    };
    for statement in document.statements() {
        if !statement.allow || statement.conditional {
            continue;
        }
        if let Some(principal) = statement.wildcard_principal() {
            sink.report_resource(
                resource,
                Some(principal),
                format!(
                    "role `{}` can be assumed by any principal in any AWS account: its trust policy allows `*` without a condition",
                    resource.address
                ),
            );
        }
    }
}
