use rampart_config::Severity;
use rampart_model::aws::compute::{
    Block, Effective, TemplateLink, eks_template_hop_limit, instance_hop_limit, launch_settings,
    metadata, node_group_template, template_hop_limit,
};
use rampart_model::rampart_iac::Node;

use super::{block_anchor, is_managed, noun, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NODE-002",
        name: "imds-hop-limit",
        severity: Severity::High,
        summary: "Instance metadata tokens reach pods (hop limit above 1)",
        requirements: &["S-NODE-07", "P-IIA-1"],
        docs: RuleDocs {
            what: "Reports nodes whose IMDSv2 session tokens can travel more than one network hop, which lets pods (one hop away from the node) get the node's metadata and credentials: `metadata_options.http_put_response_hop_limit` / `MetadataOptions.HttpPutResponseHopLimit` above 1 in a launch template (Terraform `aws_launch_template`, CloudFormation `AWS::EC2::LaunchTemplate`) or an instance (`aws_instance`, `AWS::EC2::Instance`), wherever the value was written, or an account-level default above 1 (`aws_ec2_instance_metadata_defaults`) when none is written. A managed node group (`aws_eks_node_group`, `AWS::EKS::Nodegroup`) without a launch template is reported when its AMI is AL2 (`ami_type` `AL2_*`, or unset on Kubernetes before 1.30): EKS documents a hop limit of 2 in the launch template it creates. Unset elsewhere, EC2's default is 1 and nothing is reported; for AMIs registered as IMDSv2-only (AL2023) EC2 applies 2 while the EKS guide says 1 for managed nodes, so those are not reported either. Instances that take their metadata options from a launch template are judged on the template; values known only after apply are not reported.",
            why: "With a hop limit of 2 or more, any pod that is not on the host network can obtain an IMDSv2 token and read the node role's credentials, which carry the permissions of every pod's worst neighbour: ECR pulls, ENI management, often more. A limit of 1 keeps IMDS to the node itself; agents then get their own credentials through IRSA or EKS Pod Identity, as least privilege requires (S-NODE-07, P-IIA-1).",
            fail: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name = "agents-nodes"

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name = "agents-nodes"

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
}
"#,
            ),
            fix: "Set `http_put_response_hop_limit = 1` in the launch template's or instance's `metadata_options` (CloudFormation: `HttpPutResponseHopLimit: 1`), give managed node groups a launch template, and give every agent and add-on that calls AWS its own role through IRSA or EKS Pod Identity instead of the node's.",
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
    let limit_name = spelled(
        resource,
        "metadata_options.http_put_response_hop_limit",
        "MetadataOptions.HttpPutResponseHopLimit",
    );
    let effective = match resource.resource_type.as_str() {
        "aws_launch_template" | "AWS::EC2::LaunchTemplate" => {
            template_hop_limit(project, resource.index)
        }
        "aws_instance" | "AWS::EC2::Instance" => instance_hop_limit(project, resource.index),
        _ => {
            if node_group_template(project, resource.index) != TemplateLink::None {
                return;
            }
            if let Effective::Default(limit, why) = eks_template_hop_limit(project, resource.index)
                && limit > 1
            {
                sink.report_resource(
                    resource,
                    None,
                    format!(
                        "node group `{}` has no launch template and its IMDS hop limit is {limit} ({why}): every pod can obtain a metadata token and read the node role's credentials",
                        resource.address
                    ),
                );
            }
            return;
        }
    };
    match effective {
        Effective::Written(node) => {
            if let Some(limit) = node.as_i64().filter(|l| *l > 1) {
                sink.report_resource(
                    resource,
                    Some(node),
                    format!(
                        "{kind} `{}` sets `{limit_name}` to {limit}: pods one hop away from the node can obtain a metadata token and read the instance role's credentials",
                        resource.address
                    ),
                );
            }
        }
        Effective::Default(limit, why) if limit > 1 => sink.report_resource(
            resource,
            options_block(resource),
            format!(
                "{kind} `{}` does not set `{limit_name}` and gets {limit} from {why}: pods one hop away from the node can obtain a metadata token and read the instance role's credentials",
                resource.address
            ),
        ),
        _ => {}
    }
}
