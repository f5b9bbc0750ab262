use rampart_config::Severity;
use rampart_model::aws::compute::{
    Block, Effective, TemplateLink, Tokens, eks_template_tokens, instance_tokens, launch_settings,
    metadata, node_group_template, template_tokens,
};
use rampart_model::rampart_iac::Node;

use super::{block_anchor, is_managed, noun, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NODE-001",
        name: "imdsv1-enabled",
        severity: Severity::High,
        summary: "Instance metadata service v1 is enabled on nodes",
        requirements: &["S-NODE-06", "G-SEC-04", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports nodes that answer IMDSv1, token-less metadata requests. In a launch template (Terraform `aws_launch_template`, CloudFormation `AWS::EC2::LaunchTemplate`) or an instance (`aws_instance`, `AWS::EC2::Instance`): `metadata_options.http_tokens` / `MetadataOptions.HttpTokens` set to `optional`, or not set when the default is optional — EC2's default for AMIs not registered as IMDSv2-only (a custom `image_id`, an instance's `ami`, a template used outside EKS, or EKS node groups on AL2 AMIs). Not reported when unset: templates without `image_id` used only by node groups on AL2023 AMIs (which require IMDSv2), an account-level `aws_ec2_instance_metadata_defaults` with `http_tokens = \"required\"` anywhere in the project, instances that take their metadata options from a launch template (judged on the template), Bottlerocket and Windows node groups (their defaults are not documented), and `http_endpoint = \"disabled\"`. A managed node group (`aws_eks_node_group`, `AWS::EKS::Nodegroup`) without a launch template is reported when its AMI is AL2 (`ami_type` `AL2_*`, or unset on Kubernetes before 1.30): the launch template EKS creates for it leaves IMDSv1 on. Values known only after apply are not reported.",
            why: "IMDSv1 answers any GET to 169.254.169.254, so a server-side request forgery in an agent, or any process that can make the node fetch a URL, reads the node role's temporary credentials and acts with them in the account. IMDSv2 requires a PUT to get a session token first, which SSRF and most proxies cannot do. The policy requires IMDSv1 off on nodes (S-NODE-06), secure baselines (G-SEC-04) and least privilege, which node credentials in every pod's reach defeat (P-IIA-1).",
            fail: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name     = "agents-nodes"
  image_id = "ami-0123456789abcdef0"

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional"
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name     = "agents-nodes"
  image_id = "ami-0123456789abcdef0"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
}
"#,
            ),
            fix: "Set `metadata_options { http_endpoint = \"enabled\" http_tokens = \"required\" http_put_response_hop_limit = 1 }` in the launch template or instance (CloudFormation: `MetadataOptions: {HttpTokens: required, HttpPutResponseHopLimit: 1}`); give managed node groups a launch template with these options, or move them to AL2023 AMIs. Declare `aws_ec2_instance_metadata_defaults` with `http_tokens = \"required\"` in every account and region as a safety net. Agents that need AWS credentials get them through IRSA or EKS Pod Identity.",
        },
    },
    check: Check::Resource(
        &[
            "aws_launch_template",
            "AWS::EC2::LaunchTemplate",
            "aws_instance",
            "AWS::EC2::Instance",
            "aws_eks_node_group",
            "AWS::EKS::Nodegroup",
        ],
        check,
    ),
    inactive_when: None,
};

/// The `metadata_options` block of a launch template or instance, where to
/// report an unset value.
fn options_block<'a>(resource: &'a IacResource<'_>) -> Option<&'a Node> {
    let settings = launch_settings(resource)?;
    match metadata(settings, resource.language).block {
        Block::Present(block) => block_anchor(resource, Some(block)),
        Block::Absent | Block::Unknown => None,
    }
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let project = ctx.project;
    let kind = noun(resource);
    let tokens = spelled(
        resource,
        "metadata_options.http_tokens",
        "MetadataOptions.HttpTokens",
    );
    let effective = match resource.resource_type.as_str() {
        "aws_launch_template" | "AWS::EC2::LaunchTemplate" => {
            template_tokens(project, resource.index)
        }
        "aws_instance" | "AWS::EC2::Instance" => instance_tokens(project, resource.index),
        _ => {
            if node_group_template(project, resource.index) != TemplateLink::None {
                // The node group's launch template is judged on its own.
                return;
            }
            if let Effective::Default(Tokens::Optional, why) =
                eks_template_tokens(project, resource.index)
            {
                sink.report_resource(
                    resource,
                    None,
                    format!(
                        "node group `{}` has no launch template and its nodes answer IMDSv1: {why}; a request forgery in any pod can read the node role's credentials",
                        resource.address
                    ),
                );
            }
            return;
        }
    };
    match effective {
        Effective::Written(node) if node.as_str() == Some("optional") => sink.report_resource(
            resource,
            Some(node),
            format!(
                "{kind} `{}` sets `{tokens}` to \"optional\": its instances answer IMDSv1, so a request forgery can read the instance role's credentials",
                resource.address
            ),
        ),
        Effective::Default(Tokens::Optional, why) => sink.report_resource(
            resource,
            options_block(resource),
            format!(
                "{kind} `{}` does not set `{tokens}` to \"required\": its instances answer IMDSv1 ({why}), so a request forgery can read the instance role's credentials",
                resource.address
            ),
        ),
        _ => {}
    }
}
