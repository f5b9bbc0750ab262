use rampart_config::Severity;
use rampart_model::rampart_iac::Node;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IAM-004",
        name: "administrator-access-attached",
        severity: Severity::High,
        summary: "AWS managed AdministratorAccess policy attached",
        requirements: &["G-SEC-02", "P-IIA-1", "G-ENV-07"],
        docs: RuleDocs {
            what: "Reports the AWS managed policy `arn:aws:iam::aws:policy/AdministratorAccess` (any partition) attached to a role, user or group: Terraform `aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment`, `aws_iam_group_policy_attachment`, `aws_iam_policy_attachment`, the `*_policy_attachments_exclusive` resources of provider v5.72 and later, a role's `managed_policy_arns`; CloudFormation `ManagedPolicyArns` of `AWS::IAM::Role`, `User` and `Group`. A policy ARN known only after apply is not reported.",
            why: "AdministratorAccess is `Action: \"*\"` on `Resource: \"*\"` (see IAM-001), maintained by AWS. Attached to an agent's or a pipeline's role it gives that workload the whole account; attached to human users in production it enables the manual changes the policy forbids (G-ENV-07). Least privilege (G-SEC-02, P-IIA-1) requires a policy scoped to the job.",
            fail: Example::terraform(
                r#"resource "aws_iam_role_policy_attachment" "ci" {
  role       = "github-deployer"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_iam_role_policy_attachment" "ci" {
  role       = "github-deployer"
  policy_arn = "arn:aws:iam::123456789012:policy/agents-deployer"
}
"#,
            ),
            fix: "Attach a customer-managed policy that lists what the principal does; keep administrator access for a break-glass role that humans assume with MFA and that is monitored.",
        },
    },
    check: Check::Resource(
        &[
            "aws_iam_role_policy_attachment",
            "aws_iam_user_policy_attachment",
            "aws_iam_group_policy_attachment",
            "aws_iam_policy_attachment",
            "aws_iam_role_policy_attachments_exclusive",
            "aws_iam_user_policy_attachments_exclusive",
            "aws_iam_group_policy_attachments_exclusive",
            "aws_iam_role",
            "AWS::IAM::Role",
            "AWS::IAM::User",
            "AWS::IAM::Group",
        ],
        check,
    ),
    inactive_when: None,
};

fn is_administrator(node: &Node) -> bool {
    node.as_str().is_some_and(|arn| {
        arn.starts_with("arn:aws") && arn.ends_with(":iam::aws:policy/AdministratorAccess")
    })
}

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let arns: Vec<&Node> = match resource
        .attr("managed_policy_arns", "ManagedPolicyArns")
        .or_else(|| resource.get("policy_arns"))
    {
        Some(list) => list.items().iter().collect(),
        None => resource.get("policy_arn").into_iter().collect(),
    };
    for arn in arns.into_iter().filter(|a| is_administrator(a)) {
        sink.report_resource(
            resource,
            Some(arn),
            format!(
                "`{}` attaches AdministratorAccess: every action on every resource in the account",
                resource.address
            ),
        );
    }
}
